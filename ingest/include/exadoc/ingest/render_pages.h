// exadoc/ingest/render_pages.h — renders many pages of one document in parallel.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <exadoc/ingest/page_source.h>

namespace exadoc::ingest {

struct PageFailure {
  int page_index = 0;
  std::string message;  // the exception's full message (file and page included)
};

// Runs work(page_index) for the given pages on `jobs` threads (0: one per core). A page whose work throws is
// reported in the result, sorted by page; the other pages go on.
std::vector<PageFailure> for_each_page(const std::vector<int>& page_indices, int jobs,
                                       const std::function<void(int page_index)>& work);

// Renders the given pages on `jobs` threads (0: one per core) and hands each page to consume, on the thread
// that rendered it, so consume must be thread-safe (writing one file per page is). A page whose rendering or
// consume throws is reported in the result; the other pages go on.
std::vector<PageFailure> render_pages(const PageSource& source, const std::vector<int>& page_indices,
                                      const RenderOptions& options, int jobs,
                                      const std::function<void(PageImage&&)>& consume);

}  // namespace exadoc::ingest
