#include <map>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include <exadoc/ingest/render_pages.h>

#include "test_support.h"

namespace exadoc::ingest {
namespace {

using exadoc::testing::samples_dir;

std::map<int, std::vector<uint8_t>> render_all(const PageSource& source, int jobs) {
  std::vector<int> pages(static_cast<size_t>(source.page_count()));
  for (int i = 0; i < source.page_count(); ++i) pages[static_cast<size_t>(i)] = i;
  std::mutex mutex;
  std::map<int, std::vector<uint8_t>> pixels;
  RenderOptions options;
  options.dpi = 50;
  const auto failures = render_pages(source, pages, options, jobs, [&](PageImage&& page) {
    std::vector<uint8_t> rgb = page.rgb_pixels();
    std::lock_guard lock(mutex);
    pixels[page.info().index] = std::move(rgb);
  });
  EXPECT_TRUE(failures.empty());
  return pixels;
}

TEST(RenderPages, ParallelRenderingGivesTheSamePixelsAsSerial) {
  const auto source = open_page_source(samples_dir() / "manual.pdf");
  const auto serial = render_all(*source, 1);
  const auto parallel = render_all(*source, 4);
  ASSERT_EQ(serial.size(), static_cast<size_t>(source->page_count()));
  EXPECT_EQ(serial, parallel);
}

TEST(RenderPages, AFailingPageIsReportedAndTheOthersGoOn) {
  const auto source = open_page_source(samples_dir() / "manual.pdf");
  std::mutex mutex;
  std::set<int> consumed;
  const auto failures = render_pages(*source, {0, 1, 2, 3}, {}, 2, [&](PageImage&& page) {
    if (page.info().index == 2) throw std::runtime_error("disk full while writing page 3");
    std::lock_guard lock(mutex);
    consumed.insert(page.info().index);
  });
  EXPECT_EQ(consumed, (std::set<int>{0, 1, 3}));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].page_index, 2);
  EXPECT_EQ(failures[0].message, "disk full while writing page 3");
}

}  // namespace
}  // namespace exadoc::ingest
