// parse_bench — pages/s of `exadoc parse` (native engine) on born-digital and on scanned pages, beside
// `pdftotext -bbox` on the same born-digital pages (the cost of reading the text layer alone).
//
//   build-bench/bench/parse_bench [--repeat N]
//
// Born-digital: samples/manual.pdf and samples/drawing.pdf (7 pages). Scanned: samples/scan.png and
// samples/scan.tiff (3 pages, Tesseract eng+kor). Median of --repeat runs after a warm-up.
#include <cstdio>
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
  const Run born_digital =
      median_of(repeat, {EXADOC_BINARY, "parse", manual, drawing, "-o", scratch.string()}, clean);
  const Run scanned = median_of(repeat,
                                {EXADOC_BINARY, "parse", (samples / "scan.png").string(),
                                 (samples / "scan.tiff").string(), "-o", scratch.string()},
                                clean);
  print_row("pdftotext -bbox (text layer only)", 7, text_layer);
  print_row("exadoc parse, born-digital (native)", 7, born_digital);
  print_row("exadoc parse, scanned (native, Tesseract)", 3, scanned);
  std::printf("\nborn-digital parse / pdftotext -bbox wall time: %.2fx (target: at most 2x)\n",
              born_digital.seconds / text_layer.seconds);
  fs::remove_all(scratch);
  return 0;
}
