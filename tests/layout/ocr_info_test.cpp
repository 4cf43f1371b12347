#include <algorithm>

#include <gtest/gtest.h>

#include <exadoc/layout/ocr_info.h>

namespace exadoc::layout {
namespace {

// scripts/install-deps.sh installs Debian's English and Korean traineddata; the native engine needs both.
TEST(OcrInfo, FindsTesseractWithEnglishAndKorean) {
  const OcrInfo info = query_ocr();
  EXPECT_EQ(info.tesseract_version.substr(0, 2), "5.");
  EXPECT_FALSE(info.data_path.empty());
  for (const char* language : {"eng", "kor"}) {
    EXPECT_NE(std::find(info.languages.begin(), info.languages.end(), language), info.languages.end())
        << language;
  }
}

}  // namespace
}  // namespace exadoc::layout
