// Private to layout: OCR of an image-only page with Tesseract (libtesseract).
#pragma once

#include <string>
#include <vector>

#include <exadoc/ingest/page_image.h>

namespace exadoc::layout::native {

struct OcrResult {
  std::vector<ingest::Word>
      words;  // boxes in points of the page as given (after deskew); font_size_pt estimated
  std::vector<float> confidences;  // per word, 0–1
  float mean_confidence = 0.0f;
};

// Reads the page (already deskewed by ingest) with the given languages ("eng", "kor"; joined as "eng+kor").
// Throws exadoc::Error naming the languages when Tesseract cannot load them, with the apt package to install.
// Thread-safe: each call uses its own Tesseract instance.
OcrResult ocr_page(const ingest::PageImage& page, const std::vector<std::string>& languages);

}  // namespace exadoc::layout::native
