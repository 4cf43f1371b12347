// Private to layout: tables found from the ruling lines of the page's ink (OpenCV).
#pragma once

#include <vector>

#include <exadoc/ingest/page_image.h>
#include <exadoc/layout/document.h>

#include "native/page_ink.h"

namespace exadoc::layout::native {

struct DetectedTable {
  ingest::BoxPt box_pt;              // the table's outer frame
  Table table;                       // grid, merged cells (spans), cell text from the words inside each cell
  std::vector<size_t> word_indices;  // the words (indices into the page's word list) that the table took
  std::vector<ingest::BoxPt> cell_boxes_pt;  // parallel to table.cells: each cell's ruled frame
};

// The page's ruling lines (horizontal and vertical strokes longer than any glyph) as a mask: isolated from
// the page's ink by morphological opening, or drawn straight from a born-digital page's vector graphics.
PageInk ruling_lines(const PageInk& ink);
PageInk ruling_lines(const ingest::PageGraphics& graphics, const ingest::SizePt& size_pt, double dpi);

// Finds ruled tables in a ruling-line mask: the holes the lines enclose are the cells, their edges the grid,
// cells merged where a separating line is missing. Header rows are marked when their text is bold or the row
// is the first. Words are assigned to the cell holding their centre. Returns tables top to bottom.
std::vector<DetectedTable> detect_tables(const PageInk& rulings,

                                         const std::vector<ingest::Word>& words);

// The given words as text lines: each line's word indices left to right, lines top to bottom. Words share a
// line when their vertical centres are closer than half the smaller word's height.
std::vector<std::vector<size_t>> group_lines(const std::vector<ingest::Word>& words,
                                             std::vector<size_t> indices);

}  // namespace exadoc::layout::native
