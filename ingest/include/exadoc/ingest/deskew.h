// exadoc/ingest/deskew.h — skew measurement and correction of scanned pages (Leptonica).
#pragma once

#include <exadoc/ingest/page_image.h>

namespace exadoc::ingest {

// Measures the skew of the text lines on the page (Leptonica's sweep-and-search over ±7°, precision about
// 0.05° on a 200 DPI page). Works on a reduced grey copy; does not change the page.
Skew measure_skew(const PageImage& page);

// Measures the skew and, when it is reliable and at least min_angle_deg, rotates the page clockwise by it
// (white fill; the canvas grows to keep every pixel). Records the measurement with set_skew either way.
void deskew(PageImage& page, double min_angle_deg = 0.05);

}  // namespace exadoc::ingest
