#include "document_job.h"
#include <chrono>
#include <cstdio>
#include <memory>

#include <exadoc/base/log.h>
#include <exadoc/export/html.h>
#include <exadoc/export/markdown.h>
#include <exadoc/export/output_file.h>
#include <exadoc/export/overlay.h>
#include <exadoc/ingest/page_source.h>

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
  const layout::NativeOptions options = native_options(0);
  // The engine actually run: auto means native until the EXAONE engine joins the pipeline (issue 9).
  return {{"engine", "native"},
          {"ocr_languages", ocr_languages},
          {"dpi", options.dpi},
          {"ocr_dpi", options.ocr_dpi},
          {"max_pages", limits.max_pages},
          {"max_megapixels", limits.max_megapixels}};
}

void add_engine_options(CLI::App& command, EngineSettings& settings) {
  command
      .add_option("--engine", settings.engine,
                  "auto (the EXAONE engine when a model is configured, else native) or native")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "native"}));
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
  if (progress.on_open) progress.on_open(source->page_count());
  ParsedDocument parsed;
  parsed.document = layout::parse_native(*source, options, progress.on_page);
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
    for (const std::string& warning : page.warnings) {
      EXADOC_LOG_WARN("%s: page %d: %s", file.c_str(), page.number, warning.c_str());
    }
  }
  parsed.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return parsed;
}

std::string describe(const ParsedDocument& parsed, bool overlay) {
  char text[1024];
  std::snprintf(text, sizeof text, "%zu pages, %d blocks%s -> %s.{md,html,json}%s in %.2f s",
                parsed.document.pages.size(), parsed.blocks,
                parsed.warnings > 0 ? (", " + std::to_string(parsed.warnings) + " warnings").c_str() : "",
                parsed.base.c_str(), overlay ? " + overlay" : "", parsed.seconds);
  return text;
}

}  // namespace exadoc::app
