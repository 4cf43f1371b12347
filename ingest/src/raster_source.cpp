// Raster images as pages. libvips loads PNG, JPEG, JPEG 2000, TIFF (multi-page, CCITT G4) and WebP lazily:
// opening reads only the header, so the pixel-count guard runs before any pixel is decoded, and a page that
// is only written out (exadoc render) streams from file to file in strips without ever being held whole.
// Debian's libvips has no BMP loader (that would go through ImageMagick), so BMP goes through Leptonica.
#include "raster_source.h"

#include <exadoc/base/log.h>
#include <exadoc/ingest/deskew.h>
#include <exadoc/ingest/input_error.h>

#include "handles.h"
#include "messages.h"

namespace exadoc::ingest {
namespace {

// When a file carries no resolution (or a placeholder such as 1 px/mm), we assume a scan at 300 DPI.
constexpr double kAssumedDpi = 300;
constexpr double kMinPlausibleDpi = 50;

class RasterSource final : public PageSource {
 public:
  RasterSource(std::filesystem::path file, FileType type, const Limits& limits)
      : path_(std::move(file)), type_(type), limits_(limits) {
    ensure_vips_initialised();
    const VipsImagePtr first = load(0, VIPS_ACCESS_SEQUENTIAL);
    page_count_ = type_ == FileType::kTiff ? vips_image_get_n_pages(first.get()) : 1;
    if (page_count_ <= 0) throw InputError(path_, std::nullopt, "the image file holds no pages");
    if (page_count_ > limits_.max_pages) {
      throw InputError(path_, std::nullopt,
                       "the image file has " + std::to_string(page_count_) +
                           " pages, more than the limit of " + std::to_string(limits_.max_pages) +
                           "; pass --max-pages to raise it for trusted files");
    }
  }

  const std::filesystem::path& path() const override { return path_; }
  FileType type() const override { return type_; }
  int page_count() const override { return page_count_; }

  PageInfo page_info(int page_index) const override {
    const VipsImagePtr image = load(page_index, VIPS_ACCESS_SEQUENTIAL);
    return info_of(image.get(), page_index);
  }

  PageImage render(int page_index, const RenderOptions& options) const override {
    PageImage page = open_page(page_index, VIPS_ACCESS_SEQUENTIAL);
    if (options.deskew == DeskewMode::kOff) return page;  // image files are scans: kAuto deskews them
    // Measuring consumes the sequential stream, at low memory. A rotation reads the page in an order the
    // decoder cannot stream, so only then is the page opened again for random access.
    const Skew skew = measure_skew(page);
    EXADOC_LOG_DEBUG("%s: page %d: skew %.2f deg (confidence %.1f)", path_.c_str(), page_index + 1,
                     skew.angle_deg, skew.confidence);
    if (!needs_correction(skew)) {
      PageImage fresh = open_page(page_index, VIPS_ACCESS_SEQUENTIAL);
      fresh.set_skew(skew);
      return fresh;
    }
    PageImage random_access = open_page(page_index, VIPS_ACCESS_RANDOM);
    correct_skew(random_access, skew);
    return random_access;
  }

 private:
  PageImage open_page(int page_index, VipsAccess access) const {
    const VipsImagePtr loaded = load(page_index, access);
    PageImage page(normalise(loaded, page_index), path_, type_, info_of(loaded.get(), page_index),
                   dpi_of(loaded.get()));
    page.set_dpi_assumed(!has_plausible_dpi(loaded.get()));
    return page;
  }

  static bool has_plausible_dpi(VipsImage* image) {
    return vips_image_get_xres(image) * 25.4 >= kMinPlausibleDpi;
  }

  static double dpi_of(VipsImage* image) {
    return has_plausible_dpi(image) ? vips_image_get_xres(image) * 25.4 : kAssumedDpi;
  }

  PageInfo info_of(VipsImage* image, int page_index) const {
    const double dpi = dpi_of(image);
    PageInfo info;
    info.index = page_index;
    info.size_pt = {vips_image_get_width(image) * 72.0 / dpi, vips_image_get_height(image) * 72.0 / dpi};
    return info;
  }

  // Opens one page lazily (header only) and applies the pixel guard.
  VipsImagePtr load(int page_index, VipsAccess access) const {
    if (page_index < 0 || (page_count_ > 0 && page_index >= page_count_)) {
      throw InputError(path_, page_index,
                       "no such page: the file has " + std::to_string(page_count_) + " pages");
    }
    VipsImagePtr image = type_ == FileType::kBmp ? load_bmp() : load_with_vips(page_index, access);
    check_pixels(vips_image_get_width(image.get()), vips_image_get_height(image.get()), page_index);
    return image;
  }

  void check_pixels(int64_t width, int64_t height, int page_index) const {
    if (width * height > limits_.max_pixels_per_page) {
      throw InputError(path_, page_index,
                       std::to_string(width) + "x" + std::to_string(height) + " px exceeds the limit of " +
                           megapixels_text(limits_.max_pixels_per_page) +
                           " per page (possible decompression bomb); pass --max-pixels to raise it for "
                           "trusted files");
    }
  }

  VipsImagePtr load_with_vips(int page_index, VipsAccess access) const {
    const char* file = path_.c_str();
    VipsImage* raw = nullptr;
    int status = -1;
    switch (type_) {
      case FileType::kPng:
        status = vips_pngload(file, &raw, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
        break;
      case FileType::kJpeg:
        status = vips_jpegload(file, &raw, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
        break;
      case FileType::kJpeg2000:
        status = vips_jp2kload(file, &raw, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
        break;
      case FileType::kTiff:
        status = vips_tiffload(file, &raw, "page", page_index, "access", access, "fail_on",
                               VIPS_FAIL_ON_TRUNCATED, nullptr);
        break;
      case FileType::kWebp:
        status = vips_webpload(file, &raw, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
        break;
      case FileType::kPdf:
      case FileType::kBmp:
      case FileType::kUnknown:
        throw InternalError("load_with_vips called for " + std::string(file_type_name(type_)));
    }
    if (status != 0) {
      throw InputError(path_, page_count_ > 1 ? std::optional<int>(page_index) : std::nullopt,
                       "cannot read the " + std::string(file_type_name(type_)) + " image (" +
                           take_vips_error() + "); the file is corrupt or truncated");
    }
    return adopt_vips_image(raw);
  }

  // BMP is uncompressed or RLE, so decoding it whole is fine once the header passed the pixel guard.
  VipsImagePtr load_bmp() const {
    l_int32 format = 0, width = 0, height = 0, bits_per_sample = 0, samples_per_pixel = 0, colormapped = 0;
    if (pixReadHeader(path_.c_str(), &format, &width, &height, &bits_per_sample, &samples_per_pixel,
                      &colormapped) != 0) {
      throw InputError(path_, std::nullopt, "cannot read the BMP header; the file is corrupt or truncated");
    }
    check_pixels(width, height, 0);
    const PixPtr pix(pixRead(path_.c_str()));
    if (!pix)
      throw InputError(path_, std::nullopt, "cannot decode the BMP image; the file is corrupt or truncated");
    const PixPtr rgba(pixConvertTo32(pix.get()));
    if (!rgba) throw InputError(path_, std::nullopt, "cannot convert the BMP image to RGB");
    const int w = static_cast<int>(pixGetWidth(rgba.get()));
    const int h = static_cast<int>(pixGetHeight(rgba.get()));
    std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
    const l_int32 words_per_line = pixGetWpl(rgba.get());
    const l_uint32* data = pixGetData(rgba.get());
    for (int y = 0; y < h; ++y) {
      const l_uint32* line = data + static_cast<size_t>(y) * words_per_line;
      uint8_t* out = rgb.data() + static_cast<size_t>(y) * w * 3;
      for (int x = 0; x < w; ++x) {
        l_int32 red = 0, green = 0, blue = 0;
        extractRGBValues(line[x], &red, &green, &blue);
        out[3 * x + 0] = static_cast<uint8_t>(red);
        out[3 * x + 1] = static_cast<uint8_t>(green);
        out[3 * x + 2] = static_cast<uint8_t>(blue);
      }
    }
    VipsImage* raw = vips_image_new_from_memory_copy(rgb.data(), rgb.size(), w, h, 3, VIPS_FORMAT_UCHAR);
    if (raw == nullptr)
      throw InputError(path_, std::nullopt, "cannot hold the BMP image: " + take_vips_error());
    raw->Type = VIPS_INTERPRETATION_sRGB;
    const l_int32 xres = pixGetXRes(pix.get());  // pixels per inch, 0 when the file says nothing
    raw->Xres = xres / 25.4;
    raw->Yres = pixGetYRes(pix.get()) / 25.4;
    return adopt_vips_image(raw);
  }

  // Every page leaves ingest as 8-bit grey or 8-bit sRGB without alpha (flattened onto white paper).
  VipsImagePtr normalise(VipsImagePtr image, int page_index) const {
    VipsImage* out = nullptr;
    // Each libvips call writes `out`; step() takes ownership of it (or reports the failure).
    auto step = [&](int status) {
      if (status != 0) throw InputError(path_, page_index, "cannot convert the image: " + take_vips_error());
      image = adopt_vips_image(out);
    };
    if (vips_image_hasalpha(image.get())) {
      VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
      const int status = vips_flatten(image.get(), &out, "background", white, nullptr);
      vips_area_unref(VIPS_AREA(white));
      step(status);
    }
    const bool colour = vips_image_get_bands(image.get()) >= 3;
    step(vips_colourspace(image.get(), &out, colour ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W,
                          nullptr));
    if (vips_image_get_format(image.get()) != VIPS_FORMAT_UCHAR)
      step(vips_cast_uchar(image.get(), &out, nullptr));
    return image;
  }

  std::filesystem::path path_;
  FileType type_;
  Limits limits_;
  int page_count_ = 0;
};

}  // namespace

std::unique_ptr<PageSource> open_raster_source(const std::filesystem::path& file, FileType type,
                                               const Limits& limits) {
  return std::make_unique<RasterSource>(file, type, limits);
}

}  // namespace exadoc::ingest
