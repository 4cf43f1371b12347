// batch_bench — pages/s of `exadoc batch` (native engine, parse + exports + SQLite index) on a generated
// folder of born-digital documents, and the cost of the runs that follow: everything skipped, --force.
//
//   build-bench/bench/batch_bench [--copies 30] [--repeat 3] [--scans]
//
// The folder holds --copies copies of samples/manual.pdf and of samples/drawing.pdf (30 each: 210 pages). A
// batch skips content it has indexed (by SHA-256), so each copy gets a distinct PDF comment line after its
// final %%EOF ("%exadoc-bench-copy-17"); readers ignore it and %%EOF stays within the last 1024 bytes. Rows:
// - a first batch into an empty output folder: every page parsed, exported and indexed;
// - the same with --jobs 1;
// - `exadoc parse` of the same folder, all cores and --jobs 1: the same work without the index (on one core
//   the difference is the cost of hashing and indexing; on all cores batch also runs documents in parallel);
// - a second batch: every file hashed and skipped;
// - a batch with --force: every file parsed again, its earlier rows replaced.
// Scanned pages are left out by default: Tesseract takes about 1.8 s a page (parse_bench), which would
// swamp the figures; --scans adds a row for the two sample scans (3 pages). Median of --repeat runs after a
// warm-up.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <exadoc/export/index.h>

#include "bench_process.h"

namespace {

namespace fs = std::filesystem;
using exadoc::bench::median_of;
using exadoc::bench::mib;
using exadoc::bench::Run;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_copy(const fs::path& path, const std::string& bytes, int copy) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!bytes.empty() && bytes.back() != '\n') out << '\n';
  out << "%exadoc-bench-copy-" << copy << '\n';
}

int64_t count_of(const exadoc::exporter::Index& index, const std::string& sql) {
  return std::get<int64_t>(index.query(sql).rows.at(0).at(0));
}

// pages: those parsed by the run (0 for a run that skips everything: no rate then).
void print_row(const char* label, int64_t pages, const Run& result) {
  if (pages == 0) {
    std::printf("%-46s %6d %9.3f %9s %10.1f\n", label, 0, result.seconds, "-", mib(result.peak_rss_kib));
    return;
  }
  std::printf("%-46s %6lld %9.3f %9.1f %10.1f\n", label, static_cast<long long>(pages), result.seconds,
              static_cast<double>(pages) / result.seconds, mib(result.peak_rss_kib));
}

}  // namespace

int main(int argc, char** argv) {
  int copies = 30;
  int repeat = 3;
  bool scans = false;
  for (int index = 1; index < argc; ++index) {
    const std::string argument = argv[index];
    if (argument == "--copies" && index + 1 < argc) {
      copies = std::max(1, std::atoi(argv[++index]));
    } else if (argument == "--repeat" && index + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++index]));
    } else if (argument == "--scans") {
      scans = true;
    } else {
      std::fprintf(stderr, "usage: batch_bench [--copies N] [--repeat N] [--scans]\n");
      return 2;
    }
  }
  const fs::path samples = fs::path(EXADOC_SOURCE_DIR) / "samples";
  const fs::path scratch = fs::temp_directory_path() / ("exadoc-batch-bench-" + std::to_string(getpid()));
  const fs::path input = scratch / "in";
  const fs::path out = scratch / "out";
  fs::create_directories(input);
  const std::string manual = read_file(samples / "manual.pdf");
  const std::string drawing = read_file(samples / "drawing.pdf");
  for (int copy = 0; copy < copies; ++copy) {
    char name[64];
    std::snprintf(name, sizeof name, "manual-%03d.pdf", copy);
    write_copy(input / name, manual, copy);
    std::snprintf(name, sizeof name, "drawing-%03d.pdf", copy);
    write_copy(input / name, drawing, copy);
  }
  auto clean_out = [&] { fs::remove_all(out); };
  auto keep_out = [] {};
  const std::string binary = EXADOC_BINARY;
  const std::vector<std::string> batch = {binary, "batch", input.string(), "-o", out.string()};

  std::printf(
      "batch_bench: %d copies each of samples/manual.pdf and samples/drawing.pdf, median of %d runs\n\n",
      copies, repeat);
  const Run first = median_of(repeat, batch, clean_out);

  // What the first run left: the page count the rates divide by, and a check that nothing was skipped.
  int64_t documents = 0, pages = 0, blocks = 0, mentions = 0;
  {
    const auto index =
        exadoc::exporter::Index::open(out / "exadoc.sqlite", exadoc::exporter::Index::Access::kReadOnly);
    documents = count_of(index, "SELECT count(*) FROM documents WHERE status = 'ok'");
    pages = count_of(index, "SELECT count(*) FROM pages");
    blocks = count_of(index, "SELECT count(*) FROM blocks");
    mentions = count_of(index, "SELECT count(*) FROM mentions");
  }
  if (documents != 2 * copies) {
    std::fprintf(stderr, "batch_bench: expected %d documents in the index, found %lld\n", 2 * copies,
                 static_cast<long long>(documents));
    fs::remove_all(scratch);
    return 1;
  }
  std::vector<std::string> one_job = batch;
  one_job.insert(one_job.begin() + 2, {"--jobs", "1"});
  const Run first_one_job = median_of(repeat, one_job, clean_out);
  const Run parse_only = median_of(repeat, {binary, "parse", input.string(), "-o", out.string()}, clean_out);
  const Run parse_one_job =
      median_of(repeat, {binary, "parse", "--jobs", "1", input.string(), "-o", out.string()}, clean_out);

  // An index holding every file: the second run skips them all, --force replaces them all.
  clean_out();
  exadoc::bench::run(batch);
  const Run skipped = median_of(repeat, batch, keep_out);
  int64_t skipped_files = 0;
  {
    const auto index =
        exadoc::exporter::Index::open(out / "exadoc.sqlite", exadoc::exporter::Index::Access::kReadOnly);
    skipped_files = count_of(index, "SELECT skipped FROM runs WHERE done = 0 ORDER BY id DESC LIMIT 1");
  }
  if (skipped_files != 2 * copies) {
    std::fprintf(stderr, "batch_bench: the second run skipped %lld files, not %d\n",
                 static_cast<long long>(skipped_files), 2 * copies);
    fs::remove_all(scratch);
    return 1;
  }
  std::vector<std::string> force = batch;
  force.push_back("--force");
  const Run forced = median_of(repeat, force, keep_out);
  int64_t pages_after_force = 0;
  {
    const auto index =
        exadoc::exporter::Index::open(out / "exadoc.sqlite", exadoc::exporter::Index::Access::kReadOnly);
    pages_after_force = count_of(index, "SELECT count(*) FROM pages");
  }

  std::printf("%-46s %6s %9s %9s %10s\n", "command", "pages", "seconds", "pages/s", "peak MiB");
  print_row("exadoc batch, first run (all cores)", pages, first);
  print_row("exadoc batch, first run (--jobs 1)", pages, first_one_job);
  print_row("exadoc parse, same folder, no index", pages, parse_only);
  print_row("exadoc parse, same folder, --jobs 1", pages, parse_one_job);
  const std::string skipped_label =
      "exadoc batch, second run (" + std::to_string(2 * copies) + " files skipped)";
  print_row(skipped_label.c_str(), 0, skipped);
  print_row("exadoc batch --force (all replaced)", pages, forced);
  if (scans) {
    const fs::path scan_input = scratch / "scans";
    fs::create_directories(scan_input);
    fs::copy_file(samples / "scan.png", scan_input / "scan.png");
    fs::copy_file(samples / "scan.tiff", scan_input / "scan.tiff");
    const Run scanned =
        median_of(repeat, {binary, "batch", scan_input.string(), "-o", out.string()}, clean_out);
    print_row("exadoc batch, the two sample scans (Tesseract)", 3, scanned);
  }
  std::printf(
      "\nindex after a first run: %lld documents, %lld pages, %lld blocks, %lld mentions; "
      "after --force: %lld pages (no duplicates: %s)\n",
      static_cast<long long>(documents), static_cast<long long>(pages), static_cast<long long>(blocks),
      static_cast<long long>(mentions), static_cast<long long>(pages_after_force),
      pages_after_force == pages ? "yes" : "NO");
  std::printf(
      "batch / parse wall time: %.2fx on all cores, %.2fx on one core (the cost of hashing and indexing)\n",
      first.seconds / parse_only.seconds, first_one_job.seconds / parse_one_job.seconds);
  fs::remove_all(scratch);
  return pages_after_force == pages ? 0 : 1;
}
