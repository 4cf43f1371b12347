// libFuzzer target: the safetensors header parser must turn any bytes into either a validated header or a
// ModelFormatError, never a crash, an out-of-bounds read or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <span>

#include <exadoc/model/model_error.h>
#include <exadoc/model/safetensors.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto header =
        exadoc::model::parse_safetensors_header(std::as_bytes(std::span(data, size)), "fuzz.safetensors");
    // A header that passed must describe tensors inside the data area.
    for (const auto& tensor : header.tensors) {
      if (header.data_offset + tensor.end > size) __builtin_trap();
    }
  } catch (const exadoc::model::ModelFormatError&) {
  }
  return 0;
}
