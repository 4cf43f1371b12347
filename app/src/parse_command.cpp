// exadoc parse: documents to Markdown, HTML and JSON (and overlays), one file set per document.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/export/html.h>
#include <exadoc/export/markdown.h>
#include <exadoc/export/output_file.h>
#include <exadoc/export/overlay.h>
#include <exadoc/export/page_json.h>
#include <exadoc/ingest/input_error.h>
#include <exadoc/ingest/page_source.h>
#include <exadoc/layout/native_engine.h>

#include "commands.h"
#include "console.h"
#include "inputs.h"

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;

struct ParseSettings {
  std::vector<std::string> inputs;
  std::string output_dir;
  std::string engine = "auto";
  bool overlay = false;
  std::string ocr_languages = "eng+kor";
  int jobs = 0;
  LimitSettings limits;
};

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

int run_parse(const ParseSettings& settings) {
  const ingest::Limits limits = settings.limits.limits();
  layout::NativeOptions options;
  options.ocr_languages = split_languages(settings.ocr_languages);
  options.jobs = settings.jobs;
  // The EXAONE engine joins the pipeline with issue 9; until then auto means native, and says so.
  EXADOC_LOG_INFO("engine: native%s", settings.engine == "auto" ? " (auto: no model is configured)" : "");

  const fs::path output_dir(settings.output_dir);
  std::vector<fs::path> files;
  if (const int status = prepare_job(settings.output_dir, settings.inputs, files); status != kExitOk)
    return status;
  std::set<std::string> used_names;
  int failed = 0, pages_done = 0;
  const auto started = std::chrono::steady_clock::now();
  for (const fs::path& file : files) {
    const auto document_started = std::chrono::steady_clock::now();
    try {
      const std::unique_ptr<ingest::PageSource> source = ingest::open_page_source(file, limits);
      const std::string name = unique_output_name(file, used_names);
      Progress progress(file.filename().string(), source->page_count());
      const layout::Document document =
          layout::parse_native(*source, options, [&](int) { progress.advance(); });
      const fs::path base = output_dir / name;
      exporter::write_json_file(layout::to_json(document), fs::path(base) += ".json");
      exporter::write_text_file(fs::path(base) += ".md", exporter::to_markdown(document));
      exporter::write_text_file(fs::path(base) += ".html", exporter::to_html(document));
      if (settings.overlay) {
        ingest::RenderOptions render;  // the engine's own settings, so that boxes line up
        render.dpi = options.dpi;
        render.text_layer = false;
        exporter::write_overlays(document, *source, render, fs::path(base) += ".overlay");
      }
      size_t blocks = 0, warnings = document.warnings.size();
      for (const layout::Page& page : document.pages) {
        blocks += page.blocks.size();
        warnings += page.warnings.size();
        for (const std::string& warning : page.warnings) {
          EXADOC_LOG_WARN("%s: page %d: %s", file.c_str(), page.number, warning.c_str());
        }
      }
      pages_done += static_cast<int>(document.pages.size());
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - document_started).count();
      char summary[512];
      std::snprintf(summary, sizeof summary, "%s: %zu pages, %zu blocks%s -> %s.{md,html,json}%s in %.2f s",
                    file.c_str(), document.pages.size(), blocks,
                    warnings > 0 ? (", " + std::to_string(warnings) + " warnings").c_str() : "", base.c_str(),
                    settings.overlay ? " + overlay" : "", seconds);
      progress.finish(summary);
      std::printf("%s.json\n", base.c_str());
      std::fflush(stdout);
    } catch (const Error& document_error) {
      ++failed;
      EXADOC_LOG_ERROR("%s", document_error.what());
    } catch (const fs::filesystem_error& write_error) {
      ++failed;
      EXADOC_LOG_ERROR("%s: %s", file.c_str(), write_error.what());
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXADOC_LOG_INFO(
      "parsed %d pages of %zu documents in %.2f s (%.1f pages/s)%s", pages_done, files.size() - failed,
      seconds, seconds > 0 ? pages_done / seconds : 0.0,
      failed > 0 ? ("; " + std::to_string(failed) + " documents failed (see the errors above)").c_str() : "");
  return failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace

CommandAction add_parse_command(CLI::App& app) {
  auto settings = std::make_shared<ParseSettings>();
  CLI::App* command = app.add_subcommand(
      "parse",
      "Parse documents into Markdown, HTML and JSON with layout blocks and 0-1000 boxes (the main job)");
  command->add_option("inputs", settings->inputs, "PDF or image files, or folders holding them")->required();
  command
      ->add_option("-o,--output", settings->output_dir,
                   "Output folder: OUT/NAME.md, NAME.html, NAME.json (and NAME.overlay/ with --overlay)")
      ->required();
  command
      ->add_option("--engine", settings->engine,
                   "auto (the EXAONE engine when a model is configured, else native) or native")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "native"}));
  command->add_flag("--overlay", settings->overlay,
                    "Also write page images with every block's box drawn and labelled");
  command
      ->add_option("--ocr-languages", settings->ocr_languages,
                   "Tesseract languages for scanned pages, joined by +")
      ->capture_default_str();
  command->add_option("-j,--jobs", settings->jobs, "Pages analysed in parallel (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  add_limit_options(*command, settings->limits);
  command->footer(
      "Example:\n  exadoc parse samples -o out --overlay\n"
      "Prints each document's JSON path on stdout; progress and errors go to stderr. A file that fails is "
      "reported\n"
      "and the others go on (exit code 1).");
  return [settings] { return run_parse(*settings); };
}

}  // namespace exadoc::app
