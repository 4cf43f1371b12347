#include "handles.h"
#include <mutex>

#include <exadoc/base/error.h>
#include <exadoc/base/log.h>

namespace exadoc::ingest {

void ensure_vips_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("exadoc") != 0) throw InternalError("libvips failed to initialise: " + take_vips_error());
    // Loaders must not decode hostile files lazily into unbounded caches; exadoc streams pages instead.
    vips_cache_set_max(0);
    // libvips warns through GLib straight to stderr ("VIPS-WARNING: not enough data"); the same facts reach
    // the user as InputError messages, so the warnings only go to the debug log.
    g_log_set_handler(
        "VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
        [](const gchar* /*domain*/, GLogLevelFlags /*level*/, const gchar* message, gpointer /*data*/) {
          EXADOC_LOG_DEBUG("libvips: %s", message);
        },
        nullptr);
    // Leptonica prints to stderr by default; exadoc reports its failures through InputError instead.
    setMsgSeverity(L_SEVERITY_NONE);
  });
}

std::string take_vips_error() {
  std::string message = vips_error_buffer();
  vips_error_clear();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (char& c : message) {
    if (c == '\n') c = ';';
  }
  return message.empty() ? "libvips gave no reason" : message;
}

}  // namespace exadoc::ingest
