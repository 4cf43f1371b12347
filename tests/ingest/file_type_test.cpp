#include <fstream>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include <exadoc/ingest/file_type.h>
#include <exadoc/ingest/input_error.h>

#include "test_support.h"

namespace exadoc::ingest {
namespace {

using exadoc::testing::data_dir;
using exadoc::testing::samples_dir;

std::vector<std::byte> read_bytes(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

TEST(FileType, DetectsEveryFormatByContent) {
  const std::vector<std::pair<std::filesystem::path, FileType>> cases = {
      {data_dir() / "formats/page.png", FileType::kPng},
      {data_dir() / "formats/page.jpg", FileType::kJpeg},
      {data_dir() / "formats/page.jp2", FileType::kJpeg2000},
      {data_dir() / "formats/page.webp", FileType::kWebp},
      {data_dir() / "formats/page.bmp", FileType::kBmp},
      {data_dir() / "formats/page_g4.tiff", FileType::kTiff},
      {data_dir() / "formats/page_lzw.tiff", FileType::kTiff},
      {data_dir() / "formats/rotated90.pdf", FileType::kPdf},
      {samples_dir() / "manual.pdf", FileType::kPdf},
      {samples_dir() / "drawing.pdf", FileType::kPdf},
      {samples_dir() / "scan.png", FileType::kPng},
      {samples_dir() / "scan.tiff", FileType::kTiff},
  };
  for (const auto& [file, expected] : cases) {
    EXPECT_EQ(detect_file_type(file), expected) << file;
  }
}

TEST(FileType, IgnoresMisleadingExtensions) {
  EXPECT_EQ(detect_file_type(data_dir() / "formats/png_named.jpg"), FileType::kPng);
  EXPECT_EQ(detect_file_type(data_dir() / "formats/pdf_named.png"), FileType::kPdf);
}

TEST(FileType, RejectsTextAndEmptyInput) {
  EXPECT_EQ(detect_file_type(data_dir() / "hostile/not_a_document.txt"), FileType::kUnknown);
  EXPECT_EQ(detect_file_type(data_dir() / "hostile/zero_bytes.pdf"), FileType::kUnknown);
  EXPECT_EQ(detect_file_type(std::span<const std::byte>()), FileType::kUnknown);
  const std::string text = "BM is how this plain text file happens to start, and it is no bitmap.";
  EXPECT_EQ(detect_file_type(std::as_bytes(std::span(text.data(), text.size()))), FileType::kUnknown);
}

TEST(FileType, NamesTheFileWhenUnreadable) {
  try {
    detect_file_type(data_dir() / "no-such-file.pdf");
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("no-such-file.pdf: cannot open the file for reading"),
              std::string::npos)
        << error.what();
  }
}

// Every prefix of every format, and random bytes, must be classified without reading out of bounds (run under
// ASan in the sanitizer build); a prefix shorter than the magic is never misdetected as another format.
TEST(FileType, PrefixesAndNoiseAreSafe) {
  for (const char* name : {"page.png", "page.jpg", "page.jp2", "page.webp", "page.bmp", "page_g4.tiff"}) {
    const std::vector<std::byte> bytes = read_bytes(data_dir() / "formats" / name);
    const FileType full = detect_file_type(bytes);
    for (size_t length = 0; length <= std::min<size_t>(bytes.size(), 64); ++length) {
      const FileType prefix = detect_file_type(std::span(bytes.data(), length));
      EXPECT_TRUE(prefix == full || prefix == FileType::kUnknown) << name << " prefix " << length;
    }
  }
  std::mt19937 random(42);
  std::vector<std::byte> noise(2048);
  for (int round = 0; round < 2000; ++round) {
    for (auto& byte : noise) byte = static_cast<std::byte>(random());
    (void)detect_file_type(std::span(noise.data(), random() % noise.size()));
  }
}

}  // namespace
}  // namespace exadoc::ingest
