// Text layout on synthetic words: lines, paragraphs, headings, lists, captions and XY-cut reading order.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "native/text_layout.h"

namespace exadoc::layout::native {
namespace {

using ingest::Word;

// Lays out a line of words from x_pt on the baseline box [y_pt, y_pt + size_pt], 5 pt per character plus a
// space.
void add_line(std::vector<Word>& words, const std::string& text, double x_pt, double y_pt,
              double size_pt = 10, const std::string& font = "NanumGothic") {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string token = text.substr(start, end - start);
    const double width_pt = 5.0 * static_cast<double>(token.size());
    words.push_back({token, {x_pt, y_pt, x_pt + width_pt, y_pt + size_pt}, size_pt, font, end < text.size()});
    x_pt += width_pt + 3;
    start = end + 1;
  }
}

std::vector<PlacedBlock> layout(const std::vector<Word>& words) {
  TextLayoutInput input;
  input.words = &words;
  input.use.assign(words.size(), true);
  input.page_size_pt = {595, 842};
  std::vector<PlacedBlock> blocks = layout_text(input);
  sort_reading_order(blocks);
  return blocks;
}

TEST(TextLayout, NumberingLevels) {
  EXPECT_EQ(numbering_level("1"), 1);
  EXPECT_EQ(numbering_level("2."), 1);
  EXPECT_EQ(numbering_level("2.3"), 2);
  EXPECT_EQ(numbering_level("4.1.2"), 3);
  EXPECT_EQ(numbering_level("Safety"), 0);
  EXPECT_EQ(numbering_level("2900"), 0);
  EXPECT_EQ(numbering_level("1.x"), 0);
}

TEST(TextLayout, LinesSplitAtGutters) {
  std::vector<Word> words;
  add_line(words, "left column words", 60, 100);
  add_line(words, "right column words", 320, 100);
  const std::vector<Line> lines = build_lines(words, std::vector<bool>(words.size(), true));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].word_indices.size(), 3u);
  EXPECT_LT(lines[0].box_pt.x2, lines[1].box_pt.x1);
}

TEST(TextLayout, ParagraphsHeadingsListsCaptions) {
  std::vector<Word> words;
  add_line(words, "1 Safety", 60, 80, 16, "NanumGothicBold");
  add_line(words, "1.1 General warnings", 60, 110, 12, "NanumGothicBold");
  add_line(words, "Read this manual completely before installing the pump and keep it", 60, 130);
  add_line(words, "near the pump for the entire service life.", 60, 144);
  add_line(words, "Second paragraph after a wider gap.", 60, 168);
  add_line(words, "1. Drain the pump.", 60, 192);
  add_line(words, "2. Remove the bolts.", 60, 206);
  add_line(words, "Table 1 — Technical data", 60, 230, 10, "NanumGothicBold");
  const std::vector<PlacedBlock> blocks = layout(words);
  ASSERT_EQ(blocks.size(), 7u);
  EXPECT_EQ(blocks[0].block.type, BlockType::kSectionHeader);
  EXPECT_EQ(blocks[0].block.text, "1 Safety");
  EXPECT_EQ(blocks[0].block.level, 1);
  EXPECT_EQ(blocks[1].block.type, BlockType::kSectionHeader);
  EXPECT_EQ(blocks[1].block.level, 2);
  EXPECT_EQ(blocks[2].block.type, BlockType::kText);
  EXPECT_EQ(blocks[2].block.text,
            "Read this manual completely before installing the pump and keep it near the pump for the entire "
            "service life.");
  EXPECT_EQ(blocks[3].block.type, BlockType::kText);
  EXPECT_EQ(blocks[4].block.type, BlockType::kListItem);
  EXPECT_EQ(blocks[4].block.text, "1. Drain the pump.");
  EXPECT_EQ(blocks[5].block.type, BlockType::kListItem);
  EXPECT_EQ(blocks[6].block.type, BlockType::kCaption);
}

TEST(TextLayout, TwoColumnsReadColumnByColumn) {
  std::vector<Word> words;
  // Running header and footer reach across the gutter, as in the samples; the engine orders margins that do
  // not.
  add_line(words, "Running header text across the whole width of the page", 60, 40, 8);
  add_line(words, "Doc 3", 500, 40, 8);
  // Paragraph gaps aligned in both columns: a plain XY-cut would cut the page into bands and interleave.
  for (int paragraph = 0; paragraph < 3; ++paragraph) {
    const double top = 100 + paragraph * 60;
    for (int line = 0; line < 3; ++line) {
      add_line(words, "left " + std::to_string(paragraph) + " line words here", 60, top + line * 14);
      add_line(words,
               "right " + std::to_string(paragraph) + " line words here with a longer tail of text to fill",
               250, top + line * 14);
    }
  }
  add_line(words, "Footer text across the whole width of the page too", 60, 800, 8);
  add_line(words, "Page 1 of 2", 480, 800, 8);
  const std::vector<PlacedBlock> blocks = layout(words);
  std::vector<std::string> firsts;
  for (const PlacedBlock& block : blocks) firsts.push_back(block.block.text.substr(0, 7));
  const std::vector<std::string> expected{"Running", "Doc 3",   "left 0 ", "left 1 ", "left 2 ",
                                          "right 0", "right 1", "right 2", "Footer ", "Page 1 "};
  EXPECT_EQ(firsts, expected);
}

TEST(TextLayout, ExcludedWordsAreNotLaidOut) {
  std::vector<Word> words;
  add_line(words, "kept words", 60, 100);
  add_line(words, "table cell", 60, 300);
  TextLayoutInput input;
  input.words = &words;
  input.use = {true, true, false, false};
  input.page_size_pt = {595, 842};
  const std::vector<PlacedBlock> blocks = layout_text(input);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].block.text, "kept words");
}

}  // namespace
}  // namespace exadoc::layout::native
