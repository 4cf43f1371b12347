// exadoc/export/markdown.h — a document as GitHub-flavoured Markdown.
//
// Headings as #-headings (the title at level 1, section level n at n + 1), paragraphs, list items, tables as
// pipe tables (or as HTML when cells merge, which pipe tables cannot express), captions in italics, title
// blocks as field tables. Page headers and footers are left out; pages are separated by an HTML comment.
// Document text is escaped: Markdown syntax and HTML in the text stay literal.
#pragma once

#include <string>

#include <exadoc/layout/document.h>

namespace exadoc::exporter {

std::string to_markdown(const layout::Document& document);

}  // namespace exadoc::exporter
