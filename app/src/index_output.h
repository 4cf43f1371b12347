// Private to app: what the index-reading commands (query, search, xref) share — where the index is, and
// printing rows as an aligned table, CSV or JSON.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include <exadoc/export/index.h>

namespace exadoc::app {

enum class OutputFormat { kTable, kCsv, kJson };

struct IndexLocation {
  std::string database;            // --db FILE
  std::string output_dir = "out";  // -o OUT: the index is OUT/exadoc.sqlite
  std::filesystem::path file() const;
};
void add_index_options(CLI::App& command, IndexLocation& location, std::string& format);
OutputFormat parse_format(const std::string& name);

// "x1 y1 x2 y2": a block's box on the 0-1000 grid, as the commands print it.
std::string box_text(const layout::Box1000& box);

// table: aligned columns, cells on one line and cut at `max_cell_width` display columns (0: never);
// csv: RFC 4180 with a header row; json: an array of objects, numbers as numbers and NULL as null.
void print_rows(const exporter::QueryResult& result, OutputFormat format, std::FILE* out,
                size_t max_cell_width = 60);

}  // namespace exadoc::app
