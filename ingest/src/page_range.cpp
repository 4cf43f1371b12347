#include <algorithm>
#include <charconv>
#include <string>

#include <exadoc/ingest/page_range.h>

namespace exadoc::ingest {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

int parse_page_number(std::string_view text, std::string_view item) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1) {
    throw PageRangeError("invalid page selection '" + std::string(item) +
                         "': pages are numbers from 1, as in '1-3,7,10-'");
  }
  return value;
}

}  // namespace

std::vector<int> parse_page_range(std::string_view selection, int page_count) {
  selection = trim(selection);
  std::vector<int> pages;
  auto add = [&](int first, int last, std::string_view item) {
    const int beyond = first > page_count ? first : last;
    if (beyond > page_count) {
      throw PageRangeError("page " + std::to_string(beyond) + " is past the last page (" +
                           std::to_string(page_count) + ")");
    }
    if (first > last) {
      throw PageRangeError("invalid page selection '" + std::string(item) + "': the range runs backwards");
    }
    for (int page = first; page <= last; ++page) {
      if (std::find(pages.begin(), pages.end(), page - 1) == pages.end()) pages.push_back(page - 1);
    }
  };
  if (selection.empty() || selection == "all") {
    if (page_count > 0) add(1, page_count, selection);
    return pages;
  }
  while (!selection.empty()) {
    const size_t comma = selection.find(',');
    const std::string_view item = trim(selection.substr(0, comma));
    selection = comma == std::string_view::npos ? std::string_view() : selection.substr(comma + 1);
    if (item.empty()) throw PageRangeError("invalid page selection: empty item between commas");
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      const int page = parse_page_number(item, item);
      add(page, page, item);
      continue;
    }
    const std::string_view first_text = trim(item.substr(0, dash));
    const std::string_view last_text = trim(item.substr(dash + 1));
    const int first = first_text.empty() ? 1 : parse_page_number(first_text, item);
    const int last = last_text.empty() ? page_count : parse_page_number(last_text, item);
    add(first, last, item);
  }
  return pages;
}

}  // namespace exadoc::ingest
