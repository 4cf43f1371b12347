// Engineering drawings: the title block is read cell by cell (ISO 7200 puts a small label and its value in
// one ruled cell), the parts list is a ruled table found by its header words, and notes are the lines under
// "NOTES:".
#include "native/drawing.h"
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace exadoc::layout::native {
namespace {

// The zone strip of a drawing frame lies within this fraction of the page side from its edge (tables.cpp
// drops ruled cells there for the same reason).
constexpr double kZoneBandFraction = 0.06;

struct Label {
  std::string_view key;
  std::string_view text;  // upper case, as printed
};

// Longer labels first, so that "DRAWN BY" wins over "DRAWN" and "DWG NO." over nothing at all.
constexpr std::array<Label, 25> kLabels{{
    {"drawing_number", "DRAWING NUMBER"},
    {"drawing_number", "DRAWING NO."},
    {"drawing_number", "DRAWING NO"},
    {"drawing_number", "DWG. NO."},
    {"drawing_number", "DWG NO."},
    {"drawing_number", "DWG NO"},
    {"revision", "REVISION"},
    {"revision", "REV."},
    {"revision", "REV"},
    {"scale", "SCALE"},
    {"sheet", "SHEET"},
    {"title", "TITLE"},
    {"material", "MATERIAL"},
    {"drawn_by", "DRAWN BY"},
    {"drawn_by", "DRAWN"},
    {"checked_by", "CHECKED BY"},
    {"checked_by", "CHECKED"},
    {"approved_by", "APPROVED BY"},
    {"approved_by", "APPROVED"},
    {"date", "DATE"},
    {"size", "SIZE"},
    {"mass", "MASS"},
    {"company", "COMPANY"},
    {"units", "UNITS"},
    {"projection", "PROJECTION"},
}};

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" :\t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

struct LabelMatch {
  std::string_view key;
  std::string value;  // what follows the label in the same cell; may be empty
};

// The label a cell's text starts with, when followed by the end, a space or a colon.
std::optional<LabelMatch> match_label(const std::string& cell_text) {
  const std::string text = upper(cell_text);
  for (const Label& label : kLabels) {
    if (!text.starts_with(label.text)) continue;
    const size_t end = label.text.size();
    if (end < text.size() && text[end] != ' ' && text[end] != ':') continue;
    return LabelMatch{label.key, trim(std::string_view(cell_text).substr(end))};
  }
  return std::nullopt;
}

ingest::BoxPt unite(const ingest::BoxPt& a, const ingest::BoxPt& b) {
  return {std::min(a.x1, b.x1), std::min(a.y1, b.y1), std::max(a.x2, b.x2), std::max(a.y2, b.y2)};
}

ingest::BoxPt words_box(const std::vector<ingest::Word>& words, const std::vector<size_t>& indices) {
  ingest::BoxPt box = words[indices.front()].box_pt;
  for (size_t index : indices) box = unite(box, words[index].box_pt);
  return box;
}

std::string table_text(const Table& table) {
  std::string text;
  for (int row = 0; row < table.rows; ++row) {
    std::string line;
    bool first = true;
    for (const TableCell& cell : table.cells) {
      if (cell.row != row) continue;
      line += (first ? "" : "\t") + cell.text;
      first = false;
    }
    text += (row == 0 ? "" : "\n") + line;
  }
  return text;
}

// Reads label → value pairs from the table's cells: the value follows the label in its cell, or, for a cell
// holding the label alone, fills the cell below (or else to the right).
std::map<std::string, std::string> read_fields(const DetectedTable& detected) {
  std::map<std::string, std::string> fields;
  const auto& cells = detected.table.cells;
  auto find_cell = [&cells](int row, int column) -> const TableCell* {
    for (const TableCell& cell : cells) {
      if (cell.row == row && cell.column <= column && column < cell.column + cell.column_span) return &cell;
    }
    return nullptr;
  };
  for (const TableCell& cell : cells) {
    std::optional<LabelMatch> match = match_label(cell.text);
    if (!match || fields.contains(std::string(match->key))) continue;
    if (match->value.empty()) {
      for (const TableCell* next : {find_cell(cell.row + cell.row_span, cell.column),
                                    find_cell(cell.row, cell.column + cell.column_span)}) {
        if (next != nullptr && !next->text.empty() && !match_label(next->text)) {
          match->value = next->text;
          break;
        }
      }
    }
    if (!match->value.empty()) fields.emplace(match->key, match->value);
  }
  return fields;
}

bool is_bom_header(const Table& table) {
  std::string header;
  for (const TableCell& cell : table.cells) {
    if (cell.row == 0) header += " " + upper(cell.text);
  }
  const bool item = header.find("ITEM") != std::string::npos || header.find("POS") != std::string::npos;
  const bool part = header.find("PART") != std::string::npos || header.find("QTY") != std::string::npos ||
                    header.find("QUANTITY") != std::string::npos;
  return item && part;
}

bool starts_numbered(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  return digits > 0 && digits < text.size() && (text[digits] == '.' || text[digits] == ')');
}

bool is_diameter_text(std::string_view text) {
  constexpr std::string_view kDiameter = "\xC3\x98";       // Ø
  constexpr std::string_view kDiameterSmall = "\xC3\xB8";  // ø
  return text.find(kDiameter) != std::string_view::npos ||
         text.find(kDiameterSmall) != std::string_view::npos;
}

// A dimension label: a diameter, or a plain measurement like "45" or "12.5".
bool is_dimension_text(std::string_view text) {
  if (is_diameter_text(text)) return true;
  if (text.size() < 2) return false;  // single digits are zone markers and item balloons far more often
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == ',';
  });
}

// Splits a text line into runs of words no further apart than two font sizes.
std::vector<std::vector<size_t>> split_runs(const std::vector<ingest::Word>& words,
                                            const std::vector<size_t>& line) {
  std::vector<std::vector<size_t>> runs;
  for (size_t index : line) {
    if (!runs.empty()) {
      const ingest::Word& previous = words[runs.back().back()];
      const double size_pt = std::max(previous.font_size_pt, words[index].font_size_pt);
      if (words[index].box_pt.x1 - previous.box_pt.x2 < 2 * size_pt) {
        runs.back().push_back(index);
        continue;
      }
    }
    runs.push_back({index});
  }
  return runs;
}

std::string run_text(const std::vector<ingest::Word>& words, const std::vector<size_t>& run) {
  std::string text;
  for (size_t index : run) text += (text.empty() ? "" : " ") + words[index].text;
  return text;
}

Block make_block(BlockType type, const ingest::BoxPt& box_pt, const ingest::SizePt& size_pt) {
  Block block;
  block.type = type;
  block.box = to_box1000(box_pt, size_pt);
  block.source = BlockSource::kTextLayer;
  return block;
}

}  // namespace

DrawingBlocks analyze_drawing(const ingest::SizePt& size_pt, const std::vector<ingest::Word>& words,
                              const std::vector<DetectedTable>& tables) {
  DrawingBlocks result;

  // Title block: the ruled tables in the lower half whose cells carry at least two labels. It may come as
  // several tables, as detect_tables parts rows whose column rules do not line up.
  std::map<std::string, std::string> fields;
  std::optional<ingest::BoxPt> title_box_pt;
  std::vector<std::string> title_lines;
  for (size_t table_index = 0; table_index < tables.size(); ++table_index) {
    const DetectedTable& detected = tables[table_index];
    if ((detected.box_pt.y1 + detected.box_pt.y2) / 2 < size_pt.height / 2) continue;
    std::map<std::string, std::string> found = read_fields(detected);
    if (found.size() < 2) continue;
    fields.merge(found);
    title_box_pt = title_box_pt ? unite(*title_box_pt, detected.box_pt) : detected.box_pt;
    for (const TableCell& cell : detected.table.cells) {
      if (!cell.text.empty()) title_lines.push_back(cell.text);
    }
    result.table_indices.push_back(table_index);
    result.word_indices.insert(result.word_indices.end(), detected.word_indices.begin(),
                               detected.word_indices.end());
  }
  if (!title_box_pt || !fields.contains("drawing_number")) return {};

  Block title_block = make_block(BlockType::kTitleBlock, *title_box_pt, size_pt);
  for (const std::string& line : title_lines)
    title_block.text += (title_block.text.empty() ? "" : "\n") + line;
  title_block.fields = std::move(fields);
  result.blocks.push_back(std::move(title_block));

  for (size_t table_index = 0; table_index < tables.size(); ++table_index) {
    const DetectedTable& detected = tables[table_index];
    const bool taken = std::find(result.table_indices.begin(), result.table_indices.end(), table_index) !=
                       result.table_indices.end();
    if (taken || !is_bom_header(detected.table)) continue;
    Block bom = make_block(BlockType::kBomTable, detected.box_pt, size_pt);
    bom.table = detected.table;
    bom.html = table_to_html(detected.table);
    bom.text = table_text(detected.table);
    result.blocks.push_back(std::move(bom));
    result.table_indices.push_back(table_index);
    result.word_indices.insert(result.word_indices.end(), detected.word_indices.begin(),
                               detected.word_indices.end());
  }

  // Words no table took, for notes and dimension labels.
  std::set<size_t> taken_words;
  for (const DetectedTable& detected : tables)
    taken_words.insert(detected.word_indices.begin(), detected.word_indices.end());
  std::vector<size_t> free_words;
  for (size_t index = 0; index < words.size(); ++index) {
    if (!taken_words.contains(index)) free_words.push_back(index);
  }

  // Notes: the left-aligned lines under "NOTES:", a new note at each "N." and wrapped lines joined to theirs.
  const auto notes_word = std::find_if(free_words.begin(), free_words.end(), [&words](size_t index) {
    const std::string text = upper(words[index].text);
    return text == "NOTES:" || text == "NOTES" || text == "NOTE:";
  });
  if (notes_word != free_words.end()) {
    const ingest::Word& heading = words[*notes_word];
    const double heading_size_pt = std::max(heading.font_size_pt, heading.box_pt.y2 - heading.box_pt.y1);
    std::vector<size_t> below;
    for (size_t index : free_words) {
      const ingest::BoxPt& box = words[index].box_pt;
      if (index != *notes_word && box.y1 > heading.box_pt.y1 &&
          box.x1 >= heading.box_pt.x1 - heading_size_pt / 2) {
        below.push_back(index);
      }
    }
    std::vector<size_t> note_words{*notes_word};
    std::vector<std::string> notes;
    double last_bottom_pt = heading.box_pt.y2;
    for (const auto& line : group_lines(words, below)) {
      const std::vector<size_t> run = split_runs(words, line).front();
      const ingest::BoxPt& first = words[run.front()].box_pt;
      if (first.y1 - last_bottom_pt > 1.5 * heading_size_pt) break;  // the paragraph ended
      if (first.x1 > heading.box_pt.x1 + 3 * heading_size_pt)
        continue;  // something else on the drawing, further right
      const std::string text = run_text(words, run);
      if (notes.empty() || starts_numbered(text)) {
        notes.push_back(text);
      } else {
        notes.back() += " " + text;
      }
      note_words.insert(note_words.end(), run.begin(), run.end());
      last_bottom_pt = words_box(words, run).y2;
    }
    Block note = make_block(BlockType::kDrawingNote, words_box(words, note_words), size_pt);
    note.text = heading.text;
    for (const std::string& text : notes) note.text += "\n" + text;
    result.blocks.push_back(std::move(note));
    result.word_indices.insert(result.word_indices.end(), note_words.begin(), note_words.end());
    for (size_t index : note_words) taken_words.insert(index);
  }

  // Dimension labels: runs of free words holding a diameter or a measurement, away from the zone strip along
  // the frame (its digits are zone references, not sizes).
  const double band_x_pt = size_pt.width * kZoneBandFraction;
  const double band_y_pt = size_pt.height * kZoneBandFraction;
  std::vector<size_t> rest;
  for (size_t index : free_words) {
    const ingest::BoxPt& box = words[index].box_pt;
    const bool in_band = box.x2 < band_x_pt || box.x1 > size_pt.width - band_x_pt || box.y2 < band_y_pt ||
                         box.y1 > size_pt.height - band_y_pt;
    if (!taken_words.contains(index) && !in_band) rest.push_back(index);
  }
  for (const auto& line : group_lines(words, rest)) {
    for (const auto& run : split_runs(words, line)) {
      // A diameter anywhere in the run ("8x Ø18 EQ. SP. ON PCD Ø380"), or a lone measurement; a number inside
      // words is an annotation ("Ra 1.6 (SEAL BORE)"), not a size.
      const bool diameter = std::any_of(
          run.begin(), run.end(), [&words](size_t index) { return is_diameter_text(words[index].text); });
      const bool dimension = diameter || (run.size() == 1 && is_dimension_text(words[run.front()].text));
      if (!dimension) continue;
      Block block = make_block(BlockType::kDimension, words_box(words, run), size_pt);
      block.text = run_text(words, run);
      result.blocks.push_back(std::move(block));
      result.word_indices.insert(result.word_indices.end(), run.begin(), run.end());
    }
  }

  std::sort(result.word_indices.begin(), result.word_indices.end());
  result.word_indices.erase(std::unique(result.word_indices.begin(), result.word_indices.end()),
                            result.word_indices.end());
  return result;
}

}  // namespace exadoc::layout::native
