#include <algorithm>
#include <cmath>

#include <exadoc/layout/geometry.h>

namespace exadoc::layout {
namespace {

int to_grid(double value_pt, double extent_pt) {
  return std::clamp(static_cast<int>(std::lround(value_pt / extent_pt * 1000.0)), 0, 1000);
}

}  // namespace

Box1000 to_box1000(const ingest::BoxPt& box, const ingest::SizePt& page_size_pt) {
  return {to_grid(box.x1, page_size_pt.width), to_grid(box.y1, page_size_pt.height),
          to_grid(box.x2, page_size_pt.width), to_grid(box.y2, page_size_pt.height)};
}

ingest::BoxPt to_box_pt(const Box1000& box, const ingest::SizePt& page_size_pt) {
  const double sx = page_size_pt.width / 1000.0;
  const double sy = page_size_pt.height / 1000.0;
  return {box.x1 * sx, box.y1 * sy, box.x2 * sx, box.y2 * sy};
}

}  // namespace exadoc::layout
