// Private to ingest: RAII for the C library handles this library uses, and libvips set-up.
#pragma once

#include <memory>
#include <string>

#include <allheaders.h>  // Leptonica
#include <vips/vips.h>

namespace exadoc::ingest {

// libvips images are GObjects; shared_ptr so PageImage can hold them without exposing glib.
using VipsImagePtr = std::shared_ptr<VipsImage>;

// Takes ownership of a reference the caller holds (a fresh image from a vips_* call).
inline VipsImagePtr adopt_vips_image(VipsImage* image) {
  return VipsImagePtr(image, [](VipsImage* p) {
    if (p != nullptr) g_object_unref(p);
  });
}

struct PixFree {
  void operator()(PIX* pix) const { pixDestroy(&pix); }  // pixDestroy takes PIX**
};
using PixPtr = std::unique_ptr<PIX, PixFree>;

// Initialises libvips (and quiets Leptonica) once per process, thread-safe; every entry point that touches
// vips or Leptonica calls it.
void ensure_vips_initialised();

// Takes and clears libvips' error buffer for this thread, trimmed, e.g. "pngload: libpng read error".
std::string take_vips_error();

}  // namespace exadoc::ingest
