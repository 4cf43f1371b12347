// exadoc/base/log.h — logging for the libraries.
//
// Libraries never print. They log through exadoc::log_*, which hands each message to one process-wide sink.
// The application installs a sink that writes to stderr; tests install a capturing sink to assert warnings.
// Thread-safe: the sink is called under a mutex, so a sink need not lock.
#pragma once

#include <functional>
#include <string_view>

namespace exadoc {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

using LogSink = std::function<void(LogLevel level, std::string_view message)>;

// Replaces the sink; returns the previous one. An empty sink discards everything.
LogSink set_log_sink(LogSink sink);
// Messages below this level are dropped before formatting. Default: kInfo.
void set_log_level(LogLevel level);
LogLevel log_level();
std::string_view log_level_name(LogLevel level);

void log_message(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

#define EXADOC_LOG_DEBUG(...) ::exadoc::log_message(::exadoc::LogLevel::kDebug, __VA_ARGS__)
#define EXADOC_LOG_INFO(...) ::exadoc::log_message(::exadoc::LogLevel::kInfo, __VA_ARGS__)
#define EXADOC_LOG_WARN(...) ::exadoc::log_message(::exadoc::LogLevel::kWarning, __VA_ARGS__)
#define EXADOC_LOG_ERROR(...) ::exadoc::log_message(::exadoc::LogLevel::kError, __VA_ARGS__)

}  // namespace exadoc
