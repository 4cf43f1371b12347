// exadoc/ingest/deskew.h — skew measurement and correction of scanned pages (Leptonica).
#pragma once

#include <exadoc/ingest/page_image.h>

namespace exadoc::ingest {

// Measures the skew of the text lines on the page (Leptonica's sweep-and-search over ±7°, precision about
// 0.05° on a 200 DPI page). Works on a reduced grey copy; does not change the page.
Skew measure_skew(const PageImage& page);

// Angles below this are left alone: a twentieth of a degree moves a line end by 1.5 px on an A4 page at 200
// DPI.
inline constexpr double kMinDeskewAngleDeg = 0.05;

// Whether a measurement is reliable and large enough to be worth a rotation.
bool needs_correction(const Skew& skew);

// Rotates the page clockwise by skew.angle_deg (white fill; the canvas grows to keep every pixel), marks the
// skew corrected and records it with set_skew.
void correct_skew(PageImage& page, Skew skew);

// measure_skew, then correct_skew when needs_correction; records the measurement either way.
void deskew(PageImage& page);

}  // namespace exadoc::ingest
