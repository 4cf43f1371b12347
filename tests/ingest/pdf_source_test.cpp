// The PDF source against the real Poppler tools on the samples: the text layer word for word and box for box
// against `pdftotext -bbox`, page sizes against the generator's manifest.
#include <cmath>
#include <regex>

#include <gtest/gtest.h>

#include <exadoc/ingest/input_error.h>
#include <exadoc/ingest/page_source.h>

#include "test_support.h"

namespace exadoc::ingest {
namespace {

using exadoc::testing::data_dir;
using exadoc::testing::run_command;
using exadoc::testing::sample_entry;
using exadoc::testing::samples_dir;
using exadoc::testing::shell_quote;

struct ReferenceWord {
  std::string text;
  BoxPt box;
};

std::string decode_entities(std::string text) {
  const std::vector<std::pair<std::string, std::string>> entities = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [entity, character] : entities) {
    for (size_t at = text.find(entity); at != std::string::npos;
         at = text.find(entity, at + character.size())) {
      text.replace(at, entity.size(), character);
    }
  }
  return text;
}

// Words of one page as `pdftotext -bbox` (poppler-utils) prints them.
std::vector<ReferenceWord> pdftotext_words(const std::filesystem::path& file, int page_number) {
  const auto result = run_command("pdftotext -bbox -f " + std::to_string(page_number) + " -l " +
                                  std::to_string(page_number) + " " + shell_quote(file.string()) + " -");
  EXPECT_EQ(result.exit_code, 0) << "pdftotext failed on " << file;
  static const std::regex word_pattern(
      R"re(<word xMin="([-0-9.]+)" yMin="([-0-9.]+)" xMax="([-0-9.]+)" yMax="([-0-9.]+)">([^<]*)</word>)re");
  std::vector<ReferenceWord> words;
  for (auto it = std::sregex_iterator(result.output.begin(), result.output.end(), word_pattern);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& match = *it;
    words.push_back({decode_entities(match[5]),
                     {std::stod(match[1]), std::stod(match[2]), std::stod(match[3]), std::stod(match[4])}});
  }
  return words;
}

void expect_text_layer_matches_pdftotext(const std::filesystem::path& file) {
  const auto source = open_page_source(file);
  RenderOptions options;
  options.dpi = 72;
  options.deskew = DeskewMode::kOff;
  size_t total_words = 0;
  for (int page = 0; page < source->page_count(); ++page) {
    const PageImage image = source->render(page, options);
    ASSERT_TRUE(image.text_layer().has_value());
    const std::vector<Word>& words = image.text_layer()->words;
    const std::vector<ReferenceWord> reference = pdftotext_words(file, page + 1);
    ASSERT_EQ(words.size(), reference.size()) << file << " page " << page + 1;
    for (size_t i = 0; i < words.size(); ++i) {
      SCOPED_TRACE(file.filename().string() + " page " + std::to_string(page + 1) + " word " +
                   std::to_string(i));
      EXPECT_EQ(words[i].text, reference[i].text);
      // pdftotext prints 6 decimals; both come from Poppler's TextOutputDev.
      EXPECT_NEAR(words[i].box_pt.x1, reference[i].box.x1, 1e-3);
      EXPECT_NEAR(words[i].box_pt.y1, reference[i].box.y1, 1e-3);
      EXPECT_NEAR(words[i].box_pt.x2, reference[i].box.x2, 1e-3);
      EXPECT_NEAR(words[i].box_pt.y2, reference[i].box.y2, 1e-3);
      EXPECT_GT(words[i].font_size_pt, 0);
    }
    total_words += words.size();
  }
  EXPECT_GT(total_words, 0u) << file;
}

TEST(PdfSource, TextLayerOfTheManualMatchesPdftotext) {
  expect_text_layer_matches_pdftotext(samples_dir() / "manual.pdf");
}
TEST(PdfSource, TextLayerOfTheDrawingMatchesPdftotext) {
  expect_text_layer_matches_pdftotext(samples_dir() / "drawing.pdf");
}
TEST(PdfSource, TextLayerOfARotatedPageMatchesPdftotext) {
  expect_text_layer_matches_pdftotext(data_dir() / "formats/rotated90.pdf");
}

TEST(PdfSource, PageCountAndSizesMatchTheGenerator) {
  for (const char* name : {"manual.pdf", "drawing.pdf"}) {
    const auto entry = sample_entry(name);
    const auto source = open_page_source(samples_dir() / name);
    EXPECT_EQ(source->type(), FileType::kPdf);
    ASSERT_EQ(source->page_count(), entry["page_count"].get<int>()) << name;
    for (int page = 0; page < source->page_count(); ++page) {
      const PageInfo info = source->page_info(page);
      EXPECT_NEAR(info.size_pt.width, entry["page_size_pt"][0].get<double>(), 0.01) << name;
      EXPECT_NEAR(info.size_pt.height, entry["page_size_pt"][1].get<double>(), 0.01) << name;
      EXPECT_EQ(info.rotation_deg, 0);
    }
  }
}

TEST(PdfSource, RendersAtTheRequestedDpi) {
  const auto source = open_page_source(samples_dir() / "manual.pdf");
  RenderOptions options;
  options.dpi = 100;
  const PageImage page = source->render(0, options);
  EXPECT_NEAR(page.width_px(), 595.28 * 100 / 72, 1.0);
  EXPECT_NEAR(page.height_px(), 841.89 * 100 / 72, 1.0);
  EXPECT_EQ(page.bands(), 3);
  EXPECT_EQ(page.dpi(), 100);
  EXPECT_FALSE(page.skew().has_value()) << "a born-digital page is not deskewed in auto mode";

  // The page has ink where the text layer has words: the first word's box is darker than the page margin.
  const std::vector<uint8_t> rgb = page.rgb_pixels();
  ASSERT_EQ(rgb.size(), static_cast<size_t>(page.width_px()) * page.height_px() * 3);
  const BoxPx box = page.to_px(page.text_layer()->words.front().box_pt);
  auto mean_grey = [&](int x1, int y1, int x2, int y2) {
    double sum = 0;
    for (int y = y1; y < y2; ++y)
      for (int x = x1; x < x2; ++x) sum += rgb[(static_cast<size_t>(y) * page.width_px() + x) * 3];
    return sum / ((x2 - x1) * (y2 - y1));
  };
  EXPECT_LT(mean_grey(int(box.x1), int(box.y1), int(box.x2), int(box.y2)), 230.0);
  EXPECT_GT(mean_grey(0, 0, 20, 20), 250.0);
}

TEST(PdfSource, FontSizesAndFontsComeWithTheWords) {
  const auto source = open_page_source(samples_dir() / "manual.pdf");
  const PageImage page = source->render(0, {});
  double heading_size = 0, body_size = 0;
  bool heading_bold = false, korean = false;
  for (const Word& word : page.text_layer()->words) {
    if (word.text == "Safety" && word.font_size_pt > heading_size) {
      heading_size = word.font_size_pt;
      heading_bold = word.font_name.find("Bold") != std::string::npos;
    }
    if (word.text == "Read") body_size = word.font_size_pt;
    if (word.text.find("경고") != std::string::npos) korean = true;
  }
  EXPECT_GT(heading_size, body_size + 2) << "section headings are set larger than body text";
  EXPECT_GT(body_size, 0);
  EXPECT_TRUE(heading_bold);
  EXPECT_TRUE(korean) << "Korean words survive extraction as UTF-8";
}

TEST(PdfSource, AppliesPageRotation) {
  const auto source = open_page_source(data_dir() / "formats/rotated90.pdf");
  const PageInfo info = source->page_info(0);
  EXPECT_EQ(info.rotation_deg, 90);
  EXPECT_GT(info.size_pt.width, info.size_pt.height)
      << "a portrait page with /Rotate 90 displays as landscape";
  const PageImage page = source->render(0, {});
  EXPECT_GT(page.width_px(), page.height_px());
  for (const Word& word : page.text_layer()->words) {
    EXPECT_LE(word.box_pt.x2, info.size_pt.width + 0.5);
    EXPECT_LE(word.box_pt.y2, info.size_pt.height + 0.5);
  }
}

TEST(PdfSource, OpensPdfsEncryptedWithAnEmptyUserPassword) {
  const auto source = open_page_source(data_dir() / "formats/empty_password.pdf");
  const PageImage page = source->render(0, {});
  std::string text;
  for (const Word& word : page.text_layer()->words) text += word.text + " ";
  EXPECT_NE(text.find("EMPTY USER PASSWORD"), std::string::npos) << text;
}

TEST(PdfSource, ContentWinsOverTheExtension) {
  const auto source = open_page_source(data_dir() / "formats/pdf_named.png");
  EXPECT_EQ(source->type(), FileType::kPdf);
  EXPECT_EQ(source->page_count(), 1);
}

}  // namespace
}  // namespace exadoc::ingest
