// Private to layout: engineering drawings — title block, parts list (BOM) and notes.
#pragma once

#include <vector>

#include <exadoc/ingest/page_image.h>
#include <exadoc/layout/document.h>

#include "tables.h"

namespace exadoc::layout::native {

struct DrawingBlocks {
  std::vector<Block> blocks;          // title_block (with fields), bom_table, drawing_note, dimension blocks
  std::vector<size_t> word_indices;   // words these blocks took
  std::vector<size_t> table_indices;  // detected tables these blocks took
};

// Empty when the page does not look like a drawing (no title block with a drawing number). Title block fields
// use the keys drawing_number, revision, scale, sheet, title, material, drawn_by, checked_by, approved_by,
// date where found. The BOM is the ruled table whose header names item/part number columns.
DrawingBlocks analyze_drawing(const ingest::SizePt& size_pt, const std::vector<ingest::Word>& words,

                              const std::vector<DetectedTable>& tables);

}  // namespace exadoc::layout::native
