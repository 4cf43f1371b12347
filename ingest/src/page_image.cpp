#include <cstring>

#include <unistd.h>

#include <exadoc/ingest/input_error.h>
#include <exadoc/ingest/page_image.h>

#include "handles.h"
#include "messages.h"

namespace exadoc::ingest {

PageImage::PageImage(std::shared_ptr<_VipsImage> image, std::filesystem::path source, FileType source_type,
                     PageInfo info, double dpi)
    : image_(std::move(image)),
      source_(std::move(source)),
      source_type_(source_type),
      info_(info),
      dpi_(dpi) {}

PageImage::~PageImage() = default;

int PageImage::width_px() const {
  return vips_image_get_width(image_.get());
}
int PageImage::height_px() const {
  return vips_image_get_height(image_.get());
}
int PageImage::bands() const {
  return vips_image_get_bands(image_.get());
}

BoxPx PageImage::to_px(const BoxPt& box) const {
  const double scale = dpi_ / 72.0;
  return {box.x1 * scale, box.y1 * scale, box.x2 * scale, box.y2 * scale};
}

void PageImage::replace_image(std::shared_ptr<_VipsImage> image, const SizePt& size_pt) {
  image_ = std::move(image);
  info_.size_pt = size_pt;
}

void PageImage::save_png(const std::filesystem::path& file, int compression) const {
  if (vips_pngsave(image_.get(), file.c_str(), "compression", compression, nullptr) == 0) return;
  const std::string reason = take_vips_error();
  std::error_code ignored;
  std::filesystem::remove(file, ignored);  // never leave half a PNG behind
  // The pixels may still be streaming from the source file, so a failure is either the source's data or the
  // destination. If the destination folder takes files, it was the data.
  const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : ".";
  if (access(folder.c_str(), W_OK) != 0) {
    throw InputError(source_, info_.index, "cannot write " + file.string() + ": " + reason);
  }
  throw InputError(source_, info_.index, decode_failure(reason));
}

std::vector<uint8_t> PageImage::rgb_pixels() const {
  VipsImage* rgb_raw = nullptr;
  if (bands() == 3) {
    rgb_raw = image_.get();
    g_object_ref(rgb_raw);
  } else if (vips_colourspace(image_.get(), &rgb_raw, VIPS_INTERPRETATION_sRGB, nullptr) != 0) {
    throw InputError(source_, info_.index, "cannot convert the page to RGB: " + take_vips_error());
  }
  const VipsImagePtr rgb = adopt_vips_image(rgb_raw);
  size_t size = 0;
  void* memory = vips_image_write_to_memory(rgb.get(), &size);
  if (memory == nullptr) throw InputError(source_, info_.index, decode_failure(take_vips_error()));
  std::vector<uint8_t> pixels(size);
  std::memcpy(pixels.data(), memory, size);
  g_free(memory);
  return pixels;
}

}  // namespace exadoc::ingest
