// Ruled tables: the manual's two tables (one split over two pages), found both in the rendered page and in
// the page's vector graphics (the born-digital path, which renders nothing), and a drawn table with merged
// cells.
#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <exadoc/ingest/page_source.h>

#include "native/tables.h"
#include "test_support.h"

namespace exadoc::layout::native {
namespace {

struct RenderedPage {
  PageInk rulings;
  std::vector<ingest::Word> words;
};

enum class InkFrom { kPixels, kGraphics };

RenderedPage read_page(const std::filesystem::path& file, int page_number, InkFrom from = InkFrom::kPixels) {
  const auto source = ingest::open_page_source(file);
  if (from == InkFrom::kGraphics) {
    std::optional<ingest::PageContent> content = source->read_content(page_number - 1);
    if (!content) throw std::runtime_error(file.string() + " has no vector graphics");
    return {ruling_lines(content->graphics, content->info.size_pt, 150),
            std::move(content->text_layer.words)};
  }
  const ingest::PageImage image = source->render(page_number - 1, ingest::RenderOptions{});  // 150 DPI
  std::vector<ingest::Word> words;
  if (image.text_layer()) words = image.text_layer()->words;
  return {ruling_lines(ink_from_pixels(image)), std::move(words)};
}

class DetectPdfTables : public ::testing::TestWithParam<InkFrom> {};

INSTANTIATE_TEST_SUITE_P(Ink, DetectPdfTables, ::testing::Values(InkFrom::kPixels, InkFrom::kGraphics),
                         [](const ::testing::TestParamInfo<InkFrom>& ink) {
                           return ink.param == InkFrom::kPixels ? "FromPixels" : "FromVectorGraphics";
                         });

std::string cell_text(const Table& table, int row, int column) {
  for (const TableCell& cell : table.cells) {
    if (cell.row == row && cell.column == column) return cell.text;
  }
  return "<none>";
}

const TableCell* find_cell(const Table& table, int row, int column) {
  for (const TableCell& cell : table.cells) {
    if (cell.row == row && cell.column == column) return &cell;
  }
  return nullptr;
}

std::vector<std::string> row_texts(const Table& table, int row) {
  std::vector<std::string> texts;
  for (int column = 0; column < table.columns; ++column) texts.push_back(cell_text(table, row, column));
  return texts;
}

// The table whose first row reads as the given column names.
const DetectedTable* find_table(const std::vector<DetectedTable>& tables,
                                const std::vector<std::string>& columns) {
  for (const DetectedTable& detected : tables) {
    if (detected.table.columns == static_cast<int>(columns.size()) &&
        row_texts(detected.table, 0) == columns) {
      return &detected;
    }
  }
  return nullptr;
}

TEST_P(DetectPdfTables, SparePartsTableSplitOverTwoPages) {
  const nlohmann::json entry = testing::sample_entry("manual.pdf");
  const nlohmann::json* spec = nullptr;
  for (const auto& table : entry["tables"]) {
    if (table["id"] == "spare_parts") spec = &table;
  }
  ASSERT_NE(spec, nullptr);
  const auto columns = (*spec)["columns"].get<std::vector<std::string>>();

  std::vector<std::string> part_numbers;
  for (int page_number : (*spec)["pages"].get<std::vector<int>>()) {
    const RenderedPage page = read_page(testing::samples_dir() / "manual.pdf", page_number, GetParam());
    const std::vector<DetectedTable> tables = detect_tables(page.rulings, page.words);
    const DetectedTable* parts = find_table(tables, columns);
    ASSERT_NE(parts, nullptr) << "page " << page_number
                              << ": no table headed by the manifest's columns among " << tables.size();
    const Table& table = parts->table;
    EXPECT_EQ(table.columns, static_cast<int>(columns.size()));
    EXPECT_FALSE(table.has_spans());
    for (const TableCell& cell : table.cells) EXPECT_EQ(cell.header, cell.row == 0) << "page " << page_number;
    EXPECT_EQ(table.rows - 1, (*spec)["body_rows_per_page"][std::to_string(page_number)].get<int>());
    for (int row = 1; row < table.rows; ++row) part_numbers.push_back(cell_text(table, row, 1));
    EXPECT_GT(parts->box_pt.x2, parts->box_pt.x1);
    EXPECT_GT(parts->word_indices.size(), static_cast<size_t>(table.rows * table.columns));
  }
  EXPECT_EQ(part_numbers, entry["part_numbers"].get<std::vector<std::string>>());
}

TEST_P(DetectPdfTables, TechnicalDataTable) {
  const nlohmann::json entry = testing::sample_entry("manual.pdf");
  const nlohmann::json& spec = entry["tables"][0];
  ASSERT_EQ(spec["id"], "technical_data");
  const RenderedPage page =
      read_page(testing::samples_dir() / "manual.pdf", spec["pages"][0].get<int>(), GetParam());
  const std::vector<DetectedTable> tables = detect_tables(page.rulings, page.words);
  const DetectedTable* data = find_table(tables, spec["columns"].get<std::vector<std::string>>());
  ASSERT_NE(data, nullptr) << tables.size() << " tables on the page";
  const auto rows = spec["rows"].get<std::vector<std::vector<std::string>>>();
  ASSERT_EQ(data->table.rows, static_cast<int>(rows.size()) + 1);
  for (size_t row = 0; row < rows.size(); ++row) {
    EXPECT_EQ(row_texts(data->table, static_cast<int>(row) + 1), rows[row]);
  }
}

// Writes a 24-bit BMP (bottom-up BGR rows padded to 4 bytes) that says 150 DPI.
void write_bmp(const std::filesystem::path& file, int width_px, int height_px,
               const std::vector<uint8_t>& grey) {
  const int row_bytes = (width_px * 3 + 3) / 4 * 4;
  const uint32_t data_bytes = static_cast<uint32_t>(row_bytes * height_px);
  std::vector<uint8_t> bytes(54, 0);
  auto put32 = [&bytes](size_t at, uint32_t value) {
    for (size_t i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(value >> (8 * i));
  };
  bytes[0] = 'B';
  bytes[1] = 'M';
  put32(2, 54 + data_bytes);
  put32(10, 54);
  put32(14, 40);
  put32(18, static_cast<uint32_t>(width_px));
  put32(22, static_cast<uint32_t>(height_px));
  bytes[26] = 1;   // planes
  bytes[28] = 24;  // bits per pixel
  put32(34, data_bytes);
  put32(38, 5906);  // 150 DPI in pixels per metre
  put32(42, 5906);
  for (int y = height_px - 1; y >= 0; --y) {
    std::vector<uint8_t> row(static_cast<size_t>(row_bytes), 0);
    for (int x = 0; x < width_px; ++x) {
      const uint8_t value = grey[static_cast<size_t>(y * width_px + x)];
      row[static_cast<size_t>(x * 3)] = row[static_cast<size_t>(x * 3 + 1)] =
          row[static_cast<size_t>(x * 3 + 2)] = value;
    }
    bytes.insert(bytes.end(), row.begin(), row.end());
  }
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A 3 × 3 grid drawn with 2 px rules, where the top-left cell spans two columns and the right cell of the
// second row spans two rows: the separators between them are simply not drawn.
TEST(DetectTables, MergedCellsBecomeSpans) {
  constexpr int kWidthPx = 1000;
  constexpr int kHeightPx = 800;
  const int column_lines[] = {200, 400, 600, 800};
  const int row_lines[] = {200, 333, 466, 600};
  std::vector<uint8_t> grey(kWidthPx * kHeightPx, 255);
  auto fill = [&grey](int x1, int y1, int x2, int y2) {
    for (int y = y1; y < y2; ++y) {
      for (int x = x1; x < x2; ++x) grey[static_cast<size_t>(y * kWidthPx + x)] = 0;
    }
  };
  for (int y : row_lines) {
    if (y == 466) {
      fill(200, y, 600, y + 2);  // no rule under the right column: rows 1 and 2 merge there
    } else {
      fill(200, y, 802, y + 2);
    }
  }
  for (int x : column_lines) {
    fill(x, x == 400 ? 333 : 200, x + 2, 602);  // no rule in the top row at x = 400: columns 0 and 1 merge
  }
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "merged.bmp";
  write_bmp(file, kWidthPx, kHeightPx, grey);

  RenderedPage page = read_page(file, 1);
  ASSERT_NEAR(page.rulings.dpi, 150, 0.5);
  const double pt_per_px = page.rulings.size_pt.width / page.rulings.width_px;
  auto word_at = [pt_per_px](std::string text, int centre_x_px, int centre_y_px) {
    ingest::Word word;
    word.text = std::move(text);
    word.box_pt = {(centre_x_px - 20) * pt_per_px, (centre_y_px - 8) * pt_per_px,
                   (centre_x_px + 20) * pt_per_px, (centre_y_px + 8) * pt_per_px};
    word.font_size_pt = 16 * pt_per_px;
    word.font_name = "NanumGothicBold";
    return word;
  };
  page.words = {word_at("Merged", 400, 266), word_at("Top", 700, 266),    word_at("a", 300, 400),
                word_at("b", 500, 400),      word_at("Tall", 700, 466),   word_at("c", 300, 533),
                word_at("d", 500, 533),      word_at("outside", 100, 100)};
  for (size_t i = 2; i < page.words.size(); ++i) page.words[i].font_name = "NanumGothic";

  const std::vector<DetectedTable> tables = detect_tables(page.rulings, page.words);
  ASSERT_EQ(tables.size(), 1u);
  const Table& table = tables[0].table;
  EXPECT_EQ(table.rows, 3);
  EXPECT_EQ(table.columns, 3);
  EXPECT_EQ(table.cells.size(), 7u);
  const TableCell* merged = find_cell(table, 0, 0);
  ASSERT_NE(merged, nullptr);
  EXPECT_EQ(merged->column_span, 2);
  EXPECT_EQ(merged->text, "Merged");
  EXPECT_TRUE(merged->header);
  const TableCell* tall = find_cell(table, 1, 2);
  ASSERT_NE(tall, nullptr);
  EXPECT_EQ(tall->row_span, 2);
  EXPECT_EQ(tall->text, "Tall");
  EXPECT_FALSE(tall->header);
  EXPECT_EQ(cell_text(table, 2, 1), "d");
  EXPECT_EQ(tables[0].word_indices.size(), 7u);  // all but the word outside the frame
  const std::string html = table_to_html(table);
  EXPECT_NE(html.find("<th colspan=\"2\">Merged</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td rowspan=\"2\">Tall</td>"), std::string::npos) << html;
  EXPECT_NEAR(tables[0].box_pt.x1, 200 * pt_per_px, 3);
  EXPECT_NEAR(tables[0].box_pt.y2, 602 * pt_per_px, 3);
}

}  // namespace
}  // namespace exadoc::layout::native
