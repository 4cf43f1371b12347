#include <gtest/gtest.h>

#include <exadoc/ingest/page_range.h>

namespace exadoc::ingest {
namespace {

TEST(PageRange, SelectsPagesInTheOrderGiven) {
  EXPECT_EQ(parse_page_range("all", 4), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(parse_page_range("", 3), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(parse_page_range("2", 5), (std::vector<int>{1}));
  EXPECT_EQ(parse_page_range("1-3,7", 8), (std::vector<int>{0, 1, 2, 6}));
  EXPECT_EQ(parse_page_range("6-", 8), (std::vector<int>{5, 6, 7}));
  EXPECT_EQ(parse_page_range("-2", 8), (std::vector<int>{0, 1}));
  EXPECT_EQ(parse_page_range("5, 1-2, 2", 8), (std::vector<int>{4, 0, 1}));
}

void expect_error(std::string_view selection, int page_count, const std::string& message) {
  try {
    parse_page_range(selection, page_count);
    FAIL() << "expected PageRangeError for '" << selection << "'";
  } catch (const PageRangeError& error) {
    EXPECT_EQ(error.what(), message);
  }
}

TEST(PageRange, ExplainsBadSelections) {
  expect_error("9", 8, "page 9 is past the last page (8)");
  expect_error("10-", 8, "page 10 is past the last page (8)");
  expect_error("3-12", 8, "page 12 is past the last page (8)");
  expect_error("5-2", 8, "invalid page selection '5-2': the range runs backwards");
  expect_error("0", 8, "invalid page selection '0': pages are numbers from 1, as in '1-3,7,10-'");
  expect_error("two", 8, "invalid page selection 'two': pages are numbers from 1, as in '1-3,7,10-'");
  expect_error("1,,2", 8, "invalid page selection: empty item between commas");
}

}  // namespace
}  // namespace exadoc::ingest
