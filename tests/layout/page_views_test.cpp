// Page views for the model and the way back: a box drawn on a known region of a resized or tiled page comes
// back on that region; grounding against the text layer counts the model's words that are not there.
#include <gtest/gtest.h>

#include <exadoc/layout/grounding.h>
#include <exadoc/layout/page_views.h>

namespace exadoc::layout {
namespace {

TEST(PageViews, AManualPageIsShownWhole) {
  // A4 at 200 DPI: 1654 x 2339 = 3.9 Mpx, shown at 0.91 of its size.
  const std::vector<PageView> views = plan_page_views(1654, 2339);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].region.x2, 1000);
  // Resizing does not move boxes on the 0-1000 grid: the identity.
  const Box1000 box{120, 340, 560, 780};
  const Box1000 back = view_to_page(box, views[0]);
  EXPECT_EQ(back.x1, 120);
  EXPECT_EQ(back.y2, 780);
}

TEST(PageViews, ALargeDrawingIsTiledAndBoxesMapBackToTheirRegion) {
  // A1 landscape at 200 DPI: 6622 x 4677 px = 31 Mpx; shown whole it would be scaled to 0.32.
  ViewPolicy policy;
  const std::vector<PageView> views = plan_page_views(6622, 4677, policy);
  ASSERT_GT(views.size(), 1u);
  ASSERT_LE(views.size(), static_cast<size_t>(policy.max_tiles));
  // Every tile is shown at min_scale or better, and the tiles cover the page.
  for (const PageView& view : views) {
    const double tile_px =
        (view.region.x2 - view.region.x1) / 1000.0 * 6622 * (view.region.y2 - view.region.y1) / 1000.0 * 4677;
    EXPECT_LE(tile_px * policy.min_scale * policy.min_scale, static_cast<double>(policy.max_pixels) * 1.25);
  }
  for (int x = 0; x <= 1000; x += 50) {
    for (int y = 0; y <= 1000; y += 50) {
      bool covered = false;
      for (const PageView& view : views) {
        covered = covered ||
                  (x >= view.region.x1 && x <= view.region.x2 && y >= view.region.y1 && y <= view.region.y2);
      }
      EXPECT_TRUE(covered) << x << "," << y;
    }
  }
  // A title block in the lower right corner of the sheet (page grid 700-980 x 800-960), as the model would
  // see it in the tile that holds it: drawn in that tile's frame, it comes back where it is on the page.
  const Box1000 title_block{700, 800, 980, 960};
  const PageView* holder = nullptr;
  for (const PageView& view : views) {
    if (covered_fraction(title_block, view.region) == 1.0) holder = &view;
  }
  ASSERT_NE(holder, nullptr);
  const Box1000& r = holder->region;
  auto to_tile = [](int value, int from, int to) { return (value - from) * 1000 / (to - from); };
  const Box1000 seen{to_tile(700, r.x1, r.x2), to_tile(800, r.y1, r.y2), to_tile(980, r.x1, r.x2),
                     to_tile(960, r.y1, r.y2)};
  const Box1000 back = view_to_page(seen, *holder);
  EXPECT_NEAR(back.x1, 700, 1);
  EXPECT_NEAR(back.y1, 800, 1);
  EXPECT_NEAR(back.x2, 980, 1);
  EXPECT_NEAR(back.y2, 960, 1);
}

TEST(PageViews, TilesOverlapSoThatNoLineIsCut) {
  const std::vector<PageView> views = plan_page_views(20000, 2000);
  ASSERT_GT(views.size(), 1u);
  EXPECT_GT(views[0].region.x2, views[1].region.x1) << "neighbouring tiles share a band";
}

ingest::Word word(std::string text, double x1, double y1, double x2, double y2) {
  ingest::Word w;
  w.text = std::move(text);
  w.box_pt = {x1, y1, x2, y2};
  return w;
}

TEST(Grounding, CountsTheModelsWordsThatTheTextLayerDoesNotHaveThere) {
  Page page;
  page.size_pt = {1000, 1000};  // points equal grid units
  Block block;
  block.box = {100, 100, 500, 200};
  block.text = "Replace the O-ring P-1234, then test.";
  page.blocks.push_back(block);
  const std::vector<ingest::Word> layer = {
      word("Replace", 110, 110, 160, 130), word("the", 170, 110, 190, 130),
      word("O-ring", 200, 110, 250, 130),  word("P-1234", 260, 110, 310, 130),
      word("then", 320, 110, 350, 130),    word("test.", 360, 110, 390, 130)};
  ASSERT_TRUE(text_disagreement(page, layer).has_value());
  EXPECT_DOUBLE_EQ(*text_disagreement(page, layer), 0.0);

  page.blocks[0].text = "Replace the gasket P-9999, then test.";  // two words the page does not say
  EXPECT_NEAR(*text_disagreement(page, layer), 2.0 / 6.0, 1e-9);

  page.blocks[0].box = {600, 600, 900, 900};  // right words, wrong place: none of them is there
  EXPECT_DOUBLE_EQ(*text_disagreement(page, layer), 1.0);

  EXPECT_FALSE(text_disagreement(page, {}).has_value()) << "no text layer, no signal";
}

}  // namespace
}  // namespace exadoc::layout
