// exadoc/ingest/page_source.h — a document as a sequence of pages.
//
// open_page_source() detects the file type from content and returns the matching source: Poppler for PDF,
// libvips for PNG/JPEG/JPEG 2000/TIFF/WebP, Leptonica for BMP. Opening validates the whole file's structure
// cheaply (page count, encryption, truncation) and throws InputError with the reason; rendering a page
// checks that page's pixel count against the limits before any pixel is decoded.
//
// Thread-safety: every const member may be called from several threads at once (render_pages does).
//
// Adding an input format: implement PageSource in src/<format>_source.cpp, add one case to
// open_page_source() in src/page_source.cpp, a FileType with its magic bytes in src/file_type.cpp, a sample
// in tests/data/formats/ (samples/generate.py), and a test in tests/ingest/.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include <exadoc/ingest/file_type.h>
#include <exadoc/ingest/limits.h>
#include <exadoc/ingest/page_content.h>
#include <exadoc/ingest/page_image.h>

namespace exadoc::ingest {

enum class DeskewMode {
  kOff,
  kAuto,  // scanned pages only: image files, and PDF pages without a text layer
  kOn,    // every page
};

struct RenderOptions {
  double dpi = 150;  // PDFs are rendered at this resolution; image files keep their native resolution
  DeskewMode deskew = DeskewMode::kAuto;
  bool text_layer = true;  // extract the PDF text layer with the page
};

class PageSource {
 public:
  virtual ~PageSource() = default;

  virtual const std::filesystem::path& path() const = 0;
  virtual FileType type() const = 0;
  virtual int page_count() const = 0;
  // page_index is 0-based. Throws InputError.
  virtual PageInfo page_info(int page_index) const = 0;
  // Renders (PDF) or decodes (images) one page, with its text layer and deskew as options ask.
  virtual PageImage render(int page_index, const RenderOptions& options) const = 0;
  // Born-digital formats (PDF): the page's text layer and vector graphics, read without rendering. Image
  // files have neither and return nullopt. Throws InputError.
  virtual std::optional<PageContent> read_content(int /*page_index*/) const { return std::nullopt; }
};

// Throws InputError: unreadable, empty, unsupported type, or a file that fails the checks above.
std::unique_ptr<PageSource> open_page_source(const std::filesystem::path& file, const Limits& limits = {});

}  // namespace exadoc::ingest
