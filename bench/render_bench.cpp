// render_bench — pages/s of `exadoc render` beside `pdftoppm -png` on the same PDF at the same DPI, and the
// peak memory of `exadoc render` on a large scanned TIFF (which libvips should stream, not hold).
// Rows: pdftoppm writing PPM shows the cost of rendering alone; pdftoppm -png is the comparison the product
// promises; exadoc with --jobs 1 separates the encoder's share from the parallelism's.
//
//   build-bench/bench/render_bench [--pdf FILE] [--dpi N[,N...]] [--repeat N] [--large-scan-scale N]
//
// Each command runs once to warm the page cache, then --repeat times; the median wall time is reported, with
// the peak resident memory of the child (wait4's ru_maxrss). pdftoppm is single-threaded; exadoc renders a
// page per core, so the ratio grows with cores.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vips/vips.h>

#include "bench_process.h"

namespace {

namespace fs = std::filesystem;
using exadoc::bench::median_of;
using exadoc::bench::mib;
using exadoc::bench::Run;

int pdf_pages(const fs::path& pdf) {
  const std::string command = "pdfinfo '" + pdf.string() + "' | awk '/^Pages:/ {print $2}'";
  FILE* pipe = popen(command.c_str(), "r");
  int pages = 0;
  if (pipe != nullptr) {
    if (std::fscanf(pipe, "%d", &pages) != 1) pages = 0;
    pclose(pipe);
  }
  return pages;
}

// A large scan: the skewed sample page (2.7 degrees) enlarged `scale` times with nearest-neighbour, bilevel
// and G4-compressed, as a scanner writes an A0 drawing. Text keeps its proportions, so deskew has real work
// to do.
fs::path make_large_scan(const fs::path& folder, int scale) {
  const fs::path file = folder / "large_scan.tiff";
  VipsImage* page =
      vips_image_new_from_file((fs::path(EXADOC_SOURCE_DIR) / "samples/scan.tiff").c_str(), nullptr);
  VipsImage* large = nullptr;
  const double dots_per_mm = 200 * scale / 25.4;
  if (page == nullptr || vips_resize(page, &large, scale, "kernel", VIPS_KERNEL_NEAREST, nullptr) != 0 ||
      vips_tiffsave(large, file.c_str(), "compression", VIPS_FOREIGN_TIFF_COMPRESSION_CCITTFAX4, "bitdepth",
                    1, "xres", dots_per_mm, "yres", dots_per_mm, nullptr) != 0) {
    std::fprintf(stderr, "render_bench: cannot write %s: %s\n", file.c_str(), vips_error_buffer());
    std::exit(1);
  }
  const double megapixels =
      vips_image_get_width(large) * static_cast<double>(vips_image_get_height(large)) / 1e6;
  std::printf("large scan: %d x %d px (%.0f Mpx, decoded %.0f MiB), %.2f MiB G4 TIFF, skewed 2.7 degrees\n",
              vips_image_get_width(large), vips_image_get_height(large), megapixels,
              megapixels * 1e6 / 1048576.0, static_cast<double>(fs::file_size(file)) / 1048576.0);
  g_object_unref(large);
  g_object_unref(page);
  return file;
}

void print_row(const char* label, int dpi, const Run& result, int pages) {
  std::printf("%-40s %5d %9.3f %9.1f %10.1f\n", label, dpi, result.seconds, pages / result.seconds,
              mib(result.peak_rss_kib));
}

}  // namespace

int main(int argc, char** argv) {
  if (VIPS_INIT(argv[0]) != 0) return 1;
  fs::path pdf = fs::path(EXADOC_SOURCE_DIR) / "samples/manual.pdf";
  std::vector<int> dpis = {150, 300};
  int repeat = 5;
  int large_scan_scale = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--pdf")
      pdf = argv[i + 1];
    else if (flag == "--repeat")
      repeat = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--large-scan-scale")
      large_scan_scale = std::atoi(argv[i + 1]);
    else if (flag == "--dpi") {
      dpis.clear();
      for (const char* text = argv[i + 1]; *text != '\0';) {
        char* end = nullptr;
        dpis.push_back(static_cast<int>(std::strtol(text, &end, 10)));
        text = *end == ',' ? end + 1 : end;
      }
    } else {
      std::fprintf(stderr,
                   "usage: render_bench [--pdf FILE] [--dpi N[,N...]] [--repeat N] [--large-scan-scale N]\n");
      return 2;
    }
  }
  const int pages = pdf_pages(pdf);
  const fs::path scratch = fs::temp_directory_path() / ("exadoc-render-bench-" + std::to_string(getpid()));
  auto clean = [&] {
    fs::remove_all(scratch / "out");
    fs::create_directories(scratch / "out");
  };
  clean();

  std::printf("render_bench: %s, %d pages, %u cores, median of %d runs\n\n", pdf.c_str(), pages,
              std::thread::hardware_concurrency(), repeat);
  std::printf("%-40s %5s %9s %9s %10s\n", "command", "dpi", "seconds", "pages/s", "peak MiB");
  for (const int dpi : dpis) {
    const std::string dpi_text = std::to_string(dpi);
    const std::string out_prefix = (scratch / "out/page").string();
    const std::string out_dir = (scratch / "out").string();
    const Run ppm = median_of(repeat, {"pdftoppm", "-r", dpi_text, pdf.string(), out_prefix}, clean);
    const Run reference =
        median_of(repeat, {"pdftoppm", "-png", "-r", dpi_text, pdf.string(), out_prefix}, clean);
    const Run serial = median_of(
        repeat, {EXADOC_BINARY, "render", pdf.string(), "-o", out_dir, "--dpi", dpi_text, "--jobs", "1"},
        clean);
    const Run ours =
        median_of(repeat, {EXADOC_BINARY, "render", pdf.string(), "-o", out_dir, "--dpi", dpi_text}, clean);
    print_row("pdftoppm (PPM: rendering only)", dpi, ppm, pages);
    print_row("pdftoppm -png", dpi, reference, pages);
    print_row("exadoc render --jobs 1 (PNG + JSON)", dpi, serial, pages);
    print_row("exadoc render (PNG + JSON, all cores)", dpi, ours, pages);
    std::printf("%-40s %5d %8.2fx\n\n", "exadoc render / pdftoppm -png speed", dpi,
                reference.seconds / ours.seconds);
  }

  if (large_scan_scale > 0) {
    const fs::path scan = make_large_scan(scratch, large_scan_scale);
    for (const char* deskew : {"off", "auto"}) {
      const Run large = median_of(1,
                                  {EXADOC_BINARY, "render", scan.string(), "-o", (scratch / "out").string(),
                                   "--deskew", deskew, "--max-pixels", "2000"},
                                  clean);
      std::printf("exadoc render large scan, deskew %-4s %9.3f s, peak %.1f MiB\n", deskew, large.seconds,
                  mib(large.peak_rss_kib));
    }
  }
  fs::remove_all(scratch);
  return 0;
}
