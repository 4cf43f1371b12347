#include "thread_pool.h"
#include <algorithm>

namespace exadoc::model::cpu {

ThreadPool::ThreadPool(int threads) {
  const int total = std::max(1, threads);
  for (int index = 1; index < total; ++index) workers_.emplace_back([this, index] { worker_loop(index); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::parallel_for(int64_t count, int64_t min_per_thread,
                              const std::function<void(int64_t, int64_t)>& body) {
  if (count <= 0) return;
  const int chunks =
      static_cast<int>(std::clamp<int64_t>(count / std::max<int64_t>(1, min_per_thread), 1, size()));
  if (chunks == 1) {
    body(0, count);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    body_ = &body;
    count_ = count;
    chunks_ = chunks;
    pending_ = chunks - 1;
    ++generation_;
  }
  work_ready_.notify_all();
  body(0, count / chunks);  // chunk 0 on the caller
  std::unique_lock lock(mutex_);
  work_done_.wait(lock, [this] { return pending_ == 0; });
  body_ = nullptr;
}

void ThreadPool::worker_loop(int worker_index) {
  uint64_t seen = 0;
  while (true) {
    std::unique_lock lock(mutex_);
    work_ready_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    if (worker_index >= chunks_) continue;  // this round needs fewer workers
    const auto* body = body_;
    const int64_t begin = count_ * worker_index / chunks_;
    const int64_t end = count_ * (worker_index + 1) / chunks_;
    lock.unlock();
    (*body)(begin, end);
    lock.lock();
    if (--pending_ == 0) work_done_.notify_one();
  }
}

}  // namespace exadoc::model::cpu
