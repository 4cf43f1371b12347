// The model-output parser on hand-written outputs: the format the page prompt asks for, each fallback, and
// each kind of malformed output a model produces — never a throw, always blocks and precise warnings.
#include <string>

#include <gtest/gtest.h>

#include <exadoc/layout/vlm_output.h>

namespace exadoc::layout {
namespace {

bool has_warning(const VlmPage& page, const std::string& part) {
  for (const std::string& warning : page.warnings) {
    if (warning.find(part) != std::string::npos) return true;
  }
  return false;
}

void expect_box(const Block& block, int x1, int y1, int x2, int y2) {
  EXPECT_EQ(block.box.x1, x1);
  EXPECT_EQ(block.box.y1, y1);
  EXPECT_EQ(block.box.x2, x2);
  EXPECT_EQ(block.box.y2, y2);
}

TEST(VlmOutput, TheRequestedHtmlFormat) {
  const VlmPage page = parse_vlm_output(
      "<h2 data-type=\"section_header\" data-bbox=\"105 139 501 152\">4.2 Seal replacement</h2>\n"
      "<p data-type=\"text\" data-bbox=\"105 160 905 201\">Replace the O-rings P-1234 &amp; P-1235.<br>Then\n"
      "   test.</p>\n"
      "<table data-type=\"table\" data-bbox=\"104 315 906 "
      "921\"><thead><tr><th>Item</th><th>Part</th></tr></thead>"
      "<tbody><tr><td>1</td><td>HX-200-SL-01</td></tr><tr><td colspan=\"2\">see "
      "drawing</td></tr></tbody></table>\n"
      "<figure data-type=\"figure\" data-bbox=\"100 600 900 800\"></figure>"
      "<p data-type=\"caption\" data-bbox=\"105 805 829 815\">Figure 1 &#8212; Cross-section</p>");
  EXPECT_EQ(page.format, VlmFormat::kHtml);
  EXPECT_TRUE(page.warnings.empty()) << page.warnings.front();
  ASSERT_EQ(page.blocks.size(), 5u);
  EXPECT_EQ(page.blocks[0].type, BlockType::kSectionHeader);
  EXPECT_EQ(page.blocks[0].level, 2);
  EXPECT_EQ(page.blocks[0].text, "4.2 Seal replacement");
  expect_box(page.blocks[0], 105, 139, 501, 152);
  EXPECT_EQ(page.blocks[1].text, "Replace the O-rings P-1234 & P-1235.\nThen test.");
  const Block& table = page.blocks[2];
  EXPECT_EQ(table.type, BlockType::kTable);
  ASSERT_TRUE(table.table.has_value());
  EXPECT_EQ(table.table->rows, 3);
  EXPECT_EQ(table.table->columns, 2);
  EXPECT_TRUE(table.table->cells[0].header);
  EXPECT_EQ(table.table->cells[3].text, "HX-200-SL-01");
  EXPECT_EQ(table.table->cells[4].column_span, 2);
  EXPECT_NE(table.html.find("colspan=\"2\""), std::string::npos);
  EXPECT_EQ(page.blocks[3].type, BlockType::kFigure);
  EXPECT_EQ(page.blocks[4].type, BlockType::kCaption);
  EXPECT_EQ(page.blocks[4].text, "Figure 1 \u2014 Cross-section");
  for (const Block& block : page.blocks) EXPECT_EQ(block.source, BlockSource::kVlm);
}

TEST(VlmOutput, TagsWithoutDataTypeAndACodeFence) {
  const VlmPage page = parse_vlm_output(
      "```html\n<html><body><h1 data-bbox=\"1 2 3 4\">Manual</h1><ul><li data-bbox=\"5 6 7 "
      "8\">one</li></ul></body></html>\n```");
  ASSERT_EQ(page.blocks.size(), 2u);
  EXPECT_EQ(page.blocks[0].type, BlockType::kSectionHeader);
  EXPECT_EQ(page.blocks[0].level, 1);
  EXPECT_EQ(page.blocks[1].type, BlockType::kListItem);
  EXPECT_EQ(page.blocks[1].text, "one");
}

TEST(VlmOutput, TruncatedOutputKeepsWhatWasComplete) {
  const VlmPage page = parse_vlm_output(
      "<p data-type=\"text\" data-bbox=\"10 10 990 50\">Complete.</p><p data-type=\"text\" data-bbox=\"10 60 "
      "990 90\">Half a sen");
  EXPECT_TRUE(page.truncated);
  EXPECT_TRUE(has_warning(page, "truncated"));
  ASSERT_EQ(page.blocks.size(), 2u);
  EXPECT_EQ(page.blocks[1].text, "Half a sen");

  const VlmPage inside_tag =
      parse_vlm_output("<p data-type=\"text\" data-bbox=\"10 10 990 50\">Done.</p><table data-bbox=\"1 2");
  EXPECT_TRUE(inside_tag.truncated);
  ASSERT_EQ(inside_tag.blocks.size(), 1u);
  EXPECT_EQ(inside_tag.blocks[0].text, "Done.");
}

TEST(VlmOutput, UnbalancedTagsAndStrayText) {
  const VlmPage page = parse_vlm_output(
      "stray words <p data-bbox=\"0 0 10 10\">one <b>bold</p> </i></div> <p data-bbox=\"0 20 10 "
      "30\">two</p></p>");
  ASSERT_EQ(page.blocks.size(), 3u);
  EXPECT_EQ(page.blocks[0].text, "stray words");
  EXPECT_TRUE(has_warning(page, "outside any block"));
  EXPECT_EQ(page.blocks[1].text, "one bold");
  EXPECT_EQ(page.blocks[2].text, "two");
}

TEST(VlmOutput, EntitiesAndMarkupInTextStayText) {
  const VlmPage page = parse_vlm_output(
      "<p data-bbox=\"0 0 10 10\">a &lt;script&gt;alert(1)&lt;/script&gt; &#x1F600; &#99999999; &bogus; 5 < "
      "6</p>");
  ASSERT_EQ(page.blocks.size(), 1u);
  EXPECT_EQ(page.blocks[0].text, "a <script>alert(1)</script> \U0001F600 \uFFFD &bogus; 5 < 6");
  // A script element the model wrote is not executed anywhere: it becomes text of a block, or nothing.
  const VlmPage script = parse_vlm_output("<p data-bbox=\"0 0 1 1\">x<script>alert(1)</script></p>");
  ASSERT_EQ(script.blocks.size(), 1u);
  EXPECT_EQ(script.blocks[0].html, "");
}

TEST(VlmOutput, NestedTablesRunTogetherInTheirCell) {
  const VlmPage page = parse_vlm_output(
      "<table data-bbox=\"0 0 100 "
      "100\"><tr><td>a</td><td><table><tr><td>x</td><td>y</td></tr></table></td></tr>"
      "<tr><td rowspan=\"9\">b</td><td>c</td></tr></table>");
  ASSERT_EQ(page.blocks.size(), 1u);
  ASSERT_TRUE(page.blocks[0].table.has_value());
  const Table& table = *page.blocks[0].table;
  EXPECT_EQ(table.rows, 2);
  EXPECT_EQ(table.columns, 2);
  EXPECT_EQ(table.cells[1].text, "x y");
  EXPECT_EQ(table.cells[2].row_span, 1) << "a span past the last row is cut to the table";
}

TEST(VlmOutput, BoxesOutOfRangeInvertedOrMissing) {
  const VlmPage page = parse_vlm_output(
      "<p data-bbox=\"-5 20 1200 40\">a</p><p data-bbox=\"900 800 100 200\">b</p><p data-bbox=\"1 2 3\">c</p>"
      "<p>d</p><p data-bbox=\"[12.6, 20, 30.4, 40]\">e</p>");
  ASSERT_EQ(page.blocks.size(), 5u);
  expect_box(page.blocks[0], 0, 20, 1000, 40);
  expect_box(page.blocks[1], 100, 200, 900, 800);
  expect_box(page.blocks[2], 0, 0, 1000, 1000);
  expect_box(page.blocks[3], 0, 0, 1000, 1000);
  expect_box(page.blocks[4], 13, 20, 30, 40);
  EXPECT_TRUE(has_warning(page, "clamped"));
  EXPECT_TRUE(has_warning(page, "inverted"));
  EXPECT_TRUE(has_warning(page, "four numbers"));
  EXPECT_TRUE(has_warning(page, "no data-bbox"));
}

TEST(VlmOutput, RepetitionLoopsAreCut) {
  std::string looping = "<p data-bbox=\"0 0 10 10\">Intro.</p>";
  for (int i = 0; i < 30; ++i) looping += "<p data-bbox=\"0 20 10 30\">Check the seal.</p>";
  const VlmPage page = parse_vlm_output(looping);
  EXPECT_TRUE(page.repetition_cut);
  ASSERT_LE(page.blocks.size(), 3u);
  EXPECT_EQ(page.blocks[0].text, "Intro.");
  EXPECT_EQ(page.blocks[1].text, "Check the seal.");

  // Repeated blocks with different boxes (no exact text loop) are dropped at block level.
  std::string blocks;
  for (int i = 0; i < 6; ++i)
    blocks +=
        "<p data-bbox=\"0 " + std::to_string(i * 10) + " 10 " + std::to_string(i * 10 + 5) + "\">Same.</p>";
  const VlmPage same = parse_vlm_output(blocks);
  EXPECT_TRUE(same.repetition_cut);
  EXPECT_EQ(same.blocks.size(), 2u);

  EXPECT_TRUE(ends_in_repetition("prefix " + std::string(40, 'x') + "abcdefghabcdefghabcdefghabcdefgh"));
  EXPECT_FALSE(ends_in_repetition("An ordinary sentence with no loop at all, just words."));
}

TEST(VlmOutput, JsonGroundingFallback) {
  const VlmPage page = parse_vlm_output(
      "[{\"bbox\": [10, 20, 300, 40], \"category\": \"Section-header\", \"text\": \"1 Safety\"},"
      " {\"bbox_2d\": \"50 60 70 80\", \"category\": \"Picture\"},"
      " {\"bbox\": [1, 2, 3, 4], \"category\": \"Table\", \"text\": \"<tr><td>a</td><td>b</td></tr>\"},"
      " {\"category\": \"mystery\", \"text\": \"x\"}, 7]");
  EXPECT_EQ(page.format, VlmFormat::kJson);
  ASSERT_EQ(page.blocks.size(), 4u);
  EXPECT_EQ(page.blocks[0].type, BlockType::kSectionHeader);
  expect_box(page.blocks[0], 10, 20, 300, 40);
  EXPECT_EQ(page.blocks[1].type, BlockType::kFigure);
  ASSERT_TRUE(page.blocks[2].table.has_value());
  EXPECT_EQ(page.blocks[2].table->columns, 2);
  EXPECT_EQ(page.blocks[3].type, BlockType::kText);
  EXPECT_TRUE(has_warning(page, "unknown category"));
  EXPECT_TRUE(has_warning(page, "not an object"));

  const VlmPage cut = parse_vlm_output(
      "[{\"bbox\": [1, 2, 3, 4], \"category\": \"Text\", \"text\": \"a\"}, {\"bbox\": [5, 6");
  EXPECT_TRUE(cut.truncated);
  ASSERT_EQ(cut.blocks.size(), 1u);
  EXPECT_EQ(cut.blocks[0].text, "a");
}

TEST(VlmOutput, MarkdownAndPlainTextFallbacks) {
  const VlmPage page =
      parse_vlm_output("# Title\n\nSome text\ncontinues.\n\n- item\n\n| A | B |\n|---|---|\n| 1 | 2 |\n");
  EXPECT_EQ(page.format, VlmFormat::kMarkdown);
  ASSERT_EQ(page.blocks.size(), 4u);
  EXPECT_EQ(page.blocks[0].type, BlockType::kSectionHeader);
  EXPECT_EQ(page.blocks[1].text, "Some text continues.");
  EXPECT_EQ(page.blocks[2].type, BlockType::kListItem);
  ASSERT_TRUE(page.blocks[3].table.has_value());
  EXPECT_EQ(page.blocks[3].table->rows, 2);
  EXPECT_TRUE(has_warning(page, "no boxes"));

  const VlmPage plain = parse_vlm_output("just noise tokens 3 ] } ) and more");
  EXPECT_EQ(plain.format, VlmFormat::kPlainText);
  ASSERT_EQ(plain.blocks.size(), 1u);

  const VlmPage empty = parse_vlm_output("  \n ");
  EXPECT_EQ(empty.format, VlmFormat::kEmpty);
  EXPECT_TRUE(empty.blocks.empty());
  EXPECT_TRUE(has_warning(empty, "nothing"));
}

TEST(VlmOutput, ThePromptNamesTheFormat) {
  const std::string prompt(page_prompt());
  EXPECT_NE(prompt.find("data-bbox"), std::string::npos);
  EXPECT_NE(prompt.find("data-type"), std::string::npos);
  EXPECT_NE(prompt.find("bom_table"), std::string::npos);
}

}  // namespace
}  // namespace exadoc::layout
