// OCR of one page image with libtesseract (LSTM engine, automatic page segmentation), after a light clean-up
// of the pixels with Leptonica.
//
// Preprocessing, measured on the scanned samples (200 DPI, Gaussian noise σ 10, specks, 2.7° skew that ingest
// removes) as the character error rate against the generator's text, whitespace dropped
// (tests/layout/ocr_test.cpp), scan.png (8-bit grey) / scan.tiff page 1 (bilevel):
//   deskewed page as given ..................... 2.11 % / 3.04 %
//   3×3 median ................................. 1.49 % / 2.79 %
//   upscale to 300 DPI ......................... 1.92 % / 1.80 %
//   3×3 median, then upscale to 300 DPI ........ 1.43 % / 1.55 %   <- kept
// Tried and dropped, each on top of median + upscale: Otsu binarisation 1.61 / 2.42, Otsu and removing
// components under 3×3 px 1.30 / 2.36, Sauvola binarisation 1.18 / 2.17, median after the upscale instead of
// before 1.18 / 2.11, pixCleanBackgroundToWhite 1.49 / 1.61: none helps both pages, and binarising here only
// takes the choice of threshold away from Tesseract's own Otsu.
//
// Threads: every call builds its own TessBaseAPI, so calls may run concurrently. Debian's libtesseract is
// built with OpenMP; see OpenMpDynamicThreads below for how a call keeps its OpenMP threads from
// oversubscribing the CPU. Setting OMP_THREAD_LIMIT=1 in the environment (read once when libgomp loads, so
// only the user can) has the same effect.
#include "native/ocr.h"
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <allheaders.h>  // Leptonica
#include <omp.h>         // the OpenMP runtime libtesseract uses (libgomp on Debian)
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <exadoc/base/error.h>

#include "tesseract_handle.h"

namespace exadoc::layout::native {
namespace {

// RAII for the Tesseract and Leptonica handles used here (TessPtr: tesseract_handle.h).
using ResultIteratorPtr = std::unique_ptr<tesseract::ResultIterator>;
using TessTextPtr = std::unique_ptr<char[]>;  // GetUTF8Text's result is new[]'d

struct PixFree {
  void operator()(PIX* pix) const { pixDestroy(&pix); }  // pixDestroy takes PIX**
};
using PixPtr = std::unique_ptr<PIX, PixFree>;

constexpr double kPointsPerInch = 72.0;
// Tesseract's LSTM models were trained on text of about 300 DPI (x-height near 20 px); smaller scans are
// scaled up to this before recognition.
constexpr double kOcrDpi = 300.0;
// Scans within this factor of kOcrDpi (250 DPI and up) are recognised as they are: interpolating by less
// only costs time.
constexpr double kMinUpscaleRatio = 1.2;

// Debian ships each traineddata as tesseract-ocr-<lang> with '_' spelt '-' (chi_sim ->
// tesseract-ocr-chi-sim).
std::string debian_package(const std::string& language) {
  std::string package = "tesseract-ocr-" + language;
  std::replace(package.begin(), package.end(), '_', '-');
  std::transform(package.begin(), package.end(), package.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return package;
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string joined;
  for (const std::string& part : parts) {
    if (!joined.empty()) joined += separator;
    joined += part;
  }
  return joined;
}

// Tesseract's Init fails only when the first language is missing and merely prints a line for the others, so
// what was loaded is compared with what was asked for.
TessPtr init_tesseract(const std::vector<std::string>& languages) {
  if (languages.empty()) throw Error("OCR needs at least one Tesseract language (e.g. \"eng\")");
  TessPtr api(new tesseract::TessBaseAPI());
  const std::string joined = join(languages, "+");
  std::vector<std::string> loaded;
  // nullptr: Tesseract's compiled-in data path or TESSDATA_PREFIX (Debian:
  // /usr/share/tesseract-ocr/5/tessdata).
  if (api->Init(nullptr, joined.c_str(), tesseract::OEM_LSTM_ONLY) == 0)
    api->GetLoadedLanguagesAsVector(&loaded);
  std::vector<std::string> missing;
  for (const std::string& language : languages) {
    if (std::find(loaded.begin(), loaded.end(), language) != loaded.end()) continue;
    // With the whole set refused, find out which of them is absent on its own.
    if (loaded.empty()) {
      const TessPtr probe(new tesseract::TessBaseAPI());
      if (probe->Init(nullptr, language.c_str(), tesseract::OEM_LSTM_ONLY) == 0) continue;
    }
    missing.push_back(language);
  }
  if (!missing.empty()) {
    std::vector<std::string> quoted, packages;
    for (const std::string& language : missing) {
      quoted.push_back("'" + language + "'");
      packages.push_back(debian_package(language));
    }
    throw Error("Tesseract has no " + join(quoted, ", ") + " language data; install " + join(packages, " "));
  }
  if (loaded.empty()) throw Error("Tesseract failed to initialise with languages '" + joined + "'");
  return api;
}

// The page as an 8-bit grey Leptonica image. Colour scans are reduced with Rec. 601 luma, which is what
// Tesseract itself would do with an RGB image.
PixPtr grey_pix(const ingest::PageImage& page) {
  const int width = page.width_px();
  const int height = page.height_px();
  const std::vector<uint8_t> rgb = page.rgb_pixels();
  PixPtr pix(pixCreate(width, height, 8));
  if (!pix)
    throw Error("out of memory preparing a " + std::to_string(width) + "×" + std::to_string(height) +
                " px page for OCR");
  const l_int32 words_per_line = pixGetWpl(pix.get());
  l_uint32* data = pixGetData(pix.get());
  for (int y = 0; y < height; ++y) {
    l_uint32* line = data + static_cast<size_t>(y) * static_cast<size_t>(words_per_line);
    const uint8_t* row = rgb.data() + static_cast<size_t>(y) * static_cast<size_t>(width) * 3;
    for (int x = 0; x < width; ++x) {
      const uint8_t* px = row + static_cast<size_t>(x) * 3;
      const auto luma = static_cast<l_uint8>((299 * px[0] + 587 * px[1] + 114 * px[2] + 500) / 1000);
      SET_DATA_BYTE(line, x, luma);
    }
  }
  return pix;
}

struct PreparedImage {
  PixPtr pix;
  double dpi = 0;  // of pix
};

// Each step was measured on the two scanned samples (CER, whitespace dropped; see the top of the file); only
// the steps that helped both stay.
PreparedImage prepare(const ingest::PageImage& page) {
  PreparedImage prepared{grey_pix(page), page.dpi()};
  // The scanner's Gaussian noise and isolated specks survive Tesseract's global Otsu threshold as ragged
  // stroke edges and stray dots; a 3×3 median removes both and keeps strokes 2 px and wider. It is applied
  // before upscaling, where one pixel of noise is still one pixel.
  if (PixPtr filtered{pixMedianFilter(prepared.pix.get(), 3, 3)}) prepared.pix = std::move(filtered);
  // Interpolating up to 300 DPI gives the LSTM glyphs of the size it was trained on: 10 pt text at 200 DPI is
  // only 28 px per em, and the bilevel page gains most (3.0 % -> 1.8 %).
  const double ratio = kOcrDpi / prepared.dpi;
  if (ratio >= kMinUpscaleRatio) {
    const auto scale = static_cast<l_float32>(ratio);
    if (PixPtr scaled{pixScaleGrayLI(prepared.pix.get(), scale, scale)}) {
      prepared.pix = std::move(scaled);
      prepared.dpi *= ratio;
    }
  }
  return prepared;
}

// Tesseract's LSTM asks OpenMP for 4 threads per layer. On a busy machine (other pages being read on every
// core) those threads spin and wait for each other: on 2 loaded cores a page took 9–11 s instead of 2.5 s.
// Dynamic adjustment lets libgomp hand out only the idle cores (none when busy: the calling thread alone) and
// still use them when the machine is free. dyn-var belongs to the calling thread, so setting it here touches
// no other thread; the guard restores it.
class OpenMpDynamicThreads {
 public:
  OpenMpDynamicThreads() : previous_(omp_get_dynamic()) { omp_set_dynamic(1); }
  ~OpenMpDynamicThreads() { omp_set_dynamic(previous_); }
  OpenMpDynamicThreads(const OpenMpDynamicThreads&) = delete;
  OpenMpDynamicThreads& operator=(const OpenMpDynamicThreads&) = delete;

 private:
  int previous_;
};

}  // namespace

OcrResult ocr_page(const ingest::PageImage& page, const std::vector<std::string>& languages) {
  const OpenMpDynamicThreads dynamic_threads;
  const TessPtr api = init_tesseract(languages);
  api->SetPageSegMode(tesseract::PSM_AUTO);
  const PreparedImage prepared = prepare(page);
  api->SetImage(prepared.pix.get());  // Tesseract takes its own reference (pixClone)
  api->SetSourceResolution(static_cast<int>(std::lround(prepared.dpi)));
  if (api->Recognize(nullptr) != 0) {
    throw Error(page.source().filename().string() + ": page " + std::to_string(page.info().index + 1) +
                ": Tesseract failed to recognise the page");
  }

  OcrResult result;
  const double pt_per_px = kPointsPerInch / prepared.dpi;
  const ResultIteratorPtr it(api->GetIterator());
  if (!it) return result;
  double confidence_sum = 0;
  do {
    const TessTextPtr text(it->GetUTF8Text(tesseract::RIL_WORD));
    if (!text) continue;
    std::string word_text(text.get());
    if (word_text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    int left_px = 0, top_px = 0, right_px = 0, bottom_px = 0;
    if (!it->BoundingBox(tesseract::RIL_WORD, &left_px, &top_px, &right_px, &bottom_px)) continue;
    // The row's height from the top of ascenders to the bottom of descenders is about one em: the font size.
    float row_height_px = 0, descenders_px = 0, ascenders_px = 0;
    it->RowAttributes(&row_height_px, &descenders_px, &ascenders_px);
    if (row_height_px <= 0) row_height_px = static_cast<float>(bottom_px - top_px);

    ingest::Word word;
    word.text = std::move(word_text);
    word.box_pt = {left_px * pt_per_px, top_px * pt_per_px, right_px * pt_per_px, bottom_px * pt_per_px};
    word.font_size_pt = row_height_px * pt_per_px;
    word.space_after = true;
    const float confidence = std::clamp(it->Confidence(tesseract::RIL_WORD) / 100.0f, 0.0f, 1.0f);
    result.words.push_back(std::move(word));
    result.confidences.push_back(confidence);
    confidence_sum += confidence;
  } while (it->Next(tesseract::RIL_WORD));
  if (!result.confidences.empty())
    result.mean_confidence =
        static_cast<float>(confidence_sum / static_cast<double>(result.confidences.size()));
  return result;
}

}  // namespace exadoc::layout::native
