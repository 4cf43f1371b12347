// Private to app: one document through the native engine into its exports — what `parse`, `batch` (and
// `watch`) do per file.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <exadoc/ingest/limits.h>
#include <exadoc/layout/document.h>
#include <exadoc/layout/native_engine.h>

#include "inputs.h"

namespace exadoc::app {

// The options that decide what a parse produces, shared by the commands that parse.
struct EngineSettings {
  std::string engine = "auto";
  std::string ocr_languages = "eng+kor";
  bool overlay = false;
  LimitSettings limits;

  layout::NativeOptions native_options(int jobs) const;
  // What changes the output, as JSON (the index compares it to skip documents parsed the same way before).
  nlohmann::json output_settings() const;
};
void add_engine_options(CLI::App& command, EngineSettings& settings);

struct ParsedDocument {
  layout::Document document;
  std::filesystem::path base;  // OUT/NAME: the exports are base + ".md", ".html", ".json"
  int blocks = 0;
  int warnings = 0;
  double seconds = 0;
};

// Progress of one document: on_open once its page count is known, on_page once per finished page (from any
// thread).
struct DocumentProgress {
  std::function<void(int page_count)> on_open;
  std::function<void(int page_index)> on_page;
};

// Parses `file` and writes OUT/NAME.{json,md,html} (and NAME.overlay/ when asked). Throws exadoc::Error
// subclasses and filesystem errors; nothing is written for a document that fails to parse.
ParsedDocument parse_and_export(const std::filesystem::path& file, const std::string& name,
                                const std::filesystem::path& output_dir, const EngineSettings& settings,
                                int jobs, const DocumentProgress& progress = {});

// "3 pages, 41 blocks, 2 warnings -> out/manual.{md,html,json} in 0.12 s"
std::string describe(const ParsedDocument& parsed, bool overlay);

// "eng+kor" → {"eng", "kor"}
std::vector<std::string> split_languages(const std::string& text);

}  // namespace exadoc::app
