// exadoc/layout/native_engine.h — the native engine: documents to blocks without a model or a GPU.
//
// Born-digital pages take their words and vector graphics from the PDF and are never rendered (ruling lines
// and figures come from what the page strokes and fills); image-only pages (scans, and PDF pages without
// text) are deskewed and read by Tesseract. Layout analysis is geometric: lines and paragraphs from words,
// columns and reading order by recursive XY-cut, headings from font size and weight, lists, tables from
// ruling lines (OpenCV) with merged cells, figures and captions, page headers and footers found by repetition
// across pages, and on engineering drawings the title block, the parts list and the notes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <exadoc/ingest/limits.h>
#include <exadoc/ingest/page_source.h>
#include <exadoc/layout/document.h>

namespace exadoc::layout {

struct NativeOptions {
  std::vector<std::string> ocr_languages{"eng", "kor"};  // Tesseract language packs, Debian's traineddata
  double dpi = 150;      // the analysis grid of born-digital pages (reported as the page's pixel size)

  double ocr_dpi = 300;  // rendering of PDF pages that need OCR
  int jobs = 0;          // pages analysed in parallel; 0: one per core
};

// Called once per finished page (any thread), for progress.
using PageDone = std::function<void(int page_index)>;

// Parses every page of the source. A page that fails becomes a page with a warning (and no blocks); the rest
// go on. Throws ingest::InputError only for what concerns the whole file.
Document parse_native(const ingest::PageSource& source, const NativeOptions& options,
                      const PageDone& on_page = {});

}  // namespace exadoc::layout
