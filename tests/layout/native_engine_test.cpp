// The native engine on the samples, against samples/manifest.json: word recall, two-column reading order,
// headings, page headers and footers, the parts table across pages 5 and 6.
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <exadoc/ingest/page_source.h>
#include <exadoc/layout/native_engine.h>

#include "test_support.h"

namespace exadoc::layout {
namespace {

using exadoc::testing::run_command;
using exadoc::testing::sample_entry;
using exadoc::testing::samples_dir;
using exadoc::testing::shell_quote;

// Parsing is the slow part; each sample is parsed once for all tests.
const Document& parsed(const std::string& name) {
  static std::map<std::string, Document> cache;
  auto found = cache.find(name);
  if (found == cache.end()) {
    const auto source = ingest::open_page_source(samples_dir() / name);
    found = cache.emplace(name, parse_native(*source, NativeOptions{})).first;
  }
  return found->second;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream stream(text);
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

// The share of pdftotext's words (as a multiset) found in the document's block texts.
double word_recall(const std::string& name) {
  const auto result = run_command("pdftotext -layout " + shell_quote((samples_dir() / name).string()) + " -");
  EXPECT_EQ(result.exit_code, 0);
  std::map<std::string, int> available;
  for (const Page& page : parsed(name).pages) {
    for (const Block& block : page.blocks) {
      for (const std::string& word : split_words(block.text)) ++available[word];
    }
  }
  const std::vector<std::string> expected = split_words(result.output);
  size_t found = 0;
  std::vector<std::string> missing;
  for (const std::string& word : expected) {
    if (available[word] > 0) {
      --available[word];
      ++found;
    } else if (missing.size() < 20) {
      missing.push_back(word);
    }
  }
  std::string listed;
  for (const std::string& word : missing) listed += " [" + word + "]";
  const double recall =
      expected.empty() ? 0 : static_cast<double>(found) / static_cast<double>(expected.size());
  std::cout << name << ": word recall " << recall << " (" << found << "/" << expected.size() << ")";
  if (!missing.empty()) std::cout << ", first missing:" << listed;
  std::cout << "\n";
  return recall;
}

TEST(NativeEngine, ManualWordRecall) {
  EXPECT_GE(word_recall("manual.pdf"), 0.99);
}

TEST(NativeEngine, DrawingWordRecall) {
  EXPECT_GE(word_recall("drawing.pdf"), 0.99);
}

TEST(NativeEngine, PageStructure) {
  const Document& document = parsed("manual.pdf");
  const auto entry = sample_entry("manual.pdf");
  ASSERT_EQ(document.pages.size(), entry["page_count"].get<size_t>());
  for (const Page& page : document.pages) {
    EXPECT_TRUE(page.warnings.empty()) << page.warnings.front();
    EXPECT_NEAR(page.size_pt.width, 595.28, 0.5);
    ASSERT_FALSE(page.blocks.empty());
    for (size_t i = 0; i < page.blocks.size(); ++i) {
      EXPECT_EQ(page.blocks[i].reading_order, static_cast<int>(i));
      EXPECT_EQ(page.blocks[i].id, "p" + std::to_string(page.number) + "-b" + std::to_string(i));
    }
  }
  EXPECT_EQ(document.pages.front().blocks.at(2).type, BlockType::kTitle);
  EXPECT_EQ(document.pages.front().blocks.at(2).text, "HX-200 Centrifugal Pump");
}

TEST(NativeEngine, TwoColumnPageReadsColumnByColumn) {
  const Document& document = parsed("manual.pdf");
  const auto entry = sample_entry("manual.pdf");
  const auto& frames = entry["frame_geometry_pt"]["two_column"];
  const double page_width_pt = entry["page_size_pt"][0].get<double>();
  // The gutter: between the left frame's right edge and the right frame's left edge, on the Box1000 grid.
  const double left_end = frames[0][0].get<double>() + frames[0][2].get<double>();
  const double gutter_1000 = (left_end + frames[1][0].get<double>()) / 2 / page_width_pt * 1000;
  for (const auto& number : entry["two_column_pages"]) {
    const Page& page = document.pages.at(number.get<size_t>() - 1);
    int last_left = -1, first_right = 1 << 30, lefts = 0, rights = 0;
    for (const Block& block : page.blocks) {
      if (block.type == BlockType::kPageHeader || block.type == BlockType::kPageFooter) continue;
      if (block.box.x2 < gutter_1000) {
        last_left = std::max(last_left, block.reading_order);
        ++lefts;
      } else if (block.box.x1 > gutter_1000) {
        first_right = std::min(first_right, block.reading_order);
        ++rights;
      } else {
        ADD_FAILURE() << "block spans the gutter: " << block.text;
      }
    }
    EXPECT_GE(lefts, 4);
    EXPECT_GE(rights, 4);
    EXPECT_LT(last_left, first_right) << "page " << number;
  }
}

TEST(NativeEngine, HeadingsAndLevels) {
  const Document& document = parsed("manual.pdf");
  const auto entry = sample_entry("manual.pdf");
  size_t matched = 0;
  for (const auto& heading : entry["headings"]) {
    const Page& page = document.pages.at(heading["page"].get<size_t>() - 1);
    const std::string text = heading["full_text"];
    bool found = false;
    for (const Block& block : page.blocks) {
      if (block.type == BlockType::kSectionHeader && block.text == text) {
        EXPECT_EQ(block.level, heading["level"].get<int>()) << text;
        found = true;
      }
    }
    EXPECT_TRUE(found) << "heading not found: " << text << " on page " << heading["page"];
    matched += found ? 1 : 0;
  }
  size_t headers = 0;
  for (const Page& page : document.pages) {
    for (const Block& block : page.blocks) headers += block.type == BlockType::kSectionHeader ? 1 : 0;
  }
  std::cout << "headings matched " << matched << "/" << entry["headings"].size() << ", section headers "
            << headers << "\n";
  EXPECT_EQ(headers, entry["headings"].size());
}

TEST(NativeEngine, PageHeadersAndFootersOnEveryPage) {
  const Document& document = parsed("manual.pdf");
  const auto entry = sample_entry("manual.pdf");
  const auto& header = entry["header_footer"]["header"];
  for (const Page& page : document.pages) {
    std::vector<std::string> headers, footers;
    for (const Block& block : page.blocks) {
      if (block.type == BlockType::kPageHeader) headers.push_back(block.text);
      if (block.type == BlockType::kPageFooter) footers.push_back(block.text);
    }
    const std::vector<std::string> expected_headers{header[0], header[1]};
    const std::vector<std::string> expected_footers{
        "Fictional sample document",
        "Page " + std::to_string(page.number) + " of " + std::to_string(document.pages.size())};
    EXPECT_EQ(headers, expected_headers) << "page " << page.number;
    EXPECT_EQ(footers, expected_footers) << "page " << page.number;
  }
}

TEST(NativeEngine, PartsTableContinuesAcrossPages) {
  const Document& document = parsed("manual.pdf");
  const auto entry = sample_entry("manual.pdf");
  nlohmann::json parts;
  for (const auto& table : entry["tables"]) {
    if (table["id"] == "spare_parts") parts = table;
  }
  ASSERT_FALSE(parts.is_null());
  const size_t columns = parts["columns"].size();
  std::vector<const Block*> pieces;
  for (const auto& number : parts["pages"]) {
    const Page& page = document.pages.at(number.get<size_t>() - 1);
    for (const Block& block : page.blocks) {
      if (block.type == BlockType::kTable && block.table &&
          block.text.find("Part No.") != std::string::npos) {
        pieces.push_back(&block);
      }
    }
  }
  ASSERT_EQ(pieces.size(), parts["pages"].size());
  int body_rows = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const Table& table = *pieces[i]->table;
    EXPECT_EQ(static_cast<size_t>(table.columns), columns);
    const int page_number = parts["pages"][i].get<int>();
    const int expected_rows = parts["body_rows_per_page"][std::to_string(page_number)].get<int>();
    // The header row is repeated on every page.
    EXPECT_EQ(table.rows, expected_rows + 1) << "page " << page_number;
    body_rows += table.rows - 1;
    EXPECT_EQ(table.continued_from_previous_page, i > 0);
    EXPECT_EQ(table.continues_on_next_page, i + 1 < pieces.size());
  }
  EXPECT_EQ(body_rows, parts["row_count"].get<int>());
  EXPECT_NE(pieces.back()->text.find("HX-200-TK-01"), std::string::npos);
}

}  // namespace
}  // namespace exadoc::layout
