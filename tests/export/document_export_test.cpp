// Markdown, HTML and overlays from a document built here by hand, so the exporters are tested apart from any
// engine; the end-to-end run on the samples is in tests/app/cli_test.cpp.
#include <gtest/gtest.h>

#include <exadoc/export/html.h>
#include <exadoc/export/markdown.h>
#include <exadoc/export/overlay.h>
#include <exadoc/ingest/page_source.h>

#include "test_support.h"

namespace exadoc::exporter {
namespace {

using exadoc::testing::samples_dir;
using exadoc::testing::TempDir;
using layout::Block;
using layout::BlockType;

Block block(BlockType type, std::string text, int order, layout::Box1000 box = {100, 100, 900, 150}) {
  Block result;
  result.id = "p1-b" + std::to_string(order);
  result.type = type;
  result.text = std::move(text);
  result.reading_order = order;
  result.box = box;
  return result;
}

layout::Table parts_table(bool merged) {
  layout::Table table;
  table.rows = 3;
  table.columns = 2;
  table.cells = {{0, 0, 1, 1, true, "Part No."},
                 {0, 1, 1, 1, true, "Qty"},
                 {1, 0, 1, 1, false, "P-1234"},
                 {1, 1, merged ? 2 : 1, 1, false, "2"},
                 {2, 0, 1, 1, false, "HX-200|SL"}};
  if (!merged) table.cells.push_back({2, 1, 1, 1, false, "1"});
  return table;
}

layout::Document sample_document() {
  layout::Document document;
  document.source = "manual<1>.pdf";
  document.file_type = "pdf";
  document.engine = "native";
  layout::Page page;
  page.size_pt = {595.28, 841.89};
  page.blocks.push_back(block(BlockType::kPageHeader, "HX-200 manual", 0));
  page.blocks.push_back(block(BlockType::kTitle, "HX-200 Pump", 1));
  Block heading = block(BlockType::kSectionHeader, "1.1 General warnings", 2);
  heading.level = 2;
  page.blocks.push_back(heading);
  page.blocks.push_back(block(BlockType::kText, "# not a heading * and <b>not bold</b> & so on", 3));
  page.blocks.push_back(block(BlockType::kListItem, "Switch off the motor.", 4));
  Block table = block(BlockType::kTable, "Part No.\tQty", 5);
  table.table = parts_table(false);
  table.html = layout::table_to_html(*table.table);
  page.blocks.push_back(table);
  Block merged = block(BlockType::kTable, "", 6);
  merged.table = parts_table(true);
  merged.table->continued_from_previous_page = true;
  merged.html = layout::table_to_html(*merged.table);
  page.blocks.push_back(merged);
  Block title_block = block(BlockType::kTitleBlock, "", 7);
  title_block.fields = {{"drawing_number", "DWG-HX200-001"}, {"revision", "C"}};
  page.blocks.push_back(title_block);
  document.pages.push_back(page);
  return document;
}

// Document text is data: markup in it must come out as text, in the HTML page and in the Markdown.
TEST(Export, HtmlInjectionStaysInert) {
  layout::Document document = sample_document();
  document.pages[0].blocks.push_back(block(BlockType::kText, "<script>alert(1)</script>", 8));
  document.pages[0].blocks.push_back(block(BlockType::kCaption, "\"><img src=x onerror=alert(2)>", 9));
  Block evil_table = block(BlockType::kTable, "", 10);
  evil_table.table = layout::Table{1, 1, {{0, 0, 1, 1, false, "<script>alert(3)</script>"}}, false, false};
  evil_table.html = layout::table_to_html(*evil_table.table);
  document.pages[0].blocks.push_back(evil_table);
  document.pages[0].blocks[2].id = "\" onmouseover=\"alert(4)";

  const std::string html = to_html(document);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("onmouseover=\""), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_NE(html.find("<title>manual&lt;1&gt;.pdf</title>"), std::string::npos);

  const std::string markdown = to_markdown(document);
  EXPECT_EQ(markdown.find("<script"), std::string::npos);
  EXPECT_EQ(markdown.find("<img"), std::string::npos);
}

TEST(Export, MarkdownHasHeadingsListsAndTables) {
  const std::string markdown = to_markdown(sample_document());
  EXPECT_NE(markdown.find("# HX-200 Pump\n"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("### 1.1 General warnings\n"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("\\# not a heading \\* and &lt;b&gt;not bold&lt;/b&gt; &amp; so on"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("- Switch off the motor.\n"), std::string::npos);
  EXPECT_NE(markdown.find("| Part No. | Qty |\n| --- | --- |\n| P-1234 | 2 |\n| HX-200\\|SL | 1 |\n"),
            std::string::npos)
      << markdown;
  EXPECT_EQ(markdown.find("HX-200 manual"), std::string::npos) << "page headers are left out";
  // A table with merged cells is HTML, which pipe tables cannot express.
  EXPECT_NE(markdown.find("*(continued from the previous page)*"), std::string::npos);
  EXPECT_NE(markdown.find("<td rowspan=\"2\">2</td>"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| drawing\\_number | DWG-HX200-001 |"), std::string::npos) << markdown;
}

TEST(Export, HtmlIsSemanticAndCarriesBoxes) {
  const std::string html = to_html(sample_document());
  EXPECT_NE(html.find("<h1 id=\"p1-b1\" data-type=\"title\" data-bbox=\"100 100 900 150\">HX-200 Pump</h1>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<h3 id=\"p1-b2\" data-type=\"section_header\""), std::string::npos);
  EXPECT_NE(html.find("<ul>\n<li"), std::string::npos);
  EXPECT_NE(html.find("<thead><tr><th>Part No.</th><th>Qty</th></tr></thead>"), std::string::npos) << html;
  EXPECT_NE(html.find("<header class=\"page-header\""), std::string::npos);
  EXPECT_NE(html.find("<dt>drawing_number</dt><dd>DWG-HX200-001</dd>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "self-contained: no external resources";
}

TEST(Export, OverlayDrawsEachBoxInItsColour) {
  const TempDir temp;
  const auto source = ingest::open_page_source(samples_dir() / "manual.pdf");
  layout::Document document = sample_document();
  document.pages[0].blocks = {block(BlockType::kTable, "", 0, {100, 500, 500, 700})};
  ingest::RenderOptions options;
  options.dpi = 50;
  const auto files = write_overlays(document, *source, options, temp.path() / "overlay");
  ASSERT_EQ(files.size(), 1u);
  const auto overlay = ingest::open_page_source(files[0]);
  ingest::RenderOptions plain;
  plain.deskew = ingest::DeskewMode::kOff;
  const ingest::PageImage image = overlay->render(0, plain);
  const std::vector<uint8_t> rgb = image.rgb_pixels();
  // The left edge of the box, halfway down, is the table colour.
  const int x = 100 * image.width_px() / 1000;
  const int y = 600 * image.height_px() / 1000;
  const size_t at = (static_cast<size_t>(y) * image.width_px() + x) * 3;
  const Rgb colour = block_colour(BlockType::kTable);
  EXPECT_EQ(rgb[at], colour.red);
  EXPECT_EQ(rgb[at + 1], colour.green);
  EXPECT_EQ(rgb[at + 2], colour.blue);
}

}  // namespace
}  // namespace exadoc::exporter
