#include <memory>

#include <tesseract/baseapi.h>

#include <exadoc/layout/ocr_info.h>

namespace exadoc::layout {
namespace {

struct TessEnd {
  void operator()(tesseract::TessBaseAPI* api) const {
    api->End();
    delete api;
  }
};
using TessPtr = std::unique_ptr<tesseract::TessBaseAPI, TessEnd>;

}  // namespace

OcrInfo query_ocr() {
  OcrInfo info;
  info.tesseract_version = tesseract::TessBaseAPI::Version();
  const TessPtr api(new tesseract::TessBaseAPI());
  // Initialising with "osd" or "eng" is what loads the data path; either may be missing.
  for (const char* language : {"eng", "osd"}) {
    if (api->Init(nullptr, language) == 0) {
      info.data_path = api->GetDatapath();
      std::vector<std::string> languages;
      api->GetAvailableLanguagesAsVector(&languages);
      info.languages = std::move(languages);
      break;
    }
  }
  return info;
}

}  // namespace exadoc::layout
