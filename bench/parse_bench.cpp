// parse_bench — pages/s of `exadoc parse` (native engine) on born-digital and on scanned pages, beside
// `pdftotext -bbox` on the same born-digital pages (the cost of reading the text layer alone).
//
//   build-bench/bench/parse_bench [--repeat N]
//
// Born-digital: samples/manual.pdf and samples/drawing.pdf (7 pages, where process start-up weighs), and one
// 210-page PDF joined from 30 copies of each by pdfunite (where the per-page cost shows). Scanned:
// samples/scan.png and samples/scan.tiff (3 pages, Tesseract eng+kor). Median of --repeat runs after a
// warm-up. The parse rows write the exports only (--no-index), the work pdftotext's is compared with; one
// more row shows the default, which also indexes (SHA-256, identifiers, SQLite with FTS5).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_process.h"

namespace {

namespace fs = std::filesystem;
using exadoc::bench::median_of;
using exadoc::bench::mib;
using exadoc::bench::Run;

void print_row(const char* label, int pages, const Run& result) {
  std::printf("%-44s %6d %9.3f %9.2f %10.1f\n", label, pages, result.seconds, pages / result.seconds,
              mib(result.peak_rss_kib));
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3;
  if (argc == 3 && std::string(argv[1]) == "--repeat") repeat = std::max(1, std::atoi(argv[2]));
  const fs::path samples = fs::path(EXADOC_SOURCE_DIR) / "samples";
  const fs::path scratch = fs::temp_directory_path() / ("exadoc-parse-bench-" + std::to_string(getpid()));
  auto clean = [&] {
    fs::remove_all(scratch);
    fs::create_directories(scratch);
  };
  const std::string manual = (samples / "manual.pdf").string();
  const std::string drawing = (samples / "drawing.pdf").string();
  std::printf("parse_bench: median of %d runs\n\n%-44s %6s %9s %9s %10s\n", repeat, "command", "pages",
              "seconds", "pages/s", "peak MiB");
  const Run text_layer =
      median_of(repeat,
                {"sh", "-c",
                 "pdftotext -bbox '" + manual + "' " + (scratch / "a.html").string() +
                     " && pdftotext -bbox '" + drawing + "' " + (scratch / "b.html").string()},
                clean);
  const Run born_digital = median_of(
      repeat, {EXADOC_BINARY, "parse", "--no-index", manual, drawing, "-o", scratch.string()}, clean);
  const Run scanned = median_of(repeat,
                                {EXADOC_BINARY, "parse", "--no-index", (samples / "scan.png").string(),
                                 (samples / "scan.tiff").string(), "-o", scratch.string()},
                                clean);

  // The joined document lives outside the scratch folder, which every run empties.
  const fs::path joined_dir =
      fs::temp_directory_path() / ("exadoc-parse-bench-joined-" + std::to_string(getpid()));
  fs::create_directories(joined_dir);
  const std::string joined = (joined_dir / "joined.pdf").string();
  std::string unite = "pdfunite";
  constexpr int kCopies = 30;
  for (int i = 0; i < kCopies; ++i) unite += " '" + manual + "' '" + drawing + "'";
  if (std::system((unite + " '" + joined + "'").c_str()) != 0) {
    std::fprintf(stderr, "parse_bench: pdfunite failed (poppler-utils)\n");
    return 1;
  }
  constexpr int kJoinedPages = kCopies * 7;
  const Run joined_text_layer =
      median_of(repeat, {"pdftotext", "-bbox", joined, (scratch / "joined.html").string()}, clean);
  const Run joined_parse =
      median_of(repeat, {EXADOC_BINARY, "parse", "--no-index", joined, "-o", scratch.string()}, clean);
  const Run joined_parse_one_core = median_of(
      repeat, {EXADOC_BINARY, "parse", "--no-index", "--jobs", "1", joined, "-o", scratch.string()}, clean);
  // The same with the index written too (SHA-256, identifiers, one SQLite transaction): parse's default.
  const Run joined_parse_indexed =
      median_of(repeat, {EXADOC_BINARY, "parse", joined, "-o", scratch.string()}, clean);
  fs::remove_all(joined_dir);

  print_row("pdftotext -bbox (text layer only)", 7, text_layer);
  print_row("exadoc parse, born-digital (native)", 7, born_digital);
  print_row("pdftotext -bbox, 210-page PDF", kJoinedPages, joined_text_layer);
  print_row("exadoc parse, 210-page PDF (all cores)", kJoinedPages, joined_parse);
  print_row("exadoc parse, 210-page PDF (--jobs 1)", kJoinedPages, joined_parse_one_core);
  print_row("exadoc parse, 210-page PDF, indexed too", kJoinedPages, joined_parse_indexed);
  print_row("exadoc parse, scanned (native, Tesseract)", 3, scanned);
  std::printf("\nborn-digital parse / pdftotext -bbox wall time (target: at most 2x)\n");
  std::printf("  7 pages, start-up included:  %.2fx\n", born_digital.seconds / text_layer.seconds);
  std::printf("  210 pages, all cores:        %.2fx\n", joined_parse.seconds / joined_text_layer.seconds);
  std::printf("  210 pages, one core:         %.2fx\n",
              joined_parse_one_core.seconds / joined_text_layer.seconds);
  fs::remove_all(scratch);
  return 0;
}
