// exadoc parse: documents to Markdown, HTML and JSON (and overlays), one file set per document.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <exadoc/app/cli.h>
#include <exadoc/base/error.h>
#include <exadoc/base/log.h>

#include "commands.h"
#include "console.h"
#include "document_job.h"
#include "inputs.h"

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;

struct ParseSettings {
  std::vector<std::string> inputs;
  std::string output_dir;
  EngineSettings engine;
  int jobs = 0;
};

int run_parse(const ParseSettings& settings) {
  // The EXAONE engine joins the pipeline with issue 9; until then auto means native, and says so.
  EXADOC_LOG_INFO("engine: native%s",
                  settings.engine.engine == "auto" ? " (auto: no model is configured)" : "");

  const fs::path output_dir(settings.output_dir);
  std::vector<fs::path> files;
  if (const int status = prepare_job(settings.output_dir, settings.inputs, files); status != kExitOk)
    return status;
  std::set<std::string> used_names;
  int failed = 0, pages_done = 0;
  const auto started = std::chrono::steady_clock::now();
  for (const fs::path& file : files) {
    try {
      const std::string name = unique_output_name(file, used_names);
      std::unique_ptr<Progress> progress;
      const ParsedDocument parsed = parse_and_export(
          file, name, output_dir, settings.engine, settings.jobs,
          {[&](int pages) { progress = std::make_unique<Progress>(file.filename().string(), pages); },
           [&](int) { progress->advance(); }});
      pages_done += static_cast<int>(parsed.document.pages.size());
      progress->finish(file.string() + ": " + describe(parsed, settings.engine.overlay));
      std::printf("%s.json\n", parsed.base.c_str());
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
      "parse", "Parse documents into Markdown, HTML and JSON with layout blocks and 0-1000 boxes");
  command->add_option("inputs", settings->inputs, "PDF or image files, or folders holding them")->required();
  command
      ->add_option("-o,--output", settings->output_dir,
                   "Output folder: OUT/NAME.md, NAME.html, NAME.json (and NAME.overlay/ with --overlay)")
      ->required();
  add_engine_options(*command, settings->engine);
  command->add_option("-j,--jobs", settings->jobs, "Pages analysed in parallel (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  command->footer(
      "Example:\n  exadoc parse samples -o out --overlay\n"
      "Prints each document's JSON path on stdout; progress and errors go to stderr. A file that fails is "
      "reported\n"
      "and the others go on (exit code 1). To index folders for search and cross-references, use exadoc "
      "batch.");
  return [settings] { return run_parse(*settings); };
}

}  // namespace exadoc::app
