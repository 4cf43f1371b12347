#include <gtest/gtest.h>

#include <exadoc/layout/geometry.h>

namespace exadoc::layout {
namespace {

TEST(Geometry, MapsPointsToTheThousandGrid) {
  const ingest::SizePt a4{595.28, 841.89};
  const Box1000 box = to_box1000({59.528, 84.189, 297.64, 841.89}, a4);
  EXPECT_EQ(box.x1, 100);
  EXPECT_EQ(box.y1, 100);
  EXPECT_EQ(box.x2, 500);
  EXPECT_EQ(box.y2, 1000);
}

TEST(Geometry, ClampsBoxesThatLeaveThePage) {
  const Box1000 box = to_box1000({-10, -5, 700, 900}, {600, 800});
  EXPECT_EQ(box.x1, 0);
  EXPECT_EQ(box.y1, 0);
  EXPECT_EQ(box.x2, 1000);
  EXPECT_EQ(box.y2, 1000);
}

TEST(Geometry, RoundTripsWithinHalfAGridUnit) {
  const ingest::SizePt page{1190.55, 841.89};
  const ingest::BoxPt original{123.4, 567.8, 901.2, 800.1};
  const ingest::BoxPt back = to_box_pt(to_box1000(original, page), page);
  EXPECT_NEAR(back.x1, original.x1, page.width / 2000);
  EXPECT_NEAR(back.y1, original.y1, page.height / 2000);
  EXPECT_NEAR(back.x2, original.x2, page.width / 2000);
  EXPECT_NEAR(back.y2, original.y2, page.height / 2000);
}

}  // namespace
}  // namespace exadoc::layout
