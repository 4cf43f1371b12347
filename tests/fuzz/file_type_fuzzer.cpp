// libFuzzer target: file-type detection must classify any bytes without reading out of bounds.
#include <exadoc/ingest/file_type.h>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  const exadoc::ingest::FileType type = exadoc::ingest::detect_file_type(bytes);
  (void)exadoc::ingest::file_type_name(type);
  return 0;
}
