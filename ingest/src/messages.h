// Private to ingest: wording shared by several error messages.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace exadoc::ingest {

// "400 Mpx", "2 Mpx", "0.1 Mpx".
inline std::string megapixels_text(int64_t pixels) {
  char text[32];
  std::snprintf(text, sizeof text, "%g Mpx", static_cast<double>(pixels) / 1e6);
  return text;
}

// The InputError reason for pixels that failed to decode, given the decoder's own reason.
inline std::string decode_failure(const std::string& decoder_reason) {
  return "cannot decode the page: the image data is corrupt or truncated (" + decoder_reason + ")";
}

}  // namespace exadoc::ingest
