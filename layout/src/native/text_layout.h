// Private to layout: blocks from a page's words — lines, paragraphs, headings, lists, captions, figures — and
// reading order by recursive XY-cut.
#pragma once

#include <cstdint>
#include <vector>

#include <exadoc/ingest/page_image.h>
#include <exadoc/layout/document.h>

#include "native/page_ink.h"

namespace exadoc::layout::native {

// A block while the page is analysed: boxes stay in points until the page is done, because reading order and
// the cross-page passes compare geometry, and Box1000 rounding would blur it.
struct PlacedBlock {
  Block block;  // type, text, level; box and id are filled in when the page is finished
  ingest::BoxPt box_pt;
  double font_size_pt = 0;  // the paragraph's dominant size; 0 for tables, figures and drawing blocks
  bool numbered = false;    // section headers: the text starts with "1", "2.3", ...
};

// A line: words sharing a baseline, without a gap wide enough to be a column gutter.
struct Line {
  std::vector<size_t> word_indices;  // left to right
  ingest::BoxPt box_pt;
  double font_size_pt = 0;
  bool bold = false;
};

// Groups the words (those with use[i] true) into lines, top to bottom.
std::vector<Line> build_lines(const std::vector<ingest::Word>& words, const std::vector<bool>& use);

// The page's ink, for finding drawn figures: a coarse grid of cells, true where a cell holds dark pixels.
struct InkGrid {
  int columns = 0;
  int rows = 0;
  double cell_pt = 0;     // each cell is cell_pt × cell_pt points
  std::vector<bool> ink;  // row-major
};

// Fine enough to tell a figure from the text beside it, coarse enough to bridge the gaps within a drawing.
constexpr double kInkGridCellPt = 4.0;

// Downsamples the page's ink to cells of about cell_pt points.
InkGrid ink_grid(const PageInk& page, double cell_pt = kInkGridCellPt);

struct TextLayoutInput {
  const std::vector<ingest::Word>* words = nullptr;
  std::vector<bool> use;  // words not taken by tables or drawing blocks
  ingest::SizePt page_size_pt;
  const InkGrid* ink = nullptr;            // optional: figures are found only with it
  std::vector<ingest::BoxPt> taken_boxes;  // tables and drawing blocks: their ink is not a figure
};

// Paragraph-level blocks of the page, in no particular order (see sort_reading_order). Types: text,
// list_item, section_header (level from numbering, else from size), caption, figure. Titles, page headers and
// footers need the whole document and are decided by the engine.
std::vector<PlacedBlock> layout_text(const TextLayoutInput& input);

// Orders blocks by recursive XY-cut: a region splits at a vertical gutter first (so columns read one after
// the other), otherwise into horizontal bands, top to bottom.
void sort_reading_order(std::vector<PlacedBlock>& blocks);

// "1" → 1, "2.3" → 2, "4.1.2" → 3 for the first word of a heading; 0 when it is not a section number.
int numbering_level(std::string_view first_word);

}  // namespace exadoc::layout::native
