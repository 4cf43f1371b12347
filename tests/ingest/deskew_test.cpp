// Deskew against the angles the generator applied to the scanned samples (samples/manifest.json).
#include <cmath>

#include <gtest/gtest.h>

#include <exadoc/ingest/deskew.h>
#include <exadoc/ingest/page_source.h>

#include "test_support.h"

namespace exadoc::ingest {
namespace {

using exadoc::testing::sample_entry;
using exadoc::testing::samples_dir;

// The acceptance bound.
constexpr double kToleranceDeg = 0.5;

RenderOptions deskew(DeskewMode mode) {
  RenderOptions options;
  options.deskew = mode;
  return options;
}

TEST(Deskew, MeasuresTheAngleAppliedToTheScannedPng) {
  const double applied = sample_entry("scan.png")["rotation_deg"].get<double>();
  ASSERT_GE(std::abs(applied), 1.0) << "the sample must be visibly skewed for this test to mean anything";
  const auto source = open_page_source(samples_dir() / "scan.png");
  const PageImage page = source->render(0, deskew(DeskewMode::kAuto));
  ASSERT_TRUE(page.skew().has_value()) << "image files are deskewed in auto mode";
  EXPECT_NEAR(page.skew()->angle_deg, applied, kToleranceDeg);
  EXPECT_TRUE(page.skew()->corrected);
  EXPECT_GE(page.skew()->confidence, 3.0);
}

TEST(Deskew, MeasuresEachPageOfTheScannedTiff) {
  const auto pages = sample_entry("scan.tiff")["pages"];
  const auto source = open_page_source(samples_dir() / "scan.tiff");
  ASSERT_EQ(source->page_count(), static_cast<int>(pages.size()));
  for (int index = 0; index < source->page_count(); ++index) {
    const PageImage page = source->render(index, deskew(DeskewMode::kOff));
    const Skew skew = measure_skew(page);
    EXPECT_NEAR(skew.angle_deg, pages[index]["rotation_deg"].get<double>(), kToleranceDeg)
        << "page " << index + 1;
  }
}

TEST(Deskew, ACorrectedPageMeasuresStraight) {
  const auto source = open_page_source(samples_dir() / "scan.png");
  const PageImage page = source->render(0, deskew(DeskewMode::kOn));
  ASSERT_TRUE(page.skew()->corrected);
  EXPECT_LT(std::abs(measure_skew(page).angle_deg), 0.2);
  // Rotation grows the canvas instead of cutting corners off.
  const auto entry = sample_entry("scan.png");
  EXPECT_GT(page.width_px(), entry["width_px"].get<int>());
  EXPECT_GT(page.height_px(), entry["height_px"].get<int>());
  EXPECT_NEAR(page.info().size_pt.width, page.width_px() * 72.0 / page.dpi(), 1e-6);
}

TEST(Deskew, BornDigitalPagesAreStraightAndLeftAlone) {
  const auto source = open_page_source(samples_dir() / "manual.pdf");
  const PageImage page = source->render(0, deskew(DeskewMode::kOn));
  ASSERT_TRUE(page.skew().has_value());
  EXPECT_LT(std::abs(page.skew()->angle_deg), 0.1);
  EXPECT_FALSE(page.skew()->corrected);
  EXPECT_FALSE(source->render(0, deskew(DeskewMode::kAuto)).skew().has_value())
      << "auto mode does not deskew pages that have a text layer";
}

}  // namespace
}  // namespace exadoc::ingest
