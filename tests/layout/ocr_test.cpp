// OCR of the scanned samples against the generator's source text (samples/manifest.json).
//
// Character error rate (CER) = Levenshtein distance over Unicode code points / reference length, after
// dropping all whitespace from both sides. Whitespace is dropped because Tesseract's Korean model splits
// Hangul words into syllables ("설 명 서"), which would count every inserted space as an error although the
// characters and their order are right. Reading order still matters: the words are compared in Tesseract's
// order and the reference strings in the manifest's order.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <exadoc/base/error.h>
#include <exadoc/ingest/page_source.h>

#include "native/ocr.h"

namespace exadoc::layout::native {
namespace {

const std::filesystem::path kSamples = std::filesystem::path(EXADOC_SOURCE_DIR) / "samples";
// The acceptance: at most 3 % of the reference characters wrong.
constexpr double kMaxCer = 0.03;

// The manifest's source_text for one page of a sample file (page_number 1-based, as the manifest counts).
std::vector<std::string> source_text(const std::string& file_name, int page_number) {
  std::ifstream in(kSamples / "manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(in);
  for (const nlohmann::json& file : manifest.at("files")) {
    if (file.at("name") != file_name) continue;
    if (file.contains("source_text")) return file.at("source_text").get<std::vector<std::string>>();
    for (const nlohmann::json& page : file.at("pages")) {
      if (page.at("index") == page_number) return page.at("source_text").get<std::vector<std::string>>();
    }
  }
  ADD_FAILURE() << "no source_text for " << file_name << " page " << page_number << " in the manifest";
  return {};
}

// UTF-8 to code points with all ASCII whitespace removed (the samples hold no other whitespace).
std::u32string code_points_without_space(const std::string& utf8) {
  std::u32string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t k = 1; k < length && i + k < utf8.size(); ++k)
      code = (code << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    i += length;
    if (code != U' ' && code != U'\t' && code != U'\n' && code != U'\r') out.push_back(code);
  }
  return out;
}

size_t levenshtein(const std::u32string& a, const std::u32string& b) {
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string joined(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) text += part + " ";
  return text;
}

std::string ocr_text(const OcrResult& result) {
  std::string text;
  for (const ingest::Word& word : result.words) text += word.text + (word.space_after ? " " : "");
  return text;
}

double character_error_rate(const std::string& reference, const std::string& hypothesis) {
  const std::u32string ref = code_points_without_space(reference);
  const std::u32string hyp = code_points_without_space(hypothesis);
  return static_cast<double>(levenshtein(ref, hyp)) / static_cast<double>(ref.size());
}

// OCR is the slow part (a few seconds a page), so each scanned page is read once for all the tests.
struct ScannedPage {
  ingest::PageImage image;
  OcrResult ocr;
};

const ScannedPage& scanned(const std::string& file_name, int page_index) {
  static std::map<std::pair<std::string, int>, std::unique_ptr<ScannedPage>> cache;
  std::unique_ptr<ScannedPage>& entry = cache[{file_name, page_index}];
  if (!entry) {
    ingest::PageImage image = ingest::open_page_source(kSamples / file_name)->render(page_index, {});
    OcrResult ocr = ocr_page(image, {"eng", "kor"});
    entry = std::make_unique<ScannedPage>(ScannedPage{std::move(image), std::move(ocr)});
  }
  return *entry;
}

TEST(Ocr, ScanPngCharacterErrorRateWithinThreePercent) {
  const ScannedPage& page = scanned("scan.png", 0);
  ASSERT_TRUE(page.image.skew().has_value() && page.image.skew()->corrected) << "ingest did not deskew";
  const double cer = character_error_rate(joined(source_text("scan.png", 1)), ocr_text(page.ocr));
  std::printf("scan.png: CER %.2f %% over %zu words, mean confidence %.2f\n", cer * 100,
              page.ocr.words.size(), static_cast<double>(page.ocr.mean_confidence));
  EXPECT_LE(cer, kMaxCer) << ocr_text(page.ocr);
}

TEST(Ocr, ScanTiffPage1CharacterErrorRateWithinThreePercent) {
  const ScannedPage& page = scanned("scan.tiff", 0);
  const double cer = character_error_rate(joined(source_text("scan.tiff", 1)), ocr_text(page.ocr));
  std::printf("scan.tiff page 1: CER %.2f %% over %zu words\n", cer * 100, page.ocr.words.size());
  EXPECT_LE(cer, kMaxCer) << ocr_text(page.ocr);
}

TEST(Ocr, WordBoxesAreInPointsInsideThePage) {
  const ScannedPage& page = scanned("scan.png", 0);
  ASSERT_FALSE(page.ocr.words.empty());
  ASSERT_EQ(page.ocr.confidences.size(), page.ocr.words.size());
  // The deskewed page is about 1760 px (634 pt) wide at 200 DPI; boxes in pixels, or in pixels of the 300 DPI
  // copy Tesseract reads, would overflow it, and the text column reaches past the middle of the page.
  const double width_pt = page.image.width_px() * 72.0 / page.image.dpi();
  const double height_pt = page.image.height_px() * 72.0 / page.image.dpi();
  double right_most_pt = 0;
  for (const ingest::Word& word : page.ocr.words) right_most_pt = std::max(right_most_pt, word.box_pt.x2);
  EXPECT_GT(right_most_pt, width_pt / 2);
  for (size_t i = 0; i < page.ocr.words.size(); ++i) {
    const ingest::Word& word = page.ocr.words[i];
    SCOPED_TRACE(word.text);
    EXPECT_GE(word.box_pt.x1, 0);
    EXPECT_GE(word.box_pt.y1, 0);
    EXPECT_LT(word.box_pt.x1, word.box_pt.x2);
    EXPECT_LT(word.box_pt.y1, word.box_pt.y2);
    EXPECT_LE(word.box_pt.x2, width_pt);
    EXPECT_LE(word.box_pt.y2, height_pt);
    EXPECT_TRUE(word.space_after);
    EXPECT_GE(page.ocr.confidences[i], 0.0f);
    EXPECT_LE(page.ocr.confidences[i], 1.0f);
  }
  EXPECT_GT(page.ocr.mean_confidence, 0.5f);
}

// manual.pdf's body text is 10 pt; a scan of it should give about that, not its size in pixels.
TEST(Ocr, FontSizeIsEstimatedInPoints) {
  const ScannedPage& page = scanned("scan.png", 0);
  std::vector<double> sizes_pt;
  for (const ingest::Word& word : page.ocr.words) sizes_pt.push_back(word.font_size_pt);
  ASSERT_FALSE(sizes_pt.empty());
  std::nth_element(sizes_pt.begin(), sizes_pt.begin() + static_cast<long>(sizes_pt.size() / 2),
                   sizes_pt.end());
  const double median_pt = sizes_pt[sizes_pt.size() / 2];
  std::printf("scan.png: median font size %.1f pt\n", median_pt);
  EXPECT_GT(median_pt, 7.0);
  EXPECT_LT(median_pt, 14.0);
}

TEST(Ocr, RecognisesKoreanWords) {
  const std::string text = ocr_text(scanned("scan.png", 0).ocr);
  const std::u32string hangul = code_points_without_space(text);
  // Words of the Korean paragraphs in the source text, compared without spaces (see the top of the file).
  for (const char* word : {"펌프", "설치", "안전지침", "마십시오", "반드시", "정품"}) {
    EXPECT_NE(hangul.find(code_points_without_space(word)), std::u32string::npos) << word << " in " << text;
  }
}

TEST(Ocr, MissingLanguageNamesTheDebianPackage) {
  const ingest::PageImage image = ingest::open_page_source(kSamples / "scan.png")->render(0, {});
  try {
    ocr_page(image, {"eng", "xyz_abc"});
    FAIL() << "expected exadoc::Error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "Tesseract has no 'xyz_abc' language data; install tesseract-ocr-xyz-abc");
  }
  try {
    ocr_page(image, {"xyz", "eng"});
    FAIL() << "expected exadoc::Error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "Tesseract has no 'xyz' language data; install tesseract-ocr-xyz");
  }
}

}  // namespace
}  // namespace exadoc::layout::native
