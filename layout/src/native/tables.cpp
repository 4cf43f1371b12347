// Ruled tables from the page's ink. The cells are the holes the ruling lines enclose: a merged cell is
// simply a larger hole, so spans fall out of snapping every cell edge to the table's grid lines instead of
// having to find missing separator segments.
#include "native/tables.h"
#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace exadoc::layout::native {
namespace {

// A ruling line runs at least this fraction of the page side: longer than the strokes of any glyph, shorter
// than the narrowest column of a real table.
constexpr double kMinLineFractionOfPage = 1.0 / 40.0;
// Edges closer than this are one grid line (the two faces of a drawn rule plus anti-aliasing); no real column
// or row is this narrow.
constexpr double kSnapInch = 0.05;
constexpr double kMinCellInch = 0.08;
// A hole is a cell when it fills its bounding box (rules are straight); a region counts as a table when its
// cells fill the region's box — the space inside a drawing frame is a hole too, but a ragged one.
constexpr double kMinCellFill = 0.85;
constexpr double kMinTableFill = 0.8;
constexpr double kMaxCellFractionOfPage = 0.5;
// Cells entirely inside this band along the page edge are dropped: a drawing's zone strip between its outer
// and inner frame forms a ring of cells there that would otherwise join the title block into one "table".
constexpr double kMarginBandFraction = 0.06;

struct Cell {
  cv::Rect rect_px;
  int row = 0, row_end = 0, column = 0, column_end = 0;  // grid line indices, end exclusive
};

// Sorted centres of runs of values no further than snap_px apart.
std::vector<double> cluster(std::vector<int> values, double snap_px) {
  std::sort(values.begin(), values.end());
  std::vector<double> centres;
  size_t start = 0;
  for (size_t i = 1; i <= values.size(); ++i) {
    if (i == values.size() || values[i] - values[i - 1] > snap_px) {
      const double sum = std::accumulate(values.begin() + static_cast<std::ptrdiff_t>(start),
                                         values.begin() + static_cast<std::ptrdiff_t>(i), 0.0);
      centres.push_back(sum / static_cast<double>(i - start));
      start = i;
    }
  }
  return centres;
}

int nearest(const std::vector<double>& centres, int value) {
  int best = 0;
  for (size_t i = 1; i < centres.size(); ++i) {
    if (std::abs(centres[i] - value) < std::abs(centres[static_cast<size_t>(best)] - value))
      best = static_cast<int>(i);
  }
  return best;
}

// `lines` is the part of the page's ruling-line mask at `origin` (the rest of the page has no lines); `page`
// is the page's size in pixels.
std::vector<cv::Rect> find_cells(const cv::Mat& lines, const cv::Point& origin, const cv::Size& page,
                                 double dpi) {
  std::vector<std::vector<cv::Point>> contours;
  std::vector<cv::Vec4i> hierarchy;
  cv::findContours(lines, contours, hierarchy, cv::RETR_CCOMP, cv::CHAIN_APPROX_SIMPLE, origin);

  const int min_cell_px = static_cast<int>(kMinCellInch * dpi);
  const double page_area_px = static_cast<double>(page.area());
  const int band_x_px = static_cast<int>(page.width * kMarginBandFraction);
  const int band_y_px = static_cast<int>(page.height * kMarginBandFraction);
  std::vector<cv::Rect> cells;
  for (size_t i = 0; i < contours.size(); ++i) {
    if (hierarchy[i][3] < 0) continue;  // an outer boundary of ink; holes are the ones with a parent
    const cv::Rect rect = cv::boundingRect(contours[i]);
    if (rect.width < min_cell_px || rect.height < min_cell_px) continue;
    const double rect_area = static_cast<double>(rect.area());
    if (rect_area > kMaxCellFractionOfPage * page_area_px) continue;
    if (cv::contourArea(contours[i]) < kMinCellFill * rect_area) continue;
    const bool in_band = rect.br().x <= band_x_px || rect.x >= page.width - band_x_px ||
                         rect.br().y <= band_y_px || rect.y >= page.height - band_y_px;
    if (in_band) continue;
    cells.push_back(rect);
  }
  return cells;
}

// Cells sharing a rule: one's edge meets the other's across at most snap_px, and they overlap along it.
bool adjacent(const cv::Rect& a, const cv::Rect& b, int snap_px) {
  const int overlap_x = std::min(a.br().x, b.br().x) - std::max(a.x, b.x);
  const int overlap_y = std::min(a.br().y, b.br().y) - std::max(a.y, b.y);
  const int gap_x = std::max(a.x, b.x) - std::min(a.br().x, b.br().x);
  const int gap_y = std::max(a.y, b.y) - std::min(a.br().y, b.br().y);
  return (overlap_y > snap_px && gap_x <= snap_px) || (overlap_x > snap_px && gap_y <= snap_px);
}

std::vector<std::vector<cv::Rect>> group_cells(const std::vector<cv::Rect>& cells, int snap_px) {
  std::vector<size_t> parent(cells.size());
  std::iota(parent.begin(), parent.end(), size_t{0});
  auto root = [&parent](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (size_t i = 0; i < cells.size(); ++i) {
    for (size_t j = i + 1; j < cells.size(); ++j) {
      if (adjacent(cells[i], cells[j], snap_px)) parent[root(i)] = root(j);
    }
  }
  std::vector<std::vector<cv::Rect>> groups(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) groups[root(i)].push_back(cells[i]);
  std::erase_if(groups, [](const auto& group) { return group.empty(); });
  return groups;
}

// Snaps the cells' edges to grid lines; returns the number of rows and columns.
std::pair<int, int> snap_to_grid(std::vector<Cell>& cells, double snap_px) {
  std::vector<int> xs;
  std::vector<int> ys;
  for (const Cell& cell : cells) {
    xs.insert(xs.end(), {cell.rect_px.x, cell.rect_px.br().x});
    ys.insert(ys.end(), {cell.rect_px.y, cell.rect_px.br().y});
  }
  const std::vector<double> column_lines = cluster(xs, snap_px);
  const std::vector<double> row_lines = cluster(ys, snap_px);
  for (Cell& cell : cells) {
    cell.column = nearest(column_lines, cell.rect_px.x);
    cell.column_end = nearest(column_lines, cell.rect_px.br().x);
    cell.row = nearest(row_lines, cell.rect_px.y);
    cell.row_end = nearest(row_lines, cell.rect_px.br().y);
  }
  return {static_cast<int>(row_lines.size()) - 1, static_cast<int>(column_lines.size()) - 1};
}

// Two ruled tables drawn against each other (a parts list standing on a title block) enclose one region of
// cells. They part where two neighbouring rows have column rules and share none of them; a merged row (no
// inner rules, e.g. a caption cell across the table) never splits.
std::vector<std::vector<Cell>> split_stacked(std::vector<Cell> cells, double snap_px) {
  const auto [rows, columns] = snap_to_grid(cells, snap_px);
  std::vector<std::vector<int>> inner_rules(static_cast<size_t>(std::max(rows, 0)));
  for (const Cell& cell : cells) {
    for (int row = cell.row; row < cell.row_end; ++row) {
      if (cell.column > 0) inner_rules[static_cast<size_t>(row)].push_back(cell.column);
      if (cell.column_end < columns) inner_rules[static_cast<size_t>(row)].push_back(cell.column_end);
    }
  }
  for (auto& rules : inner_rules) std::sort(rules.begin(), rules.end());
  std::vector<int> cuts;  // grid lines the parts meet at
  for (int row = 0; row + 1 < rows; ++row) {
    const auto& above = inner_rules[static_cast<size_t>(row)];
    const auto& below = inner_rules[static_cast<size_t>(row) + 1];
    if (above.empty() || below.empty()) continue;
    std::vector<int> shared;
    std::set_intersection(above.begin(), above.end(), below.begin(), below.end(), std::back_inserter(shared));
    const bool spanned = std::any_of(cells.begin(), cells.end(), [row](const Cell& cell) {
      return cell.row <= row && cell.row_end > row + 1;
    });
    if (shared.empty() && !spanned) cuts.push_back(row + 1);
  }
  std::vector<std::vector<Cell>> parts(cuts.size() + 1);
  for (const Cell& cell : cells) {
    const auto part = std::upper_bound(cuts.begin(), cuts.end(), cell.row) - cuts.begin();
    parts[static_cast<size_t>(part)].push_back(cell);
  }
  return parts;
}

bool is_bold(const ingest::Word& word) {
  std::string name = word.font_name;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name.find("bold") != std::string::npos || name.find("heavy") != std::string::npos;
}

ingest::BoxPt to_pt(const cv::Rect& rect_px, double pt_per_px_x, double pt_per_px_y) {
  return {rect_px.x * pt_per_px_x, rect_px.y * pt_per_px_y, rect_px.br().x * pt_per_px_x,
          rect_px.br().y * pt_per_px_y};
}

std::optional<DetectedTable> build_table(std::vector<Cell> cells, const PageInk& page,
                                         const std::vector<ingest::Word>& words, double snap_px) {
  const auto [rows, columns] = snap_to_grid(cells, snap_px);
  std::erase_if(cells,
                [](const Cell& cell) { return cell.row_end <= cell.row || cell.column_end <= cell.column; });
  if (cells.size() < 2 || rows < 1 || columns < 1) return std::nullopt;

  cv::Rect frame_px = cells.front().rect_px;
  double cell_area_px = 0;
  for (const Cell& cell : cells) {
    frame_px |= cell.rect_px;
    cell_area_px += cell.rect_px.area();
  }
  if (cell_area_px < kMinTableFill * frame_px.area()) return std::nullopt;
  std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
    return std::tie(a.row, a.column) < std::tie(b.row, b.column);
  });

  DetectedTable detected;
  std::vector<std::vector<size_t>> cell_words(cells.size());
  for (size_t index = 0; index < words.size(); ++index) {
    const ingest::BoxPx box_px = page.to_px(words[index].box_pt);
    const cv::Point centre_px(static_cast<int>((box_px.x1 + box_px.x2) / 2),
                              static_cast<int>((box_px.y1 + box_px.y2) / 2));
    for (size_t cell_index = 0; cell_index < cells.size(); ++cell_index) {
      if (cells[cell_index].rect_px.contains(centre_px)) {
        cell_words[cell_index].push_back(index);
        detected.word_indices.push_back(index);
        break;
      }
    }
  }
  const auto filled =
      std::count_if(cell_words.begin(), cell_words.end(), [](const auto& list) { return !list.empty(); });
  if (filled < 2) return std::nullopt;  // outlines in a figure enclose rectangles too, but rarely text in two

  // A header row is the first, and every row after it whose words are all bold.
  std::vector<bool> row_bold(static_cast<size_t>(rows), true);
  std::vector<bool> row_has_words(static_cast<size_t>(rows), false);
  for (size_t cell_index = 0; cell_index < cells.size(); ++cell_index) {
    for (size_t word : cell_words[cell_index]) {
      const auto row = static_cast<size_t>(cells[cell_index].row);
      row_has_words[row] = true;
      row_bold[row] = row_bold[row] && is_bold(words[word]);
    }
  }
  int header_rows = 1;
  while (header_rows < rows && row_has_words[static_cast<size_t>(header_rows)] &&
         row_bold[static_cast<size_t>(header_rows)] && row_bold[0])
    ++header_rows;

  const double pt_per_px_x = page.size_pt.width / page.width_px;
  const double pt_per_px_y = page.size_pt.height / page.height_px;
  detected.table.rows = rows;
  detected.table.columns = columns;
  for (size_t cell_index = 0; cell_index < cells.size(); ++cell_index) {
    const Cell& cell = cells[cell_index];
    TableCell out;
    out.row = cell.row;
    out.column = cell.column;
    out.row_span = cell.row_end - cell.row;
    out.column_span = cell.column_end - cell.column;
    out.header = cell.row < header_rows;
    for (const auto& line : group_lines(words, cell_words[cell_index])) {
      for (size_t word : line) out.text += (out.text.empty() ? "" : " ") + words[word].text;
    }
    detected.table.cells.push_back(std::move(out));
    detected.cell_boxes_pt.push_back(to_pt(cell.rect_px, pt_per_px_x, pt_per_px_y));
  }
  // The frame is the outer rule, half a snap outside the cells' holes.
  const int pad_px = static_cast<int>(snap_px / 2);
  frame_px -= cv::Point(pad_px, pad_px);
  frame_px += cv::Size(2 * pad_px, 2 * pad_px);
  detected.box_pt = to_pt(frame_px, pt_per_px_x, pt_per_px_y);
  std::sort(detected.word_indices.begin(), detected.word_indices.end());
  return detected;
}

}  // namespace

std::vector<std::vector<size_t>> group_lines(const std::vector<ingest::Word>& words,
                                             std::vector<size_t> indices) {
  auto centre_y = [&words](size_t i) { return (words[i].box_pt.y1 + words[i].box_pt.y2) / 2; };
  auto height = [&words](size_t i) { return words[i].box_pt.y2 - words[i].box_pt.y1; };
  std::sort(indices.begin(), indices.end(), [&](size_t a, size_t b) { return centre_y(a) < centre_y(b); });
  std::vector<std::vector<size_t>> lines;
  for (size_t index : indices) {
    if (!lines.empty()) {
      const size_t first = lines.back().front();
      if (std::abs(centre_y(index) - centre_y(first)) < 0.5 * std::min(height(index), height(first))) {
        lines.back().push_back(index);
        continue;
      }
    }
    lines.push_back({index});
  }
  for (auto& line : lines) {
    std::sort(line.begin(), line.end(),
              [&words](size_t a, size_t b) { return words[a].box_pt.x1 < words[b].box_pt.x1; });
  }
  return lines;
}

int min_line_px(int page_side_px) {
  return std::max(8, static_cast<int>(page_side_px * kMinLineFractionOfPage));
}

PageInk ruling_lines(const PageInk& ink) {
  PageInk lines = ink;
  // OpenCV only reads the ink; the cast is for its non-const constructor.
  const cv::Mat source(ink.height_px, ink.width_px, CV_8UC1, const_cast<uint8_t*>(ink.mask.data()));
  cv::Mat horizontal;
  cv::Mat vertical;
  cv::morphologyEx(source, horizontal, cv::MORPH_OPEN,
                   cv::getStructuringElement(cv::MORPH_RECT, cv::Size(min_line_px(ink.width_px), 1)));
  cv::morphologyEx(source, vertical, cv::MORPH_OPEN,
                   cv::getStructuringElement(cv::MORPH_RECT, cv::Size(1, min_line_px(ink.height_px))));
  cv::Mat target(lines.height_px, lines.width_px, CV_8UC1, lines.mask.data());
  cv::bitwise_or(horizontal, vertical, target);
  return lines;
}

PageInk ruling_lines(const ingest::PageGraphics& graphics, const ingest::SizePt& size_pt, double dpi) {
  const PageInk frame = empty_page_ink(size_pt, dpi);
  return rulings_from_graphics(graphics, size_pt, dpi, min_line_px(frame.width_px),
                               min_line_px(frame.height_px));
}

std::vector<DetectedTable> detect_tables(const PageInk& page, const std::vector<ingest::Word>& words) {
  const double snap_px = kSnapInch * page.dpi;
  if (page.mask.empty()) return {};  // no ruling lines at all
  // OpenCV only reads the mask; the cast is for its non-const constructor.
  const cv::Mat mask(page.height_px, page.width_px, CV_8UC1, const_cast<uint8_t*>(page.mask.data()));
  // Cells can only lie within the lines' bounding box: the rest of the page is not looked at again.
  const cv::Rect page_px(0, 0, page.width_px, page.height_px);
  const cv::Rect extent = cv::boundingRect(mask);
  if (extent.empty()) return {};
  const cv::Rect roi = (extent - cv::Point(2, 2) + cv::Size(4, 4)) & page_px;
  cv::Mat lines;
  // Closes the pixel gaps anti-aliasing leaves where a rule meets another, so every cell is a closed hole.
  cv::dilate(mask(roi), lines, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)), cv::Point(-1, -1),
             1, cv::BORDER_CONSTANT, cv::Scalar(0));
  const std::vector<cv::Rect> cells = find_cells(lines, roi.tl(), page_px.size(), page.dpi);

  std::vector<DetectedTable> tables;
  for (const auto& group : group_cells(cells, static_cast<int>(std::ceil(snap_px)))) {
    std::vector<Cell> grid_cells;
    grid_cells.reserve(group.size());
    for (const cv::Rect& rect : group) grid_cells.push_back(Cell{rect});
    for (auto& part : split_stacked(std::move(grid_cells), snap_px)) {
      if (auto table = build_table(std::move(part), page, words, snap_px))
        tables.push_back(std::move(*table));
    }
  }
  std::sort(tables.begin(), tables.end(), [](const DetectedTable& a, const DetectedTable& b) {
    return std::tie(a.box_pt.y1, a.box_pt.x1) < std::tie(b.box_pt.y1, b.box_pt.x1);
  });
  return tables;
}

}  // namespace exadoc::layout::native
