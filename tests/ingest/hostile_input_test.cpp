// Every guard against hostile or broken input, with the error text a user would read.
#include <gtest/gtest.h>

#include <exadoc/ingest/input_error.h>
#include <exadoc/ingest/page_source.h>
#include <exadoc/ingest/render_pages.h>

#include "test_support.h"

namespace exadoc::ingest {
namespace {

using exadoc::testing::data_dir;
using exadoc::testing::samples_dir;
using exadoc::testing::TempDir;

// Opens the file and renders every page to PNG (as `exadoc render` does); returns the first error message.
std::string first_error(const std::filesystem::path& file, const Limits& limits = {},
                        DeskewMode deskew = DeskewMode::kAuto) {
  const TempDir temp;
  try {
    const auto source = open_page_source(file, limits);
    RenderOptions options;
    options.deskew = deskew;
    std::vector<int> pages(static_cast<size_t>(source->page_count()));
    for (int i = 0; i < source->page_count(); ++i) pages[static_cast<size_t>(i)] = i;
    const auto failures = render_pages(*source, pages, options, 2, [&](PageImage&& page) {
      page.save_png(temp.path() / ("page" + std::to_string(page.info().index) + ".png"));
    });
    if (!failures.empty()) return failures.front().message;
  } catch (const InputError& error) {
    EXPECT_EQ(error.file(), file);
    return error.what();
  }
  return "";
}

void expect_error(const std::filesystem::path& file, const std::string& expected, const Limits& limits = {},
                  DeskewMode deskew = DeskewMode::kAuto) {
  const std::string message = first_error(file, limits, deskew);
  EXPECT_EQ(message.rfind(file.string() + ": ", 0), 0u) << "the message starts with the file: " << message;
  EXPECT_NE(message.find(expected), std::string::npos) << "expected '" << expected << "' in: " << message;
}

TEST(HostileInput, CorruptPdf) {
  expect_error(data_dir() / "hostile/corrupt.pdf", "Poppler cannot open this PDF (");
  expect_error(data_dir() / "hostile/corrupt.pdf", "); the file is corrupt");
}

TEST(HostileInput, TruncatedPdf) {
  expect_error(data_dir() / "hostile/truncated.pdf", "or truncated (it does not end with an %%EOF marker)");
}

TEST(HostileInput, PasswordProtectedPdf) {
  expect_error(
      data_dir() / "hostile/encrypted.pdf",
      "the PDF is protected by a password; exadoc opens PDFs without one or with an empty user password - "
      "remove it first (qpdf --decrypt --password=PASSWORD in.pdf out.pdf)");
}

TEST(HostileInput, PdfWithZeroPages) {
  expect_error(data_dir() / "hostile/zero_pages.pdf", "the PDF has no pages");
}

TEST(HostileInput, EmptyFile) {
  expect_error(data_dir() / "hostile/zero_bytes.pdf",
               "the file is empty (0 bytes); it was probably not copied completely");
}

TEST(HostileInput, NotADocument) {
  expect_error(
      data_dir() / "hostile/not_a_document.txt",
      "not a supported document (the content is none of PDF, TIFF, PNG, JPEG, JPEG 2000, WebP, BMP;");
}

TEST(HostileInput, MissingFile) {
  expect_error(data_dir() / "hostile/nothing-here.pdf", "no such file");
}

TEST(HostileInput, DecompressionBombIsRefusedBeforeDecoding) {
  expect_error(
      data_dir() / "hostile/bomb.png",
      "page 1: 50000x50000 px exceeds the limit of 400 Mpx per page (possible decompression bomb); pass "
      "--max-pixels to raise it for trusted files");
}

TEST(HostileInput, TruncatedImagesFailOnTheirPage) {
  // Streamed (no deskew): the error surfaces while the PNG is written; with deskew: while measuring.
  for (const DeskewMode mode : {DeskewMode::kOff, DeskewMode::kAuto}) {
    expect_error(data_dir() / "hostile/truncated.png",
                 "page 1: cannot decode the page: the image data is corrupt or truncated (", {}, mode);
    expect_error(data_dir() / "hostile/truncated.tiff",
                 "page 1: cannot decode the page: the image data is corrupt or truncated (", {}, mode);
  }
}

TEST(HostileInput, TooManyPages) {
  Limits limits;
  limits.max_pages = 3;
  expect_error(
      samples_dir() / "manual.pdf",
      "the PDF has 6 pages, more than the limit of 3; pass --max-pages to raise it for trusted files",
      limits);
  limits.max_pages = 1;
  expect_error(data_dir() / "formats/page_g4.tiff", "the image file has 3 pages, more than the limit of 1",
               limits);
}

TEST(HostileInput, OversizePdfPageAtTheRequestedDpi) {
  Limits limits;
  limits.max_pixels_per_page = 2'000'000;  // A4 at 150 DPI is 2.2 Mpx
  expect_error(samples_dir() / "manual.pdf",
               "page 1: 1240x1754 px at 150 DPI exceeds the limit of 2 Mpx per page; lower --dpi, or pass "
               "--max-pixels to raise the limit for trusted files",
               limits);
}

TEST(HostileInput, OversizeImagePage) {
  Limits limits;
  limits.max_pixels_per_page = 100'000;
  expect_error(data_dir() / "formats/page_g4.tiff",
               "page 1: 400x300 px exceeds the limit of 0.1 Mpx per page (possible decompression bomb)",
               limits);
  expect_error(data_dir() / "formats/page.bmp", "400x300 px exceeds the limit", limits);
}

}  // namespace
}  // namespace exadoc::ingest
