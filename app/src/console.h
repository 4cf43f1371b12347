// Private to app: stderr progress and log output. Results go to stdout; everything here goes to stderr,
// with a live progress line only when stderr is a terminal, plain lines otherwise (logs, CI, systemd).
#pragma once

#include <string>

namespace exadoc::app {

bool stderr_is_terminal();
// Installs the stderr log sink ("exadoc: warning: ...").
void install_console_log_sink();

// A one-line progress indicator; thread-safe. On a terminal it redraws one line; otherwise it is silent
// until finish(), which prints one plain line. Lines passed to advance() are printed in both cases (above the
// live line on a terminal): the plain progress of logs, CI and systemd.
class Progress {
 public:
  Progress(std::string label, int total, std::string unit = "pages");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(const std::string& line = "", const std::string& detail = "");
  // Clears the live line (on a terminal) and prints summary as a plain line.
  void finish(const std::string& summary);

 private:
  std::string label_;
  int total_;
  std::string unit_;
  int done_ = 0;
  bool live_;
  bool finished_ = false;
};

}  // namespace exadoc::app
