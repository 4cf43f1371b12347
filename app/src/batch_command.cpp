// exadoc batch: every document of a folder parsed, exported and indexed in OUT/exadoc.sqlite — resumable
// (documents already indexed with the same engine and settings are skipped by content hash), and a bad file
// is recorded as failed while the rest go on.
//
// Documents are parsed by --jobs workers at once; the index has one writer connection, used under a mutex,
// and every document is stored in one transaction, so a batch killed at any point leaves whole documents
// only.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/export/index.h>
#include <exadoc/ingest/content_hash.h>
#include <exadoc/ingest/file_type.h>
#include <exadoc/layout/identifiers.h>

#include "commands.h"
#include "console.h"
#include "document_job.h"
#include "inputs.h"

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;

struct BatchSettings {
  std::string input_dir;
  std::string output_dir;
  std::string database;  // default OUT/exadoc.sqlite
  bool recursive = false;
  bool force = false;
  int jobs = 0;
  std::string identifiers;  // pattern file; default schemas/identifiers.json
  EngineSettings engine;
};

struct Totals {
  std::atomic<int64_t> done{0}, skipped{0}, failed{0}, pages{0};
};

class Batch {
 public:
  Batch(const BatchSettings& settings, exporter::Index& index, const layout::IdentifierExtractor& identifiers,
        std::string settings_json, int64_t run_id)
      : settings_(settings),
        index_(index),
        identifiers_(identifiers),
        settings_json_(std::move(settings_json)),
        run_id_(run_id) {}

  void run(const std::vector<fs::path>& files, const std::vector<std::string>& names) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int jobs = settings_.jobs > 0 ? settings_.jobs : cores;
    // Whole documents in parallel (many small files are the common case); a document gets the cores left
    // over.
    const int workers = std::clamp(jobs, 1, std::max(1, static_cast<int>(files.size())));
    const int page_jobs = std::max(1, jobs / workers);
    progress_ = std::make_unique<Progress>("batch", static_cast<int>(files.size()), "documents");
    started_ = std::chrono::steady_clock::now();
    std::atomic<size_t> next{0};
    // A failure of the index itself (disk full, the file gone) stops every worker; it is rethrown here, on
    // the calling thread, once they have all stopped.
    std::atomic<bool> stop{false};
    std::exception_ptr fatal;
    std::mutex fatal_mutex;
    auto work = [&] {
      for (size_t i = next++; i < files.size() && !stop; i = next++) {
        try {
          process(files[i], names[i], page_jobs);
        } catch (...) {
          const std::lock_guard lock(fatal_mutex);
          if (!fatal) fatal = std::current_exception();
          stop = true;
        }
      }
    };
    std::vector<std::jthread> threads;
    for (int i = 1; i < workers; ++i) threads.emplace_back(work);
    work();
    threads.clear();
    progress_->finish("");
    if (fatal) std::rethrow_exception(fatal);
  }

  const Totals& totals() const { return totals_; }

 private:
  void process(const fs::path& file, const std::string& name, int page_jobs) {
    exporter::DocumentRecord record = new_record(file, settings_.engine, settings_json_);
    try {
      identify(record, file);
    } catch (const Error& error) {
      // Without its content there is no identity to record it under: reported, counted, not indexed.
      report_failure(file, error.what(), std::nullopt);
      return;
    }
    {
      std::lock_guard lock(index_mutex_);
      if (!settings_.force && index_.is_indexed(record.sha256, record.engine, record.settings_json)) {
        index_.add_path(record.sha256, record.path);
        ++totals_.skipped;
        advance(file.string() + ": already indexed (same content, engine and settings), skipped");
        return;
      }
    }
    try {
      const ParsedDocument parsed =
          parse_and_export(file, name, settings_.output_dir, settings_.engine, page_jobs);
      record.page_count = static_cast<int>(parsed.document.pages.size());
      record.seconds = parsed.seconds;
      const std::vector<layout::Mention> mentions = identifiers_.extract(parsed.document);
      {
        std::lock_guard lock(index_mutex_);
        index_.store_document(run_id_, record, parsed.document, mentions);
      }
      totals_.pages += record.page_count;
      ++totals_.done;
      advance(file.string() + ": " + describe(parsed, settings_.engine.overlay) + ", " +
              std::to_string(mentions.size()) + " identifiers indexed");
    } catch (const exporter::IndexError&) {
      throw;  // the index itself is broken: no point going on
    } catch (const Error& error) {
      report_failure(file, error.what(), record);
    } catch (const fs::filesystem_error& error) {
      report_failure(file, error.what(), record);
    }
  }

  void report_failure(const fs::path& file, const std::string& reason,
                      const std::optional<exporter::DocumentRecord>& record) {
    if (record) {
      std::lock_guard lock(index_mutex_);
      index_.record_failure(run_id_, *record, reason);
    }
    ++totals_.failed;
    EXADOC_LOG_ERROR("%s", reason.c_str());
    advance(file.string() + ": failed (recorded in the index with its reason)");
  }

  void advance(const std::string& line) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    char detail[128];
    std::snprintf(detail, sizeof detail, "%lld pages, %.1f pages/s, %lld failed",
                  static_cast<long long>(totals_.pages.load()),
                  seconds > 0 ? static_cast<double>(totals_.pages.load()) / seconds : 0.0,
                  static_cast<long long>(totals_.failed.load()));
    progress_->advance(line, detail);
  }

  const BatchSettings& settings_;
  exporter::Index& index_;
  std::mutex index_mutex_;
  const layout::IdentifierExtractor& identifiers_;
  std::string settings_json_;
  int64_t run_id_;
  Totals totals_;
  std::unique_ptr<Progress> progress_;
  std::chrono::steady_clock::time_point started_;
};

int run_batch(BatchSettings& settings) {
  const fs::path output_dir(settings.output_dir);
  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) {
    EXADOC_LOG_ERROR("cannot create the output folder %s: %s", output_dir.c_str(), error.message().c_str());
    return kExitEnvironment;
  }
  if (!fs::is_directory(settings.input_dir, error)) {
    EXADOC_LOG_ERROR("%s is not a folder: exadoc batch takes a folder (use exadoc parse for single files)",
                     settings.input_dir.c_str());
    return kExitUsage;
  }
  const std::vector<fs::path> files = expand_inputs({settings.input_dir}, settings.recursive, output_dir);
  if (files.empty()) {
    EXADOC_LOG_ERROR("no supported documents in %s%s", settings.input_dir.c_str(),
                     settings.recursive ? "" : " (pass --recursive to look into subfolders)");
    return kExitUsage;
  }
  // Output names are fixed before anything runs, so a rerun writes every document to the same files.
  std::set<std::string> used;
  std::vector<std::string> names;
  names.reserve(files.size());
  for (const fs::path& file : files) names.push_back(unique_output_name(file, used));

  const fs::path database =
      settings.database.empty() ? output_dir / "exadoc.sqlite" : fs::path(settings.database);
  if (const int status = settings.engine.resolve(); status != kExitOk) return status;
  const IndexingSetup indexing = prepare_indexing(settings.engine, settings.identifiers);
  const layout::IdentifierExtractor& identifiers = indexing.identifiers;
  const nlohmann::json& output_settings = indexing.output_settings;
  const std::string& settings_json = indexing.settings_json;

  exporter::Index index = exporter::Index::open(database, exporter::Index::Access::kReadWrite);
  nlohmann::json run_settings = output_settings;
  run_settings["input"] = settings.input_dir;
  run_settings["recursive"] = settings.recursive;
  run_settings["force"] = settings.force;
  const int64_t run_id = index.begin_run(exporter::RunKind::kBatch, run_settings.dump());
  EXADOC_LOG_INFO("batch: %zu documents in %s -> %s, index %s (engine: %s)", files.size(),
                  settings.input_dir.c_str(), output_dir.c_str(), database.c_str(),
                  settings.engine.resolved().c_str());

  const auto started = std::chrono::steady_clock::now();
  Batch batch(settings, index, identifiers, settings_json, run_id);
  batch.run(files, names);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const Totals& totals = batch.totals();
  index.finish_run(run_id, {totals.done, totals.skipped, totals.failed, totals.pages, seconds});
  EXADOC_LOG_INFO(
      "batch: %lld done, %lld skipped, %lld failed; %lld pages in %.2f s (%.1f pages/s); index: %s",
      static_cast<long long>(totals.done.load()), static_cast<long long>(totals.skipped.load()),
      static_cast<long long>(totals.failed.load()), static_cast<long long>(totals.pages.load()), seconds,
      seconds > 0 ? static_cast<double>(totals.pages.load()) / seconds : 0.0, database.c_str());
  if (totals.failed > 0) {
    EXADOC_LOG_INFO(
        "the failures and their reasons: exadoc query \"SELECT path, error FROM documents WHERE status = "
        "'failed'\" --db %s",
        database.c_str());
  }
  return totals.failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace

CommandAction add_batch_command(CLI::App& app) {
  auto settings = std::make_shared<BatchSettings>();
  CLI::App* command = app.add_subcommand(
      "batch", "Parse, export and index every document of a folder (the main job; resumable)");
  command->add_option("folder", settings->input_dir, "The folder of documents")->required();
  command
      ->add_option("-o,--output", settings->output_dir,
                   "Output folder: OUT/NAME.{md,html,json} per document and the index OUT/exadoc.sqlite")
      ->required();
  command->add_option("--db", settings->database, "The index file (default: OUT/exadoc.sqlite)");
  command->add_flag("-r,--recursive", settings->recursive, "Also take documents in subfolders");
  command->add_flag("-f,--force", settings->force,
                    "Parse documents again even when the index has them with the same engine and settings");
  command
      ->add_option("-j,--jobs", settings->jobs,
                   "Documents (and pages) processed in parallel (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  command->add_option("--identifiers", settings->identifiers,
                      "Identifier pattern file (default: schemas/identifiers.json; see its description)");
  add_engine_options(*command, settings->engine);
  command->footer(
      "Example:\n  exadoc batch samples -o out\n  exadoc search \"mechanical seal\" --db "
      "out/exadoc.sqlite\n\n"
      "A document already in the index with the same content (SHA-256), engine and settings is skipped, so "
      "a\n"
      "batch that was interrupted is resumed by running it again. A file that cannot be parsed is recorded "
      "as\n"
      "failed with its reason and the others go on; the exit code is then 1.");
  return [settings] { return run_batch(*settings); };
}

}  // namespace exadoc::app
