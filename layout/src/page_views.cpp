#include <algorithm>
#include <cmath>

#include <exadoc/layout/page_views.h>

namespace exadoc::layout {

std::vector<PageView> plan_page_views(int64_t width_px, int64_t height_px, const ViewPolicy& policy) {
  const double area = static_cast<double>(std::max<int64_t>(1, width_px)) *
                      static_cast<double>(std::max<int64_t>(1, height_px));
  const double whole_scale = std::sqrt(static_cast<double>(policy.max_pixels) / area);
  if (whole_scale >= policy.min_scale || width_px <= 0 || height_px <= 0)
    return {PageView{{0, 0, 1000, 1000}}};
  // Tiles of at most max_pixels / min_scale² pixels each, so each is shown at min_scale or better; the grid
  // follows the page's aspect ratio.
  const double tile_area = static_cast<double>(policy.max_pixels) / (policy.min_scale * policy.min_scale);
  const double tiles = area / tile_area;
  const double aspect = static_cast<double>(width_px) / static_cast<double>(height_px);
  int columns = std::max(1, static_cast<int>(std::ceil(std::sqrt(tiles * aspect))));
  int rows = std::max(1, static_cast<int>(std::ceil(tiles / columns)));
  while (columns * rows > policy.max_tiles && (columns > 1 || rows > 1)) {
    if (columns >= rows) {
      --columns;
    } else {
      --rows;
    }
  }
  std::vector<PageView> views;
  const double tile_width = 1000.0 / columns, tile_height = 1000.0 / rows;
  const double pad_x = tile_width * policy.overlap, pad_y = tile_height * policy.overlap;
  for (int row = 0; row < rows; ++row) {
    for (int column = 0; column < columns; ++column) {
      Box1000 region;
      region.x1 = static_cast<int>(std::lround(std::max(0.0, column * tile_width - pad_x)));
      region.y1 = static_cast<int>(std::lround(std::max(0.0, row * tile_height - pad_y)));
      region.x2 = static_cast<int>(std::lround(std::min(1000.0, (column + 1) * tile_width + pad_x)));
      region.y2 = static_cast<int>(std::lround(std::min(1000.0, (row + 1) * tile_height + pad_y)));
      views.push_back({region});
    }
  }
  return views;
}

Box1000 view_to_page(const Box1000& box, const PageView& view) {
  const Box1000& r = view.region;
  auto map = [](int value, int from, int to) {
    return static_cast<int>(std::lround(from + (to - from) * std::clamp(value, 0, 1000) / 1000.0));
  };
  return {map(box.x1, r.x1, r.x2), map(box.y1, r.y1, r.y2), map(box.x2, r.x1, r.x2), map(box.y2, r.y1, r.y2)};
}

double covered_fraction(const Box1000& a, const Box1000& b) {
  const double area = static_cast<double>(a.x2 - a.x1) * (a.y2 - a.y1);
  if (area <= 0) return 0;
  const double width = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  const double height = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  return width > 0 && height > 0 ? width * height / area : 0;
}

}  // namespace exadoc::layout
