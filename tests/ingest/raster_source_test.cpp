// Raster images through libvips (and Leptonica for BMP), checked against the sizes and resolutions the
// generator wrote (tests/data/manifest.json) and by looking at the decoded pixels.
#include <gtest/gtest.h>

#include <exadoc/ingest/page_source.h>

#include "test_support.h"

namespace exadoc::ingest {
namespace {

using exadoc::testing::data_dir;
using exadoc::testing::data_manifest;
using exadoc::testing::sample_entry;
using exadoc::testing::samples_dir;
using exadoc::testing::TempDir;

RenderOptions without_deskew() {
  RenderOptions options;
  options.deskew = DeskewMode::kOff;
  return options;
}

// Share of dark pixels: the generator draws black text and lines on white.
double ink_fraction(const PageImage& page) {
  const std::vector<uint8_t> rgb = page.rgb_pixels();
  size_t dark = 0;
  for (size_t i = 0; i < rgb.size(); i += 3) dark += rgb[i] < 128 ? 1 : 0;
  return static_cast<double>(dark) / static_cast<double>(rgb.size() / 3);
}

class EveryRasterFormat : public ::testing::TestWithParam<std::pair<const char*, FileType>> {};

TEST_P(EveryRasterFormat, DecodesWithTheGeneratorsSizeAndResolution) {
  const auto [name, type] = GetParam();
  const auto entry = data_manifest()[std::string("formats/") + name];
  const auto source = open_page_source(data_dir() / "formats" / name);
  EXPECT_EQ(source->type(), type);
  ASSERT_EQ(source->page_count(), entry["page_count"].get<int>());
  const PageImage page = source->render(0, without_deskew());
  EXPECT_EQ(page.width_px(), entry["width_px"].get<int>());
  EXPECT_EQ(page.height_px(), entry["height_px"].get<int>());
  EXPECT_TRUE(page.bands() == 1 || page.bands() == 3);
  if (entry.contains("dpi")) {
    EXPECT_NEAR(page.dpi(), entry["dpi"].get<double>(), 0.5);
    EXPECT_FALSE(page.dpi_assumed());
    EXPECT_NEAR(page.info().size_pt.width, page.width_px() * 72.0 / page.dpi(), 1e-6);
  }
  const double ink = ink_fraction(page);
  EXPECT_GT(ink, 0.005) << "the text drawn by the generator is visible";
  EXPECT_LT(ink, 0.5) << "the background is white";
  EXPECT_FALSE(page.text_layer().has_value()) << "images have no text layer";
}

INSTANTIATE_TEST_SUITE_P(
    Formats, EveryRasterFormat,
    ::testing::Values(std::pair{"page.png", FileType::kPng}, std::pair{"page.jpg", FileType::kJpeg},
                      std::pair{"page.jp2", FileType::kJpeg2000}, std::pair{"page.webp", FileType::kWebp},
                      std::pair{"page.bmp", FileType::kBmp}, std::pair{"page_lzw.tiff", FileType::kTiff},
                      std::pair{"png_named.jpg", FileType::kPng}),
    [](const auto& test_param) {
      std::string name = test_param.param.first;
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(RasterSource, MultiPageG4TiffHasEveryPageAtItsOwnSize) {
  const auto entry = data_manifest()["formats/page_g4.tiff"];
  const auto source = open_page_source(data_dir() / "formats/page_g4.tiff");
  ASSERT_EQ(source->page_count(), 3);
  for (int index = 0; index < 3; ++index) {
    const PageImage page = source->render(index, without_deskew());
    EXPECT_EQ(page.width_px(), entry["page_sizes_px"][index][0].get<int>()) << "page " << index + 1;
    EXPECT_EQ(page.height_px(), entry["page_sizes_px"][index][1].get<int>()) << "page " << index + 1;
    EXPECT_EQ(page.bands(), 1) << "bilevel pages stay grey";
    EXPECT_EQ(page.info().index, index);
    EXPECT_GT(ink_fraction(page), 0.001);
  }
}

TEST(RasterSource, ScannedSamplesMatchTheGenerator) {
  const auto png = sample_entry("scan.png");
  const auto png_source = open_page_source(samples_dir() / "scan.png");
  const PageInfo info = png_source->page_info(0);
  EXPECT_NEAR(info.size_pt.width, png["width_px"].get<double>() * 72 / png["dpi"].get<double>(), 0.01);
  const auto tiff_source = open_page_source(samples_dir() / "scan.tiff");
  EXPECT_EQ(tiff_source->page_count(), sample_entry("scan.tiff")["page_count"].get<int>());
}

TEST(RasterSource, SavedPngReopensWithTheSameSize) {
  const TempDir temp;
  const auto source = open_page_source(data_dir() / "formats/page.jp2");
  const PageImage page = source->render(0, without_deskew());
  page.save_png(temp.path() / "page.png");
  const auto reopened = open_page_source(temp.path() / "page.png");
  const PageImage copy = reopened->render(0, without_deskew());
  EXPECT_EQ(copy.width_px(), page.width_px());
  EXPECT_EQ(copy.height_px(), page.height_px());
  EXPECT_EQ(copy.rgb_pixels(), page.rgb_pixels()) << "PNG is lossless";
}

}  // namespace
}  // namespace exadoc::ingest
