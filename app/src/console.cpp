#include "console.h"
#include <algorithm>
#include <cstdio>
#include <mutex>

#include <unistd.h>

#include <exadoc/base/log.h>

namespace exadoc::app {
namespace {

// Serialises everything written to stderr, so a log line never lands inside a progress line.
std::mutex& stderr_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

bool stderr_is_terminal() {
  return isatty(STDERR_FILENO) == 1;
}

void install_console_log_sink() {
  set_log_sink([](LogLevel level, std::string_view message) {
    std::lock_guard lock(stderr_mutex());
    std::fprintf(stderr, "exadoc: %s%s%.*s\n", level == LogLevel::kInfo ? "" : log_level_name(level).data(),
                 level == LogLevel::kInfo ? "" : ": ", static_cast<int>(message.size()), message.data());
  });
}

Progress::Progress(std::string label, int total, std::string unit)
    : label_(std::move(label)), total_(total), unit_(std::move(unit)), live_(stderr_is_terminal()) {}

Progress::~Progress() {
  if (!finished_) finish("");
}

void Progress::advance(const std::string& line, const std::string& detail) {
  std::lock_guard lock(stderr_mutex());
  ++done_;
  if (live_) std::fprintf(stderr, "\r\033[K");
  if (!line.empty()) std::fprintf(stderr, "%s\n", line.c_str());
  if (live_) {
    constexpr int kBarWidth = 30;
    const int filled = total_ > 0 ? std::min(done_, total_) * kBarWidth / total_ : kBarWidth;
    std::fprintf(stderr, "%s [%.*s%*s] %d/%d %s%s%s", label_.c_str(), filled,
                 "##############################", kBarWidth - filled, "", done_, total_, unit_.c_str(),
                 detail.empty() ? "" : ", ", detail.c_str());
  }
  std::fflush(stderr);
}

void Progress::finish(const std::string& summary) {
  std::lock_guard lock(stderr_mutex());
  finished_ = true;
  if (live_) std::fprintf(stderr, "\r\033[K");
  if (!summary.empty()) std::fprintf(stderr, "%s\n", summary.c_str());
  std::fflush(stderr);
}

}  // namespace exadoc::app
