// Test helper: writes small safetensors files by hand, including deliberately broken ones.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace exadoc::testing {

struct RawTensor {
  std::string name;
  std::string dtype = "F32";
  std::vector<int64_t> shape;
  std::vector<float> values;  // written as F32 (or truncated to BF16 when dtype is BF16)
};

// The bytes of a well-formed file.
inline std::string safetensors_bytes(const std::vector<RawTensor>& tensors,
                                     nlohmann::json* header_out = nullptr) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const RawTensor& tensor : tensors) {
    const size_t begin = data.size();
    for (const float value : tensor.values) {
      uint32_t bits = 0;
      std::memcpy(&bits, &value, 4);
      if (tensor.dtype == "BF16") {
        const auto half = static_cast<uint16_t>(bits >> 16);
        data.append(reinterpret_cast<const char*>(&half), 2);
      } else {
        data.append(reinterpret_cast<const char*>(&bits), 4);
      }
    }
    header[tensor.name] = {
        {"dtype", tensor.dtype}, {"shape", tensor.shape}, {"data_offsets", {begin, data.size()}}};
  }
  if (header_out != nullptr) *header_out = header;
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text += ' ';  // the format pads the header to 8 bytes
  std::string bytes(8, '\0');
  uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xff);
  return bytes + text + data;
}

// A file from a header given as JSON text and raw data bytes.
inline std::string safetensors_bytes(const std::string& header_text, const std::string& data) {
  std::string bytes(8, '\0');
  const uint64_t length = header_text.size();
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xff);
  return bytes + header_text + data;
}

inline void write_file(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream stream(file, std::ios::binary | std::ios::trunc);
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace exadoc::testing
