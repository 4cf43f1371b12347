#include <memory>

#include <exadoc/layout/ocr_info.h>

#include "tesseract_handle.h"

namespace exadoc::layout {

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
