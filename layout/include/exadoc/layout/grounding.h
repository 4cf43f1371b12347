// exadoc/layout/grounding.h — checking a model's text against the PDF's own text layer.
//
// Where a page has a text layer, the words inside a block's box are what the page really says there. The
// share of the model's words that are not among them is a hallucination signal: recorded per page
// (Page::text_disagreement), queryable in the index.
#pragma once

#include <optional>
#include <vector>

#include <exadoc/ingest/page_image.h>
#include <exadoc/layout/document.h>

namespace exadoc::layout {

// The fraction (0–1) of the words of the page's text blocks that do not occur among the text-layer words
// inside (the centre of) the block's box, slightly enlarged. nullopt when the page has no text layer or the
// blocks hold no words. Words compare case-insensitively, without surrounding punctuation.
std::optional<double> text_disagreement(const Page& page, const std::vector<ingest::Word>& text_layer);

}  // namespace exadoc::layout
