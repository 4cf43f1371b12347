// exadoc/layout/ocr_info.h — what the OCR engine (Tesseract) offers on this machine.
#pragma once

#include <string>
#include <vector>

namespace exadoc::layout {

struct OcrInfo {
  std::string tesseract_version;
  std::string data_path;               // where the traineddata files were found
  std::vector<std::string> languages;  // e.g. {"eng", "kor", "osd"}; empty when none is installed
};

// Never throws; a missing language pack shows as an empty list.
OcrInfo query_ocr();

}  // namespace exadoc::layout
