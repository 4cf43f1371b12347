// Private to app: stderr progress and log output. Results go to stdout; everything here goes to stderr,
// with a live progress line only when stderr is a terminal, plain lines otherwise (logs, CI, systemd).
#pragma once

#include <string>

namespace exadoc::app {

bool stderr_is_terminal();
// Installs the stderr log sink ("exadoc: warning: ...").
void install_console_log_sink();

// A one-line progress indicator; thread-safe. On a terminal it redraws one line; otherwise it is silent
// until finish(), which prints one plain line.
class Progress {
 public:
  Progress(std::string label, int total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance();
  // Clears the live line (on a terminal) and prints summary as a plain line.
  void finish(const std::string& summary);

 private:
  std::string label_;
  int total_;
  int done_ = 0;
  bool live_;
  bool finished_ = false;
};

}  // namespace exadoc::app
