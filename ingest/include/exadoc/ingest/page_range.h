// exadoc/ingest/page_range.h — parsing of page selections such as "1-3,7,10-".
#pragma once

#include <stdexcept>
#include <string_view>
#include <vector>

namespace exadoc::ingest {

class PageRangeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Parses a 1-based selection against a document of page_count pages and returns 0-based indices in the
// order given, without duplicates. Grammar: "all" | item ("," item)*, item: N | N-M | N- | -M.
// Throws PageRangeError ("page 9 is past the last page (8)") on a malformed or out-of-range selection.
std::vector<int> parse_page_range(std::string_view selection, int page_count);

}  // namespace exadoc::ingest
