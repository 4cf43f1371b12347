// exadoc render: pages to PNG plus the JSON of their text layer, a page per core.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/export/page_json.h>
#include <exadoc/ingest/file_type.h>
#include <exadoc/ingest/input_error.h>
#include <exadoc/ingest/page_range.h>
#include <exadoc/ingest/page_source.h>
#include <exadoc/ingest/render_pages.h>

#include "commands.h"
#include "console.h"
#include "inputs.h"

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;

struct RenderSettings {
  std::vector<std::string> inputs;
  std::string output_dir;
  double dpi = 150;
  std::string pages = "all";
  int jobs = 0;
  std::string deskew = "auto";
  bool no_text_layer = false;
  LimitSettings limits;
  int png_compression = 6;
};

std::string page_stem(int page_index) {
  char name[32];
  std::snprintf(name, sizeof name, "page-%04d", page_index + 1);
  return name;
}

int run_render(const RenderSettings& settings) {
  const ingest::Limits limits = settings.limits.limits();
  ingest::RenderOptions options;
  options.dpi = settings.dpi;
  options.text_layer = !settings.no_text_layer;
  options.deskew = settings.deskew == "on"    ? ingest::DeskewMode::kOn
                   : settings.deskew == "off" ? ingest::DeskewMode::kOff
                                              : ingest::DeskewMode::kAuto;
  const fs::path output_dir(settings.output_dir);
  std::vector<fs::path> files;
  if (const int status = prepare_job(settings.output_dir, settings.inputs, files); status != kExitOk)
    return status;
  std::set<std::string> used_names;
  int failed_documents = 0;  // could not be opened at all
  int failed_pages = 0;      // of documents that opened
  int rendered_pages = 0;
  const auto started = std::chrono::steady_clock::now();

  for (const fs::path& file : files) {
    const auto document_started = std::chrono::steady_clock::now();
    try {
      const std::unique_ptr<ingest::PageSource> source = ingest::open_page_source(file, limits);
      std::vector<int> pages;
      try {
        pages = ingest::parse_page_range(settings.pages, source->page_count());
      } catch (const ingest::PageRangeError& range_error) {
        throw ingest::InputError(file, std::nullopt, range_error.what());
      }
      const fs::path folder = output_dir / unique_output_name(file, used_names);
      fs::create_directories(folder);

      Progress progress(file.filename().string(), static_cast<int>(pages.size()));
      const auto failures =
          ingest::render_pages(*source, pages, options, settings.jobs, [&](ingest::PageImage&& page) {
            const std::string stem = page_stem(page.info().index);
            page.save_png(folder / (stem + ".png"), settings.png_compression);
            exporter::write_json_file(exporter::page_to_json(page, source->page_count(), stem + ".png"),
                                      folder / (stem + ".json"));
            progress.advance();
          });
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - document_started).count();
      const int done = static_cast<int>(pages.size() - failures.size());
      rendered_pages += done;
      char summary[256];
      std::snprintf(summary, sizeof summary, "%s: %d of %d pages (%s) -> %s in %.2f s", file.c_str(), done,
                    source->page_count(), std::string(ingest::file_type_name(source->type())).c_str(),
                    folder.c_str(), seconds);
      progress.finish(summary);
      for (const ingest::PageFailure& failure : failures) EXADOC_LOG_ERROR("%s", failure.message.c_str());
      failed_pages += static_cast<int>(failures.size());
      if (done > 0) {
        std::printf("%s\n", folder.c_str());
        std::fflush(stdout);
      }
    } catch (const Error& document_error) {
      ++failed_documents;
      EXADOC_LOG_ERROR("%s", document_error.what());
    } catch (const fs::filesystem_error& write_error) {
      ++failed_documents;
      EXADOC_LOG_ERROR("%s: %s", file.c_str(), write_error.what());
    }
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string failures_note;
  if (failed_documents > 0 || failed_pages > 0) {
    failures_note = "; failed: " + std::to_string(failed_documents) + " documents, " +
                    std::to_string(failed_pages) + " pages (see the errors above)";
  }
  EXADOC_LOG_INFO("rendered %d pages from %zu documents in %.2f s (%.1f pages/s)%s", rendered_pages,
                  files.size(), seconds, seconds > 0 ? rendered_pages / seconds : 0.0, failures_note.c_str());
  return failed_documents > 0 || failed_pages > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace

CommandAction add_render_command(CLI::App& app) {
  auto settings = std::make_shared<RenderSettings>();
  CLI::App* command = app.add_subcommand(
      "render",
      "Render pages to PNG and write each page's text layer (words with boxes and font sizes) as JSON");
  command
      ->add_option("inputs", settings->inputs,
                   "PDF or image files (TIFF, PNG, JPEG, JPEG 2000, WebP, BMP), or "
                   "folders holding them; the type is detected from the content")
      ->required();
  command
      ->add_option("-o,--output", settings->output_dir,
                   "Output folder; each document gets OUT/<name>/page-NNNN.{png,json}")
      ->required();
  command->add_option("--dpi", settings->dpi, "Resolution for PDF pages; image files keep their own")
      ->capture_default_str()
      ->check(CLI::Range(10.0, 2400.0));
  command->add_option("--pages", settings->pages, "Pages to render, 1-based: 'all', '1-3,7', '10-'")
      ->capture_default_str();
  command->add_option("-j,--jobs", settings->jobs, "Pages rendered in parallel (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  command
      ->add_option("--deskew", settings->deskew,
                   "Straighten scanned pages: auto (image files and PDF pages without text), on, off")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "on", "off"}));
  command->add_flag("--no-text-layer", settings->no_text_layer, "Do not extract the PDF text layer");
  add_limit_options(*command, settings->limits);
  command
      ->add_option("--png-compression", settings->png_compression,
                   "zlib level of the PNGs, 0 (fast) to 9 (small)")
      ->capture_default_str()
      ->check(CLI::Range(0, 9));
  command->footer(
      "Example:\n  exadoc render samples/manual.pdf samples/scan.tiff -o out/render --dpi 200 --pages 1-3\n"
      "Prints each document's output folder on stdout; progress and errors go to stderr.");
  return [settings] { return run_render(*settings); };
}

}  // namespace exadoc::app
