// PDF pages through poppler-cpp: rendering with Splash (the engine pdftoppm uses) and the text layer from
// Poppler's TextOutputDev (the words pdftotext prints).
//
// A poppler::document must not be used from two threads at once, while render_pages wants one page per core.
// The source therefore keeps a small pool of documents opened on the same file: each call borrows one for
// its duration, and the pool never holds more documents than there were concurrent callers.
#include "pdf_source.h"
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <exadoc/base/log.h>
#include <exadoc/ingest/deskew.h>
#include <exadoc/ingest/input_error.h>

#include "handles.h"
#include "messages.h"
#include "pdf_graphics.h"

namespace exadoc::ingest {
namespace {

// Poppler reports problems through one process-wide callback; we keep what it said per thread so an error
// message can quote the reason for the document this thread was opening.
struct PopplerMessages {
  std::string text;
  int count = 0;
};
thread_local PopplerMessages t_poppler_messages;
// A corrupt file can make Poppler complain about every byte; the first few messages say enough.
constexpr int kQuotedPopplerMessages = 3;

void install_poppler_error_capture() {
  static std::once_flag once;
  std::call_once(once, [] {
    poppler::set_debug_error_function(
        [](const std::string& message, void* /*closure*/) {
          EXADOC_LOG_DEBUG("poppler: %s", message.c_str());
          if (++t_poppler_messages.count <= kQuotedPopplerMessages) {
            if (!t_poppler_messages.text.empty()) t_poppler_messages.text += "; ";
            t_poppler_messages.text += message;
          }
        },
        nullptr);
  });
}

void clear_poppler_messages() {
  t_poppler_messages = {};
}

std::string take_poppler_messages() {
  std::string messages = t_poppler_messages.text.empty() ? "Poppler gave no reason" : t_poppler_messages.text;
  if (t_poppler_messages.count > kQuotedPopplerMessages) {
    messages +=
        "; and " + std::to_string(t_poppler_messages.count - kQuotedPopplerMessages) + " more messages";
  }
  clear_poppler_messages();
  return messages;
}

// A complete PDF ends with "%%EOF" (possibly followed by a little whitespace or junk).
bool has_eof_marker(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary | std::ios::ate);
  const std::streamoff size = stream.tellg();
  const std::streamoff tail = std::min<std::streamoff>(size, 1024);
  stream.seekg(size - tail);
  std::string buffer(static_cast<size_t>(tail), '\0');
  stream.read(buffer.data(), tail);
  return buffer.find("%%EOF") != std::string::npos;
}

int rotation_of(const poppler::page& page) {
  switch (page.orientation()) {
    case poppler::page::landscape:
      return 90;
    case poppler::page::upside_down:
      return 180;
    case poppler::page::seascape:
      return 270;
    case poppler::page::portrait:
      break;
  }
  return 0;
}

class PdfSource final : public PageSource {
 public:
  PdfSource(std::filesystem::path file, const Limits& limits) : path_(std::move(file)), limits_(limits) {
    install_poppler_error_capture();
    eof_marker_ = has_eof_marker(path_);
    auto document = open_document();
    page_count_ = document->pages();
    if (page_count_ <= 0) throw InputError(path_, std::nullopt, "the PDF has no pages");
    if (page_count_ > limits_.max_pages) {
      throw InputError(path_, std::nullopt,
                       "the PDF has " + std::to_string(page_count_) + " pages, more than the limit of " +
                           std::to_string(limits_.max_pages) +
                           "; pass --max-pages to raise it for trusted files");
    }
    // Poppler silently reconstructs cut-off files and may then render half a document; refuse them.
    if (!eof_marker_) {
      throw InputError(
          path_, std::nullopt,
          "the PDF is truncated (it does not end with an %%EOF marker); the file was probably cut off "
          "while being copied or downloaded - fetch it again");
    }
    release(std::move(document));
    graphics_ = std::make_unique<PdfGraphicsReader>(path_);
  }

  const std::filesystem::path& path() const override { return path_; }
  FileType type() const override { return FileType::kPdf; }
  int page_count() const override { return page_count_; }

  PageInfo page_info(int page_index) const override {
    const Lease lease(*this);
    return info_of(*open_page(*lease.document, page_index), page_index);
  }

  PageImage render(int page_index, const RenderOptions& options) const override {
    const Lease lease(*this);
    const std::unique_ptr<poppler::page> page = open_page(*lease.document, page_index);
    const PageInfo info = info_of(*page, page_index);

    const double scale = options.dpi / 72.0;
    // Splash rounds the page's extent to the nearest pixel.
    const int64_t width_px = std::llround(info.size_pt.width * scale);
    const int64_t height_px = std::llround(info.size_pt.height * scale);
    if (width_px * height_px > limits_.max_pixels_per_page) {
      throw InputError(
          path_, page_index,
          std::to_string(width_px) + "x" + std::to_string(height_px) + " px at " +
              std::to_string(static_cast<int>(options.dpi)) + " DPI exceeds the limit of " +
              megapixels_text(limits_.max_pixels_per_page) +
              " per page; lower --dpi, or pass --max-pixels to raise the limit for trusted files");
    }

    poppler::page_renderer renderer;
    // The same hints pdftoppm uses by default (vector and font anti-aliasing on).
    renderer.set_render_hints(poppler::page_renderer::antialiasing |
                              poppler::page_renderer::text_antialiasing);
    renderer.set_image_format(poppler::image::format_rgb24);
    clear_poppler_messages();
    const poppler::image image = renderer.render_page(page.get(), options.dpi, options.dpi);
    if (!image.is_valid()) {
      throw InputError(path_, page_index, "Poppler could not render the page: " + take_poppler_messages());
    }
    PageImage result(to_vips(image, page_index), path_, FileType::kPdf, info, options.dpi);

    const bool want_words = options.text_layer || options.deskew == DeskewMode::kAuto;
    std::optional<TextLayer> text_layer;
    if (want_words) text_layer = extract_text_layer(*page);
    const bool scanned = !text_layer || text_layer->words.empty();
    if (options.deskew == DeskewMode::kOn || (options.deskew == DeskewMode::kAuto && scanned)) deskew(result);
    if (options.text_layer && text_layer) result.set_text_layer(std::move(*text_layer));
    return result;
  }

  std::optional<PageContent> read_content(int page_index) const override {
    PageContent content;
    {
      const Lease lease(*this);
      content.info = info_of(*open_page(*lease.document, page_index), page_index);
    }
    PdfGraphicsReader::Content read = graphics_->read(page_index);
    content.text_layer = std::move(read.text_layer);
    content.graphics = std::move(read.graphics);
    return content;
  }

 private:
  // Borrows a document from the pool for one call.
  struct Lease {
    explicit Lease(const PdfSource& source) : owner(source), document(source.acquire()) {}
    ~Lease() { owner.release(std::move(document)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    const PdfSource& owner;
    std::unique_ptr<poppler::document> document;
  };

  std::unique_ptr<poppler::document> open_document() const {
    clear_poppler_messages();
    std::unique_ptr<poppler::document> document(poppler::document::load_from_file(path_.string()));
    if (!document) {
      throw InputError(path_, std::nullopt,
                       "Poppler cannot open this PDF (" + take_poppler_messages() + "); the file is corrupt" +
                           (eof_marker_ ? "" : " or truncated (it does not end with an %%EOF marker)"));
    }
    if (document->is_locked()) {
      throw InputError(path_, std::nullopt,
                       "the PDF is protected by a password; exadoc opens PDFs without one or with an empty "
                       "user password - remove it first (qpdf --decrypt --password=PASSWORD in.pdf out.pdf)");
    }
    return document;
  }

  std::unique_ptr<poppler::document> acquire() const {
    {
      std::lock_guard lock(pool_mutex_);
      if (!pool_.empty()) {
        auto document = std::move(pool_.back());
        pool_.pop_back();
        return document;
      }
    }
    return open_document();
  }

  void release(std::unique_ptr<poppler::document> document) const {
    std::lock_guard lock(pool_mutex_);
    pool_.push_back(std::move(document));
  }

  std::unique_ptr<poppler::page> open_page(const poppler::document& document, int page_index) const {
    if (page_index < 0 || page_index >= page_count_) {
      throw InputError(path_, page_index,
                       "no such page: the PDF has " + std::to_string(page_count_) + " pages");
    }
    clear_poppler_messages();
    std::unique_ptr<poppler::page> page(document.create_page(page_index));
    if (!page)
      throw InputError(path_, page_index, "Poppler cannot read the page: " + take_poppler_messages());
    return page;
  }

  PageInfo info_of(const poppler::page& page, int page_index) const {
    PageInfo info;
    info.index = page_index;
    info.rotation_deg = rotation_of(page);
    const poppler::rectf box = page.page_rect(poppler::crop_box);
    const bool sideways = info.rotation_deg == 90 || info.rotation_deg == 270;
    info.size_pt = sideways ? SizePt{box.height(), box.width()} : SizePt{box.width(), box.height()};
    if (!(info.size_pt.width > 0 && info.size_pt.height > 0)) {
      throw InputError(path_, page_index, "the page has an empty or invalid crop box");
    }
    return info;
  }

  // Copies Poppler's rows (padded to 4 bytes) into a tightly packed 3-band libvips image.
  VipsImagePtr to_vips(const poppler::image& image, int page_index) const {
    const int width = image.width();
    const int height = image.height();
    const size_t row_bytes = static_cast<size_t>(width) * 3;
    std::vector<uint8_t> pixels(row_bytes * static_cast<size_t>(height));
    const char* source = image.const_data();
    for (int y = 0; y < height; ++y) {
      std::memcpy(pixels.data() + row_bytes * y, source + static_cast<size_t>(image.bytes_per_row()) * y,
                  row_bytes);
    }
    ensure_vips_initialised();
    VipsImage* raw =
        vips_image_new_from_memory_copy(pixels.data(), pixels.size(), width, height, 3, VIPS_FORMAT_UCHAR);
    if (raw == nullptr)
      throw InputError(path_, page_index, "cannot hold the rendered page: " + take_vips_error());
    raw->Type = VIPS_INTERPRETATION_sRGB;
    return adopt_vips_image(raw);
  }

  static TextLayer extract_text_layer(const poppler::page& page) {
    TextLayer layer;
    for (const poppler::text_box& box : page.text_list(poppler::page::text_list_include_font)) {
      const poppler::byte_array utf8 = box.text().to_utf8();
      if (utf8.empty()) continue;
      Word word;
      word.text.assign(utf8.begin(), utf8.end());
      const poppler::rectf rect = box.bbox();
      word.box_pt = {rect.left(), rect.top(), rect.right(), rect.bottom()};
      if (box.has_font_info()) {
        word.font_size_pt = box.get_font_size();
        word.font_name = strip_subset_prefix(box.get_font_name());
      }
      word.space_after = box.has_space_after();
      layer.words.push_back(std::move(word));
    }
    return layer;
  }

  std::filesystem::path path_;
  Limits limits_;
  int page_count_ = 0;
  bool eof_marker_ = false;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<poppler::document>> pool_;
  // Created once the first poppler-cpp document exists, so that poppler-cpp's error callback stays installed.
  std::unique_ptr<PdfGraphicsReader> graphics_;
};

}  // namespace

std::unique_ptr<PageSource> open_pdf_source(const std::filesystem::path& file, const Limits& limits) {
  return std::make_unique<PdfSource>(file, limits);
}

}  // namespace exadoc::ingest
