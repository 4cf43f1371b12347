// exadoc/layout/geometry.h — the 0–1000 page grid.
//
// Every block box exadoc exports is a Box1000: x on 0–1000 of the page width, y on 0–1000 of the page
// height, top-left origin, independent of DPI and page size. It is the frame EXAONE 4.5 grounds its output
// in, so model boxes and text-layer boxes meet without conversion.
#pragma once

#include <exadoc/ingest/page_image.h>

namespace exadoc::layout {

struct Box1000 {
  int x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

// Rounds to the nearest grid unit and clamps to [0, 1000]; page_size_pt must be positive.
Box1000 to_box1000(const ingest::BoxPt& box, const ingest::SizePt& page_size_pt);
ingest::BoxPt to_box_pt(const Box1000& box, const ingest::SizePt& page_size_pt);

}  // namespace exadoc::layout
