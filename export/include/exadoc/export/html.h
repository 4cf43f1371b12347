// exadoc/export/html.h — a document as one self-contained HTML page.
//
// Semantic tags (h1–h6, p, ul/li, table, figure/figcaption, header/footer, dl for title blocks), one
// <section> per page, every block carrying its type and 0–1000 box (data-type, data-bbox) so tools can map
// text back to the page. No scripts, no external resources. Every piece of document text, and the file name,
// is escaped: a document that contains "<script>" or "\"><img onerror=...>" shows those characters and runs
// nothing.
#pragma once

#include <string>

#include <exadoc/layout/document.h>

namespace exadoc::exporter {

std::string to_html(const layout::Document& document);

}  // namespace exadoc::exporter
