#include <algorithm>

#include <exadoc/export/markdown.h>

namespace exadoc::exporter {
namespace {

using layout::Block;
using layout::BlockType;

// Escapes what Markdown or its embedded HTML would interpret. Line-start markers (#, -, 1.) are escaped by
// the caller where a line starts, since only there do they mean anything.
std::string escape_inline(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
        out += '\\';
        out += c;
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A paragraph line must not start a heading, list or quote by accident.
std::string escape_paragraph(const std::string& text) {
  std::string out = escape_inline(text);
  if (!out.empty() && (out[0] == '#' || out[0] == '-' || out[0] == '+')) out.insert(0, "\\");
  size_t digits = 0;
  while (digits < out.size() && std::isdigit(static_cast<unsigned char>(out[digits]))) ++digits;
  if (digits > 0 && digits < out.size() && (out[digits] == '.' || out[digits] == ')'))
    out.insert(digits, "\\");
  return out;
}

std::string pipe_table(const layout::Table& table) {
  std::vector<std::vector<std::string>> grid(static_cast<size_t>(table.rows),
                                             std::vector<std::string>(static_cast<size_t>(table.columns)));
  int header_rows = 0;
  for (const layout::TableCell& cell : table.cells) {
    if (cell.row < table.rows && cell.column < table.columns) {
      grid[static_cast<size_t>(cell.row)][static_cast<size_t>(cell.column)] = escape_inline(cell.text);
    }
    if (cell.header) header_rows = std::max(header_rows, cell.row + 1);
  }
  auto row_text = [](const std::vector<std::string>& cells) {
    std::string line = "|";
    for (const std::string& cell : cells) line += " " + cell + " |";
    return line + "\n";
  };
  std::string out;
  // GFM needs exactly one header row; a table without one gets an empty header.
  size_t first_body = 0;
  if (header_rows >= 1 && !grid.empty()) {
    out += row_text(grid[0]);
    first_body = 1;
  } else {
    out += row_text(std::vector<std::string>(static_cast<size_t>(table.columns)));
  }
  out += "|";
  for (int column = 0; column < table.columns; ++column) out += " --- |";
  out += "\n";
  for (size_t row = first_body; row < grid.size(); ++row) out += row_text(grid[row]);
  return out;
}

}  // namespace

std::string to_markdown(const layout::Document& document) {
  std::string out;
  for (const layout::Page& page : document.pages) {
    out += "<!-- page " + std::to_string(page.number) + " -->\n\n";
    for (const Block& block : page.blocks) {
      switch (block.type) {
        case BlockType::kPageHeader:
        case BlockType::kPageFooter:
          break;
        case BlockType::kTitle:
          out += "# " + escape_inline(block.text) + "\n\n";
          break;
        case BlockType::kSectionHeader:
          out += std::string(static_cast<size_t>(std::clamp(block.level + 1, 2, 6)), '#') + " " +
                 escape_inline(block.text) + "\n\n";
          break;
        case BlockType::kListItem:
          out += "- " + escape_inline(block.text) + "\n\n";
          break;
        case BlockType::kTable:
        case BlockType::kBomTable:
          if (block.table && block.table->continued_from_previous_page)
            out += "*(continued from the previous page)*\n\n";
          if (block.table && !block.table->has_spans() && block.table->rows > 0 && block.table->columns > 0) {
            out += pipe_table(*block.table) + "\n";
          } else if (!block.html.empty()) {
            out += block.html + "\n\n";  // table_to_html escaped the cell text
          } else {
            out += escape_paragraph(block.text) + "\n\n";
          }
          break;
        case BlockType::kCaption:
          out += "*" + escape_inline(block.text) + "*\n\n";
          break;
        case BlockType::kFigure:
          out +=
              "*[figure]*" + (block.text.empty() ? std::string() : " " + escape_inline(block.text)) + "\n\n";
          break;
        case BlockType::kCode:
          out += "```\n" + block.text + "\n```\n\n";
          break;
        case BlockType::kFormula:
          out +=
              block.latex.empty() ? escape_paragraph(block.text) + "\n\n" : "$$\n" + block.latex + "\n$$\n\n";
          break;
        case BlockType::kTitleBlock: {
          out += "| Field | Value |\n| --- | --- |\n";
          for (const auto& [key, value] : block.fields)
            out += "| " + escape_inline(key) + " | " + escape_inline(value) + " |\n";
          out += "\n";
          break;
        }
        case BlockType::kText:
        case BlockType::kFootnote:
        case BlockType::kDrawingNote:
        case BlockType::kDimension:
          out += escape_paragraph(block.text) + "\n\n";
          break;
      }
    }
  }
  return out;
}

}  // namespace exadoc::exporter
