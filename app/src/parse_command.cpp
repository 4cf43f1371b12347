// exadoc parse: documents to Markdown, HTML and JSON (and overlays), one file set per document.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <exadoc/app/cli.h>
#include <exadoc/base/error.h>
#include <exadoc/base/log.h>
#include <exadoc/export/index.h>
#include <exadoc/ingest/content_hash.h>
#include <exadoc/ingest/file_type.h>

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
  std::string database;  // default OUT/exadoc.sqlite
  bool no_index = false;
  std::string identifiers;
  EngineSettings engine;
  int jobs = 0;
};

int run_parse(ParseSettings& settings) {
  const fs::path output_dir(settings.output_dir);
  std::vector<fs::path> files;
  if (const int status = prepare_job(settings.output_dir, settings.inputs, files); status != kExitOk)
    return status;
  if (const int status = settings.engine.resolve(); status != kExitOk) return status;
  // Parsed documents are indexed too (replacing earlier results of the same content): parse is batch for
  // named files, without the skipping.
  std::optional<IndexingSetup> indexing;
  std::optional<exporter::Index> index;
  int64_t run_id = 0;
  if (!settings.no_index) {
    indexing.emplace(prepare_indexing(settings.engine, settings.identifiers));
    index.emplace(exporter::Index::open(
        settings.database.empty() ? output_dir / "exadoc.sqlite" : fs::path(settings.database),
        exporter::Index::Access::kReadWrite));
    run_id = index->begin_run(exporter::RunKind::kParse, indexing->settings_json);
  }
  std::set<std::string> used_names;
  int failed = 0, pages_done = 0;
  const auto started = std::chrono::steady_clock::now();
  for (const fs::path& file : files) {
    try {
      const std::string name = unique_output_name(file, used_names);
      exporter::DocumentRecord record =
          new_record(file, settings.engine, index ? indexing->settings_json : "{}");
      if (index) identify(record, file);
      std::unique_ptr<Progress> progress;
      ParsedDocument parsed;
      try {
        parsed = parse_and_export(
            file, name, output_dir, settings.engine, settings.jobs,
            {[&](int pages) { progress = std::make_unique<Progress>(file.filename().string(), pages); },
             [&](int) {
               if (progress) progress->advance();
             }});
      } catch (const exporter::IndexError&) {
        throw;
      } catch (const Error& parse_error) {
        if (index) index->record_failure(run_id, record, parse_error.what());
        throw;
      }
      if (index) {
        record.page_count = static_cast<int>(parsed.document.pages.size());
        record.seconds = parsed.seconds;
        index->store_document(run_id, record, parsed.document,
                              indexing->identifiers.extract(parsed.document));
      }
      pages_done += static_cast<int>(parsed.document.pages.size());
      if (progress) progress->finish(file.string() + ": " + describe(parsed, settings.engine.overlay));
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
  if (index) {
    index->finish_run(run_id, {static_cast<int64_t>(files.size()) - failed, 0, failed, pages_done, seconds});
  }
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
  command->add_option("--db", settings->database,
                      "The index the documents are also written to (default: OUT/exadoc.sqlite)");
  command->add_flag("--no-index", settings->no_index, "Write the exports only, no index");
  command->add_option("--identifiers", settings->identifiers,
                      "Identifier pattern file (default: schemas/identifiers.json)");
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
