#include <array>

#include <nlohmann/json.hpp>

#include <exadoc/base/html.h>
#include <exadoc/layout/document.h>

namespace exadoc::layout {
namespace {

constexpr std::array<std::pair<BlockType, std::string_view>, 16> kBlockTypeNames{{
    {BlockType::kTitle, "title"},
    {BlockType::kSectionHeader, "section_header"},
    {BlockType::kText, "text"},
    {BlockType::kListItem, "list_item"},
    {BlockType::kTable, "table"},
    {BlockType::kFigure, "figure"},
    {BlockType::kCaption, "caption"},
    {BlockType::kFormula, "formula"},
    {BlockType::kCode, "code"},
    {BlockType::kFootnote, "footnote"},
    {BlockType::kPageHeader, "page_header"},
    {BlockType::kPageFooter, "page_footer"},
    {BlockType::kTitleBlock, "title_block"},
    {BlockType::kDrawingNote, "drawing_note"},
    {BlockType::kBomTable, "bom_table"},
    {BlockType::kDimension, "dimension"},
}};

}  // namespace

std::string_view block_type_name(BlockType type) {
  for (const auto& [value, name] : kBlockTypeNames) {
    if (value == type) return name;
  }
  return "text";
}

std::optional<BlockType> parse_block_type(std::string_view name) {
  for (const auto& [value, known] : kBlockTypeNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string_view block_source_name(BlockSource source) {
  switch (source) {
    case BlockSource::kTextLayer:
      return "text-layer";
    case BlockSource::kOcr:
      return "ocr";
    case BlockSource::kVlm:
      return "vlm";
  }
  return "text-layer";
}

bool Table::has_spans() const {
  for (const TableCell& cell : cells) {
    if (cell.row_span > 1 || cell.column_span > 1) return true;
  }
  return false;
}

std::string table_to_html(const Table& table) {
  std::string html = "<table>";
  bool in_head = false;
  bool in_body = false;
  for (int row = 0; row < table.rows; ++row) {
    bool header_row = false;
    bool any = false;
    for (const TableCell& cell : table.cells) {
      if (cell.row == row) {
        any = true;
        header_row = header_row || cell.header;
      }
    }
    if (!any) continue;  // every grid cell of this row is covered by a span from above
    if (header_row && !in_body && !in_head) {
      html += "<thead>";
      in_head = true;
    } else if (!header_row && !in_body) {
      if (in_head) html += "</thead>";
      html += "<tbody>";
      in_head = false;
      in_body = true;
    }
    html += "<tr>";
    for (const TableCell& cell : table.cells) {
      if (cell.row != row) continue;
      const char* tag = cell.header ? "th" : "td";
      html += std::string("<") + tag;
      if (cell.row_span > 1) html += " rowspan=\"" + std::to_string(cell.row_span) + "\"";
      if (cell.column_span > 1) html += " colspan=\"" + std::to_string(cell.column_span) + "\"";
      html += ">" + html_escape(cell.text) + "</" + tag + ">";
    }
    html += "</tr>";
  }
  if (in_head) html += "</thead>";
  if (in_body) html += "</tbody>";
  return html + "</table>";
}

nlohmann::json to_json(const Document& document) {
  nlohmann::json pages = nlohmann::json::array();
  for (const Page& page : document.pages) {
    nlohmann::json blocks = nlohmann::json::array();
    for (const Block& block : page.blocks) {
      nlohmann::json item = {{"id", block.id},
                             {"type", std::string(block_type_name(block.type))},
                             {"box", {block.box.x1, block.box.y1, block.box.x2, block.box.y2}},
                             {"text", block.text},
                             {"reading_order", block.reading_order},
                             {"source", std::string(block_source_name(block.source))},
                             {"confidence", block.confidence}};
      if (block.level > 0) item["level"] = block.level;
      if (!block.html.empty()) item["html"] = block.html;
      if (!block.latex.empty()) item["latex"] = block.latex;
      if (!block.fields.empty()) item["fields"] = block.fields;
      if (block.table) {
        nlohmann::json cells = nlohmann::json::array();
        for (const TableCell& cell : block.table->cells) {
          cells.push_back({{"row", cell.row},
                           {"column", cell.column},
                           {"row_span", cell.row_span},
                           {"column_span", cell.column_span},
                           {"header", cell.header},
                           {"text", cell.text}});
        }
        item["table"] = {{"rows", block.table->rows},
                         {"columns", block.table->columns},
                         {"cells", cells},
                         {"continued_from_previous_page", block.table->continued_from_previous_page},
                         {"continues_on_next_page", block.table->continues_on_next_page}};
      }
      blocks.push_back(std::move(item));
    }
    nlohmann::json item = {{"number", page.number},
                           {"width_pt", page.size_pt.width},
                           {"height_pt", page.size_pt.height},
                           {"width_px", page.width_px},
                           {"height_px", page.height_px},
                           {"dpi", page.dpi},
                           {"rotation_deg", page.rotation_deg},
                           {"blocks", blocks},
                           {"warnings", page.warnings}};
    item["skew_deg"] = page.skew_deg ? nlohmann::json(*page.skew_deg) : nlohmann::json(nullptr);
    if (!page.model_output.empty()) item["model_output"] = page.model_output;
    if (page.text_disagreement) item["text_disagreement"] = *page.text_disagreement;
    pages.push_back(std::move(item));
  }
  return {{"schema", "exadoc.document/1"},       {"source", document.source},
          {"file_type", document.file_type},     {"engine", document.engine},
          {"page_count", document.pages.size()}, {"pages", pages},
          {"warnings", document.warnings}};
}

}  // namespace exadoc::layout
