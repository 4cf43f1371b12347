#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include <exadoc/base/log.h>
#include <exadoc/ingest/render_pages.h>
#include <exadoc/layout/native_engine.h>

#include "native/drawing.h"
#include "native/ocr.h"
#include "native/tables.h"
#include "native/text_layout.h"

namespace exadoc::layout {
namespace {

using native::PlacedBlock;

// Page headers and footers live in these top and bottom fractions of the page height.
constexpr double kMarginZone = 0.12;
// A text repeats "on most pages" when it is on at least this fraction of them (and on two at least).
constexpr double kRepeatFraction = 0.5;

struct AnalysedPage {
  Page page;
  std::vector<PlacedBlock> blocks;  // in reading order
};

// Tab-separated cells, one line per row; cells covered by a span stay empty.
std::string table_text(const Table& table) {
  std::vector<std::vector<std::string>> grid(
      static_cast<size_t>(std::max(0, table.rows)),
      std::vector<std::string>(static_cast<size_t>(std::max(0, table.columns))));
  for (const TableCell& cell : table.cells) {
    if (cell.row < 0 || cell.column < 0 || cell.row >= table.rows || cell.column >= table.columns) continue;
    grid[static_cast<size_t>(cell.row)][static_cast<size_t>(cell.column)] = cell.text;
  }
  std::string text;
  for (const auto& row : grid) {
    if (!text.empty()) text += '\n';
    for (size_t column = 0; column < row.size(); ++column) {
      if (column > 0) text += '\t';
      text += row[column];
    }
  }
  return text;
}

// What the analysis of one page starts from, however it was read.
struct PageInput {
  Page page;  // number, sizes, rotation, skew; no blocks yet
  std::vector<ingest::Word> words;
  native::PageInk rulings;  // ruling lines, for tables
  native::InkGrid ink;      // all ink, coarse, for figures
  BlockSource source = BlockSource::kTextLayer;
  float confidence = 1.0f;
};

// Images covering more than this fraction of a born-digital page make it a scan with a text layer (an OCR'd
// PDF, say): its ink is in the image's pixels, which only a rendering shows.
constexpr double kMaxImageFractionWithoutPixels = 0.25;

bool needs_pixels(const ingest::PageContent& content) {
  if (content.text_layer.words.empty()) return true;  // a scan: OCR reads pixels
  const double page_area = content.info.size_pt.width * content.info.size_pt.height;
  double image_area = 0;
  for (const ingest::BoxPt& box : content.graphics.images) {
    image_area += std::max(0.0, box.x2 - box.x1) * std::max(0.0, box.y2 - box.y1);
  }
  return image_area > kMaxImageFractionWithoutPixels * page_area;
}

// Born-digital pages: words and ink straight from the PDF, nothing rendered.
PageInput input_from_content(ingest::PageContent&& content, const NativeOptions& options) {
  PageInput input;
  input.rulings = native::ruling_lines(content.graphics, content.info.size_pt, options.dpi);
  // Figures need ink only per grid cell: painted at one pixel per cell, the mask is the grid.
  input.ink = native::ink_grid(
      native::ink_from_graphics(content.graphics, content.info.size_pt, 72.0 / native::kInkGridCellPt),
      native::kInkGridCellPt);
  input.page.number = content.info.index + 1;
  input.page.size_pt = content.info.size_pt;
  input.page.width_px = input.rulings.width_px;
  input.page.height_px = input.rulings.height_px;
  input.page.dpi = options.dpi;
  input.page.rotation_deg = content.info.rotation_deg;
  input.words = std::move(content.text_layer.words);
  return input;
}

// Scans, image files, and PDF pages whose ink is in images: pixels, read by OCR when there is no text layer.
PageInput input_from_pixels(const ingest::PageSource& source, int page_index, bool has_text_layer,
                            const NativeOptions& options) {
  // Image files keep their own resolution; PDF pages without text are rendered at the OCR resolution.
  const bool pdf_scan = source.type() == ingest::FileType::kPdf && !has_text_layer;
  const ingest::PageImage image =
      source.render(page_index, {pdf_scan ? options.ocr_dpi : options.dpi, ingest::DeskewMode::kAuto, true});
  PageInput input;
  if (image.text_layer()) input.words = image.text_layer()->words;
  if (input.words.empty()) {
    native::OcrResult ocr = native::ocr_page(image, options.ocr_languages);
    input.words = std::move(ocr.words);
    input.source = BlockSource::kOcr;
    input.confidence = ocr.mean_confidence;
  }
  Page& page = input.page;
  page.number = page_index + 1;
  page.size_pt = image.info().size_pt;
  page.width_px = image.width_px();
  page.height_px = image.height_px();
  page.dpi = image.dpi();
  page.rotation_deg = image.info().rotation_deg;
  if (image.skew()) page.skew_deg = image.skew()->angle_deg;
  const native::PageInk ink = native::ink_from_pixels(image);
  input.rulings = native::ruling_lines(ink);
  input.ink = native::ink_grid(ink, native::kInkGridCellPt);
  return input;
}

AnalysedPage analyse_page(PageInput read) {
  AnalysedPage result;
  result.page = std::move(read.page);
  Page& page = result.page;
  const std::vector<ingest::Word>& words = read.words;
  const BlockSource block_source = read.source;
  const float confidence = read.confidence;

  const std::vector<native::DetectedTable> tables = native::detect_tables(read.rulings, words);
  native::DrawingBlocks drawing = native::analyze_drawing(page.size_pt, words, tables);

  native::TextLayoutInput input;
  input.words = &words;
  input.use.assign(words.size(), true);
  input.page_size_pt = page.size_pt;
  const std::set<size_t> drawing_tables(drawing.table_indices.begin(), drawing.table_indices.end());
  for (size_t index : drawing.word_indices) {
    if (index < words.size()) input.use[index] = false;
  }
  for (size_t table_index = 0; table_index < tables.size(); ++table_index) {
    const native::DetectedTable& detected = tables[table_index];
    for (size_t index : detected.word_indices) {
      if (index < words.size()) input.use[index] = false;
    }
    input.taken_boxes.push_back(detected.box_pt);
    if (drawing_tables.count(table_index) > 0) continue;
    PlacedBlock block;
    block.box_pt = detected.box_pt;
    block.block.type = BlockType::kTable;
    block.block.table = detected.table;
    block.block.html = table_to_html(detected.table);
    block.block.text = table_text(detected.table);
    result.blocks.push_back(std::move(block));
  }
  for (Block& drawn : drawing.blocks) {
    PlacedBlock block;
    block.box_pt = to_box_pt(drawn.box, page.size_pt);
    input.taken_boxes.push_back(block.box_pt);
    block.block = std::move(drawn);
    result.blocks.push_back(std::move(block));
  }

  input.ink = &read.ink;
  for (PlacedBlock& block : native::layout_text(input)) result.blocks.push_back(std::move(block));
  for (PlacedBlock& block : result.blocks) {
    block.block.source = block_source;
    if (block_source == BlockSource::kOcr) block.block.confidence = confidence;
  }
  native::sort_reading_order(result.blocks);
  return result;
}

// The text a page header or footer keeps from page to page: digits (page numbers, dates) and spacing ignored.
std::string repetition_key(const std::string& text) {
  std::string key;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (key.empty() || key.back() != '#') key += '#';
    } else if (c != ' ' && c != '\t' && c != '\n') {
      key += c;
    }
  }
  return key;
}

void mark_headers_and_footers(std::vector<AnalysedPage>& pages) {
  if (pages.size() < 2) return;
  // zone (0 top, 1 bottom) and key → the pages it occurs on
  std::map<std::pair<int, std::string>, std::set<size_t>> seen;
  auto zone_of = [](const AnalysedPage& page, const PlacedBlock& block) {
    const double height_pt = page.page.size_pt.height;
    if (height_pt <= 0 || block.block.text.empty() || block.block.type == BlockType::kTable) return -1;
    if (block.box_pt.y2 <= kMarginZone * height_pt) return 0;
    if (block.box_pt.y1 >= (1 - kMarginZone) * height_pt) return 1;
    return -1;
  };
  for (size_t page_index = 0; page_index < pages.size(); ++page_index) {
    for (const PlacedBlock& block : pages[page_index].blocks) {
      const int zone = zone_of(pages[page_index], block);
      if (zone >= 0) seen[{zone, repetition_key(block.block.text)}].insert(page_index);
    }
  }
  const auto needed =
      std::max<size_t>(2, static_cast<size_t>(std::ceil(kRepeatFraction * double(pages.size()))));
  for (AnalysedPage& page : pages) {
    for (PlacedBlock& block : page.blocks) {
      const int zone = zone_of(page, block);
      if (zone < 0 || seen[{zone, repetition_key(block.block.text)}].size() < needed) continue;
      block.block.type = zone == 0 ? BlockType::kPageHeader : BlockType::kPageFooter;
      block.block.level = 0;
    }
  }
}

// The largest unnumbered heading of the first page is the document's title; unnumbered headings between it
// and the first numbered one are its subtitle lines, which are text rather than sections.
void mark_title(std::vector<AnalysedPage>& pages) {
  if (pages.empty()) return;
  std::vector<PlacedBlock>& blocks = pages.front().blocks;
  PlacedBlock* title = nullptr;
  double largest_other = 0;
  for (PlacedBlock& block : blocks) {
    if (block.block.type != BlockType::kSectionHeader && block.block.type != BlockType::kText) continue;
    if (block.block.type == BlockType::kSectionHeader && !block.numbered &&
        (title == nullptr || block.font_size_pt > title->font_size_pt)) {
      if (title != nullptr) largest_other = std::max(largest_other, title->font_size_pt);
      title = &block;
    } else {
      largest_other = std::max(largest_other, block.font_size_pt);
    }
  }
  if (title == nullptr || title->font_size_pt <= largest_other) return;
  title->block.type = BlockType::kTitle;
  title->block.level = 0;
  bool after_title = false;
  for (PlacedBlock& block : blocks) {
    if (&block == title) {
      after_title = true;
      continue;
    }
    if (!after_title || block.block.type != BlockType::kSectionHeader) continue;
    if (block.numbered) break;
    block.block.type = BlockType::kText;
    block.block.level = 0;
  }
}

// Headers first and footers last, whatever XY-cut made of them (a footer split left and right would otherwise
// join the columns of a two-column page).
void order_page(AnalysedPage& page) {
  std::vector<PlacedBlock> headers, body, footers;
  for (PlacedBlock& block : page.blocks) {
    const BlockType type = block.block.type;
    (type == BlockType::kPageHeader   ? headers
     : type == BlockType::kPageFooter ? footers
                                      : body)
        .push_back(std::move(block));
  }
  native::sort_reading_order(headers);
  native::sort_reading_order(body);
  native::sort_reading_order(footers);
  page.blocks.clear();
  for (auto* part : {&headers, &body, &footers}) {
    for (PlacedBlock& block : *part) page.blocks.push_back(std::move(block));
  }
}

bool mentions_continued(const std::string& text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower.find("continued") != std::string::npos || lower.find("cont.") != std::string::npos ||
         text.find("계속") != std::string::npos;
}

void link_continued_tables(std::vector<AnalysedPage>& pages) {
  for (size_t page_index = 0; page_index + 1 < pages.size(); ++page_index) {
    // The last body block of page k must be a table ...
    PlacedBlock* bottom = nullptr;
    for (PlacedBlock& block : pages[page_index].blocks) {
      const BlockType type = block.block.type;
      if (type == BlockType::kPageHeader || type == BlockType::kPageFooter) continue;
      bottom = &block;
    }
    if (bottom == nullptr || bottom->block.type != BlockType::kTable || !bottom->block.table) continue;
    // ... and the first block of page k+1 that is not a header or a caption too.
    PlacedBlock* top = nullptr;
    bool continued_caption = false;
    for (PlacedBlock& block : pages[page_index + 1].blocks) {
      const BlockType type = block.block.type;
      if (type == BlockType::kPageHeader || type == BlockType::kPageFooter) continue;
      if (type == BlockType::kCaption) {
        continued_caption = continued_caption || mentions_continued(block.block.text);
        continue;
      }
      top = &block;
      break;
    }
    if (top == nullptr || top->block.type != BlockType::kTable || !top->block.table) continue;
    if (!continued_caption && top->block.table->columns != bottom->block.table->columns) continue;
    bottom->block.table->continues_on_next_page = true;
    top->block.table->continued_from_previous_page = true;
  }
}

Page finish_page(AnalysedPage& analysed) {
  Page page = std::move(analysed.page);
  int order = 0;
  for (PlacedBlock& placed : analysed.blocks) {
    Block block = std::move(placed.block);
    block.box = to_box1000(placed.box_pt, page.size_pt);
    block.reading_order = order;
    block.id = "p" + std::to_string(page.number) + "-b" + std::to_string(order);
    ++order;
    page.blocks.push_back(std::move(block));
  }
  return page;
}

}  // namespace

Document parse_native(const ingest::PageSource& source, const NativeOptions& options,
                      const PageDone& on_page) {
  Document document;
  document.source = source.path().string();
  document.file_type = std::string(ingest::file_type_name(source.type()));
  document.engine = "native";

  const int page_count = source.page_count();
  std::vector<AnalysedPage> pages(static_cast<size_t>(page_count));
  std::vector<int> indices(static_cast<size_t>(page_count));
  for (int i = 0; i < page_count; ++i) indices[static_cast<size_t>(i)] = i;

  // Each slot is written by the one thread that analyses its page.
  const std::vector<ingest::PageFailure> failures =
      ingest::for_each_page(indices, options.jobs, [&](int page_index) {
        std::optional<ingest::PageContent> content = source.read_content(page_index);
        PageInput input = content && !needs_pixels(*content)
                              ? input_from_content(std::move(*content), options)
                              : input_from_pixels(source, page_index,
                                                  content && !content->text_layer.words.empty(), options);
        pages[static_cast<size_t>(page_index)] = analyse_page(std::move(input));
        if (on_page) on_page(page_index);
      });
  for (const ingest::PageFailure& failure : failures) {
    AnalysedPage& failed = pages[static_cast<size_t>(failure.page_index)];
    failed = {};
    failed.page.number = failure.page_index + 1;
    try {
      const ingest::PageInfo info = source.page_info(failure.page_index);
      failed.page.size_pt = info.size_pt;
      failed.page.rotation_deg = info.rotation_deg;
    } catch (const std::exception&) {
      // The page's own failure is already the warning; its size stays unknown.
    }
    failed.page.warnings.push_back(failure.message);
    EXADOC_LOG_WARN("page %d: %s", failure.page_index + 1, failure.message.c_str());
    if (on_page) on_page(failure.page_index);
  }

  mark_headers_and_footers(pages);
  mark_title(pages);
  for (AnalysedPage& page : pages) order_page(page);
  link_continued_tables(pages);
  for (AnalysedPage& page : pages) document.pages.push_back(finish_page(page));
  return document;
}

}  // namespace exadoc::layout
