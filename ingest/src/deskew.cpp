// Skew measurement with Leptonica's pixFindSkew: a sweep over ±7° of the projection profiles of a binarised,
// reduced copy of the page, then a binary search to 0.01°; the page with the sharpest text-line profile wins.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <exadoc/base/log.h>
#include <exadoc/ingest/deskew.h>
#include <exadoc/ingest/input_error.h>

#include "handles.h"
#include "messages.h"

namespace exadoc::ingest {
namespace {

// Leptonica finds skew on text lines a few pixels high; 2500 px on the long side (about 200 DPI for A4)
// keeps that true and bounds the memory of the copy for huge scans.
constexpr double kMeasureLongSidePx = 2500;
// Below this the sweep found no dominant line direction (blank page, photo, drawing): leave the page alone.
// Leptonica's own pixDeskew uses the same threshold.
constexpr double kMinConfidence = 3.0;
// Grey values below this count as ink when binarising for the measurement.
constexpr l_int32 kInkThreshold = 160;

// A reduced 8-bit grey copy of the page as a Leptonica image.
PixPtr grey_pix_for_measurement(const PageImage& page) {
  VipsImagePtr image(page.vips_image(), [](VipsImage*) {});  // borrowed
  VipsImage* out = nullptr;
  // Each libvips call writes `out`; step() takes ownership of it (or reports the failure).
  auto step = [&](int status) {
    if (status != 0) {
      throw InputError(page.source(), page.info().index,
                       "cannot prepare the page for deskew: " + take_vips_error());
    }
    image = adopt_vips_image(out);
  };
  if (vips_image_get_bands(image.get()) != 1)
    step(vips_colourspace(image.get(), &out, VIPS_INTERPRETATION_B_W, nullptr));
  const double long_side = std::max(vips_image_get_width(image.get()), vips_image_get_height(image.get()));
  if (long_side > kMeasureLongSidePx)
    step(vips_resize(image.get(), &out, kMeasureLongSidePx / long_side, nullptr));

  size_t size = 0;
  auto* bytes = static_cast<uint8_t*>(vips_image_write_to_memory(image.get(), &size));
  if (bytes == nullptr) {
    throw InputError(page.source(), page.info().index, decode_failure(take_vips_error()));
  }
  const std::unique_ptr<uint8_t, decltype(&g_free)> owned(bytes, &g_free);
  const int width = vips_image_get_width(image.get());
  const int height = vips_image_get_height(image.get());
  PixPtr pix(pixCreate(width, height, 8));
  if (!pix) throw InputError(page.source(), page.info().index, "out of memory preparing the page for deskew");
  const l_int32 words_per_line = pixGetWpl(pix.get());
  l_uint32* data = pixGetData(pix.get());
  for (int y = 0; y < height; ++y) {
    l_uint32* line = data + static_cast<size_t>(y) * words_per_line;
    const uint8_t* row = bytes + static_cast<size_t>(y) * width;
    for (int x = 0; x < width; ++x) SET_DATA_BYTE(line, x, row[x]);
  }
  return pix;
}

}  // namespace

Skew measure_skew(const PageImage& page) {
  const PixPtr grey = grey_pix_for_measurement(page);
  const PixPtr binary(pixConvertTo1(grey.get(), kInkThreshold));
  Skew skew;
  l_float32 angle = 0, confidence = 0;
  if (binary && pixFindSkew(binary.get(), &angle, &confidence) == 0) {
    // Leptonica reports the clockwise rotation that straightens the page, which is the counter-clockwise
    // skew of the content: our convention.
    skew.angle_deg = angle;
    skew.confidence = confidence;
  }
  return skew;
}

bool needs_correction(const Skew& skew) {
  return skew.confidence >= kMinConfidence && std::abs(skew.angle_deg) >= kMinDeskewAngleDeg;
}

void correct_skew(PageImage& page, Skew skew) {
  VipsImage* rotated = nullptr;
  VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
  // vips_rotate turns clockwise for positive angles (y points down).
  const int status = vips_rotate(page.vips_image(), &rotated, skew.angle_deg, "background", white, nullptr);
  vips_area_unref(VIPS_AREA(white));
  if (status != 0)
    throw InputError(page.source(), page.info().index, "cannot deskew the page: " + take_vips_error());
  const VipsImagePtr image = adopt_vips_image(rotated);
  const double pt_per_px = 72.0 / page.dpi();
  page.replace_image(image,
                     {vips_image_get_width(rotated) * pt_per_px, vips_image_get_height(rotated) * pt_per_px});
  skew.corrected = true;
  page.set_skew(skew);
}

void deskew(PageImage& page) {
  const Skew skew = measure_skew(page);
  EXADOC_LOG_DEBUG("%s: page %d: skew %.2f deg (confidence %.1f)", page.source().c_str(),
                   page.info().index + 1, skew.angle_deg, skew.confidence);
  if (needs_correction(skew)) {
    correct_skew(page, skew);
  } else {
    page.set_skew(skew);
  }
}

}  // namespace exadoc::ingest
