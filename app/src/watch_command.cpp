// exadoc watch: a daemon that takes documents from an inbox folder, parses, exports and indexes them, and
// files each one under INBOX/done/ or INBOX/failed/ (with NAME.error.txt) — never losing or repeating one.
//
// How nothing is lost or repeated:
// - a file is taken only once its size and modification time have stayed the same for --settle-seconds (a
//   copy in progress keeps changing them), by renaming it into INBOX/.processing/ — one atomic step;
// - its document is stored in the index in one transaction, and only then is the file moved on to done/;
// - on start, whatever .processing/ holds is taken first: a file whose content is already indexed (the
//   daemon died between the commit and the move) just moves on, anything else is parsed again;
// - files identical by content are indexed once (documents are keyed by SHA-256); the copy's path is added;
// - nothing is overwritten: a clash in done/ or failed/ gets a "-2", "-3", ... before the extension.
//
// Waiting costs nothing: inotify wakes the loop, and the only timers are the settle time of files seen
// changing and a rescan every --rescan-seconds as a safety net (a full inotify queue, a missed event).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/export/index.h>
#include <exadoc/export/output_file.h>
#include <exadoc/ingest/content_hash.h>
#include <exadoc/ingest/file_type.h>
#include <exadoc/layout/identifiers.h>

#include "commands.h"
#include "document_job.h"

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct WatchSettings {
  std::string inbox;
  std::string output_dir;
  std::string database;  // default OUT/exadoc.sqlite
  double settle_seconds = 2;
  double rescan_seconds = 60;
  int64_t max_file_mb = 1024;
  int jobs = 0;
  std::string identifiers;
  EngineSettings engine;
};

// The daemon stops for good: the inbox or the index went away, or cannot be used.
class WatchStopped : public Error {
 public:
  using Error::Error;
};

// A file descriptor, closed on destruction.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A file name for a log line: quoted, with line breaks, control characters and bytes that are not UTF-8
// escaped, so that one event stays one line whatever the name.
std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // Keep well-formed UTF-8 sequences, escape stray bytes.
      const size_t length = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      bool valid = length > 0 && i + length <= name.size();
      for (size_t k = 1; valid && k < length; ++k)
        valid = (static_cast<unsigned char>(name[i + k]) >> 6) == 0x2;
      if (valid) {
        out.append(name, i, length);
        i += length - 1;
      } else {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
        out += escaped;
      }
    }
  }
  return out + "\"";
}

// `folder/name`, or with -2, -3, ... before the extension if that exists already (or its error file does).
fs::path free_name(const fs::path& folder, const std::string& name) {
  fs::path candidate = folder / name;
  const fs::path original(name);
  const std::string stem = original.stem().string();
  const std::string extension = original.extension().string();
  std::error_code error;
  auto taken = [&error](const fs::path& path) {
    return fs::exists(fs::symlink_status(path, error)) ||
           fs::exists(fs::symlink_status(fs::path(path) += ".error.txt", error));
  };
  for (int n = 2; taken(candidate); ++n) {
    std::string numbered = stem;
    numbered += "-" + std::to_string(n);
    numbered += extension;
    candidate = folder / numbered;
  }
  return candidate;
}

// A file the daemon was working on when it stopped is retried this many times on restart; then it is set
// aside in failed/, so that one file that crashes a library cannot stop the inbox for good (a restart loop).
constexpr int kMaxResumeAttempts = 2;

struct Pending {
  int64_t size = -1;
  int64_t mtime_ns = -1;
  Clock::time_point unchanged_since;
};

class Watcher {
 public:
  Watcher(const WatchSettings& settings, exporter::Index& index,
          const layout::IdentifierExtractor& identifiers, std::string settings_json, int64_t run_id,
          fs::path database)
      : settings_(settings),
        inbox_(settings.inbox),
        processing_(inbox_ / ".processing"),
        done_(inbox_ / "done"),
        failed_(inbox_ / "failed"),
        output_dir_(settings.output_dir),
        database_(std::move(database)),
        index_(index),
        identifiers_(identifiers),
        settings_json_(std::move(settings_json)),
        run_id_(run_id) {}

  // Runs until SIGTERM/SIGINT (returns) or until the inbox or the index cannot be used (throws WatchStopped).
  void run(int signal_fd) {
    signal_fd_ = signal_fd;
    const FileDescriptor inotify(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (inotify.get() < 0) throw WatchStopped(std::string("cannot start inotify: ") + std::strerror(errno));
    if (inotify_add_watch(inotify.get(), inbox_.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF |
                              IN_MOVE_SELF | IN_ONLYDIR) < 0) {
      throw WatchStopped("cannot watch the inbox " + inbox_.string() + ": " + std::strerror(errno));
    }
    EXADOC_LOG_INFO("watch event=start inbox=%s output=%s index=%s settle_seconds=%g rescan_seconds=%g",
                    quoted(inbox_.string()).c_str(), quoted(output_dir_.string()).c_str(),
                    quoted(database_.string()).c_str(), settings_.settle_seconds, settings_.rescan_seconds);
    resume();
    rescan();
    Clock::time_point next_rescan = Clock::now() + seconds(settings_.rescan_seconds);
    while (!stop_requested()) {
      const Clock::time_point now = Clock::now();
      Clock::time_point wake = next_rescan;
      for (const auto& [name, pending] : pending_) wake = std::min(wake, pending.unchanged_since + settle());
      const auto timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
      pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {signal_fd_, POLLIN, 0}};
      const int ready = poll(fds, 2, static_cast<int>(std::clamp<int64_t>(timeout_ms + 1, 0, 3'600'000)));
      if (ready < 0 && errno != EINTR)
        throw WatchStopped(std::string("poll failed: ") + std::strerror(errno));
      if (fds[1].revents & POLLIN) break;
      if (fds[0].revents & POLLIN) read_events(inotify.get());
      if (Clock::now() >= next_rescan) {
        check_places();
        rescan();
        next_rescan = Clock::now() + seconds(settings_.rescan_seconds);
      }
      take_settled();
    }
    EXADOC_LOG_INFO("watch event=stop reason=signal done=%lld duplicates=%lld failed=%lld pages=%lld",
                    static_cast<long long>(counts_.done), static_cast<long long>(counts_.skipped),
                    static_cast<long long>(counts_.failed), static_cast<long long>(counts_.pages));
  }

  const exporter::RunCounts& counts() const { return counts_; }

 private:
  static Clock::duration seconds(double value) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
  }
  Clock::duration settle() const { return seconds(settings_.settle_seconds); }

  // A SIGTERM or SIGINT is waiting in the signal fd (it is read by the main loop's poll).
  bool stop_requested() const {
    pollfd fd{signal_fd_, POLLIN, 0};
    return poll(&fd, 1, 0) > 0 && (fd.revents & POLLIN) != 0;
  }

  void check_places() const {
    std::error_code error;
    if (!fs::is_directory(inbox_, error)) {
      throw WatchStopped("the inbox " + inbox_.string() +
                         " is gone; exadoc watch stops (restart it once the folder is back)");
    }
    if (!fs::exists(database_, error)) {
      throw WatchStopped("the index " + database_.string() +
                         " is gone; exadoc watch stops (restart it to create a new index)");
    }
  }

  void read_events(int fd) {
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
      const ssize_t length = read(fd, buffer, sizeof buffer);
      if (length <= 0) return;  // EAGAIN: all read
      for (ssize_t at = 0; at < length;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        if ((event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0) check_places();
        if ((event->mask & IN_Q_OVERFLOW) != 0) {
          rescan();  // events were lost: look at everything
          continue;
        }
        if (event->len > 0) note(event->name);
      }
    }
  }

  // Records a candidate (or its change); hidden names and folders are not candidates.
  void note(const std::string& name) {
    if (name.empty() || name.front() == '.') return;
    struct stat info {};
    if (lstat((inbox_ / name).c_str(), &info) != 0) {
      pending_.erase(name);
      return;
    }
    if (S_ISDIR(info.st_mode)) return;  // done/, failed/ and folders users make
    const int64_t mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
    auto [it, inserted] = pending_.try_emplace(name);
    if (inserted || it->second.size != info.st_size || it->second.mtime_ns != mtime_ns) {
      it->second = {info.st_size, mtime_ns, Clock::now()};
    }
  }

  void rescan() {
    std::error_code error;
    for (fs::directory_iterator it(inbox_, error), end; !error && it != end; it.increment(error)) {
      note(it->path().filename().string());
    }
    if (error) check_places();
  }

  void take_settled() {
    const Clock::time_point now = Clock::now();
    std::vector<std::string> names, ready;
    for (const auto& entry : pending_) names.push_back(entry.first);
    for (const std::string& name : names) {
      note(name);  // refreshes size and time (a change restarts the wait), or forgets a file gone meanwhile
      const auto it = pending_.find(name);
      if (it != pending_.end() && now - it->second.unchanged_since >= settle()) ready.push_back(name);
    }

    for (const std::string& name : ready) {
      pending_.erase(name);
      if (stop_requested()) return;  // what is not taken stays in the inbox for the next start
      take(name);
    }
  }

  void take(const std::string& name) {
    const fs::path source = inbox_ / name;
    const fs::path claimed = free_name(processing_, name);
    if (rename(source.c_str(), claimed.c_str()) != 0) {
      if (errno == ENOENT) return;  // gone meanwhile (moved away by someone else)
      EXADOC_LOG_ERROR(
          "watch event=error file=%s reason=%s", quoted(name).c_str(),
          quoted(std::string("cannot move it into .processing: ") + std::strerror(errno)).c_str());
      return;
    }
    process(claimed, name);
  }

  void resume() {
    std::error_code error;
    std::vector<fs::path> left;
    for (fs::directory_iterator it(processing_, error), end; !error && it != end; it.increment(error)) {
      // Hidden entries are the daemon's own attempt counters (inbox files starting with '.' are never taken).
      if (it->path().filename().string().front() != '.') left.push_back(it->path());
    }
    std::sort(left.begin(), left.end());
    for (const fs::path& file : left) {
      const std::string name = file.filename().string();
      const fs::path counter = processing_ / (".attempts-" + name);
      int attempts = 0;
      if (std::FILE* in = std::fopen(counter.c_str(), "r")) {
        if (std::fscanf(in, "%d", &attempts) != 1) attempts = 0;
        std::fclose(in);
      }
      EXADOC_LOG_INFO("watch event=resume file=%s attempt=%d", quoted(name).c_str(), attempts + 1);
      if (attempts >= kMaxResumeAttempts) {
        fail(file, name, std::nullopt,
             "exadoc stopped " + std::to_string(attempts + 1) +
                 " times while processing this file (killed, or a crash in a library reading it); it is set "
                 "aside "
                 "so that the rest of the inbox goes on");
      } else {
        exporter::write_text_file(counter, std::to_string(attempts + 1) + "\n");
        process(file, name);
      }
      fs::remove(counter, error);
      if (stop_requested()) return;
    }
  }

  // One file in .processing/: to done/ or failed/, the index updated first.
  void process(const fs::path& file, const std::string& name) {
    check_places();
    const auto started = Clock::now();
    exporter::DocumentRecord record = new_record(file, settings_.engine, settings_json_);
    struct stat info {};
    if (lstat(file.c_str(), &info) != 0) return;
    if (S_ISLNK(info.st_mode)) {
      return fail(file, name, std::nullopt,
                  "a symbolic link: exadoc watch does not follow links (the target may lie "
                  "outside the inbox); put the file itself in the inbox");
    }
    if (!S_ISREG(info.st_mode)) return fail(file, name, std::nullopt, "not a regular file");
    if (info.st_size == 0) return fail(file, name, std::nullopt, "the file is empty (0 bytes)");
    if (info.st_size > settings_.max_file_mb * 1024 * 1024) {
      return fail(file, name, std::nullopt,
                  "the file is " + std::to_string(info.st_size / (int64_t{1024} * 1024)) +
                      " MiB, more than the limit of " + std::to_string(settings_.max_file_mb) +
                      " MiB (--max-file-mb)");
    }
    try {
      if (identify(record, file) == ingest::FileType::kUnknown) {
        return fail(
            file, name, std::nullopt,
            "not a supported document (PDF, TIFF, PNG, JPEG, JPEG 2000, WebP or BMP, recognised by content)");
      }
    } catch (const Error& error) {
      return fail(file, name, std::nullopt, error.what());
    }
    if (index_.is_indexed(record.sha256, record.engine, record.settings_json)) {
      const fs::path destination = free_name(done_, name);
      index_.add_path(record.sha256, destination.string());
      move(file, destination);
      ++counts_.skipped;
      EXADOC_LOG_INFO("watch event=done file=%s outcome=duplicate sha256=%s moved_to=%s",
                      quoted(name).c_str(), record.sha256.c_str(), quoted(destination.string()).c_str());
      return;
    }
    try {
      const std::string stem = fs::path(name).stem().string();
      const ParsedDocument parsed =
          parse_and_export(file, (stem.empty() ? "document" : stem) + "-" + record.sha256.substr(0, 12),
                           output_dir_, settings_.engine, settings_.jobs);
      const fs::path destination = free_name(done_, name);
      record.path = destination.string();
      record.page_count = static_cast<int>(parsed.document.pages.size());
      record.seconds = parsed.seconds;
      index_.store_document(run_id_, record, parsed.document, identifiers_.extract(parsed.document));
      move(file, destination);
      ++counts_.done;
      counts_.pages += record.page_count;
      EXADOC_LOG_INFO(
          "watch event=done file=%s outcome=indexed pages=%d blocks=%d seconds=%.2f sha256=%s exports=%s",
          quoted(name).c_str(), record.page_count, parsed.blocks,
          std::chrono::duration<double>(Clock::now() - started).count(), record.sha256.c_str(),
          quoted(parsed.base.string()).c_str());
    } catch (const exporter::IndexError&) {
      throw;  // the index is unusable: stop (the file stays in .processing for the next start)
    } catch (const WatchStopped&) {
      throw;
    } catch (const std::exception& error) {
      // Anything else about this one file (a bad document, an export that cannot be written, a library's
      // exception) sets the file aside; the daemon goes on.
      fail(file, name, record, error.what());
    }
  }

  void fail(const fs::path& file, const std::string& name,
            const std::optional<exporter::DocumentRecord>& record, const std::string& reason) {
    const fs::path destination = free_name(failed_, name);
    if (record && !record->sha256.empty()) {
      exporter::DocumentRecord failed = *record;
      failed.path = destination.string();
      index_.record_failure(run_id_, failed, reason);
    }
    // The reason first, then the file: a stop between the two leaves the file in .processing/ (taken again on
    // restart), never a file in failed/ without its reason.
    exporter::write_text_file(fs::path(destination) += ".error.txt",
                              "exadoc watch could not process " + name + ":\n" + reason + "\n");
    move(file, destination);
    ++counts_.failed;
    EXADOC_LOG_WARN("watch event=done file=%s outcome=failed reason=%s moved_to=%s", quoted(name).c_str(),
                    quoted(reason).c_str(), quoted(destination.string()).c_str());
  }

  static void move(const fs::path& from, const fs::path& to) {
    if (rename(from.c_str(), to.c_str()) != 0) {
      throw WatchStopped("cannot move " + from.string() + " to " + to.string() + ": " + std::strerror(errno));
    }
  }

  const WatchSettings& settings_;
  fs::path inbox_, processing_, done_, failed_, output_dir_, database_;
  exporter::Index& index_;
  const layout::IdentifierExtractor& identifiers_;
  std::string settings_json_;
  int64_t run_id_;
  int signal_fd_ = -1;
  std::map<std::string, Pending> pending_;
  exporter::RunCounts counts_;
};

int run_watch(WatchSettings& settings) {
  const fs::path inbox(settings.inbox);
  std::error_code error;
  if (!fs::is_directory(inbox, error)) {
    EXADOC_LOG_ERROR("the inbox %s is not a folder", inbox.c_str());
    return kExitUsage;
  }
  for (const fs::path& folder :
       {inbox / ".processing", inbox / "done", inbox / "failed", fs::path(settings.output_dir)}) {
    fs::create_directories(folder, error);
    if (error) {
      EXADOC_LOG_ERROR("cannot create %s: %s", folder.c_str(), error.message().c_str());
      return kExitEnvironment;
    }
  }
  // SIGTERM and SIGINT are read from a signal fd by the loop (blocked before any thread starts, so that
  // every thread inherits the mask and none is interrupted in the middle of a page).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
    EXADOC_LOG_ERROR("cannot block SIGTERM and SIGINT");
    return kExitEnvironment;
  }
  const FileDescriptor signal_fd(signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (signal_fd.get() < 0) {
    EXADOC_LOG_ERROR("cannot create a signal fd: %s", std::strerror(errno));
    return kExitEnvironment;
  }

  const fs::path database = settings.database.empty() ? fs::path(settings.output_dir) / "exadoc.sqlite"
                                                      : fs::path(settings.database);
  if (const int status = settings.engine.resolve(); status != kExitOk) return status;
  const IndexingSetup indexing = prepare_indexing(settings.engine, settings.identifiers);
  const layout::IdentifierExtractor& identifiers = indexing.identifiers;
  const nlohmann::json& output_settings = indexing.output_settings;
  exporter::Index index = exporter::Index::open(database, exporter::Index::Access::kReadWrite);
  nlohmann::json run_settings = output_settings;
  run_settings["inbox"] = settings.inbox;
  const int64_t run_id = index.begin_run(exporter::RunKind::kWatch, run_settings.dump());

  const auto started = Clock::now();
  Watcher watcher(settings, index, identifiers, output_settings.dump(), run_id, database);
  int status = kExitOk;
  try {
    watcher.run(signal_fd.get());
  } catch (const WatchStopped& stopped) {
    EXADOC_LOG_ERROR("watch event=stop reason=%s", quoted(stopped.what()).c_str());
    status = kExitEnvironment;
  } catch (const exporter::IndexError& index_error) {
    EXADOC_LOG_ERROR("watch event=stop reason=%s", quoted(index_error.what()).c_str());
    return kExitEnvironment;  // the index cannot record the run either
  }
  exporter::RunCounts counts = watcher.counts();
  counts.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  try {
    if (fs::exists(database, error)) index.finish_run(run_id, counts);
  } catch (const exporter::IndexError& index_error) {
    EXADOC_LOG_ERROR("%s", index_error.what());
  }
  return status;
}

}  // namespace

CommandAction add_watch_command(CLI::App& app) {
  auto settings = std::make_shared<WatchSettings>();
  CLI::App* command = app.add_subcommand(
      "watch", "Run as a daemon: parse, export and index every document dropped into an inbox folder");
  command->add_option("inbox", settings->inbox, "The folder to watch")->required();
  command
      ->add_option("-o,--output", settings->output_dir,
                   "Output folder: exports and the index OUT/exadoc.sqlite")
      ->required();
  command->add_option("--db", settings->database, "The index file (default: OUT/exadoc.sqlite)");
  command
      ->add_option("--settle-seconds", settings->settle_seconds,
                   "A file is taken once its size and time have not changed for this long")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  command
      ->add_option("--rescan-seconds", settings->rescan_seconds,
                   "Look at the whole inbox this often, besides inotify's events (a safety net)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  command->add_option("--max-file-mb", settings->max_file_mb, "Files larger than this go to failed/")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("-j,--jobs", settings->jobs, "Pages analysed in parallel (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  command->add_option("--identifiers", settings->identifiers,
                      "Identifier pattern file (default: schemas/identifiers.json)");
  add_engine_options(*command, settings->engine);
  command->footer(
      "Example:\n  exadoc watch /srv/inbox -o /srv/exadoc\n\n"
      "Each file goes INBOX/NAME -> INBOX/.processing/NAME -> INBOX/done/NAME, or INBOX/failed/NAME with\n"
      "NAME.error.txt saying why. SIGTERM or SIGINT finish the current document and exit 0; a restart picks\n"
      "up whatever .processing/ holds. One log line per event on stderr. A systemd unit: "
      "packaging/exadoc-watch.service.");
  return [settings] { return run_watch(*settings); };
}

}  // namespace exadoc::app
