// Private to layout: where a page is dark, as a binary mask. Ruling lines of tables and the strokes of
// figures are found in such masks.
//
// Scans and image files give one from their pixels. Born-digital pages give them from their vector graphics,
// painted in the PDF's own order (a light paint erases the ink beneath, as on paper): the mask a rendering
// would threshold to, at a fraction of the cost and without anti-aliasing — and for ruling lines, only the
// long horizontal and vertical strokes, which a rendering would need morphology to isolate.
#pragma once

#include <cstdint>
#include <vector>

#include <exadoc/ingest/page_content.h>
#include <exadoc/ingest/page_image.h>

namespace exadoc::layout::native {

struct PageInk {
  ingest::SizePt size_pt;
  int width_px = 0;
  int height_px = 0;
  double dpi = 0;
  std::vector<uint8_t> mask;  // row-major, width_px × height_px: 255 where dark, 0 elsewhere

  ingest::BoxPx to_px(const ingest::BoxPt& box) const;
};

// Paint darker than this grey level (0 black, 255 white) is ink: anti-aliased hairlines rendered at 150 DPI
// come out around 100–150, light header shading stays above.
constexpr double kInkGreyLevel = 160;

// The page's frame at `dpi` (the size Splash would render it at) with an empty mask: no ink.
PageInk empty_page_ink(const ingest::SizePt& size_pt, double dpi);

PageInk ink_from_pixels(const ingest::PageImage& page);

// Everything the page paints, at `dpi` (the page is the size Splash would render it at).
PageInk ink_from_graphics(const ingest::PageGraphics& graphics, const ingest::SizePt& size_pt, double dpi);

// Only the dark horizontal and vertical strokes (and thin filled bars) at least min_length_px long, plus
// light paint erasing them: what morphological opening extracts from the rendered page's ink.
PageInk rulings_from_graphics(const ingest::PageGraphics& graphics, const ingest::SizePt& size_pt, double dpi,
                              int min_width_px, int min_height_px);

}  // namespace exadoc::layout::native
