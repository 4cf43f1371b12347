// exadoc/ingest/page_image.h — one page as pixels plus what the file said about it.
//
// Units are part of every name: *_pt are PDF points (1/72 inch), *_px are pixels of this image. All boxes
// use a top-left origin in the page as displayed, i.e. after the PDF's /Rotate has been applied.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <exadoc/ingest/file_type.h>

// libvips names its image struct _VipsImage (VipsImage is a typedef of it); declaring it here keeps glib out of
// this header.
struct _VipsImage;  // NOLINT(bugprone-reserved-identifier): the name is libvips', not ours

namespace exadoc::ingest {

struct SizePt {
  double width = 0;
  double height = 0;
};

struct BoxPt {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

struct BoxPx {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

// One word of a PDF's text layer, as Poppler's text extraction sees it (the same words as pdftotext).
struct Word {
  std::string text;  // UTF-8
  BoxPt box_pt;
  double font_size_pt = 0;
  std::string font_name;  // without the subset prefix ("ABCDEF+"), empty when the PDF names none
  bool space_after = false;
};

struct TextLayer {
  std::vector<Word> words;
};

// What a page is, independent of any rendering.
struct PageInfo {
  int index = 0;         // 0-based
  SizePt size_pt;        // as displayed (width and height swapped for /Rotate 90 and 270)
  int rotation_deg = 0;  // the PDF's /Rotate (0, 90, 180, 270), already applied to pixels and boxes
};

// Skew of a scanned page measured by Leptonica, and whether it was corrected.
struct Skew {
  // Counter-clockwise rotation of the page content as scanned, in degrees. Deskewing turns the image
  // clockwise by this angle.
  double angle_deg = 0;
  double confidence = 0;  // Leptonica's score ratio; below ~2 the measurement is unreliable
  bool corrected = false;
};

// A rendered or decoded page. Move-only; the pixels live in a libvips image, which may still be a lazy
// pipeline over the file (large scans are streamed, not held in memory), so pixel access can fail late:
// save_png and rgb_pixels throw InputError naming the file and page.
class PageImage {
 public:
  PageImage(std::shared_ptr<_VipsImage> image, std::filesystem::path source, FileType source_type,
            PageInfo info, double dpi);
  PageImage(PageImage&&) noexcept = default;
  PageImage& operator=(PageImage&&) noexcept = default;
  PageImage(const PageImage&) = delete;
  PageImage& operator=(const PageImage&) = delete;
  ~PageImage();

  int width_px() const;
  int height_px() const;
  int bands() const;  // 1 (grey) or 3 (sRGB), always 8 bits per band
  double dpi() const { return dpi_; }
  // True when an image file carried no usable resolution and dpi() is exadoc's assumption (300).
  bool dpi_assumed() const { return dpi_assumed_; }
  const PageInfo& info() const { return info_; }
  const std::filesystem::path& source() const { return source_; }
  FileType source_type() const { return source_type_; }

  const std::optional<TextLayer>& text_layer() const { return text_layer_; }
  const std::optional<Skew>& skew() const { return skew_; }

  BoxPx to_px(const BoxPt& box) const;

  // Writes the page as PNG (8-bit grey or RGB). compression: zlib level 0–9.
  void save_png(const std::filesystem::path& file, int compression = 6) const;
  // Decodes the whole page into interleaved 8-bit RGB, row-major, width_px × height_px × 3 bytes.
  std::vector<uint8_t> rgb_pixels() const;

  // For the ingest library's own stages (deskew); not part of the stable interface.
  _VipsImage* vips_image() const { return image_.get(); }
  void replace_image(std::shared_ptr<_VipsImage> image, const SizePt& size_pt);
  void set_text_layer(TextLayer layer) { text_layer_ = std::move(layer); }
  void set_skew(const Skew& skew) { skew_ = skew; }
  void set_dpi_assumed(bool assumed) { dpi_assumed_ = assumed; }

 private:
  std::shared_ptr<_VipsImage> image_;
  std::filesystem::path source_;
  FileType source_type_;
  PageInfo info_;
  double dpi_;
  bool dpi_assumed_ = false;
  std::optional<TextLayer> text_layer_;
  std::optional<Skew> skew_;
};

}  // namespace exadoc::ingest
