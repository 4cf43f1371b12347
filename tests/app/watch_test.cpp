// exadoc watch end to end: a real daemon (posix_spawn) on a real inbox in a temporary folder. Sixty files
// dropped while it runs (copies, duplicates by content, corrupt and hostile inputs, odd names, files written
// slowly) with a SIGKILL in the middle of a document and a restart: every good document indexed once, every
// bad one in failed/ with a reason, nothing lost, no orphan rows, ~0 CPU when idle. Then the focused cases:
// name clashes in done/ and failed/, a file still being written, files left in .processing/, limits and
// ignored names, signals on an idle daemon, the inbox removed under it.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <exadoc/export/index.h>
#include <exadoc/ingest/content_hash.h>

#include "app/index_checks.h"
#include "test_support.h"

extern char** environ;

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using exadoc::testing::column;
using exadoc::testing::CommandResult;
using exadoc::testing::count;
using exadoc::testing::data_dir;
using exadoc::testing::expect_consistent;
using exadoc::testing::samples_dir;
using exadoc::testing::shell_quote;
using exadoc::testing::TempDir;
using exporter::Index;

// ---------------------------------------------------------------------------------------------------------
// Files and folders.

std::string read_bytes(const fs::path& file) {
  std::ifstream stream(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream stream(file, std::ios::binary | std::ios::trunc);
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  stream.flush();
  if (!stream) throw std::runtime_error("cannot write " + file.string());
}

// Writes `bytes` straight into `file` in `chunks` pieces with `pause` between them (each piece flushed), so
// a watcher sees the file grow.
void write_slowly(const fs::path& file, const std::string& bytes, int chunks, std::chrono::milliseconds pause,
                  const std::function<void()>& after_chunk = {}) {
  std::ofstream stream(file, std::ios::binary | std::ios::trunc);
  const size_t piece = (bytes.size() + chunks - 1) / chunks;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    const size_t size = std::min(piece, bytes.size() - at);
    stream.write(bytes.data() + at, static_cast<std::streamsize>(size));
    stream.flush();
    if (!stream) throw std::runtime_error("cannot write " + file.string());
    if (after_chunk) after_chunk();
    if (at + size < bytes.size()) std::this_thread::sleep_for(pause);
  }
}

std::string sample(const std::string& name) {
  return read_bytes(samples_dir() / name);
}
std::string hostile(const std::string& name) {
  return read_bytes(data_dir() / "hostile" / name);
}

// A PDF with other bytes (a comment after %%EOF, which stays within the last 1024 bytes), so another hash.
std::string distinct_pdf(const std::string& pdf, const std::string& tag) {
  return pdf + "%" + tag + "\n";
}

// Every name directly in `folder` (hidden ones too), sorted; none when it does not exist.
std::vector<std::string> entries(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// What the daemon is to take from the inbox: regular files and symbolic links directly in it, not hidden.
std::vector<std::string> candidates(const fs::path& inbox) {
  std::vector<std::string> names;
  for (const std::string& name : entries(inbox)) {
    if (name.starts_with('.')) continue;
    const fs::file_status status = fs::symlink_status(inbox / name);
    if (fs::is_regular_file(status) || fs::is_symlink(status)) names.push_back(name);
  }
  return names;
}

// Files in done/ or failed/ that are inputs (not the NAME.error.txt beside them).
std::vector<std::string> inputs_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const std::string& name : entries(folder)) {
    if (!name.ends_with(".error.txt")) names.push_back(name);
  }
  return names;
}

// Names may hold newlines and bytes that are not UTF-8: print them escaped.
std::string printable(const std::string& name) {
  std::string text;
  for (unsigned char c : name) {
    if (c == '\n') {
      text += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      static const char* const kHex = "0123456789abcdef";
      text += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
    } else {
      text += static_cast<char>(c);
    }
  }
  return text;
}
std::string printable(const std::vector<std::string>& names) {
  std::string text = "[";
  for (const std::string& name : names) text += (text.size() > 1 ? ", \"" : "\"") + printable(name) + "\"";
  return text + "]";
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Polls `done` every `step` until it holds or `timeout` passes; returns whether it held.
bool wait_until(const std::function<bool()>& done, Clock::duration timeout,
                std::chrono::milliseconds step = 50ms) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// The SHA-256 of some bytes, as exadoc computes it (through a scratch file).
std::string sha256_of(const std::string& bytes, const fs::path& scratch_folder) {
  const fs::path scratch = scratch_folder / "sha256-scratch";
  write_bytes(scratch, bytes);
  return ingest::sha256_of_file(scratch);
}

// ---------------------------------------------------------------------------------------------------------
// The index.

// ---------------------------------------------------------------------------------------------------------
// The daemon.

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

// CPU time (user + system, every thread) a running process has used, from /proc/PID/stat.
double cpu_seconds(pid_t pid) {
  std::ifstream stream("/proc/" + std::to_string(pid) + "/stat");
  const std::string text{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos)
    throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(text.substr(paren + 1));
  std::vector<std::string> values;
  for (std::string field; fields >> field;) values.push_back(field);
  // values[0] is field 3 (state); utime and stime are fields 14 and 15, in clock ticks.
  const long long ticks = std::stoll(values.at(11)) + std::stoll(values.at(12));
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// `exadoc watch INBOX -o OUT OPTIONS...` in the background, stdout and stderr appended to a log file that is
// printed when the test has failed. start() again after a kill restarts it with the same arguments. The
// destructor kills (SIGKILL) a daemon that still runs.
class Daemon {
 public:
  Daemon(const fs::path& inbox, const fs::path& out, std::vector<std::string> options, fs::path log)
      : log_(std::move(log)) {
    arguments_ = {EXADOC_BINARY, "watch", inbox.string(), "-o", out.string()};
    arguments_.insert(arguments_.end(), options.begin(), options.end());
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (::testing::Test::HasFailure()) {
      std::string text = log();
      if (text.size() > 24000) text = "[...]\n" + text.substr(text.size() - 24000);
      std::cerr << "---- daemon log " << log_.string() << " ----\n"
                << text << "---- end of daemon log ----\n";
    }
  }

  void start() {
    ASSERT_LE(pid_, 0) << "the daemon still runs";
    {
      std::ofstream marker(log_, std::ios::app);
      marker << "==== test: start #" << ++starts_ << " ====\n";
    }
    std::vector<char*> argv;
    for (std::string& argument : arguments_) argv.push_back(argument.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    const int error = posix_spawn(&pid, EXADOC_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(error, 0) << "posix_spawn " << EXADOC_BINARY << ": " << std::strerror(error);
    pid_ = pid;
    status_.reset();
  }

  pid_t pid() const { return pid_; }
  bool running() { return pid_ > 0 && !poll(); }

  void signal(int number) {
    ASSERT_GT(pid_, 0) << "the daemon does not run";
    ASSERT_EQ(::kill(pid_, number), 0) << std::strerror(errno);
  }

  // Waits up to `timeout` for the daemon to end; its wait status, or nullopt when it still runs.
  std::optional<int> wait(Clock::duration timeout) {
    wait_until([this] { return poll(); }, timeout, 10ms);
    return status_;
  }

  double cpu_seconds() const { return exadoc::app::cpu_seconds(pid_); }
  // CPU time (user + system) of the last daemon that ended, from wait4.
  double reaped_cpu_seconds() const { return reaped_cpu_seconds_; }

  std::string log() const { return read_bytes(log_); }

 private:
  // Reaps the daemon when it has ended; true when it has.
  bool poll() {
    if (pid_ <= 0) return status_.has_value();
    int status = 0;
    rusage usage{};
    if (wait4(pid_, &status, WNOHANG, &usage) != pid_) return false;
    status_ = status;
    reaped_cpu_seconds_ = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                          static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    pid_ = -1;
    return true;
  }

  std::vector<std::string> arguments_;
  fs::path log_;
  pid_t pid_ = -1;
  int starts_ = 0;
  std::optional<int> status_;
  double reaped_cpu_seconds_ = 0.0;
};

// An inbox and an output folder in a fresh temporary folder.
struct Workspace {
  TempDir root;
  fs::path inbox = root.path() / "inbox";
  fs::path out = root.path() / "out";
  fs::path log = root.path() / "watch.log";
  fs::path scratch = root.path() / "scratch";
  Workspace() {
    fs::create_directories(inbox);
    fs::create_directories(out);
    fs::create_directories(scratch);
  }
  fs::path processing() const { return inbox / ".processing"; }
  fs::path done() const { return inbox / "done"; }
  fs::path failed() const { return inbox / "failed"; }
  fs::path database() const { return out / "exadoc.sqlite"; }
};

// The daemon has started: it created the inbox's folders and logged its first event (it watches the inbox and
// handles signals by then; a short pause besides).
::testing::AssertionResult started(const Workspace& space, Daemon& daemon) {
  const bool ready = wait_until(
      [&] {
        return fs::is_directory(space.processing()) && fs::is_directory(space.done()) &&
               fs::is_directory(space.failed());
      },
      20s, 20ms);
  if (!ready) {
    return ::testing::AssertionFailure()
           << "the daemon did not create .processing/, done/ and failed/ in 20 s"
           << (daemon.running() ? "" : " (it is not running)");
  }
  wait_until([&] { return daemon.log().find("event=") != std::string::npos; }, 10s, 20ms);
  std::this_thread::sleep_for(200ms);
  if (!daemon.running()) return ::testing::AssertionFailure() << "the daemon ended after starting";
  return ::testing::AssertionSuccess();
}

// Waits until the inbox holds no file to take and .processing/ is empty, and `expected` inputs lie in done/
// and failed/ with an error file beside each failed one.
::testing::AssertionResult all_processed(const Workspace& space, size_t expected, Clock::duration timeout) {
  const auto settled = [&] {
    const size_t failed = inputs_in(space.failed()).size();
    return candidates(space.inbox).empty() && entries(space.processing()).empty() &&
           inputs_in(space.done()).size() + failed == expected &&
           entries(space.failed()).size() == 2 * failed;
  };
  if (wait_until(settled, timeout, 100ms)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "not everything was processed in time: inbox " << printable(candidates(space.inbox))
         << ", .processing " << printable(entries(space.processing())) << ", done "
         << inputs_in(space.done()).size() << " inputs, failed " << printable(entries(space.failed()))
         << "; expected " << expected << " inputs in done/ and failed/";
}

bool has_export(const fs::path& out, const std::string& stem, const std::string& sha256) {
  const std::string base = stem + "-" + sha256.substr(0, 12);
  return fs::is_regular_file(out / (base + ".md")) && fs::is_regular_file(out / (base + ".html")) &&
         fs::is_regular_file(out / (base + ".json"));
}

// Some export of this content, whatever stem it was given.
bool has_any_export(const fs::path& out, const std::string& sha256) {
  std::set<std::string> extensions;
  for (const std::string& name : entries(out)) {
    const size_t dot = name.rfind('.');
    if (dot == std::string::npos || dot < 13) continue;
    if (name.compare(dot - 13, 13, "-" + sha256.substr(0, 12)) == 0) extensions.insert(name.substr(dot));
  }
  return extensions.count(".md") && extensions.count(".html") && extensions.count(".json");
}

// ---------------------------------------------------------------------------------------------------------
// Sixty files, a SIGKILL, a restart.

struct Drop {
  enum class Kind { kGood, kDuplicate, kBad };
  std::string name;
  std::string bytes;
  Kind kind = Kind::kGood;
  bool slow = false;        // written in two halves with a pause between them
  std::string link_target;  // a symbolic link to this, instead of a file
  std::string reason;       // kBad: a word its error file must hold (lower case), or empty
  std::string final_name;   // its name in done/ or failed/ (differs after a clash)
};

Drop good_drop(const std::string& name, const std::string& bytes) {
  Drop file;
  file.name = name;
  file.bytes = bytes;
  return file;
}

Drop bad_drop(const std::string& name, const std::string& bytes, const std::string& reason = "",
              const std::string& link_target = "") {
  Drop file = good_drop(name, bytes);
  file.kind = Drop::Kind::kBad;
  file.reason = reason;
  file.link_target = link_target;
  return file;
}

void drop(const fs::path& inbox, const Drop& file) {
  const fs::path path = inbox / file.name;
  if (!file.link_target.empty()) {
    fs::create_symlink(file.link_target, path);
  } else if (file.slow) {
    write_slowly(path, file.bytes, 2, 300ms);
  } else {
    write_bytes(path, file.bytes);
  }
}

TEST(Watch, SixtyFilesWithAKillInTheMiddleAreEachIndexedOnceAndNoneIsLost) {
  Workspace space;
  const std::vector<std::string> options = {"--settle-seconds", "1", "--rescan-seconds", "5"};
  Daemon daemon(space.inbox, space.out, options, space.log);

  // The plan: 47 distinct PDFs (two of them dropped as again.pdf, one after the other) and 2 scans, 5 exact
  // copies of earlier PDFs under other names, 6 bad inputs.
  const std::string manual = sample("manual.pdf"), drawing = sample("drawing.pdf");
  std::vector<Drop> good;
  for (int i = 0; i < 45; ++i) {
    Drop file;
    char name[32];
    std::snprintf(name, sizeof name, "doc-%02d.pdf", i);
    file.name = name;
    if (i == 3) file.name = "with space.pdf";
    if (i == 7) file.name = "line\nbreak and space.pdf";
    if (i == 11) file.name = "\xff\xfe not utf-8.pdf";
    if (i == 15) file.name = "\xc3\xa4\xc3\xb6\xc3\xbc utf-8.pdf";
    if (i == 24) file.name = "\xff.pdf";
    file.bytes = distinct_pdf(i % 2 == 0 ? manual : drawing, "copy-" + std::to_string(i));
    file.slow = i == 5 || i == 22 || i == 26 || i == 38 || i == 44;
    good.push_back(file);
  }
  Drop scan_png = good_drop("scan-copy.png", sample("scan.png"));
  Drop scan_tiff = good_drop("scan-copy.tiff", sample("scan.tiff"));
  Drop again_first = good_drop("again.pdf", distinct_pdf(manual, "again-1"));
  Drop again_second = good_drop("again.pdf", distinct_pdf(drawing, "again-2"));
  std::vector<Drop> duplicates;
  for (int i : {0, 1, 2, 9, 11}) {
    Drop copy = good[i];
    copy.name = "dup-of-" + std::to_string(i) + ".pdf";
    copy.kind = Drop::Kind::kDuplicate;
    copy.slow = i == 2;
    duplicates.push_back(copy);
  }
  const std::vector<Drop> bad = {
      bad_drop("corrupt.pdf", hostile("corrupt.pdf")),
      bad_drop("truncated copy.pdf", hostile("truncated.pdf")),
      bad_drop("zero\nbytes.pdf", "", "empty"),
      bad_drop("encrypted.pdf", hostile("encrypted.pdf")),
      bad_drop("not_a_document.txt", hostile("not_a_document.txt"), "not a supported document"),
      bad_drop("passwd-link.pdf", "", "symbolic link", "/etc/passwd"),
  };

  ASSERT_NO_FATAL_FAILURE(daemon.start());
  ASSERT_TRUE(started(space, daemon));

  // Three waves over a few seconds, then the second again.pdf once the first is in done/.
  bool again_dropped = false;
  std::thread dropper([&] {
    for (int i = 0; i < 20; ++i) drop(space.inbox, good[i]);
    drop(space.inbox, scan_png);
    std::this_thread::sleep_for(800ms);
    for (int i = 20; i < 35; ++i) drop(space.inbox, good[i]);
    for (int i = 0; i < 3; ++i) drop(space.inbox, duplicates[i]);
    for (int i = 0; i < 3; ++i) drop(space.inbox, bad[i]);
    drop(space.inbox, again_first);
    std::this_thread::sleep_for(800ms);
    for (int i = 35; i < 45; ++i) drop(space.inbox, good[i]);
    drop(space.inbox, scan_tiff);
    for (int i = 3; i < 5; ++i) drop(space.inbox, duplicates[i]);
    for (int i = 3; i < 6; ++i) drop(space.inbox, bad[i]);
    if (wait_until([&] { return fs::exists(space.done() / "again.pdf"); }, 100s)) {
      drop(space.inbox, again_second);
      again_dropped = true;
    }
  });
  struct Joiner {
    std::thread& thread;
    ~Joiner() {
      if (thread.joinable()) thread.join();
    }
  } joiner{dropper};

  // SIGKILL while a document is being worked on: the scan, whose OCR takes seconds; then the same command
  // again.
  const bool in_the_middle =
      wait_until([&] { return fs::exists(space.processing() / scan_png.name); }, 90s, 2ms);
  ASSERT_TRUE(in_the_middle) << "never saw " << scan_png.name << " in .processing/; done/ holds "
                             << inputs_in(space.done()).size();
  std::this_thread::sleep_for(50ms);
  daemon.signal(SIGKILL);
  const std::optional<int> killed = daemon.wait(10s);
  ASSERT_TRUE(killed.has_value()) << "SIGKILL did not end the daemon";
  ASSERT_TRUE(WIFSIGNALED(*killed)) << "the daemon ended before it could be killed: "
                                    << describe_status(*killed);
  {
    const Index index = Index::open(space.database(), Index::Access::kReadOnly);
    expect_consistent(index);
    const bool committed = count(index, "SELECT count(*) FROM documents WHERE sha256 = '" +
                                            sha256_of(scan_png.bytes, space.scratch) + "'") > 0;
    std::cerr << "killed the daemon while .processing/ held " << printable(entries(space.processing()))
              << " (" << (committed ? "already committed" : "not committed yet") << "), "
              << inputs_in(space.done()).size() << " in done/\n";
  }
  std::this_thread::sleep_for(500ms);  // files keep arriving while no daemon runs
  ASSERT_NO_FATAL_FAILURE(daemon.start());

  dropper.join();
  ASSERT_TRUE(again_dropped) << "the first again.pdf never reached done/";
  ASSERT_TRUE(all_processed(space, 60, 120s));
  ASSERT_TRUE(daemon.running()) << "the restarted daemon ended on its own: "
                                << describe_status(*daemon.wait(0s));

  // Idle: no polling loop, so (almost) no CPU over 5 s.
  std::this_thread::sleep_for(1s);
  const double cpu_before = daemon.cpu_seconds();
  std::this_thread::sleep_for(5s);
  const double idle_cpu = daemon.cpu_seconds() - cpu_before;
  std::cerr << "idle CPU over 5 s: " << idle_cpu << " s\n";
  EXPECT_LT(idle_cpu, 0.05) << "the idle daemon used " << idle_cpu << " s of CPU in 5 s (must be under 1%)";

  daemon.signal(SIGTERM);
  const std::optional<int> stopped = daemon.wait(15s);
  ASSERT_TRUE(stopped.has_value()) << "the daemon did not exit within 15 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << describe_status(*stopped);

  // The files: every input in done/ or failed/ under its name (the second again.pdf as again-2.pdf), with its
  // bytes; nothing left in the inbox or .processing/.
  std::vector<Drop> all = good;
  all.push_back(scan_png);
  all.push_back(scan_tiff);
  all.push_back(again_first);
  again_second.final_name = "again-2.pdf";
  all.push_back(again_second);
  all.insert(all.end(), duplicates.begin(), duplicates.end());
  all.insert(all.end(), bad.begin(), bad.end());
  ASSERT_EQ(all.size(), 60u);
  EXPECT_TRUE(candidates(space.inbox).empty()) << printable(candidates(space.inbox));
  EXPECT_TRUE(entries(space.processing()).empty()) << printable(entries(space.processing()));
  EXPECT_EQ(inputs_in(space.done()).size() + inputs_in(space.failed()).size(), 60u);
  std::set<std::string> done_names, failed_names;
  for (const Drop& file : all) {
    const std::string name = file.final_name.empty() ? file.name : file.final_name;
    if (file.kind != Drop::Kind::kBad) {
      done_names.insert(name);
      const fs::path path = space.done() / name;
      ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(path)))
          << "\"" << printable(name) << "\" is not in done/; failed/ holds "
          << printable(entries(space.failed()));
      EXPECT_TRUE(read_bytes(path) == file.bytes) << "done/" << printable(name) << " has other bytes";
      continue;
    }
    failed_names.insert(name);
    const fs::path path = space.failed() / name;
    if (!file.link_target.empty()) {
      ASSERT_TRUE(fs::is_symlink(path)) << "the link itself must be moved to failed/: " << printable(name);
      EXPECT_EQ(fs::read_symlink(path), file.link_target);
    } else {
      ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(path)))
          << "\"" << printable(name) << "\" is not in failed/; done/ holds "
          << printable(entries(space.done()));
      EXPECT_TRUE(read_bytes(path) == file.bytes) << "failed/" << printable(name) << " has other bytes";
    }
    const std::string reason = read_bytes(space.failed() / (name + ".error.txt"));
    EXPECT_FALSE(reason.empty()) << "no reason for " << printable(name);
    if (!file.reason.empty()) {
      EXPECT_NE(lower(reason).find(file.reason), std::string::npos)
          << printable(name) << ": the reason should say \"" << file.reason << "\": " << reason;
    }
  }
  EXPECT_EQ(inputs_in(space.done()), std::vector<std::string>(done_names.begin(), done_names.end()));
  EXPECT_EQ(inputs_in(space.failed()), std::vector<std::string>(failed_names.begin(), failed_names.end()));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status("/etc/passwd"))) << "the link was followed";

  // The index: each good content once, with its exports; the failures that had content recorded as failed.
  std::set<std::string> good_hashes;
  std::map<std::string, std::string> hash_of_name;
  for (const Drop& file : all) {
    if (file.kind == Drop::Kind::kBad) continue;
    const std::string hash = sha256_of(file.bytes, space.scratch);
    if (file.kind == Drop::Kind::kGood) {
      EXPECT_TRUE(good_hashes.insert(hash).second) << "the plan has two goods with one content";
    }
    hash_of_name[file.name] = hash;
  }
  ASSERT_EQ(good_hashes.size(), 49u);
  const Index index = Index::open(space.database(), Index::Access::kReadOnly);
  expect_consistent(index);
  const std::vector<std::string> ok =
      column(index, "SELECT sha256 FROM documents WHERE status = 'ok' ORDER BY 1");
  EXPECT_EQ(std::set<std::string>(ok.begin(), ok.end()), good_hashes);
  EXPECT_EQ(ok.size(), good_hashes.size()) << "a content indexed twice";
  EXPECT_EQ(
      count(index, "SELECT count(*) FROM (SELECT sha256 FROM documents GROUP BY sha256 HAVING count(*) > 1)"),
      0);
  EXPECT_EQ(
      count(
          index,
          "SELECT count(*) FROM (SELECT 1 FROM blocks GROUP BY document_id, block_key HAVING count(*) > 1)"),
      0);
  for (const std::string& hash : good_hashes) {
    EXPECT_TRUE(has_any_export(space.out, hash))
        << "no .md/.html/.json export ends in -" << hash.substr(0, 12);
  }
  for (int i : {0, 1, 4, 30, 44}) {
    EXPECT_TRUE(has_export(space.out, fs::path(good[i].name).stem().string(), hash_of_name[good[i].name]))
        << good[i].name;
  }
  EXPECT_TRUE(has_export(space.out, "scan-copy", hash_of_name["scan-copy.png"]));
  // Every duplicate's path is remembered with the document of its content.
  for (const Drop& copy : duplicates) {
    const std::vector<std::string> hashes =
        column(index,
               "SELECT d.sha256 FROM document_paths dp JOIN documents d ON d.id = dp.document_id WHERE "
               "dp.path LIKE '%/" +
                   copy.name + "'");
    EXPECT_FALSE(hashes.empty()) << "document_paths does not hold " << copy.name;
    for (const std::string& hash : hashes) EXPECT_EQ(hash, hash_of_name[copy.name]) << copy.name;
  }
  EXPECT_GE(count(index,
                  "SELECT count(*) FROM document_paths dp JOIN documents d ON d.id = dp.document_id "
                  "WHERE d.status = 'ok'"),
            54);
  for (const char* name : {"corrupt.pdf", "truncated.pdf", "encrypted.pdf"}) {
    const std::vector<std::string> errors =
        column(index, "SELECT error FROM documents WHERE status = 'failed' AND sha256 = '" +
                          sha256_of(hostile(name), space.scratch) + "'");
    EXPECT_EQ(errors.size(), 1u) << name << " is not recorded as failed";
  }
  EXPECT_GE(count(index, "SELECT count(*) FROM runs WHERE kind = 'watch'"), 2);
  EXPECT_EQ(count(index, "SELECT count(*) FROM runs WHERE kind != 'watch'"), 0);
  EXPECT_EQ(column(index, "SELECT finished_at IS NOT NULL FROM runs ORDER BY id DESC LIMIT 1"),
            std::vector<std::string>{"1"})
      << "the run stopped by SIGTERM is not finished";

  // One log line per event, with its outcome.
  const std::string log = daemon.log();
  for (const char* token : {"event=", "outcome=indexed", "outcome=duplicate", "outcome=failed"}) {
    EXPECT_NE(log.find(token), std::string::npos) << "the log has no " << token;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Focused cases.

TEST(Watch, ANameAlreadyInDoneOrFailedGetsASuffixAndNothingIsOverwritten) {
  Workspace space;
  fs::create_directories(space.done());
  fs::create_directories(space.failed());
  write_bytes(space.done() / "manual.pdf", "an earlier manual.pdf");
  write_bytes(space.failed() / "bad.pdf", "an earlier bad.pdf");
  write_bytes(space.failed() / "bad.pdf.error.txt", "an earlier reason");
  Daemon daemon(space.inbox, space.out, {"--settle-seconds", "1", "--rescan-seconds", "5"}, space.log);
  ASSERT_NO_FATAL_FAILURE(daemon.start());
  ASSERT_TRUE(started(space, daemon));

  const std::string first = distinct_pdf(sample("manual.pdf"), "clash-1");
  const std::string second = distinct_pdf(sample("manual.pdf"), "clash-2");
  write_bytes(space.inbox / "manual.pdf", first);
  write_bytes(space.inbox / "bad.pdf", hostile("corrupt.pdf"));
  ASSERT_TRUE(wait_until([&] { return fs::exists(space.done() / "manual-2.pdf"); }, 30s))
      << "done/ holds " << printable(entries(space.done()));
  write_bytes(space.inbox / "manual.pdf", second);
  ASSERT_TRUE(all_processed(space, 5, 30s));  // the three new ones and the two earlier ones

  EXPECT_EQ(entries(space.done()), (std::vector<std::string>{"manual-2.pdf", "manual-3.pdf", "manual.pdf"}));
  EXPECT_EQ(read_bytes(space.done() / "manual.pdf"), "an earlier manual.pdf");
  EXPECT_TRUE(read_bytes(space.done() / "manual-2.pdf") == first);
  EXPECT_TRUE(read_bytes(space.done() / "manual-3.pdf") == second);
  EXPECT_EQ(entries(space.failed()),
            (std::vector<std::string>{"bad-2.pdf", "bad-2.pdf.error.txt", "bad.pdf", "bad.pdf.error.txt"}));
  EXPECT_EQ(read_bytes(space.failed() / "bad.pdf"), "an earlier bad.pdf");
  EXPECT_EQ(read_bytes(space.failed() / "bad.pdf.error.txt"), "an earlier reason");
  EXPECT_FALSE(read_bytes(space.failed() / "bad-2.pdf.error.txt").empty());

  const std::string first_hash = sha256_of(first, space.scratch);
  const std::string second_hash = sha256_of(second, space.scratch);
  EXPECT_TRUE(has_any_export(space.out, first_hash));
  EXPECT_TRUE(has_any_export(space.out, second_hash));
  daemon.signal(SIGTERM);
  const std::optional<int> stopped = daemon.wait(15s);
  ASSERT_TRUE(stopped.has_value()) << "no exit within 15 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << describe_status(*stopped);
  const Index index = Index::open(space.database(), Index::Access::kReadOnly);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE status = 'ok'"), 2);
  expect_consistent(index);
}

TEST(Watch, AFileStillBeingWrittenIsTakenOnlyOnceItStopsGrowing) {
  Workspace space;
  Daemon daemon(space.inbox, space.out, {"--settle-seconds", "1", "--rescan-seconds", "5"}, space.log);
  ASSERT_NO_FATAL_FAILURE(daemon.start());
  ASSERT_TRUE(started(space, daemon));

  // Eleven pieces 300 ms apart: about 3 s of growth, each pause well under the 1 s settle time.
  const std::string bytes = distinct_pdf(sample("manual.pdf"), "growing");
  const fs::path path = space.inbox / "growing.pdf";
  int early = 0;
  write_slowly(path, bytes, 11, 300ms, [&] {
    if (!entries(space.processing()).empty() || !fs::exists(path) || !inputs_in(space.done()).empty() ||
        !inputs_in(space.failed()).empty()) {
      ++early;
    }
  });
  EXPECT_EQ(early, 0) << "the file was taken while it was still growing";
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(fs::exists(path)) << "the file was taken less than its settle time after its last write";

  ASSERT_TRUE(all_processed(space, 1, 30s));
  ASSERT_EQ(entries(space.done()), std::vector<std::string>{"growing.pdf"})
      << "failed/ holds " << printable(entries(space.failed()));
  EXPECT_EQ(fs::file_size(space.done() / "growing.pdf"), bytes.size());
  EXPECT_TRUE(read_bytes(space.done() / "growing.pdf") == bytes);
  const std::string hash = sha256_of(bytes, space.scratch);
  EXPECT_TRUE(has_export(space.out, "growing", hash)) << "out/ holds " << printable(entries(space.out));
  const Index index = Index::open(space.database(), Index::Access::kReadOnly);
  EXPECT_EQ(column(index, "SELECT sha256 FROM documents"), std::vector<std::string>{hash});
  EXPECT_NE(daemon.log().find("outcome=indexed"), std::string::npos);
}

TEST(Watch, FilesLeftInProcessingAreFinishedFirstAndAnIndexedOneJustMovesToDone) {
  Workspace space;
  // An earlier session (a batch here) committed this content and was killed before it moved the file.
  const std::string committed = distinct_pdf(sample("drawing.pdf"), "committed");
  const std::string left = distinct_pdf(sample("manual.pdf"), "left");
  {
    TempDir batch_inputs;
    write_bytes(batch_inputs.path() / "committed.pdf", committed);
    const CommandResult batch = exadoc::testing::run_exadoc(
        "batch " + shell_quote(batch_inputs.path()) + " -o " + shell_quote(space.out), true);
    ASSERT_EQ(batch.exit_code, 0) << batch.output;
  }
  fs::create_directories(space.processing());
  write_bytes(space.processing() / "committed.pdf", committed);
  write_bytes(space.processing() / "left.pdf", left);
  write_bytes(space.processing() / "left-corrupt.pdf", hostile("corrupt.pdf"));

  Daemon daemon(space.inbox, space.out, {"--settle-seconds", "1", "--rescan-seconds", "5"}, space.log);
  ASSERT_NO_FATAL_FAILURE(daemon.start());
  ASSERT_TRUE(all_processed(space, 3, 40s));
  EXPECT_EQ(entries(space.done()), (std::vector<std::string>{"committed.pdf", "left.pdf"}));
  EXPECT_EQ(entries(space.failed()),
            (std::vector<std::string>{"left-corrupt.pdf", "left-corrupt.pdf.error.txt"}));
  daemon.signal(SIGTERM);
  const std::optional<int> stopped = daemon.wait(15s);
  ASSERT_TRUE(stopped.has_value()) << "no exit within 15 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << describe_status(*stopped);

  const Index index = Index::open(space.database(), Index::Access::kReadOnly);
  const std::string committed_hash = sha256_of(committed, space.scratch);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE status = 'ok'"), 2);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE sha256 = '" + committed_hash + "'"), 1);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE status = 'failed'"), 1);
  EXPECT_EQ(count(index, "SELECT count(*) FROM runs WHERE kind = 'batch'"), 1);
  expect_consistent(index);
  const std::string log = daemon.log();
  EXPECT_NE(log.find("outcome=duplicate"), std::string::npos);
  EXPECT_NE(log.find("outcome=indexed"), std::string::npos);
  EXPECT_NE(log.find("outcome=failed"), std::string::npos);
}

// A file the daemon already stopped on twice (its attempt counter says so) is set aside instead of being
// tried a third time: one file that crashes a library must not stop the inbox in a restart loop.
TEST(Watch, AFileTheDaemonStoppedOnTwiceIsSetAside) {
  Workspace space;
  fs::create_directories(space.processing());
  write_bytes(space.processing() / "poison.pdf", distinct_pdf(sample("manual.pdf"), "poison"));
  write_bytes(space.processing() / ".attempts-poison.pdf", "2\n");
  write_bytes(space.processing() / "fine.pdf", distinct_pdf(sample("manual.pdf"), "fine"));
  write_bytes(space.processing() / ".attempts-fine.pdf", "1\n");

  Daemon daemon(space.inbox, space.out, {"--settle-seconds", "1", "--rescan-seconds", "5"}, space.log);
  ASSERT_NO_FATAL_FAILURE(daemon.start());
  ASSERT_TRUE(all_processed(space, 2, 40s));
  EXPECT_EQ(entries(space.done()), (std::vector<std::string>{"fine.pdf"}));
  EXPECT_EQ(entries(space.failed()), (std::vector<std::string>{"poison.pdf", "poison.pdf.error.txt"}));
  std::ifstream reason(space.failed() / "poison.pdf.error.txt");
  const std::string text{std::istreambuf_iterator<char>(reason), std::istreambuf_iterator<char>()};
  EXPECT_NE(text.find("set aside"), std::string::npos) << text;
  EXPECT_TRUE(entries(space.processing()).empty()) << "the attempt counters are removed";
  daemon.signal(SIGTERM);
  const std::optional<int> stopped = daemon.wait(15s);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << describe_status(*stopped);
}

TEST(Watch, OversizedAndUnreadableFilesFailWhileHiddenFilesAndSubfoldersAreLeftAlone) {
  Workspace space;
  fs::create_directories(space.inbox / "sub");
  const std::string pdf = distinct_pdf(sample("manual.pdf"), "left-alone");
  write_bytes(space.inbox / ".hidden.pdf", pdf);
  write_bytes(space.inbox / "sub" / "inner.pdf", pdf);
  // Over --max-file-mb 1: rejected before it is parsed.
  write_bytes(space.inbox / "big.pdf", distinct_pdf(sample("manual.pdf"), std::string(2 << 20, 'x')));
  const bool root = geteuid() == 0;  // root reads a file whatever its permissions say
  if (!root) {
    write_bytes(space.inbox / "unreadable.pdf", distinct_pdf(sample("manual.pdf"), "unreadable"));
    fs::permissions(space.inbox / "unreadable.pdf", fs::perms::none);
  }
  Daemon daemon(space.inbox, space.out,
                {"--settle-seconds", "1", "--rescan-seconds", "5", "--max-file-mb", "1"}, space.log);
  ASSERT_NO_FATAL_FAILURE(daemon.start());
  const size_t inputs = root ? 1 : 2;
  ASSERT_TRUE(all_processed(space, inputs, 30s));
  std::this_thread::sleep_for(1500ms);  // longer than the settle time: the ignored files stay ignored
  EXPECT_TRUE(entries(space.done()).empty()) << printable(entries(space.done()));
  EXPECT_TRUE(fs::exists(space.failed() / "big.pdf"));
  EXPECT_FALSE(read_bytes(space.failed() / "big.pdf.error.txt").empty());
  if (!root) {
    EXPECT_FALSE(read_bytes(space.failed() / "unreadable.pdf.error.txt").empty());
  }
  EXPECT_TRUE(read_bytes(space.inbox / ".hidden.pdf") == pdf);
  EXPECT_TRUE(read_bytes(space.inbox / "sub" / "inner.pdf") == pdf);
  EXPECT_TRUE(daemon.running());
}

TEST(Watch, SigtermInTheMiddleOfADocumentFinishesItThenExitsZero) {
  Workspace space;
  Daemon daemon(space.inbox, space.out, {"--settle-seconds", "1", "--rescan-seconds", "5"}, space.log);
  ASSERT_NO_FATAL_FAILURE(daemon.start());
  ASSERT_TRUE(started(space, daemon));
  const std::string scan = sample("scan.png");  // OCR: seconds of work
  write_bytes(space.inbox / "scan.png", scan);
  ASSERT_TRUE(wait_until([&] { return fs::exists(space.processing() / "scan.png"); }, 30s, 2ms))
      << "the scan never reached .processing/";
  daemon.signal(SIGTERM);
  const std::optional<int> stopped = daemon.wait(60s);
  ASSERT_TRUE(stopped.has_value()) << "no exit within 60 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << describe_status(*stopped);
  EXPECT_TRUE(entries(space.processing()).empty()) << printable(entries(space.processing()));
  EXPECT_EQ(entries(space.done()), std::vector<std::string>{"scan.png"});
  const Index index = Index::open(space.database(), Index::Access::kReadOnly);
  EXPECT_EQ(column(index, "SELECT sha256 FROM documents WHERE status = 'ok'"),
            std::vector<std::string>{sha256_of(scan, space.scratch)});
  EXPECT_EQ(column(index, "SELECT finished_at IS NOT NULL FROM runs"), std::vector<std::string>{"1"});
  expect_consistent(index);
}

// The issue allows either answer to a vanished index: exit non-zero, or go on (retrying) without a busy
// loop; both must say clearly what is wrong.
TEST(Watch, ARemovedIndexIsAClearErrorAndNoBusyLoop) {
  Workspace space;
  Daemon daemon(space.inbox, space.out, {"--settle-seconds", "1", "--rescan-seconds", "2"}, space.log);
  ASSERT_NO_FATAL_FAILURE(daemon.start());
  ASSERT_TRUE(started(space, daemon));
  ASSERT_TRUE(fs::exists(space.database()));
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(space.database().string() + suffix);
  const std::optional<int> ended = daemon.wait(10s);
  if (ended.has_value()) {
    EXPECT_TRUE(WIFEXITED(*ended) && WEXITSTATUS(*ended) != 0) << describe_status(*ended);
    EXPECT_LT(daemon.reaped_cpu_seconds(), 1.0) << "CPU time of the whole run: a busy loop?";
  } else {
    const double before = daemon.cpu_seconds();
    std::this_thread::sleep_for(3s);
    EXPECT_LT(daemon.cpu_seconds() - before, 0.05) << "the daemon spins without its index";
  }
  EXPECT_NE(daemon.log().find(space.database().string()), std::string::npos)
      << "no message names the index file";
}

TEST(Watch, SigtermAndSigintOnAnIdleDaemonExitZeroPromptly) {
  for (int number : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(number == SIGTERM ? "SIGTERM" : "SIGINT");
    Workspace space;
    Daemon daemon(space.inbox, space.out, {"--settle-seconds", "1", "--rescan-seconds", "5"}, space.log);
    ASSERT_NO_FATAL_FAILURE(daemon.start());
    ASSERT_TRUE(started(space, daemon));
    const auto sent = Clock::now();
    daemon.signal(number);
    const std::optional<int> stopped = daemon.wait(3s);
    ASSERT_TRUE(stopped.has_value()) << "no exit within 3 s of the signal";
    EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << describe_status(*stopped);
    std::cerr << "exited "
              << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent).count()
              << " ms after the signal\n";
  }
}

TEST(Watch, ARemovedInboxEndsTheDaemonWithAnErrorNamingIt) {
  Workspace space;
  Daemon daemon(space.inbox, space.out, {"--settle-seconds", "1", "--rescan-seconds", "2"}, space.log);
  ASSERT_NO_FATAL_FAILURE(daemon.start());
  ASSERT_TRUE(started(space, daemon));
  fs::remove_all(space.inbox);
  const std::optional<int> ended = daemon.wait(10s);
  ASSERT_TRUE(ended.has_value()) << "the daemon still runs 10 s after its inbox was removed";
  EXPECT_TRUE(WIFEXITED(*ended) && WEXITSTATUS(*ended) != 0) << describe_status(*ended);
  EXPECT_NE(daemon.log().find(space.inbox.string()), std::string::npos)
      << "the error does not name the inbox";
  EXPECT_LT(daemon.reaped_cpu_seconds(), 1.0) << "CPU time of the whole run: a busy loop?";
}

TEST(Watch, HelpAndAMissingInbox) {
  const CommandResult help = exadoc::testing::run_exadoc("watch --help", true);
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("Example"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("--settle-seconds"), std::string::npos) << help.output;
  TempDir out;
  const CommandResult missing =
      exadoc::testing::run_command("timeout 10 " + shell_quote(EXADOC_BINARY) +
                                   " watch /nonexistent/inbox -o " + shell_quote(out.path()) + " 2>&1");
  EXPECT_NE(missing.exit_code, 0) << missing.output;
  EXPECT_NE(missing.exit_code, 124) << "still running 10 s after it was given a missing inbox";
  EXPECT_NE(missing.output.find("/nonexistent/inbox"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace exadoc::app
