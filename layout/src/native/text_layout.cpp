#include "text_layout.h"
#include <algorithm>
#include <cmath>
#include <numeric>
#include <regex>
#include <string>

namespace exadoc::layout::native {
namespace {

using ingest::BoxPt;
using ingest::Word;

// A gap this wide (in font sizes) inside a row is a column gutter or a table gap, not a word space.
constexpr double kGutterInFontSizes = 1.5;
// Lines further apart than this (in font sizes, bottom to top) start a new paragraph: the samples set body
// text at 10 pt on a 14 pt pitch (about 4 pt between line boxes) and leave 10 pt between paragraphs.
constexpr double kParagraphGapInFontSizes = 0.6;
// Text at least this much larger than the body median is a heading, bold or not.
constexpr double kHeadingSizeRatio = 1.15;
// The narrowest whitespace between blocks that XY-cut treats as a column gutter.
constexpr double kMinGutterPt = 8.0;
// Figures: drawn regions at least this large; smaller ink is rules, logos or anti-aliasing around glyphs.
constexpr double kMinFigureWidthPt = 72.0;
constexpr double kMinFigureHeightPt = 54.0;

double width(const BoxPt& box) {
  return box.x2 - box.x1;
}
double height(const BoxPt& box) {
  return box.y2 - box.y1;
}

BoxPt unite(const BoxPt& a, const BoxPt& b) {
  return {std::min(a.x1, b.x1), std::min(a.y1, b.y1), std::max(a.x2, b.x2), std::max(a.y2, b.y2)};
}

bool is_bold(const Word& word) {
  const std::string& name = word.font_name;
  return name.find("Bold") != std::string::npos || name.find("bold") != std::string::npos ||
         name.find("Black") != std::string::npos || name.find("Heavy") != std::string::npos;
}

double overlap(double a1, double a2, double b1, double b2) {
  return std::max(0.0, std::min(a2, b2) - std::max(a1, b1));
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

Line make_line(const std::vector<Word>& words, std::vector<size_t> indices) {
  Line line;
  line.box_pt = words[indices.front()].box_pt;
  std::vector<double> sizes;
  size_t bold_chars = 0, chars = 0;
  for (size_t index : indices) {
    const Word& word = words[index];
    line.box_pt = unite(line.box_pt, word.box_pt);
    sizes.push_back(word.font_size_pt > 0 ? word.font_size_pt : height(word.box_pt));
    chars += word.text.size();
    if (is_bold(word)) bold_chars += word.text.size();
  }
  line.font_size_pt = median(sizes);
  line.bold = bold_chars * 2 > chars;
  line.word_indices = std::move(indices);
  return line;
}

std::string line_text(const std::vector<Word>& words, const Line& line) {
  std::string text;
  for (size_t i = 0; i < line.word_indices.size(); ++i) {
    const Word& word = words[line.word_indices[i]];
    if (i > 0) {
      const Word& previous = words[line.word_indices[i - 1]];
      // Poppler's space_after misses spaces that are only positioning; a visible gap is a space too.
      const double gap = word.box_pt.x1 - previous.box_pt.x2;
      if (previous.space_after || gap > 0.15 * std::max(1.0, line.font_size_pt)) text += ' ';
    }
    text += word.text;
  }
  return text;
}

std::string first_word(const std::string& text) {
  const size_t end = text.find(' ');
  return text.substr(0, end);
}

bool is_list_marker(const std::string& word) {
  static const std::regex kMarker(R"(^(\d{1,2}[.)]|[a-zA-Z][.)]|\([0-9a-zA-Z]{1,3}\)|[-*])$)");
  static const std::vector<std::string> kBullets{"•", "◦", "▪", "▫", "●", "○", "■",
                                                 "□", "–", "—", "·", "‣", "➢"};
  if (std::find(kBullets.begin(), kBullets.end(), word) != kBullets.end()) return true;
  // A bullet glued to its word ("•Item") still marks a list item.
  for (const std::string& bullet : kBullets) {
    if (word.size() > bullet.size() && word.compare(0, bullet.size(), bullet) == 0 && bullet != "–" &&
        bullet != "—")
      return true;
  }
  return std::regex_match(word, kMarker);
}

bool is_caption(const std::string& text) {
  static const std::regex kCaption(
      R"(^(Figure|Fig\.|Table|Tab\.|Chart|Diagram|그림|표)\s*[0-9]+([.:\s]|$).*)", std::regex::icase);
  return std::regex_match(text, kCaption);
}

struct Paragraph {
  std::vector<size_t> lines;
  BoxPt box_pt;
};

bool continues(const Paragraph& paragraph, const std::vector<Line>& lines, const Line& line,
               const std::vector<Word>& words) {
  const Line& last = lines[paragraph.lines.back()];
  const Line& first = lines[paragraph.lines.front()];
  const double size = std::max(1.0, std::max(last.font_size_pt, line.font_size_pt));
  const double gap = line.box_pt.y1 - last.box_pt.y2;
  if (gap > kParagraphGapInFontSizes * size || gap < -0.5 * size) return false;
  if (last.bold != line.bold) return false;
  if (std::abs(last.font_size_pt - line.font_size_pt) > 0.1 * size) return false;
  const double shared = overlap(paragraph.box_pt.x1, paragraph.box_pt.x2, line.box_pt.x1, line.box_pt.x2);
  if (shared < 0.5 * std::min(width(paragraph.box_pt), width(line.box_pt))) return false;
  const std::string text = line_text(words, line);
  if (is_list_marker(first_word(text)) || is_caption(text)) return false;
  // A caption or a heading is its own paragraph even when the next line sits close under it.
  const std::string opening = line_text(words, first);
  if (is_caption(opening)) return false;
  return true;
}

BlockType classify(const std::string& text, const std::vector<Line>& lines, const Paragraph& paragraph,
                   double body_size_pt, double size_pt, bool bold, int& level, bool& numbered) {
  level = 0;
  numbered = false;
  if (is_caption(text)) return BlockType::kCaption;
  const std::string opening = first_word(text);
  const auto word_count = static_cast<size_t>(std::count(text.begin(), text.end(), ' ') + 1);
  const bool ends_sentence =
      !text.empty() && (text.back() == '.' || text.back() == ':' || text.back() == ';');
  const bool larger = body_size_pt > 0 && size_pt >= kHeadingSizeRatio * body_size_pt;
  const bool short_bold = bold && paragraph.lines.size() == 1 && word_count <= 12 && !ends_sentence;
  if (paragraph.lines.size() <= 3 && word_count <= 20 && (larger || short_bold) &&
      !(ends_sentence && !larger)) {
    const int number_level = numbering_level(opening);
    if (number_level > 0 && word_count > 1) {
      numbered = true;
      level = number_level;
    } else {
      const double ratio = body_size_pt > 0 ? size_pt / body_size_pt : 1.0;
      level = ratio >= 1.5 ? 1 : ratio >= 1.2 ? 2 : 3;
    }
    return BlockType::kSectionHeader;
  }
  (void)lines;
  if (is_list_marker(opening)) return BlockType::kListItem;
  return BlockType::kText;
}

std::vector<PlacedBlock> find_figures(const TextLayoutInput& input) {
  const InkGrid& grid = *input.ink;
  std::vector<bool> ink = grid.ink;
  auto clear = [&](const BoxPt& box, double margin_pt) {
    const int c1 = std::max(0, static_cast<int>(std::floor((box.x1 - margin_pt) / grid.cell_pt)));
    const int r1 = std::max(0, static_cast<int>(std::floor((box.y1 - margin_pt) / grid.cell_pt)));
    const int c2 =
        std::min(grid.columns - 1, static_cast<int>(std::floor((box.x2 + margin_pt) / grid.cell_pt)));
    const int r2 = std::min(grid.rows - 1, static_cast<int>(std::floor((box.y2 + margin_pt) / grid.cell_pt)));
    for (int row = r1; row <= r2; ++row) {
      for (int column = c1; column <= c2; ++column)
        ink[static_cast<size_t>(row) * static_cast<size_t>(grid.columns) + static_cast<size_t>(column)] =
            false;
    }
  };
  for (const Word& word : *input.words) clear(word.box_pt, 1.0);
  for (const BoxPt& box : input.taken_boxes) clear(box, 2.0);

  // Connected components over a 5×5 neighbourhood, so the strokes of one drawing join across small gaps.
  std::vector<bool> seen(ink.size(), false);
  std::vector<PlacedBlock> figures;
  const double page_area = input.page_size_pt.width * input.page_size_pt.height;
  for (size_t start = 0; start < ink.size(); ++start) {
    if (!ink[start] || seen[start]) continue;
    std::vector<size_t> stack{start};
    seen[start] = true;
    int min_row = grid.rows, max_row = -1, min_column = grid.columns, max_column = -1;
    while (!stack.empty()) {
      const size_t cell = stack.back();
      stack.pop_back();
      const int row = static_cast<int>(cell / static_cast<size_t>(grid.columns));
      const int column = static_cast<int>(cell % static_cast<size_t>(grid.columns));
      min_row = std::min(min_row, row);
      max_row = std::max(max_row, row);
      min_column = std::min(min_column, column);
      max_column = std::max(max_column, column);
      for (int dr = -2; dr <= 2; ++dr) {
        for (int dc = -2; dc <= 2; ++dc) {
          const int r = row + dr, c = column + dc;
          if (r < 0 || c < 0 || r >= grid.rows || c >= grid.columns) continue;
          const size_t next =
              static_cast<size_t>(r) * static_cast<size_t>(grid.columns) + static_cast<size_t>(c);
          if (ink[next] && !seen[next]) {
            seen[next] = true;
            stack.push_back(next);
          }
        }
      }
    }
    const BoxPt box{min_column * grid.cell_pt, min_row * grid.cell_pt, (max_column + 1) * grid.cell_pt,
                    (max_row + 1) * grid.cell_pt};
    if (width(box) < kMinFigureWidthPt || height(box) < kMinFigureHeightPt) continue;
    if (width(box) * height(box) < 0.02 * page_area) continue;
    PlacedBlock figure;
    figure.block.type = BlockType::kFigure;
    figure.box_pt = {std::max(0.0, box.x1), std::max(0.0, box.y1), std::min(input.page_size_pt.width, box.x2),
                     std::min(input.page_size_pt.height, box.y2)};
    figures.push_back(std::move(figure));
  }
  return figures;
}

// Indices of blocks, ordered by recursive XY-cut.
bool vertical_gutter(const std::vector<PlacedBlock>& blocks, const std::vector<size_t>& region,
                     double& cut_x) {
  std::vector<size_t> sorted = region;
  std::sort(sorted.begin(), sorted.end(),
            [&](size_t a, size_t b) { return blocks[a].box_pt.x1 < blocks[b].box_pt.x1; });
  double reach = blocks[sorted.front()].box_pt.x2;
  double best_gap = 0;
  for (size_t i = 1; i < sorted.size(); ++i) {
    const BoxPt& box = blocks[sorted[i]].box_pt;
    const double gap = box.x1 - reach;
    if (gap >= kMinGutterPt && gap > best_gap) {
      best_gap = gap;
      cut_x = reach + gap / 2;
    }
    reach = std::max(reach, box.x2);
  }
  return best_gap > 0;
}

void xy_cut(const std::vector<PlacedBlock>& blocks, std::vector<size_t> region, std::vector<size_t>& order) {
  auto by_position = [&](size_t a, size_t b) {
    const BoxPt& p = blocks[a].box_pt;
    const BoxPt& q = blocks[b].box_pt;
    return p.y1 != q.y1 ? p.y1 < q.y1 : p.x1 < q.x1;
  };
  if (region.size() <= 1) {
    order.insert(order.end(), region.begin(), region.end());
    return;
  }
  double cut_x = 0;
  if (vertical_gutter(blocks, region, cut_x)) {
    std::vector<size_t> left, right;
    for (size_t index : region) {
      const BoxPt& box = blocks[index].box_pt;
      ((box.x1 + box.x2) / 2 < cut_x ? left : right).push_back(index);
    }
    if (!left.empty() && !right.empty()) {
      xy_cut(blocks, std::move(left), order);
      xy_cut(blocks, std::move(right), order);
      return;
    }
  }
  // Horizontal bands, top to bottom. Consecutive bands that together still show a gutter are one column
  // structure that happens to have aligned paragraph gaps: cutting them apart would interleave the columns.
  std::sort(region.begin(), region.end(), by_position);
  std::vector<std::vector<size_t>> bands;
  double reach = -1e9;
  for (size_t index : region) {
    const BoxPt& box = blocks[index].box_pt;
    if (bands.empty() || box.y1 >= reach - 0.5) bands.emplace_back();
    bands.back().push_back(index);
    reach = std::max(reach, box.y2);
  }
  auto both_sides = [&](const std::vector<size_t>& part, double gutter_x) {
    bool left = false, right = false;
    for (size_t index : part) {
      const BoxPt& box = blocks[index].box_pt;
      ((box.x1 + box.x2) / 2 < gutter_x ? left : right) = true;
    }
    return left && right;
  };
  std::vector<std::vector<size_t>> merged;
  for (auto& band : bands) {
    if (!merged.empty()) {
      std::vector<size_t> joined = merged.back();
      joined.insert(joined.end(), band.begin(), band.end());
      double band_cut_x = 0;
      // Both bands must have text on both sides of the gutter: a running header with its page number far
      // right also leaves a gap, but it is no column.
      if (joined.size() < region.size() && vertical_gutter(blocks, joined, band_cut_x) &&
          both_sides(merged.back(), band_cut_x) && both_sides(band, band_cut_x)) {
        merged.back() = std::move(joined);
        continue;
      }
    }
    merged.push_back(std::move(band));
  }
  if (merged.size() <= 1) {
    order.insert(order.end(), region.begin(), region.end());
    return;
  }
  for (auto& band : merged) xy_cut(blocks, std::move(band), order);
}

}  // namespace

int numbering_level(std::string_view first_word) {
  static const std::regex kNumber(R"(^[0-9]{1,2}(\.[0-9]{1,2}){0,4}\.?$)");
  const std::string word(first_word);
  if (!std::regex_match(word, kNumber)) return 0;
  std::string_view trimmed = first_word;
  if (trimmed.back() == '.') trimmed.remove_suffix(1);
  return static_cast<int>(std::count(trimmed.begin(), trimmed.end(), '.')) + 1;
}

std::vector<Line> build_lines(const std::vector<Word>& words, const std::vector<bool>& use) {
  std::vector<size_t> indices;
  for (size_t i = 0; i < words.size(); ++i) {
    if ((i >= use.size() || use[i]) && !words[i].text.empty()) indices.push_back(i);
  }
  auto centre_y = [&](size_t i) { return (words[i].box_pt.y1 + words[i].box_pt.y2) / 2; };
  std::sort(indices.begin(), indices.end(), [&](size_t a, size_t b) { return centre_y(a) < centre_y(b); });

  // Rows: words whose vertical centre falls inside the row's band.
  std::vector<std::vector<size_t>> rows;
  double row_y1 = 0, row_y2 = 0;
  for (size_t index : indices) {
    const BoxPt& box = words[index].box_pt;
    const double centre = centre_y(index);
    if (!rows.empty() && centre >= row_y1 && centre <= row_y2) {
      rows.back().push_back(index);
      continue;
    }
    rows.push_back({index});
    row_y1 = box.y1;
    row_y2 = box.y2;
  }

  std::vector<Line> lines;
  for (auto& row : rows) {
    std::sort(row.begin(), row.end(),
              [&](size_t a, size_t b) { return words[a].box_pt.x1 < words[b].box_pt.x1; });
    std::vector<size_t> current{row.front()};
    for (size_t i = 1; i < row.size(); ++i) {
      const Word& previous = words[row[i - 1]];
      const Word& word = words[row[i]];
      const double size = std::max({1.0, previous.font_size_pt, word.font_size_pt});
      if (word.box_pt.x1 - previous.box_pt.x2 > kGutterInFontSizes * size) {
        lines.push_back(make_line(words, std::move(current)));
        current.clear();
      }
      current.push_back(row[i]);
    }
    lines.push_back(make_line(words, std::move(current)));
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.box_pt.y1 != b.box_pt.y1 ? a.box_pt.y1 < b.box_pt.y1 : a.box_pt.x1 < b.box_pt.x1;
  });
  return lines;
}

InkGrid ink_grid(const PageInk& page, double cell_pt) {
  InkGrid grid;
  const int width_px = page.width_px, height_px = page.height_px;
  const double px_per_pt = page.dpi / 72.0;
  if (width_px <= 0 || height_px <= 0 || px_per_pt <= 0) return grid;
  grid.cell_pt = cell_pt;
  const double cell_px = cell_pt * px_per_pt;
  grid.columns = std::max(1, static_cast<int>(std::ceil(width_px / cell_px)));
  grid.rows = std::max(1, static_cast<int>(std::ceil(height_px / cell_px)));
  grid.ink.assign(static_cast<size_t>(grid.columns) * static_cast<size_t>(grid.rows), false);
  for (int y = 0; y < height_px; ++y) {
    const auto row = static_cast<size_t>(y / cell_px);
    const uint8_t* mask_row = page.mask.data() + static_cast<size_t>(y) * static_cast<size_t>(width_px);
    for (int x = 0; x < width_px; ++x) {
      if (mask_row[x] != 0) {
        grid.ink[row * static_cast<size_t>(grid.columns) + static_cast<size_t>(x / cell_px)] = true;
      }
    }
  }
  return grid;
}

std::vector<PlacedBlock> layout_text(const TextLayoutInput& input) {
  const std::vector<Word>& words = *input.words;
  const std::vector<Line> lines = build_lines(words, input.use);

  // The body size: the size most characters are set in (headers, footers and headings are few characters).
  std::vector<double> sizes;
  for (const Line& line : lines) {
    for (size_t index : line.word_indices) {
      const Word& word = words[index];
      for (size_t i = 0; i < word.text.size(); ++i) sizes.push_back(line.font_size_pt);
    }
  }
  const double body_size_pt = median(std::move(sizes));

  std::vector<Paragraph> paragraphs;
  for (size_t line_index = 0; line_index < lines.size(); ++line_index) {
    const Line& line = lines[line_index];
    Paragraph* target = nullptr;
    double best_gap = 1e9;
    for (Paragraph& paragraph : paragraphs) {
      if (!continues(paragraph, lines, line, words)) continue;
      const double gap = line.box_pt.y1 - lines[paragraph.lines.back()].box_pt.y2;
      if (gap < best_gap) {
        best_gap = gap;
        target = &paragraph;
      }
    }
    if (target == nullptr) {
      paragraphs.push_back({{line_index}, line.box_pt});
    } else {
      target->lines.push_back(line_index);
      target->box_pt = unite(target->box_pt, line.box_pt);
    }
  }

  std::vector<PlacedBlock> blocks;
  for (const Paragraph& paragraph : paragraphs) {
    std::string text;
    std::vector<double> line_sizes;
    size_t bold_lines = 0;
    for (size_t line_index : paragraph.lines) {
      if (!text.empty()) text += ' ';
      text += line_text(words, lines[line_index]);
      line_sizes.push_back(lines[line_index].font_size_pt);
      if (lines[line_index].bold) ++bold_lines;
    }
    PlacedBlock block;
    block.box_pt = paragraph.box_pt;
    block.font_size_pt = median(line_sizes);
    block.block.type = classify(text, lines, paragraph, body_size_pt, block.font_size_pt,
                                bold_lines == paragraph.lines.size(), block.block.level, block.numbered);
    block.block.text = std::move(text);
    blocks.push_back(std::move(block));
  }
  if (input.ink != nullptr && input.ink->columns > 0) {
    for (PlacedBlock& figure : find_figures(input)) blocks.push_back(std::move(figure));
  }
  return blocks;
}

void sort_reading_order(std::vector<PlacedBlock>& blocks) {
  if (blocks.size() <= 1) return;
  std::vector<size_t> region(blocks.size());
  std::iota(region.begin(), region.end(), size_t{0});
  std::vector<size_t> order;
  order.reserve(blocks.size());
  xy_cut(blocks, std::move(region), order);
  std::vector<PlacedBlock> sorted;
  sorted.reserve(blocks.size());
  for (size_t index : order) sorted.push_back(std::move(blocks[index]));
  blocks = std::move(sorted);
}

}  // namespace exadoc::layout::native
