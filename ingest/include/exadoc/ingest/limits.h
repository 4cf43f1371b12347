// exadoc/ingest/limits.h — limits against hostile or accidental giant input.
#pragma once

#include <cstdint>

namespace exadoc::ingest {

struct Limits {
  // Documents with more pages are refused before any page is rendered.
  int max_pages = 5000;
  // Pages with more pixels (at the requested DPI, or natively for images) are refused before decoding:
  // a 50000×50000 PNG of a few kilobytes would otherwise claim 2.5 GB. 400 Mpx is an A0 sheet at 600 DPI.
  int64_t max_pixels_per_page = 400'000'000;
};

}  // namespace exadoc::ingest
