// The PDF source against the real Poppler tools on the samples: the text layer word for word and box for box
// against `pdftotext -bbox`, page sizes against the generator's manifest.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
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
    const std::optional<PageContent> content = source->read_content(page);
    ASSERT_TRUE(content.has_value());
    const std::vector<ReferenceWord> reference = pdftotext_words(file, page + 1);
    // Both ways of reading a page: with a rendering (poppler-cpp), and without one (the born-digital path).
    for (const std::vector<Word>* read : {&image.text_layer()->words, &content->text_layer.words}) {
      const std::vector<Word>& words = *read;
      SCOPED_TRACE(read == &content->text_layer.words ? "read_content" : "render");
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
        EXPECT_EQ(words[i].font_name, image.text_layer()->words[i].font_name);
        EXPECT_EQ(words[i].space_after, image.text_layer()->words[i].space_after);
      }
      total_words += words.size();
    }
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

// read_content: the born-digital path reads the same words as rendering does, and the page's vector graphics
// in the same frame as the words (top-left origin, points, rotation applied).
TEST(PdfSource, ContentHasTheTextLayerAndTheRulingLinesOfTheTable) {
  const auto source = open_page_source(samples_dir() / "manual.pdf");
  const int page_index = 4;  // page 5: the spare-parts table
  const std::optional<PageContent> content = source->read_content(page_index);
  ASSERT_TRUE(content.has_value());
  const PageImage image = source->render(page_index, {});
  ASSERT_TRUE(image.text_layer().has_value());
  ASSERT_EQ(content->text_layer.words.size(), image.text_layer()->words.size());
  for (size_t i = 0; i < content->text_layer.words.size(); ++i)
    EXPECT_EQ(content->text_layer.words[i].text, image.text_layer()->words[i].text);
  EXPECT_EQ(content->info.size_pt.width, image.info().size_pt.width);

  // The table's rules: long, dark, horizontal strokes or thin fills spanning the part-number column.
  int horizontal_rules = 0;
  for (const GraphicPath& path : content->graphics.paths) {
    for (const auto& subpath : path.subpaths) {
      for (const PointPt& point : subpath) {
        EXPECT_GE(point.x, -1);
        EXPECT_LE(point.x, content->info.size_pt.width + 1);
      }
      if (subpath.size() >= 2 && path.grey < 100 && std::abs(subpath.front().y - subpath.back().y) < 0.5 &&
          std::abs(subpath.front().x - subpath.back().x) > 200)
        ++horizontal_rules;
    }
  }
  // 1 header + 20 body rows on page 5 (manifest) need at least 22 horizontal rules.
  EXPECT_GE(horizontal_rules, 22);
  EXPECT_TRUE(content->graphics.images.empty());
}

// A one-page PDF written by hand: a 300 × 400 pt MediaBox with /Rotate 90 and one thick stroked line.
std::string rotated_pdf_with_a_line() {
  const std::string content = "6 w 0 0 0 RG 50 100 m 250 100 l S\n";
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 400] /Rotate 90 /Contents 4 0 R >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream",
  };
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// The line's painted extent in the rendered page (72 DPI: pixels are points) is where read_content puts it.
TEST(PdfSource, GraphicsOfARotatedPageLieWhereRenderingPaintsThem) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "rotated_line.pdf";
  std::ofstream(file, std::ios::binary) << rotated_pdf_with_a_line();
  const auto source = open_page_source(file);
  const std::optional<PageContent> content = source->read_content(0);
  ASSERT_TRUE(content.has_value());
  EXPECT_EQ(content->info.rotation_deg, 90);
  ASSERT_EQ(content->graphics.paths.size(), 1u);
  const GraphicPath& line = content->graphics.paths[0];
  EXPECT_TRUE(line.stroked);
  EXPECT_NEAR(line.line_width_pt, 6, 1e-6);
  EXPECT_NEAR(line.grey, 0, 1e-6);
  ASSERT_EQ(line.subpaths.size(), 1u);
  ASSERT_EQ(line.subpaths[0].size(), 2u);

  const PageImage image = source->render(0, {72, DeskewMode::kOff, false});
  ASSERT_EQ(image.width_px(), 400);
  const std::vector<uint8_t> rgb = image.rgb_pixels();
  int x1 = image.width_px(), y1 = image.height_px(), x2 = -1, y2 = -1;
  for (int y = 0; y < image.height_px(); ++y) {
    for (int x = 0; x < image.width_px(); ++x) {
      if (rgb[(static_cast<size_t>(y) * static_cast<size_t>(image.width_px()) + static_cast<size_t>(x)) * 3] <
          128) {
        x1 = std::min(x1, x);
        y1 = std::min(y1, y);
        x2 = std::max(x2, x + 1);
        y2 = std::max(y2, y + 1);
      }
    }
  }
  ASSERT_GE(x2, 0) << "the line was not rendered";
  const PointPt a = line.subpaths[0][0], b = line.subpaths[0][1];
  const double half = line.line_width_pt / 2;
  // Vertical once displayed: the rotation turned the horizontal line.
  EXPECT_NEAR(a.x, b.x, 1e-6);
  EXPECT_NEAR(a.x - half, x1, 1.0);
  EXPECT_NEAR(a.x + half, x2, 1.0);
  EXPECT_NEAR(std::min(a.y, b.y), y1, 1.0);
  EXPECT_NEAR(std::max(a.y, b.y), y2, 1.0);
}

TEST(PdfSource, ImageFilesHaveNoContentToRead) {
  EXPECT_FALSE(open_page_source(data_dir() / "formats/page.png")->read_content(0).has_value());
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
