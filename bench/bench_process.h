// Benchmarks' shared helpers: run a command as a child process and time it (wall clock, peak memory).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace exadoc::bench {

struct Run {
  double seconds = 0;
  long peak_rss_kib = 0;
};

// Runs argv with stdout/stderr discarded; exits the benchmark if the command fails.
inline Run run(const std::vector<std::string>& argv) {
  std::fflush(stdout);  // or the child inherits our buffered lines and prints them again
  const auto started = std::chrono::steady_clock::now();
  const pid_t child = fork();
  if (child == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "bench: command failed (%s ...)\n", argv[0].c_str());
    std::exit(1);
  }
  return {seconds, usage.ru_maxrss};
}

// One warm-up run (page cache, dynamic loader), then the median of `repeat` runs; before_each cleans up
// outputs.
inline Run median_of(int repeat, const std::vector<std::string>& argv,
                     const std::function<void()>& before_each) {
  before_each();
  run(argv);
  std::vector<Run> runs;
  for (int i = 0; i < repeat; ++i) {
    before_each();
    runs.push_back(run(argv));
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.seconds < b.seconds; });
  return runs[runs.size() / 2];
}

inline double mib(long kib) {
  return static_cast<double>(kib) / 1024.0;
}

}  // namespace exadoc::bench
