// Private to ingest: the words and vector graphics of PDF pages in one pass, read with Poppler's core API
// (libpoppler-private-dev) because poppler-cpp offers rendering and text only.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <GlobalParams.h>

#include <exadoc/ingest/page_content.h>

class PDFDoc;

namespace exadoc::ingest {

// A font name without the subset prefix of an embedded subset ("ABCDEF+RealName" → "RealName").
std::string strip_subset_prefix(std::string font_name);

// Thread-safe: like the poppler-cpp documents of PdfSource, each call borrows a PDFDoc from a pool.
class PdfGraphicsReader {
 public:
  // The file must already have been opened and checked through poppler-cpp (PdfSource does), which also
  // installs Poppler's global parameters and error callback.
  explicit PdfGraphicsReader(std::filesystem::path file);
  ~PdfGraphicsReader();
  PdfGraphicsReader(const PdfGraphicsReader&) = delete;
  PdfGraphicsReader& operator=(const PdfGraphicsReader&) = delete;

  struct Content {
    TextLayer text_layer;
    PageGraphics graphics;
  };
  // page_index is 0-based and valid. Throws InputError when Poppler cannot open the file again.
  Content read(int page_index) const;

 private:
  std::unique_ptr<PDFDoc> acquire() const;
  void release(std::unique_ptr<PDFDoc> document) const;

  // Keeps Poppler's global parameters alive for our PDFDocs (reference-counted with poppler-cpp's own).
  GlobalParamsIniter global_params_;
  std::filesystem::path path_;
  mutable std::mutex pool_mutex_;

  mutable std::vector<std::unique_ptr<PDFDoc>> pool_;
};

}  // namespace exadoc::ingest
