// exadoc/ingest/page_content.h — a born-digital page without pixels: its text layer and the vector graphics
// it draws.
//
// Layout analysis of a PDF page with a text layer needs the words and where the page draws lines, fills and
// images (ruling lines of tables, figures) — not anti-aliased pixels. Reading both straight from the PDF
// content costs about as much as pdftotext; rendering the page at 150 DPI costs ten times more.
#pragma once

#include <vector>

#include <exadoc/ingest/page_image.h>

namespace exadoc::ingest {

struct PointPt {
  double x = 0, y = 0;
};

// One painted path, in points of the page as displayed (top-left origin, /Rotate applied), curves flattened.
struct GraphicPath {
  std::vector<std::vector<PointPt>> subpaths;
  bool stroked = false;  // stroked with line_width_pt; otherwise filled
  double line_width_pt = 0;
  double grey = 0;  // luminance of the paint, 0 (black) to 255 (white)
  BoxPt clip;       // the bounding box of the clipping region in force: nothing is painted outside it
};

struct PageGraphics {
  std::vector<GraphicPath> paths;  // in painting order
  std::vector<BoxPt> images;       // the box every image (and image mask) is painted into, clipped
};

struct PageContent {
  PageInfo info;
  TextLayer text_layer;
  PageGraphics graphics;
};

}  // namespace exadoc::ingest
