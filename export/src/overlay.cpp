// Overlays are drawn with libvips on an in-memory copy of the page: rectangles with vips_draw_rect, labels
// rendered by vips_text (Pango) and stamped with vips_draw_mask.
#include <array>
#include <cstdio>
#include <memory>

#include <vips/vips.h>

#include <exadoc/base/error.h>
#include <exadoc/export/overlay.h>

namespace exadoc::exporter {
namespace {

struct VipsUnref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using VipsImagePtr = std::unique_ptr<VipsImage, VipsUnref>;

std::string vips_failure(const std::string& what) {
  std::string reason = vips_error_buffer();
  vips_error_clear();
  return what + ": " + reason;
}

void draw_box(VipsImage* image, const Rgb& colour, int left, int top, int width, int height, int thickness) {
  std::array<double, 3> ink{colour.red, colour.green, colour.blue};
  for (int t = 0; t < thickness && width - 2 * t > 0 && height - 2 * t > 0; ++t) {
    vips_draw_rect(image, ink.data(), 3, left + t, top + t, width - 2 * t, height - 2 * t, "fill", FALSE,
                   nullptr);
  }
}

void draw_label(VipsImage* image, const Rgb& colour, const std::string& label, int left, int top,
                int font_px) {
  VipsImage* text_raw = nullptr;
  // Pango markup is off by default only for plain text: escape & and < so a label never parses as markup.
  std::string safe;
  for (const char c : label)
    safe += c == '&' ? std::string("&amp;") : c == '<' ? std::string("&lt;") : std::string(1, c);
  if (vips_text(&text_raw, safe.c_str(), "font", ("sans bold " + std::to_string(font_px)).c_str(), "dpi", 72,
                nullptr) != 0) {
    vips_error_clear();  // no Pango fonts: boxes without labels are still useful
    return;
  }
  const VipsImagePtr text(text_raw);
  const int width = vips_image_get_width(text.get());
  const int height = vips_image_get_height(text.get());
  const int y = std::max(0, top - height - 2);
  std::array<double, 3> background{colour.red, colour.green, colour.blue};
  vips_draw_rect(image, background.data(), 3, left, y, width + 4, height + 2, "fill", TRUE, nullptr);
  std::array<double, 3> white{255, 255, 255};
  vips_draw_mask(image, white.data(), 3, text.get(), left + 2, y + 1, nullptr);
}

}  // namespace

Rgb block_colour(layout::BlockType type) {
  using layout::BlockType;
  switch (type) {
    case BlockType::kTitle:
      return {200, 30, 30};
    case BlockType::kSectionHeader:
      return {230, 90, 20};
    case BlockType::kText:
      return {30, 90, 200};
    case BlockType::kListItem:
      return {20, 150, 160};
    case BlockType::kTable:
    case BlockType::kBomTable:
      return {30, 150, 50};
    case BlockType::kFigure:
      return {150, 40, 170};
    case BlockType::kCaption:
      return {190, 60, 140};
    case BlockType::kPageHeader:
    case BlockType::kPageFooter:
      return {120, 120, 120};
    case BlockType::kTitleBlock:
      return {180, 130, 0};
    case BlockType::kDrawingNote:
      return {90, 70, 160};
    case BlockType::kFormula:
    case BlockType::kCode:
    case BlockType::kFootnote:
    case BlockType::kDimension:
      break;
  }
  return {80, 80, 80};
}

std::vector<std::filesystem::path> write_overlays(const layout::Document& document,
                                                  const ingest::PageSource& source,
                                                  const ingest::RenderOptions& options,
                                                  const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  std::vector<std::filesystem::path> written;
  for (const layout::Page& page : document.pages) {
    const ingest::PageImage image = source.render(page.number - 1, options);
    const std::vector<uint8_t> rgb = image.rgb_pixels();
    const int width = image.width_px();
    const int height = image.height_px();
    VipsImage* raw =
        vips_image_new_from_memory_copy(rgb.data(), rgb.size(), width, height, 3, VIPS_FORMAT_UCHAR);
    if (raw == nullptr)
      throw Error(vips_failure("cannot hold page " + std::to_string(page.number) + " for its overlay"));
    raw->Type = VIPS_INTERPRETATION_sRGB;
    const VipsImagePtr canvas(raw);
    const int thickness = std::max(2, width / 500);
    const int font_px = std::max(10, width / 90);
    for (const layout::Block& block : page.blocks) {
      const int left = block.box.x1 * width / 1000;
      const int top = block.box.y1 * height / 1000;
      const int box_width = std::max(1, (block.box.x2 - block.box.x1) * width / 1000);
      const int box_height = std::max(1, (block.box.y2 - block.box.y1) * height / 1000);
      const Rgb colour = block_colour(block.type);
      draw_box(canvas.get(), colour, left, top, box_width, box_height, thickness);
      draw_label(canvas.get(), colour,
                 std::string(layout::block_type_name(block.type)) + " " + std::to_string(block.reading_order),
                 left, top, font_px);
    }
    char name[32];
    std::snprintf(name, sizeof name, "page-%04d.png", page.number);
    const std::filesystem::path file = folder / name;
    if (vips_pngsave(canvas.get(), file.c_str(), nullptr) != 0)
      throw Error(vips_failure("cannot write " + file.string()));
    written.push_back(file);
  }
  return written;
}

}  // namespace exadoc::exporter
