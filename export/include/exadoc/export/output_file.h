// exadoc/export/output_file.h — writing output files so that a reader never sees half of one.
#pragma once

#include <filesystem>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace exadoc::exporter {

// Writes `text` to file.tmp, then renames it over `file`. Throws exadoc::Error naming the file.
void write_text_file(const std::filesystem::path& file, std::string_view text);

// The same for JSON (indented by one space, a final newline). Invalid UTF-8 in strings is replaced, not
// fatal: a PDF's text layer can hold anything.
void write_json_file(const nlohmann::json& json, const std::filesystem::path& file);

}  // namespace exadoc::exporter
