// Shared helpers for exadoc's tests: paths to the checked-in data, temporary folders, running commands.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace exadoc::testing {

inline std::filesystem::path source_dir() {
  return EXADOC_SOURCE_DIR;
}
inline std::filesystem::path samples_dir() {
  return source_dir() / "samples";
}
inline std::filesystem::path data_dir() {
  return source_dir() / "tests" / "data";
}

inline nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream stream(file);
  if (!stream) throw std::runtime_error("cannot open " + file.string());
  return nlohmann::json::parse(stream);
}

inline nlohmann::json samples_manifest() {
  return read_json(samples_dir() / "manifest.json");
}
inline nlohmann::json data_manifest() {
  return read_json(data_dir() / "manifest.json")["files"];
}

// The manifest entry of one sample file ("manual.pdf").
inline nlohmann::json sample_entry(const std::string& name) {
  const nlohmann::json manifest = samples_manifest();  // a named copy: the loop must not outlive it
  for (const auto& entry : manifest["files"]) {
    if (entry["name"] == name) return entry;
  }
  throw std::runtime_error("samples/manifest.json has no entry " + name);
}

// A fresh folder under the system temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("exadoc-test-" + std::to_string(getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout, plus stderr when the command redirects it
};

// Runs a shell command and captures its stdout.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t count = 0;
  while ((count = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, count);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

#ifdef EXADOC_BINARY
// Runs the exadoc binary under test with `arguments` (already shell-quoted where needed); stderr joins the
// captured output when with_stderr, else it is discarded.
inline CommandResult run_exadoc(const std::string& arguments, bool with_stderr) {
  return run_command(shell_quote(EXADOC_BINARY) + " " + arguments + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}
#endif

}  // namespace exadoc::testing
