// Private to app: one document through the native engine into its exports — what `parse`, `batch` (and
// `watch`) do per file.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <exadoc/export/index.h>
#include <exadoc/ingest/file_type.h>
#include <exadoc/ingest/limits.h>
#include <exadoc/layout/document.h>
#include <exadoc/layout/identifiers.h>
#include <exadoc/layout/native_engine.h>

#include "exaone_settings.h"
#include "inputs.h"

namespace exadoc::app {

class ExaoneEngine;

// The options that decide what a parse produces, shared by the commands that parse.
struct EngineSettings {
  std::string engine = "auto";  // as asked: auto, native or exaone
  std::string ocr_languages = "eng+kor";
  bool overlay = false;
  LimitSettings limits;
  ExaoneSettings exaone;  // --model and the generation options

  // Decides auto (exaone when a model is configured and suits this machine, else native, saying why) and
  // loads the model once. Returns kExitOk or an exit code after logging why (no --model for --engine exaone,
  // a model that cannot be loaded).
  int resolve();
  const std::string& resolved() const { return resolved_; }  // "native" or "exaone" after resolve()

  layout::NativeOptions native_options(int jobs) const;
  // What changes the output, as JSON (the index compares it to skip documents parsed the same way before).
  nlohmann::json output_settings() const;

  // The loaded model (exaone only); one document at a time uses it.
  std::shared_ptr<ExaoneEngine> model_engine;
  std::shared_ptr<std::mutex> model_mutex = std::make_shared<std::mutex>();

 private:
  std::string resolved_ = "native";
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

// What indexing needs besides the index: the identifier patterns (--identifiers FILE, or the default file)
// and the settings the index compares to skip documents (the engine's output settings and the patterns'
// hash).
struct IndexingSetup {
  layout::IdentifierExtractor identifiers;
  nlohmann::json output_settings;
  std::string settings_json;
};
// Throws layout::PatternError (a pattern file that cannot be used) and ingest::InputError.
IndexingSetup prepare_indexing(const EngineSettings& settings, const std::string& identifiers_file);

// The index record of a file about to be parsed: its path, the engine and model as resolved, the settings the
// index compares (IndexingSetup::settings_json).
exporter::DocumentRecord new_record(const std::filesystem::path& file, const EngineSettings& settings,
                                    const std::string& settings_json);
// Fills the record's identity: the SHA-256 of the file's content and its type read from the content
// ("unknown" when it is no supported document). Throws ingest::InputError when the file cannot be read.
ingest::FileType identify(exporter::DocumentRecord& record, const std::filesystem::path& file);

// "3 pages, 41 blocks, 2 warnings -> out/manual.{md,html,json} in 0.12 s"
std::string describe(const ParsedDocument& parsed, bool overlay);

// "eng+kor" → {"eng", "kor"}
std::vector<std::string> split_languages(const std::string& text);

}  // namespace exadoc::app
