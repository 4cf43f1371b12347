// A tolerant reader of model output. The HTML path is a small tokenizer (tags, attributes, text, entities)
// and a walk that takes every element carrying data-bbox or data-type (or, failing that, a block-level tag)
// as one block; nothing from the model's markup is passed through: tables are rebuilt from their cells, text
// is text.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include <exadoc/base/utf8.h>
#include <exadoc/layout/vlm_output.h>

namespace exadoc::layout {
namespace {

constexpr Box1000 kWholePage{0, 0, 1000, 1000};
// A block repeated this many times in a row is a generation loop, not content.
constexpr int kRepeatedBlocks = 3;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

// Stands for <br> in collected text until collapse_spaces turns it into '\n' (source line breaks are spaces).
constexpr char kLineBreak = '\x01';

// Whitespace runs become one space (line breaks made by <br> survive as '\n'); ends trimmed.
std::string collapse_spaces(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == kLineBreak) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += '\n';
      space = false;
    } else if (is_space(c)) {
      space = true;
    } else {
      if (space && !out.empty() && out.back() != '\n') out += ' ';
      space = false;
      out += c;
    }
  }
  return trim(out);
}

// &amp; &lt; &gt; &quot; &apos; &nbsp; and numeric references; anything else stays as written.
std::string decode_entities(std::string_view text) {
  static const std::map<std::string, std::string, std::less<>> kNamed = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}};
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const size_t semicolon = text.find(';', i + 1);
    if (semicolon == std::string_view::npos || semicolon - i > 10) {
      out += '&';
      continue;
    }
    const std::string_view name = text.substr(i + 1, semicolon - i - 1);
    if (!name.empty() && name[0] == '#') {
      const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
      const std::string_view digits = name.substr(hex ? 2 : 1);
      uint32_t value = 0;
      const auto [end, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
      if (error == std::errc() && end == digits.data() + digits.size() && !digits.empty()) {
        append_utf8(value == 0 ? char32_t{0xFFFD} : static_cast<char32_t>(value), out);  // NUL is no text
        i = semicolon;
        continue;
      }
    } else if (const auto named = kNamed.find(name); named != kNamed.end()) {
      out += named->second;
      i = semicolon;
      continue;
    }
    out += '&';
  }
  return out;
}

struct Tag {
  std::string name;  // lower case
  std::map<std::string, std::string> attributes;
  bool end = false;           // </name>
  bool self_closing = false;  // <name/>
};

struct Token {
  enum class Kind { kText, kTag } kind = Kind::kText;
  std::string text;  // kText: raw text (entities not yet decoded)
  Tag tag;
};

// Splits HTML into tags and text. Sets `truncated` when the input ends inside a tag or comment.
std::vector<Token> tokenize_html(std::string_view html, bool& truncated) {
  std::vector<Token> tokens;
  size_t i = 0;
  auto add_text = [&tokens](std::string_view text) {
    if (text.empty()) return;
    if (!tokens.empty() && tokens.back().kind == Token::Kind::kText) {
      tokens.back().text += text;
    } else {
      tokens.push_back({Token::Kind::kText, std::string(text), {}});
    }
  };
  while (i < html.size()) {
    if (html[i] != '<') {
      const size_t next = html.find('<', i);
      const size_t end = next == std::string_view::npos ? html.size() : next;
      add_text(html.substr(i, end - i));
      i = end;
      continue;
    }
    if (html.substr(i, 4) == "<!--") {
      const size_t close = html.find("-->", i + 4);
      if (close == std::string_view::npos) {
        truncated = true;
        return tokens;
      }
      i = close + 3;
      continue;
    }
    const bool end_tag = i + 1 < html.size() && html[i + 1] == '/';
    const size_t name_start = i + (end_tag ? 2 : 1);
    if (name_start >= html.size() || !std::isalpha(static_cast<unsigned char>(html[name_start]))) {
      if (name_start >= html.size()) truncated = true;
      add_text("<");  // a lone '<' is text ("a < b")
      ++i;
      continue;
    }
    Tag tag;
    tag.end = end_tag;
    size_t at = name_start;
    while (at < html.size() &&
           (std::isalnum(static_cast<unsigned char>(html[at])) || html[at] == '-' || html[at] == ':'))
      ++at;
    tag.name = lower(html.substr(name_start, at - name_start));
    // Attributes: name, name=value, name="value", name='value'.
    bool closed = false;
    while (at < html.size()) {
      while (at < html.size() && is_space(html[at])) ++at;
      if (at >= html.size()) break;
      if (html[at] == '>') {
        closed = true;
        ++at;
        break;
      }
      if (html[at] == '/') {
        tag.self_closing = true;
        ++at;
        continue;
      }
      const size_t attribute_start = at;
      while (at < html.size() && !is_space(html[at]) && html[at] != '=' && html[at] != '>' && html[at] != '/')
        ++at;
      std::string attribute = lower(html.substr(attribute_start, at - attribute_start));
      while (at < html.size() && is_space(html[at])) ++at;
      std::string value;
      if (at < html.size() && html[at] == '=') {
        ++at;
        while (at < html.size() && is_space(html[at])) ++at;
        if (at < html.size() && (html[at] == '"' || html[at] == '\'')) {
          const char quote = html[at];
          const size_t close = html.find(quote, at + 1);
          if (close == std::string_view::npos) {
            at = html.size();
            break;
          }
          value = decode_entities(html.substr(at + 1, close - at - 1));
          at = close + 1;
        } else {
          const size_t value_start = at;
          while (at < html.size() && !is_space(html[at]) && html[at] != '>') ++at;
          value = decode_entities(html.substr(value_start, at - value_start));
        }
      }
      if (attribute.empty()) {
        ++at;  // a stray character such as '"'
        continue;
      }
      tag.attributes.emplace(std::move(attribute), std::move(value));
    }
    if (!closed) {
      truncated = true;
      return tokens;
    }
    i = at;
    tokens.push_back({Token::Kind::kTag, {}, std::move(tag)});
  }
  return tokens;
}

bool is_void_element(const std::string& name) {
  static const std::set<std::string> kVoid = {"br",  "img", "hr",   "meta",  "input",
                                              "col", "wbr", "link", "source"};
  return kVoid.count(name) > 0;
}

// The block type a tag stands for when it carries no data-type.
std::optional<BlockType> type_of_tag(const std::string& name, int& level) {
  if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
    level = name[1] - '0';
    return BlockType::kSectionHeader;
  }
  static const std::map<std::string, BlockType> kTags = {{"p", BlockType::kText},
                                                         {"div", BlockType::kText},
                                                         {"li", BlockType::kListItem},
                                                         {"ul", BlockType::kListItem},
                                                         {"ol", BlockType::kListItem},
                                                         {"table", BlockType::kTable},
                                                         {"figure", BlockType::kFigure},
                                                         {"img", BlockType::kFigure},
                                                         {"figcaption", BlockType::kCaption},
                                                         {"caption", BlockType::kCaption},
                                                         {"pre", BlockType::kCode},
                                                         {"code", BlockType::kCode},
                                                         {"header", BlockType::kPageHeader},
                                                         {"footer", BlockType::kPageFooter},
                                                         {"math", BlockType::kFormula},
                                                         {"blockquote", BlockType::kText},
                                                         {"section", BlockType::kText},
                                                         {"aside", BlockType::kFootnote}};
  const auto it = kTags.find(name);
  if (it == kTags.end()) return std::nullopt;
  return it->second;
}

// Model category names seen in grounding outputs, besides ours.
std::optional<BlockType> type_of_category(std::string_view name) {
  std::string key = lower(trim(name));
  std::replace(key.begin(), key.end(), '-', '_');
  std::replace(key.begin(), key.end(), ' ', '_');
  if (auto type = parse_block_type(key)) return type;
  static const std::map<std::string, BlockType> kAliases = {
      {"paragraph", BlockType::kText},        {"plain_text", BlockType::kText},
      {"heading", BlockType::kSectionHeader}, {"header", BlockType::kSectionHeader},
      {"section", BlockType::kSectionHeader}, {"list", BlockType::kListItem},
      {"picture", BlockType::kFigure},        {"image", BlockType::kFigure},
      {"equation", BlockType::kFormula},      {"page_number", BlockType::kPageFooter},
      {"title_page", BlockType::kTitle},      {"parts_list", BlockType::kBomTable},
      {"bom", BlockType::kBomTable},          {"note", BlockType::kDrawingNote}};
  const auto it = kAliases.find(key);
  if (it == kAliases.end()) return std::nullopt;
  return it->second;
}

// "x1 y1 x2 y2" (commas, brackets and decimals allowed) to a box on 0–1000, repaired where it can be.
Box1000 parse_box(std::string_view text, std::vector<std::string>& warnings, const std::string& where) {
  std::vector<double> numbers;
  for (size_t i = 0; i < text.size() && numbers.size() < 5;) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        ((c == '-' || c == '+' || c == '.') && i + 1 < text.size())) {
      const std::string rest(text.substr(i, 32));
      char* end = nullptr;
      const double value = std::strtod(rest.c_str(), &end);
      if (end != rest.c_str()) {
        numbers.push_back(value);
        i += static_cast<size_t>(end - rest.c_str());
        continue;
      }
    }
    ++i;
  }
  if (numbers.size() != 4) {
    warnings.push_back(where + ": the box \"" + std::string(text.substr(0, 40)) +
                       "\" does not have four numbers; the block is placed on the whole page");
    return kWholePage;
  }
  bool clamped = false;
  int values[4];
  for (int k = 0; k < 4; ++k) {
    const double v = numbers[static_cast<size_t>(k)];
    const double bounded = std::clamp(v, 0.0, 1000.0);
    clamped = clamped || bounded != v || v != v;
    values[k] = v != v ? 0 : static_cast<int>(std::lround(bounded));
  }
  if (clamped) warnings.push_back(where + ": box coordinates outside 0-1000 were clamped");
  Box1000 box{values[0], values[1], values[2], values[3]};
  if (box.x1 > box.x2 || box.y1 > box.y2) {
    warnings.push_back(where + ": an inverted box was put the right way round");
    if (box.x1 > box.x2) std::swap(box.x1, box.x2);
    if (box.y1 > box.y2) std::swap(box.y1, box.y2);
  }
  return box;
}

// ---- HTML -------------------------------------------------------------------------------------------------

struct CellBuilder {
  bool header = false;
  int row_span = 1, column_span = 1;
  std::string text;
};

struct BlockBuilder {
  Block block;
  std::string tag;       // the element that opened it
  size_t depth = 0;      // the open-element stack size when it opened
  std::string text;      // raw text with '\n' for <br> and block boundaries
  int table_depth = 0;   // tables open inside the block (the outermost one is the grid)
  bool in_head = false;  // inside <thead>
  std::vector<std::vector<CellBuilder>> rows;
  CellBuilder* cell = nullptr;
};

int span_of(const Tag& tag, const char* name) {
  const auto it = tag.attributes.find(name);
  if (it == tag.attributes.end()) return 1;
  int value = 1;
  const auto [end, error] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  (void)end;
  return error == std::errc() ? std::clamp(value, 1, 1000) : 1;
}

// The HTML table algorithm, reduced: cells fill the next free slot of their row; spans reserve slots below.
Table build_table(const std::vector<std::vector<CellBuilder>>& rows) {
  Table table;
  std::set<std::pair<int, int>> taken;
  int row_index = 0;
  for (const auto& row : rows) {
    int column = 0;
    for (const CellBuilder& built : row) {
      while (taken.count({row_index, column}) > 0) ++column;
      TableCell cell;
      cell.row = row_index;
      cell.column = column;
      cell.row_span = std::min(built.row_span, std::max(1, static_cast<int>(rows.size()) - row_index));
      cell.column_span = built.column_span;
      cell.header = built.header;
      cell.text = collapse_spaces(decode_entities(built.text));
      for (int r = 0; r < cell.row_span; ++r) {
        for (int c = 0; c < cell.column_span; ++c) taken.insert({row_index + r, column + c});
      }
      table.columns = std::max(table.columns, column + cell.column_span);
      column += cell.column_span;
      table.cells.push_back(std::move(cell));
    }
    ++row_index;
  }
  table.rows = static_cast<int>(rows.size());
  return table;
}

std::string table_plain_text(const Table& table) {
  std::vector<std::vector<std::string>> grid(static_cast<size_t>(table.rows),
                                             std::vector<std::string>(static_cast<size_t>(table.columns)));
  for (const TableCell& cell : table.cells)
    grid[static_cast<size_t>(cell.row)][static_cast<size_t>(cell.column)] = cell.text;
  std::string text;
  for (const auto& row : grid) {
    if (!text.empty()) text += '\n';
    for (size_t c = 0; c < row.size(); ++c) text += (c > 0 ? "\t" : "") + row[c];
  }
  return text;
}

bool is_block_tag(const Tag& tag) {
  if (tag.attributes.count("data-bbox") > 0 || tag.attributes.count("data-type") > 0) return true;
  int level = 0;
  return type_of_tag(tag.name, level).has_value() && tag.name != "div" && tag.name != "section";
}

Block finish_block(BlockBuilder& builder, std::vector<std::string>& warnings, size_t index) {
  Block block = std::move(builder.block);
  const std::string where = "block " + std::to_string(index + 1);
  if (block.type == BlockType::kTable || block.type == BlockType::kBomTable) {
    if (!builder.rows.empty()) {
      Table table = build_table(builder.rows);
      block.text = table_plain_text(table);
      block.html = table_to_html(table);
      block.table = std::move(table);
      return block;
    }
    if (block.type == BlockType::kTable) warnings.push_back(where + ": a table without rows is kept as text");
    block.type = BlockType::kText;
  }
  block.text = collapse_spaces(decode_entities(builder.text));
  if (block.type == BlockType::kFormula) block.latex = block.text;
  return block;
}

VlmPage parse_html(std::string_view text) {
  VlmPage page;
  page.format = VlmFormat::kHtml;
  bool truncated = false;
  const std::vector<Token> tokens = tokenize_html(text, truncated);
  std::vector<std::string> open;  // element names
  std::optional<BlockBuilder> current;
  std::string stray;  // text outside every block
  auto flush_stray = [&] {
    const std::string loose = collapse_spaces(decode_entities(stray));
    stray.clear();
    if (loose.empty()) return;
    Block block;
    block.type = BlockType::kText;
    block.box = kWholePage;
    block.text = loose;
    block.source = BlockSource::kVlm;
    page.warnings.push_back("text outside any block (\"" + loose.substr(0, 40) + "\") is kept without a box");
    page.blocks.push_back(std::move(block));
  };
  bool boxed_any = false;  // an element carried data-bbox
  auto close_current = [&] {
    page.blocks.push_back(finish_block(*current, page.warnings, page.blocks.size()));
    current.reset();
  };

  for (const Token& token : tokens) {
    if (token.kind == Token::Kind::kText) {
      if (!current) {
        stray += token.text;
      } else if (current->cell != nullptr) {
        current->cell->text += token.text;
      } else {
        current->text += token.text;
      }
      continue;
    }
    const Tag& tag = token.tag;
    if (tag.end) {
      // Close up to the matching element; an end tag with no open match is ignored (unbalanced output).
      const auto match = std::find(open.rbegin(), open.rend(), tag.name);
      if (match == open.rend()) continue;
      const size_t new_size = static_cast<size_t>(open.rend() - match) - 1;
      if (current) {
        for (size_t k = open.size(); k > new_size; --k) {
          const std::string& closing = open[k - 1];
          if (closing == "table") --current->table_depth;
          if (closing == "thead") current->in_head = false;
          if ((closing == "td" || closing == "th") && current->table_depth == 1) current->cell = nullptr;
        }
      }
      open.resize(new_size);
      if (current && open.size() <= current->depth) close_current();
      if (current && current->cell == nullptr && (tag.name == "p" || tag.name == "li" || tag.name == "div")) {
        current->text += kLineBreak;
      }
      continue;
    }
    // A start tag.
    if (!current && is_block_tag(tag)) {
      flush_stray();
      BlockBuilder builder;
      builder.tag = tag.name;
      builder.depth = open.size();
      int level = 0;
      std::optional<BlockType> type;
      const std::string where = "block " + std::to_string(page.blocks.size() + 1);
      if (const auto it = tag.attributes.find("data-type"); it != tag.attributes.end()) {
        type = type_of_category(it->second);
        if (!type)
          page.warnings.push_back(where + ": unknown type \"" + it->second.substr(0, 30) + "\" read as text");
      }
      const std::optional<BlockType> tag_type = type_of_tag(tag.name, level);  // also the level of <hN>
      if (!type) type = tag_type;
      if (!type) type = BlockType::kText;
      builder.block.type = *type;
      if (const auto it = tag.attributes.find("data-level"); it != tag.attributes.end())
        level = std::atoi(it->second.c_str());
      if (builder.block.type == BlockType::kSectionHeader)
        builder.block.level = std::clamp(level > 0 ? level : 1, 1, 6);
      if (const auto it = tag.attributes.find("data-bbox"); it != tag.attributes.end()) {
        boxed_any = true;
        builder.block.box = parse_box(it->second, page.warnings, where);
      } else {
        page.warnings.push_back(where + ": no data-bbox; the block is placed on the whole page");
        builder.block.box = kWholePage;
      }
      builder.block.source = BlockSource::kVlm;
      if (tag.name == "img") {
        if (const auto alt = tag.attributes.find("alt"); alt != tag.attributes.end())
          builder.text = alt->second;
      }
      current = std::move(builder);
    }
    if (current) {
      if (tag.name == "br") (current->cell != nullptr ? current->cell->text : current->text) += kLineBreak;
      if (tag.name == "table") ++current->table_depth;
      if (tag.name == "thead") current->in_head = true;
      if (current->table_depth == 1 && tag.name == "tr") {
        current->rows.emplace_back();
        current->cell = nullptr;
      }
      if (current->table_depth == 1 && (tag.name == "td" || tag.name == "th")) {
        if (current->rows.empty()) current->rows.emplace_back();  // cells without <tr>
        CellBuilder cell;
        cell.header = tag.name == "th" || current->in_head;
        cell.row_span = span_of(tag, "rowspan");
        cell.column_span = span_of(tag, "colspan");
        current->rows.back().push_back(std::move(cell));
        current->cell = &current->rows.back().back();
      } else if (current->table_depth > 1 && (tag.name == "td" || tag.name == "th") &&
                 current->cell != nullptr) {
        current->cell->text += ' ';  // a nested table's cells run together inside the outer cell
      }
    }
    if (!is_void_element(tag.name) && !tag.self_closing) {
      open.push_back(tag.name);
    } else if (current && open.size() <= current->depth) {
      close_current();  // a void block element such as <img data-bbox=...>
    }
  }
  if (current) {
    truncated = true;
    close_current();
  }
  flush_stray();
  // Markup without a single block element (the odd '<' in prose, tags the prompt did not ask for) is not the
  // format asked for: the page is reported as text.
  if (std::none_of(
          page.blocks.begin(), page.blocks.end(),
          [](const Block& block) { return !block.text.empty() && block.box.x2 - block.box.x1 < 1000; }) &&
      !boxed_any) {
    page.format = VlmFormat::kPlainText;
  }
  if (truncated) {
    page.truncated = true;
    page.warnings.push_back(
        "the output ends in the middle of an element (truncated); what was complete is kept");
  }
  return page;
}

// ---- JSON -------------------------------------------------------------------------------------------------

VlmPage parse_json(std::string_view text) {
  VlmPage page;
  page.format = VlmFormat::kJson;
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) {
    // Truncated output: keep the objects that were complete.
    const size_t last = text.rfind('}');
    if (last != std::string_view::npos) {
      std::string repaired(text.substr(0, last + 1));
      const size_t first = repaired.find_first_not_of(" \t\r\n");
      if (first != std::string::npos && repaired[first] == '[') repaired += ']';
      value = nlohmann::json::parse(repaired, nullptr, false);
    }
    page.truncated = true;
    page.warnings.push_back("the JSON output is cut off or malformed; the complete entries are kept");
  }
  if (value.is_object()) {
    for (const char* key : {"blocks", "layout", "elements", "items"}) {
      if (value.contains(key) && value[key].is_array()) {
        value = value[key];
        break;
      }
    }
    if (value.is_object()) value = nlohmann::json::array({value});
  }
  if (!value.is_array()) {
    page.warnings.push_back("the JSON output is not a list of blocks");
    return page;
  }
  size_t index = 0;
  for (const nlohmann::json& item : value) {
    ++index;
    const std::string where = "entry " + std::to_string(index);
    if (!item.is_object()) {
      page.warnings.push_back(where + ": not an object, skipped");
      continue;
    }
    Block block;
    block.source = BlockSource::kVlm;
    std::string category;
    for (const char* key : {"category", "type", "label", "class"}) {
      if (item.contains(key) && item[key].is_string()) {
        category = item[key].get<std::string>();
        break;
      }
    }
    const std::optional<BlockType> type = category.empty() ? std::nullopt : type_of_category(category);
    if (!category.empty() && !type)
      page.warnings.push_back(where + ": unknown category \"" + category.substr(0, 30) + "\" read as text");
    block.type = type.value_or(BlockType::kText);
    if (block.type == BlockType::kSectionHeader) block.level = 1;
    block.box = kWholePage;
    bool boxed = false;
    for (const char* key : {"bbox", "bbox_2d", "box", "bounding_box"}) {
      if (!item.contains(key)) continue;
      const nlohmann::json& box = item[key];
      std::string box_text;
      if (box.is_string()) {
        box_text = box.get<std::string>();
      } else if (box.is_array()) {
        for (const auto& number : box)
          box_text += (number.is_number() ? std::to_string(number.get<double>()) : std::string("x")) + " ";
      }
      block.box = parse_box(box_text, page.warnings, where);
      boxed = true;
      break;
    }
    if (!boxed) page.warnings.push_back(where + ": no bbox; the block is placed on the whole page");
    for (const char* key : {"text", "content", "html"}) {
      if (item.contains(key) && item[key].is_string()) {
        std::string content = item[key].get<std::string>();
        if (content.find('<') != std::string::npos &&
            (block.type == BlockType::kTable || block.type == BlockType::kBomTable)) {
          VlmPage inner =
              parse_html("<table data-type=\"table\" data-bbox=\"0 0 1000 1000\">" + content + "</table>");
          if (!inner.blocks.empty() && inner.blocks[0].table) {
            block.table = inner.blocks[0].table;
            block.html = inner.blocks[0].html;
            block.text = inner.blocks[0].text;
            break;
          }
        }
        block.text = collapse_spaces(content);
        break;
      }
    }
    if ((block.type == BlockType::kTable || block.type == BlockType::kBomTable) && !block.table)
      block.type = BlockType::kText;
    page.blocks.push_back(std::move(block));
  }
  return page;
}

// ---- Markdown and plain text
// --------------------------------------------------------------------------------

std::vector<std::string> split_cells(std::string_view line) {
  std::string row = trim(line);
  if (!row.empty() && row.front() == '|') row.erase(0, 1);
  if (!row.empty() && row.back() == '|') row.pop_back();
  std::vector<std::string> cells;
  size_t start = 0;
  for (size_t i = 0; i <= row.size(); ++i) {
    if (i == row.size() || row[i] == '|') {
      cells.push_back(trim(std::string_view(row).substr(start, i - start)));
      start = i + 1;
    }
  }
  return cells;
}

bool is_separator_row(const std::vector<std::string>& cells) {
  return std::all_of(cells.begin(), cells.end(), [](const std::string& cell) {
    return !cell.empty() && cell.find_first_not_of("-: ") == std::string::npos;
  });
}

VlmPage parse_markdown(std::string_view text, bool markdown) {
  VlmPage page;
  page.format = markdown ? VlmFormat::kMarkdown : VlmFormat::kPlainText;
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      lines.push_back(std::string(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  auto add = [&page](BlockType type, std::string content, int level = 0) {
    content = collapse_spaces(content);
    if (content.empty()) return;
    Block block;
    block.type = type;
    block.box = kWholePage;
    block.text = std::move(content);
    block.level = level;
    block.source = BlockSource::kVlm;
    page.blocks.push_back(std::move(block));
  };
  std::string paragraph;
  auto end_paragraph = [&] {
    add(BlockType::kText, paragraph);
    paragraph.clear();
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string line = trim(lines[i]);
    if (line.empty()) {
      end_paragraph();
      continue;
    }
    if (markdown && line.front() == '#') {
      end_paragraph();
      const size_t hashes = line.find_first_not_of('#');
      add(BlockType::kSectionHeader, line.substr(std::min(line.size(), hashes)),
          static_cast<int>(std::min<size_t>(hashes, 6)));
      continue;
    }
    if (markdown && line.front() == '|') {
      end_paragraph();
      std::vector<std::vector<CellBuilder>> rows;
      for (; i < lines.size() && !trim(lines[i]).empty() && trim(lines[i]).front() == '|'; ++i) {
        const std::vector<std::string> cells = split_cells(lines[i]);
        if (is_separator_row(cells)) continue;
        std::vector<CellBuilder> row;
        row.reserve(cells.size());
        for (const std::string& cell : cells) row.push_back({rows.empty(), 1, 1, cell});
        rows.push_back(std::move(row));
      }
      --i;
      Block block;
      block.type = BlockType::kTable;
      block.box = kWholePage;
      block.source = BlockSource::kVlm;
      block.table = build_table(rows);
      block.text = table_plain_text(*block.table);
      block.html = table_to_html(*block.table);
      page.blocks.push_back(std::move(block));
      continue;
    }
    if (markdown && (line.rfind("- ", 0) == 0 || line.rfind("* ", 0) == 0 || line.rfind("+ ", 0) == 0)) {
      end_paragraph();
      add(BlockType::kListItem, line.substr(2));
      continue;
    }
    paragraph += (paragraph.empty() ? "" : " ") + line;
  }
  end_paragraph();
  if (!page.blocks.empty()) {
    page.warnings.push_back(std::string("no boxes: the model answered in ") +
                            (markdown ? "Markdown" : "plain text") +
                            " instead of HTML with data-bbox; its blocks are placed on the whole page");
  }
  return page;
}

std::string strip_code_fence(std::string_view text) {
  std::string body = trim(text);
  if (body.rfind("```", 0) != 0) return body;
  const size_t first_line = body.find('\n');
  if (first_line == std::string::npos) return "";
  body.erase(0, first_line + 1);
  const size_t fence = body.rfind("```");
  if (fence != std::string::npos) body.erase(fence);
  return body;
}

// The start of a repeated tail to cut (keeping its first copy), or npos.
size_t repetition_cut_point(std::string_view text, int repeats, size_t min_period) {
  const size_t n = text.size();
  constexpr size_t kMaxPeriod = 2048;
  for (size_t period = min_period; period <= std::min(kMaxPeriod, n / static_cast<size_t>(repeats));
       ++period) {
    const size_t span = period * static_cast<size_t>(repeats);
    bool periodic = true;
    for (size_t k = 1; k + period <= span && periodic; ++k) periodic = text[n - k] == text[n - k - period];
    if (!periodic) continue;
    // Extend the periodic run as far back as it goes, then keep one copy. Where the copy ends depends on
    // where the run happened to start; if a closing tag follows within the next copy, the cut moves past it,
    // so that a loop of whole elements leaves its first element whole.
    size_t begin = n - span;
    while (begin >= 1 && text[begin - 1] == text[begin - 1 + period]) --begin;
    const size_t cut = begin + period;
    const size_t closing = text.substr(cut, period).find("</");
    if (closing != std::string_view::npos) {
      const size_t end = text.find('>', cut + closing);
      if (end != std::string_view::npos && end < cut + period) return end + 1;
    }
    return cut;
  }
  return std::string_view::npos;
}

// Drops runs of identical blocks (a loop at block level, which the text-level check misses when boxes
// differ).
void drop_repeated_blocks(VlmPage& page) {
  std::vector<Block> kept;
  size_t dropped = 0;
  int run = 0;  // earlier copies of the current block, right before it
  for (Block& block : page.blocks) {
    const bool same = !kept.empty() && kept.back().type == block.type && kept.back().text == block.text &&
                      !block.text.empty();
    run = same ? run + 1 : 0;
    if (run >= kRepeatedBlocks - 1) {
      ++dropped;
      continue;
    }
    kept.push_back(std::move(block));
  }
  if (dropped > 0) {
    page.repetition_cut = true;
    page.warnings.push_back("one block was repeated " + std::to_string(dropped + kRepeatedBlocks - 1) +
                            " times in a row (a generation loop); " + std::to_string(dropped) +
                            " repeats were dropped");
  }
  page.blocks = std::move(kept);
}

}  // namespace

std::string_view page_prompt() {
  return "Convert this document page to HTML. Write one element per layout block, in reading order. Give "
         "every "
         "element a data-type attribute, one of: title, section_header, text, list_item, table, figure, "
         "caption, "
         "formula, code, footnote, page_header, page_footer, title_block, drawing_note, bom_table, "
         "dimension; and a "
         "data-bbox attribute \"x1 y1 x2 y2\" with the block's box on a 0-1000 grid of the page width and "
         "height. "
         "Use <h1>-<h6> for headings, <p> for text, <li> for list items, <table> with <th>, <td>, rowspan "
         "and colspan "
         "for tables, and <figure> for figures and drawings. Transcribe all text exactly, including part "
         "numbers, "
         "drawing numbers and Korean text. Output only the HTML.";
}

std::string_view vlm_format_name(VlmFormat format) {
  switch (format) {
    case VlmFormat::kHtml:
      return "html";
    case VlmFormat::kJson:
      return "json";
    case VlmFormat::kMarkdown:
      return "markdown";
    case VlmFormat::kPlainText:
      return "text";
    case VlmFormat::kEmpty:
      break;
  }
  return "empty";
}

bool ends_in_repetition(std::string_view text, int repeats, size_t min_period) {
  return repetition_cut_point(text, std::max(2, repeats), std::max<size_t>(1, min_period)) !=
         std::string_view::npos;
}

VlmPage parse_vlm_output(std::string_view text) {
  std::string body = strip_code_fence(text);
  // Reasoning the model was asked not to write is not page content.
  if (const size_t think_end = body.find("</think>"); think_end != std::string::npos)
    body.erase(0, think_end + 8);
  bool cut = false;
  if (const size_t at = repetition_cut_point(body, 4, 8); at != std::string::npos) {
    body.erase(at);
    cut = true;
  }
  const std::string trimmed = trim(body);
  VlmPage page;
  if (trimmed.empty()) {
    page.format = VlmFormat::kEmpty;
    page.warnings.push_back("the model wrote nothing for this page");
  } else if (trimmed.front() == '[' || trimmed.front() == '{') {
    page = parse_json(trimmed);
    if (page.blocks.empty()) page = parse_markdown(trimmed, false);
  } else {
    bool has_tags = false;
    for (size_t i = 0; i + 1 < trimmed.size() && !has_tags; ++i) {
      has_tags = trimmed[i] == '<' &&
                 (std::isalpha(static_cast<unsigned char>(trimmed[i + 1])) || trimmed[i + 1] == '/');
    }
    if (has_tags) {
      page = parse_html(trimmed);
    } else {
      const bool markdown = trimmed.front() == '#' || trimmed.find("\n#") != std::string::npos ||
                            trimmed.find("\n|") != std::string::npos || trimmed.front() == '|' ||
                            trimmed.find("\n- ") != std::string::npos;
      page = parse_markdown(trimmed, markdown);
    }
  }
  if (cut) {
    page.repetition_cut = true;
    page.warnings.push_back(
        "the output repeated itself to the end (a generation loop); the repeats were cut");
  }
  drop_repeated_blocks(page);
  return page;
}

}  // namespace exadoc::layout
