// Engineering drawings: title block fields, the parts list and the notes of samples/drawing.pdf.
#include <algorithm>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <exadoc/ingest/page_source.h>

#include "native/drawing.h"
#include "test_support.h"

namespace exadoc::layout::native {
namespace {

struct Analysed {
  std::vector<ingest::Word> words;
  std::vector<DetectedTable> tables;
  DrawingBlocks drawing;
};

// The drawing as the engine reads a born-digital page: words and vector graphics, nothing rendered.
Analysed analyse(const std::string& sample, int page_number) {
  const auto source = ingest::open_page_source(testing::samples_dir() / sample);
  std::optional<ingest::PageContent> content = source->read_content(page_number - 1);
  if (!content) throw std::runtime_error(sample + " has no vector graphics");
  Analysed result;
  result.words = std::move(content->text_layer.words);
  result.tables = detect_tables(ruling_lines(content->graphics, content->info.size_pt, 150), result.words);
  result.drawing = analyze_drawing(content->info.size_pt, result.words, result.tables);
  return result;
}

std::vector<const Block*> blocks_of(const DrawingBlocks& drawing, BlockType type) {
  std::vector<const Block*> found;
  for (const Block& block : drawing.blocks) {
    if (block.type == type) found.push_back(&block);
  }
  return found;
}

std::string cell_text(const Table& table, int row, int column) {
  for (const TableCell& cell : table.cells) {
    if (cell.row == row && cell.column == column) return cell.text;
  }
  return "<none>";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

class DrawingSample : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { analysed_ = new Analysed(analyse("drawing.pdf", 1)); }
  static void TearDownTestSuite() {
    delete analysed_;
    analysed_ = nullptr;
  }
  static Analysed* analysed_;
  const nlohmann::json entry_ = testing::sample_entry("drawing.pdf");
};
Analysed* DrawingSample::analysed_ = nullptr;

TEST_F(DrawingSample, TitleBlockFields) {
  const auto title_blocks = blocks_of(analysed_->drawing, BlockType::kTitleBlock);
  ASSERT_EQ(title_blocks.size(), 1u);
  const auto& fields = title_blocks[0]->fields;
  for (const char* key : {"drawing_number", "revision", "scale", "sheet", "title", "material", "drawn_by",
                          "checked_by", "approved_by", "date"}) {
    ASSERT_TRUE(fields.contains(key)) << key;
    EXPECT_EQ(fields.at(key), entry_[key].get<std::string>()) << key;
  }
  // The manifest's frame is in PDF points from the bottom-left; the block's box is 0–1000 from the top-left.
  const auto frame_pt = entry_["title_block"]["bbox_pt"].get<std::vector<double>>();
  const double page_width_pt = entry_["page_size_pt"][0].get<double>();
  const double page_height_pt = entry_["page_size_pt"][1].get<double>();
  const Box1000& box = title_blocks[0]->box;
  EXPECT_NEAR(box.x1, frame_pt[0] / page_width_pt * 1000, 5);
  EXPECT_NEAR(box.x2, frame_pt[2] / page_width_pt * 1000, 5);
  EXPECT_NEAR(box.y1, (page_height_pt - frame_pt[3]) / page_height_pt * 1000, 5);
  EXPECT_NEAR(box.y2, (page_height_pt - frame_pt[1]) / page_height_pt * 1000, 5);
}

TEST_F(DrawingSample, PartsList) {
  const auto boms = blocks_of(analysed_->drawing, BlockType::kBomTable);
  ASSERT_EQ(boms.size(), 1u);
  ASSERT_TRUE(boms[0]->table.has_value());
  const Table& table = *boms[0]->table;
  const auto columns = entry_["bom"]["columns"].get<std::vector<std::string>>();
  ASSERT_EQ(table.columns, static_cast<int>(columns.size()));
  for (int column = 0; column < table.columns; ++column) {
    EXPECT_EQ(cell_text(table, 0, column), columns[static_cast<size_t>(column)]);
  }
  const auto& rows = entry_["bom"]["rows"];
  ASSERT_EQ(table.rows, static_cast<int>(rows.size()) + 1);
  for (int row = 1; row < table.rows; ++row) {
    const auto& expected = rows[static_cast<size_t>(row - 1)];
    EXPECT_EQ(cell_text(table, row, 0), std::to_string(expected["item"].get<int>()));
    EXPECT_EQ(cell_text(table, row, 1), expected["part_no"].get<std::string>());
    EXPECT_EQ(cell_text(table, row, 2), expected["description"].get<std::string>());
    EXPECT_EQ(cell_text(table, row, 3), std::to_string(expected["qty"].get<int>()));
  }
  EXPECT_NE(boms[0]->html.find("<th>PART NO.</th>"), std::string::npos) << boms[0]->html;
}

TEST_F(DrawingSample, Notes) {
  const auto notes = blocks_of(analysed_->drawing, BlockType::kDrawingNote);
  ASSERT_EQ(notes.size(), 1u);
  std::vector<std::string> expected{entry_["notes_title"].get<std::string>()};
  for (const auto& note : entry_["notes"]) expected.push_back(note.get<std::string>());
  EXPECT_EQ(lines_of(notes[0]->text), expected);
}

TEST_F(DrawingSample, DimensionLabels) {
  std::vector<std::string> found;
  for (const Block* block : blocks_of(analysed_->drawing, BlockType::kDimension))
    found.push_back(block->text);
  for (const auto& label : entry_["dimension_labels"]) {
    EXPECT_NE(std::find(found.begin(), found.end(), label.get<std::string>()), found.end())
        << label.get<std::string>();
  }
}

TEST_F(DrawingSample, BlocksClaimTheirTablesAndWords) {
  EXPECT_GE(analysed_->drawing.table_indices.size(), 2u);  // the title block (one or more parts) and the BOM
  for (size_t index : analysed_->drawing.table_indices) EXPECT_LT(index, analysed_->tables.size());
  EXPECT_TRUE(std::is_sorted(analysed_->drawing.word_indices.begin(), analysed_->drawing.word_indices.end()));
  EXPECT_GT(analysed_->drawing.word_indices.size(), 60u);
}

TEST(AnalyzeDrawing, ManualPageIsNoDrawing) {
  const Analysed manual = analyse("manual.pdf", 5);
  EXPECT_FALSE(manual.tables.empty());
  EXPECT_TRUE(manual.drawing.blocks.empty());
  EXPECT_TRUE(manual.drawing.word_indices.empty());
}

}  // namespace
}  // namespace exadoc::layout::native
