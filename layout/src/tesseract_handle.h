// Private to layout: RAII for Tesseract's engine handle (End() releases its models, then the object goes).
#pragma once

#include <memory>

#include <tesseract/baseapi.h>

namespace exadoc::layout {

struct TessEnd {
  void operator()(tesseract::TessBaseAPI* api) const {
    api->End();
    delete api;
  }
};
using TessPtr = std::unique_ptr<tesseract::TessBaseAPI, TessEnd>;

}  // namespace exadoc::layout
