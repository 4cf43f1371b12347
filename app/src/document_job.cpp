#include "document_job.h"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/export/html.h>
#include <exadoc/export/markdown.h>
#include <exadoc/export/output_file.h>
#include <exadoc/export/overlay.h>
#include <exadoc/ingest/content_hash.h>
#include <exadoc/ingest/input_error.h>
#include <exadoc/ingest/page_source.h>

#include "exaone_engine.h"

namespace exadoc::app {

namespace fs = std::filesystem;

std::vector<std::string> split_languages(const std::string& text) {
  std::vector<std::string> languages;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t plus = text.find('+', start);
    const std::string language =
        text.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    if (!language.empty()) languages.push_back(language);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return languages;
}

layout::NativeOptions EngineSettings::native_options(int jobs) const {
  layout::NativeOptions options;
  options.ocr_languages = split_languages(ocr_languages);
  options.jobs = jobs;
  return options;
}

nlohmann::json EngineSettings::output_settings() const {
  if (resolved_ == "exaone") {
    nlohmann::json settings = exaone.output_settings();
    settings["engine"] = "exaone";
    settings["max_pages"] = limits.max_pages;
    settings["max_megapixels"] = limits.max_megapixels;
    return settings;
  }
  const layout::NativeOptions options = native_options(0);
  return {{"engine", "native"},
          {"ocr_languages", ocr_languages},
          {"dpi", options.dpi},
          {"ocr_dpi", options.ocr_dpi},
          {"max_pages", limits.max_pages},
          {"max_megapixels", limits.max_megapixels}};
}

int EngineSettings::resolve() {
  if (exaone.model_dir.empty()) {
    if (const char* configured = std::getenv("EXADOC_MODEL"); configured != nullptr && *configured != '\0') {
      exaone.model_dir = configured;
    }
  }
  if (engine == "native") {
    resolved_ = "native";
  } else if (engine == "exaone") {
    if (exaone.model_dir.empty()) {
      EXADOC_LOG_ERROR(
          "--engine exaone needs --model DIR (or EXADOC_MODEL): a Hugging Face EXAONE 4.5 folder");
      return kExitUsage;
    }
    resolved_ = "exaone";
  } else if (exaone.model_dir.empty()) {
    EXADOC_LOG_INFO(
        "engine: native (auto: no model is configured; --model DIR or EXADOC_MODEL selects EXAONE)");
    resolved_ = "native";
  } else if (const std::string reason = exaone_unsuitable_reason(exaone.model_dir); !reason.empty()) {
    EXADOC_LOG_INFO("engine: native (auto: %s)", reason.c_str());
    resolved_ = "native";
  } else {
    resolved_ = "exaone";
  }
  if (resolved_ == "native") {
    if (engine == "native") EXADOC_LOG_INFO("engine: native");
    return kExitOk;
  }
  try {
    model_engine = ExaoneEngine::load(exaone);
  } catch (const Error& error) {
    EXADOC_LOG_ERROR("cannot load the model: %s", error.what());
    return kExitEnvironment;
  }
  return kExitOk;
}

void add_engine_options(CLI::App& command, EngineSettings& settings) {
  command
      .add_option(
          "--engine", settings.engine,
          "auto (EXAONE when a model is configured and suits this machine, else native), native, or exaone")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "native", "exaone"}));
  command.add_option("--model", settings.exaone.model_dir,
                     "EXAONE 4.5 model folder (Hugging Face layout); default: $EXADOC_MODEL");
  command
      .add_option("--max-new-tokens", settings.exaone.max_new_tokens,
                  "exaone: most tokens of each page's answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      .add_option("--context-tokens", settings.exaone.context_tokens,
                  "exaone: token budget of a document's conversation (0: the model's maximum)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command
      .add_option("--temperature", settings.exaone.temperature, "exaone: sampling temperature (0: greedy)")
      ->capture_default_str()
      ->check(CLI::Range(0.0f, 10.0f));
  command.add_option("--seed", settings.exaone.seed, "exaone: sampling seed")->capture_default_str();
  command.add_flag("--overlay", settings.overlay,
                   "Also write page images with every block's box drawn and labelled");
  command
      .add_option("--ocr-languages", settings.ocr_languages,
                  "Tesseract languages for scanned pages, joined by +")
      ->capture_default_str();
  add_limit_options(command, settings.limits);
}

ParsedDocument parse_and_export(const fs::path& file, const std::string& name, const fs::path& output_dir,
                                const EngineSettings& settings, int jobs, const DocumentProgress& progress) {
  const auto started = std::chrono::steady_clock::now();
  const layout::NativeOptions options = settings.native_options(jobs);
  const std::unique_ptr<ingest::PageSource> source = ingest::open_page_source(file, settings.limits.limits());
  ParsedDocument parsed;
  if (settings.resolved() == "exaone") {
    // One model, one document at a time: its backend and conversation are not shared.
    const std::lock_guard lock(*settings.model_mutex);
    parsed.document = settings.model_engine->parse(*source, progress);
  } else {
    if (progress.on_open) progress.on_open(source->page_count());
    parsed.document = layout::parse_native(*source, options, progress.on_page);
  }
  // A document none of whose pages could be read (every page failed before it had pixels) has failed,
  // whatever the file's structure promised: it is reported with the first page's reason, and nothing is
  // written.
  const auto& pages = parsed.document.pages;
  if (!pages.empty() && std::all_of(pages.begin(), pages.end(), [](const layout::Page& page) {
        return page.width_px == 0 && !page.warnings.empty();
      })) {
    throw ingest::InputError(file, std::nullopt,
                             "no page could be read (" + pages.front().warnings.front() + ")");
  }
  parsed.base = output_dir / name;
  exporter::write_json_file(layout::to_json(parsed.document), fs::path(parsed.base) += ".json");
  exporter::write_text_file(fs::path(parsed.base) += ".md", exporter::to_markdown(parsed.document));
  exporter::write_text_file(fs::path(parsed.base) += ".html", exporter::to_html(parsed.document));
  if (settings.overlay) {
    ingest::RenderOptions render;  // the engine's own grid, so that boxes line up
    render.dpi = options.dpi;
    render.text_layer = false;
    exporter::write_overlays(parsed.document, *source, render, fs::path(parsed.base) += ".overlay");
  }
  parsed.warnings = static_cast<int>(parsed.document.warnings.size());
  for (const layout::Page& page : parsed.document.pages) {
    parsed.blocks += static_cast<int>(page.blocks.size());
    parsed.warnings += static_cast<int>(page.warnings.size());
    // A page's first warnings, and how many more: the model can produce dozens on one page; all of them are
    // in the JSON and the index.
    constexpr size_t kLoggedPerPage = 2;
    for (size_t w = 0; w < page.warnings.size() && w < kLoggedPerPage; ++w) {
      EXADOC_LOG_WARN("%s: page %d: %s", file.c_str(), page.number, page.warnings[w].c_str());
    }
    if (page.warnings.size() > kLoggedPerPage) {
      EXADOC_LOG_WARN("%s: page %d: and %zu more warnings (see %s.json)", file.c_str(), page.number,
                      page.warnings.size() - kLoggedPerPage, parsed.base.c_str());
    }
  }
  parsed.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return parsed;
}

exporter::DocumentRecord new_record(const fs::path& file, const EngineSettings& settings,
                                    const std::string& settings_json) {
  exporter::DocumentRecord record;
  record.path = file.string();
  record.engine = settings.resolved();
  record.model = record.engine == "exaone" ? settings.exaone.model_dir : "";
  record.settings_json = settings_json;
  return record;
}

ingest::FileType identify(exporter::DocumentRecord& record, const fs::path& file) {
  record.sha256 = ingest::sha256_of_file(file);
  const ingest::FileType type = ingest::detect_file_type(file);
  record.file_type = std::string(ingest::file_type_name(type));
  return type;
}

IndexingSetup prepare_indexing(const EngineSettings& settings, const std::string& identifiers_file) {
  const fs::path pattern_file = identifiers_file.empty() ? layout::IdentifierExtractor::default_pattern_file()
                                                         : fs::path(identifiers_file);
  IndexingSetup setup{layout::IdentifierExtractor::from_file(pattern_file), settings.output_settings(), ""};
  // Other identifier patterns give other mentions: a document indexed with them is not "the same".
  setup.output_settings["identifier_patterns"] = ingest::sha256_of_file(pattern_file);
  setup.settings_json = setup.output_settings.dump();
  return setup;
}

std::string describe(const ParsedDocument& parsed, bool overlay) {
  char text[1024];
  const size_t pages = parsed.document.pages.size();
  std::snprintf(text, sizeof text, "%zu page%s, %d block%s%s -> %s.{md,html,json}%s in %.2f s", pages,
                pages == 1 ? "" : "s", parsed.blocks, parsed.blocks == 1 ? "" : "s",
                parsed.warnings > 0 ? (", " + std::to_string(parsed.warnings) +
                                       (parsed.warnings == 1 ? " warning" : " warnings"))
                                          .c_str()
                                    : "",
                parsed.base.c_str(), overlay ? " + overlay" : "", parsed.seconds);
  return text;
}

}  // namespace exadoc::app
