#include "index_output.h"
#include <algorithm>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace exadoc::app {
namespace {

// Display columns of a UTF-8 code point: 2 for Hangul, CJK and full-width forms, 1 otherwise.
size_t display_width(char32_t c) {
  const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
                    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                    (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6);
  return wide ? 2 : 1;
}

// Decodes one code point at `at` (invalid bytes count as one column each) and advances `at`.
char32_t next_code_point(std::string_view text, size_t& at) {
  const auto byte = static_cast<unsigned char>(text[at]);
  const size_t length = byte < 0x80           ? 1
                        : (byte >> 5) == 0x6  ? 2
                        : (byte >> 4) == 0xE  ? 3
                        : (byte >> 3) == 0x1E ? 4
                                              : 1;
  if (length == 1 || at + length > text.size()) {
    ++at;
    return byte;
  }
  char32_t c = byte & (0xFF >> (length + 1));
  for (size_t i = 1; i < length; ++i) c = (c << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
  at += length;
  return c;
}

// The cell on one line (line breaks and tabs as spaces), cut to max_width display columns with "…".
std::string one_line(const std::string& text, size_t max_width, size_t& width) {
  std::string out;
  width = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t start = at;
    const char32_t c = next_code_point(text, at);
    const size_t w = display_width(c);
    if (max_width > 0 && width + w > max_width - 1 && at < text.size()) {
      out += "…";
      ++width;
      return out;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else {
      out.append(text, start, at - start);
    }
    width += w;
  }
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

nlohmann::json json_value(const exporter::Value& value) {
  if (std::holds_alternative<int64_t>(value)) return std::get<int64_t>(value);
  if (std::holds_alternative<double>(value)) return std::get<double>(value);
  // Invalid UTF-8 in stored text is replaced when the array is printed (error_handler_t::replace).
  if (std::holds_alternative<std::string>(value)) return std::get<std::string>(value);
  if (std::holds_alternative<std::vector<uint8_t>>(value)) return exporter::value_to_string(value);
  return nullptr;
}

}  // namespace

std::filesystem::path IndexLocation::file() const {
  return database.empty() ? std::filesystem::path(output_dir) / "exadoc.sqlite"
                          : std::filesystem::path(database);
}

void add_index_options(CLI::App& command, IndexLocation& location, std::string& format) {
  command.add_option("--db", location.database, "The index file (default: OUT/exadoc.sqlite)");
  command
      .add_option("-o,--output", location.output_dir, "The output folder of the batch that wrote the index")
      ->capture_default_str();
  command.add_option("--format", format, "table (aligned, cells cut to fit), csv or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json"}));
}

std::string box_text(const layout::Box1000& box) {
  return std::to_string(box.x1) + " " + std::to_string(box.y1) + " " + std::to_string(box.x2) + " " +
         std::to_string(box.y2);
}

OutputFormat parse_format(const std::string& name) {
  return name == "csv" ? OutputFormat::kCsv : name == "json" ? OutputFormat::kJson : OutputFormat::kTable;
}

void print_rows(const exporter::QueryResult& result, OutputFormat format, std::FILE* out,
                size_t max_cell_width) {
  if (format == OutputFormat::kJson) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : result.rows) {
      nlohmann::json object = nlohmann::json::object();
      for (size_t i = 0; i < row.size() && i < result.columns.size(); ++i)
        object[result.columns[i]] = json_value(row[i]);
      rows.push_back(std::move(object));
    }
    std::fprintf(out, "%s\n", rows.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  if (format == OutputFormat::kCsv) {
    for (size_t i = 0; i < result.columns.size(); ++i)
      std::fprintf(out, "%s%s", i > 0 ? "," : "", csv_field(result.columns[i]).c_str());
    std::fprintf(out, "\r\n");
    for (const auto& row : result.rows) {
      for (size_t i = 0; i < row.size(); ++i)
        std::fprintf(out, "%s%s", i > 0 ? "," : "", csv_field(exporter::value_to_string(row[i])).c_str());
      std::fprintf(out, "\r\n");
    }
    return;
  }
  // table
  const size_t columns = result.columns.size();
  std::vector<std::vector<std::string>> cells;
  std::vector<std::vector<size_t>> widths;
  std::vector<size_t> column_width(columns, 0);
  auto add = [&](const std::vector<std::string>& texts) {
    std::vector<std::string> line(columns);
    std::vector<size_t> line_widths(columns, 0);
    for (size_t i = 0; i < columns && i < texts.size(); ++i) {
      line[i] = one_line(texts[i], max_cell_width, line_widths[i]);
      column_width[i] = std::max(column_width[i], line_widths[i]);
    }
    cells.push_back(std::move(line));
    widths.push_back(std::move(line_widths));
  };
  add(result.columns);
  for (const auto& row : result.rows) {
    std::vector<std::string> texts;
    texts.reserve(row.size());
    for (const exporter::Value& value : row)
      texts.push_back(std::holds_alternative<std::monostate>(value) ? "NULL"
                                                                    : exporter::value_to_string(value));
    add(texts);
  }
  for (size_t r = 0; r < cells.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < columns; ++i) {
      if (i > 0) line += "  ";
      line += cells[r][i];
      if (i + 1 < columns) line.append(column_width[i] - widths[r][i], ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
    if (r == 0) {
      std::string rule;
      for (size_t i = 0; i < columns; ++i) rule += (i > 0 ? "  " : "") + std::string(column_width[i], '-');
      std::fprintf(out, "%s\n", rule.c_str());
    }
  }
  std::fprintf(out, "(%zu row%s)\n", result.rows.size(), result.rows.size() == 1 ? "" : "s");
}

}  // namespace exadoc::app
