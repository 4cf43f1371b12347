// exadoc/layout/vlm_output.h — what EXAONE 4.5 is asked to write for a page, and a parser that turns whatever
// it did write into blocks.
//
// The page prompt (page_prompt(), the one place it is defined) asks for HTML: one element per layout block,
// in reading order, each with data-type (a block type of document.h) and data-bbox="x1 y1 x2 y2" on the
// 0–1000 grid of the image the model was shown:
//
//   <h2 data-type="section_header" data-bbox="105 139 501 152">4.2 Seal replacement</h2>
//   <p data-type="text" data-bbox="105 160 905 201">Before removing the seal, ...</p>
//   <table data-type="table" data-bbox="104 315 906 921"><tr><th>Item</th>...</tr>...</table>
//
// Models do not always comply. parse_vlm_output accepts that format, a JSON list of {bbox, category, text}
// (another common grounding format), and plain Markdown as fallbacks, and survives truncated output,
// unbalanced tags, entities, nested tables, boxes out of range or inverted, and output stuck in a loop (the
// repetition is cut and reported). It never throws on model text: every problem becomes a warning, and text
// that does not parse at all still comes back as one text block, so a page is never lost.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <exadoc/layout/document.h>

namespace exadoc::layout {

// The instruction sent with each page image (reasoning off; the chat template adds the rest).
std::string_view page_prompt();

enum class VlmFormat { kHtml, kJson, kMarkdown, kPlainText, kEmpty };
std::string_view vlm_format_name(VlmFormat format);

struct VlmPage {
  // In the order written. Boxes are on the 0–1000 grid of the image the model saw; ids and reading_order are
  // left for the caller, source is kVlm. Tables carry cells (rebuilt from the model's HTML, so that
  // table_to_html emits only tags we write) and html.
  std::vector<Block> blocks;
  VlmFormat format = VlmFormat::kEmpty;
  std::vector<std::string> warnings;  // one per problem found, in words a user can act on
  bool repetition_cut = false;        // the output repeated itself and the repeats were dropped
  bool truncated = false;             // the output ended inside an element or a JSON value
};

VlmPage parse_vlm_output(std::string_view text);

// True when the end of `text` is one piece of at least min_period bytes repeated `repeats` times or more in a
// row: generation in a loop. Cheap enough to call after every generated token on the decoded tail.
bool ends_in_repetition(std::string_view text, int repeats = 4, size_t min_period = 8);

}  // namespace exadoc::layout
