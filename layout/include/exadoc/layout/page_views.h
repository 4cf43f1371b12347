// exadoc/layout/page_views.h — how a page is shown to a vision-language model, and how the boxes it answers
// with come back to the page.
//
// The model sees at most max_pixels pixels per image (the processor scales larger images down). A manual page
// at 150–200 DPI fits; an A1 drawing would be scaled down until its smallest text is a smudge. Such pages are
// cut into overlapping tiles, each shown at a scale where text survives, and the model's 0–1000 boxes —
// relative to the image it saw — are mapped from the tile's frame to the page's.
#pragma once

#include <cstdint>
#include <vector>

#include <exadoc/layout/geometry.h>

namespace exadoc::layout {

// The part of the page one model image shows, on the page's 0–1000 grid (the whole page: {0, 0, 1000, 1000}).
struct PageView {
  Box1000 region;
};

struct ViewPolicy {
  int64_t max_pixels = 3'211'264;  // the processor's max_pixels (EXAONE 4.5: 3,211,264)
  // A page is tiled when showing it whole would scale it below this (0.5: to half its width and height).
  double min_scale = 0.5;
  double overlap = 0.05;  // tiles overlap by this fraction of their size, so no line of text is cut in two
  int max_tiles = 16;
};

// The views of a page rendered at width_px × height_px: one for the whole page, or a grid of tiles covering
// it.
std::vector<PageView> plan_page_views(int64_t width_px, int64_t height_px, const ViewPolicy& policy = {});

// A box on the 0–1000 grid of the view's image, on the page's grid.
Box1000 view_to_page(const Box1000& box, const PageView& view);

// The fraction of a's area that b covers (0 when a is empty).
double covered_fraction(const Box1000& a, const Box1000& b);

}  // namespace exadoc::layout
