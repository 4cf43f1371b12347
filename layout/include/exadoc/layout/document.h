// exadoc/layout/document.h — the document model every engine produces and every exporter reads.
//
// Document → Page → Block (product.md §5). Boxes are Box1000: 0–1000 of the page's width and height, top-left
// origin, in the page as displayed. Blocks carry a type, their text (tables also as cells and HTML), their
// place in reading order, where the text came from (the PDF text layer, OCR or the vision-language model) and
// a confidence. The JSON form (to_json) is defined by schemas/document.schema.json.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <exadoc/layout/geometry.h>

namespace exadoc::layout {

enum class BlockType {
  kTitle,
  kSectionHeader,
  kText,
  kListItem,
  kTable,
  kFigure,
  kCaption,
  kFormula,
  kCode,
  kFootnote,
  kPageHeader,
  kPageFooter,
  // engineering drawings
  kTitleBlock,
  kDrawingNote,
  kBomTable,
  kDimension,
};

std::string_view block_type_name(BlockType type);  // "section_header", "bom_table", ...
std::optional<BlockType> parse_block_type(std::string_view name);

enum class BlockSource { kTextLayer, kOcr, kVlm };
std::string_view block_source_name(BlockSource source);  // "text-layer", "ocr", "vlm"

struct TableCell {
  int row = 0;  // 0-based, of the top-left grid cell the cell covers
  int column = 0;
  int row_span = 1;
  int column_span = 1;
  bool header = false;
  std::string text;
};

struct Table {
  int rows = 0;
  int columns = 0;
  std::vector<TableCell> cells;
  bool continued_from_previous_page = false;  // the table goes on from the last table of the page before
  bool continues_on_next_page = false;
  bool has_spans() const;
};

// <table> with <thead> for header rows, rowspan/colspan where cells merge; every text escaped.
std::string table_to_html(const Table& table);

struct Block {
  std::string id;  // "p3-b12": unique within the document
  BlockType type = BlockType::kText;
  Box1000 box;
  std::string text;  // plain text; for tables the cells, tab-separated, one row per line
  std::optional<Table> table;
  std::string html;   // tables: table_to_html(*table)
  std::string latex;  // formulas, when known
  int level = 0;      // section headers: 1 for the top level; 0 otherwise
  int reading_order = 0;
  BlockSource source = BlockSource::kTextLayer;
  float confidence = 1.0f;
  std::map<std::string, std::string>
      fields;  // title blocks: drawing_number, revision, scale, sheet, title, ...
};

struct Page {
  int number = 1;  // 1-based
  ingest::SizePt size_pt;
  int width_px = 0;
  int height_px = 0;
  double dpi = 0;
  int rotation_deg = 0;
  std::optional<double> skew_deg;  // measured on scans
  std::vector<Block> blocks;       // in reading order
  std::vector<std::string> warnings;
  // Pages parsed by the model (engine "exaone"): the form its output came in ("html" as asked; "json",
  // "markdown", "text" or "empty" when it did not comply) and, where the PDF has a text layer, the share of the
  // model's words not found in the text layer inside their blocks (see grounding.h).
  std::string model_output;
  std::optional<double> text_disagreement;
};

struct Document {
  std::string source;     // the input file as given
  std::string file_type;  // "pdf", "tiff", ...
  std::string engine;     // "native" or "exaone"
  std::vector<Page> pages;
  std::vector<std::string> warnings;
};

nlohmann::json to_json(const Document& document);

}  // namespace exadoc::layout
