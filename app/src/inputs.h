// Private to app: the files a command works on, and the names of their outputs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <exadoc/ingest/limits.h>

namespace exadoc::app {

// --max-pages and --max-pixels, shared by the commands that open documents.
struct LimitSettings {
  int max_pages = ingest::Limits{}.max_pages;
  int64_t max_megapixels = ingest::Limits{}.max_pixels_per_page / 1'000'000;
  ingest::Limits limits() const { return {max_pages, max_megapixels * 1'000'000}; }
};
void add_limit_options(CLI::App& command, LimitSettings& settings);

// Creates the output folder and expands the inputs into `files`. Returns kExitOk, or the exit code of the
// failure after logging it (an output folder that cannot be made; no supported documents among the inputs).
int prepare_job(const std::string& output_dir, const std::vector<std::string>& inputs,
                std::vector<std::filesystem::path>& files);

// Files named on the command line are taken as they are (and fail loudly later if unsupported); folders
// contribute the supported documents directly inside them (or, recursive, anywhere below them), sorted by
// path (the type is read from the content; a file named like a document is taken too, to fail with its
// reason). Hidden entries and the `exclude` folder (the output folder, when it lies inside an input) are
// passed over.
std::vector<std::filesystem::path> expand_inputs(const std::vector<std::string>& inputs,
                                                 bool recursive = false,
                                                 const std::filesystem::path& exclude = {});

// The input's stem, made unique among `used`: scan.png and scan.tiff give "scan" and "scan-tiff",
// a/manual.pdf and b/manual.pdf give "manual" and "manual-2". Records the name in `used`.
std::string unique_output_name(const std::filesystem::path& input, std::set<std::string>& used);

}  // namespace exadoc::app
