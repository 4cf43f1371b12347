#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include <exadoc/ingest/render_pages.h>

namespace exadoc::ingest {

std::vector<PageFailure> for_each_page(const std::vector<int>& page_indices, int jobs,
                                       const std::function<void(int page_index)>& work) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads =
      std::clamp(jobs > 0 ? jobs : cores, 1, std::max(1, static_cast<int>(page_indices.size())));
  std::atomic<size_t> next{0};
  std::mutex failures_mutex;
  std::vector<PageFailure> failures;
  auto worker = [&] {
    for (size_t slot = next++; slot < page_indices.size(); slot = next++) {
      const int page_index = page_indices[slot];
      try {
        work(page_index);
      } catch (const std::exception& error) {
        std::lock_guard lock(failures_mutex);
        failures.push_back({page_index, error.what()});
      }
    }
  };
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::jthread> workers;
    workers.reserve(static_cast<size_t>(threads));
    for (int i = 0; i < threads; ++i) workers.emplace_back(worker);
  }
  std::sort(failures.begin(), failures.end(),
            [](const PageFailure& a, const PageFailure& b) { return a.page_index < b.page_index; });
  return failures;
}

std::vector<PageFailure> render_pages(const PageSource& source, const std::vector<int>& page_indices,
                                      const RenderOptions& options, int jobs,
                                      const std::function<void(PageImage&&)>& consume) {
  return for_each_page(page_indices, jobs,
                       [&](int page_index) { consume(source.render(page_index, options)); });
}

}  // namespace exadoc::ingest
