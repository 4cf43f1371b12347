// exadoc/model/safetensors.h — reading Hugging Face safetensors files and sharded checkpoints.
//
// A file is an 8-byte little-endian header length N, a JSON header of N bytes naming each tensor's dtype,
// shape and [begin, end) byte range in the data area that follows. Everything is validated before use; any
// violation is a ModelFormatError naming the file and the tensor. Files are memory-mapped: tensors are views
// into the mapping (copied only when the file places one at a misaligned address).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <exadoc/model/tensor.h>

namespace exadoc::model {

struct TensorRecord {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  uint64_t begin = 0;  // byte offsets into the data area
  uint64_t end = 0;
};

// Parses and validates the header of a safetensors file held in `file_bytes` (the whole file, or at least its
// header). `data_size` is the size of the data area after the header. Never reads outside `file_bytes`.
// Throws ModelFormatError naming `file`. Safe on arbitrary bytes (fuzzed by tests/fuzz/safetensors_fuzzer).
struct SafetensorsHeader {
  uint64_t data_offset = 0;  // 8 + header length
  std::vector<TensorRecord> tensors;
};
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes,
                                           const std::filesystem::path& file);

class MappedFile;

// One memory-mapped safetensors file.
class SafetensorsFile {
 public:
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& file);

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorRecord>& records() const { return header_.tensors; }
  const TensorRecord* find(const std::string& name) const;
  // A CPU view of the tensor (a copy when its bytes are misaligned for the dtype).
  Tensor tensor(const TensorRecord& record) const;

 private:
  std::filesystem::path path_;
  std::shared_ptr<MappedFile> mapping_;
  SafetensorsHeader header_;
  std::map<std::string, size_t> index_;
};

// A model directory's weights: model.safetensors, or shards listed by model.safetensors.index.json.
class Checkpoint {
 public:
  // Throws ModelFormatError for a missing or malformed file, an index naming absent shards or tensors, or a
  // tensor present in two shards.
  static Checkpoint open(const std::filesystem::path& directory);

  bool contains(const std::string& name) const { return locations_.count(name) != 0; }
  const TensorRecord& record(const std::string& name) const;  // throws ModelFormatError when absent
  Tensor tensor(const std::string& name) const;               // throws ModelFormatError when absent
  std::vector<std::string> names() const;
  uint64_t total_bytes() const;
  const std::filesystem::path& directory() const { return directory_; }

 private:
  struct Location {
    std::shared_ptr<SafetensorsFile> file;
    const TensorRecord* record = nullptr;
  };
  std::filesystem::path directory_;
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, Location> locations_;
};

}  // namespace exadoc::model
