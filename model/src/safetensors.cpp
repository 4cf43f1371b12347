#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exadoc/model/model_error.h>
#include <exadoc/model/safetensors.h>

namespace exadoc::model {

// Read-only memory mapping of a whole file (RAII).
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ModelFormatError(file, std::string("cannot open: ") + std::strerror(errno));
    struct stat status {};
    if (fstat(fd, &status) != 0) {
      ::close(fd);
      throw ModelFormatError(file, std::string("cannot stat: ") + std::strerror(errno));
    }
    size_ = static_cast<size_t>(status.st_size);
    if (size_ > 0) {
      void* address = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (address == MAP_FAILED) {
        ::close(fd);
        throw ModelFormatError(file, std::string("cannot memory-map: ") + std::strerror(errno));
      }
      data_ = static_cast<std::byte*>(address);
    }
    ::close(fd);  // the mapping stays valid
  }
  ~MappedFile() {
    if (data_ != nullptr) munmap(data_, size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  std::byte* data_ = nullptr;
  size_t size_ = 0;
};

namespace {

// A header larger than this is not a model header but damage (real ones are well under 10 MiB).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

std::string quoted(const std::string& name) {
  return "tensor '" + name + "'";
}

DType parse_dtype(const nlohmann::json& value, const std::string& name, const std::filesystem::path& file) {
  if (!value.is_string()) throw ModelFormatError(file, quoted(name) + ": 'dtype' is not a string");
  const std::string text = value.get<std::string>();
  if (text == "F32") return DType::kF32;
  if (text == "BF16") return DType::kBF16;
  if (text == "F16") return DType::kF16;
  // Integer tensors appear in reference outputs (token ids, images); the decoder refuses them as weights.
  if (text == "I32") return DType::kI32;
  if (text == "I64") return DType::kI64;
  if (text == "U8") return DType::kU8;
  throw ModelFormatError(file, quoted(name) + ": unsupported dtype '" + text +
                                   "' (exadoc reads F32, BF16, F16, I32, I64 and U8)");
}

Shape parse_shape(const nlohmann::json& value, const std::string& name, const std::filesystem::path& file) {
  if (!value.is_array() || value.size() > kMaxRank) {
    throw ModelFormatError(file, quoted(name) + ": 'shape' must be a list of at most 5 sizes");
  }
  Shape shape;
  for (const auto& size : value) {
    if (!size.is_number_unsigned() || size.get<uint64_t>() > (1ull << 40)) {
      throw ModelFormatError(file, quoted(name) + ": 'shape' holds an invalid size " + size.dump());
    }
    shape.dims[static_cast<size_t>(shape.rank++)] = static_cast<int64_t>(size.get<uint64_t>());
  }
  return shape;
}

}  // namespace

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes,
                                           const std::filesystem::path& file) {
  if (file_bytes.size() < 8) {
    throw ModelFormatError(
        file, "the file is " + std::to_string(file_bytes.size()) +
                  " bytes long, too short for a safetensors header; it is truncated or not safetensors");
  }
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i)
    header_length = header_length << 8 | static_cast<uint8_t>(file_bytes[static_cast<size_t>(i)]);
  const uint64_t available = file_bytes.size() - 8;
  if (header_length > available || header_length > kMaxHeaderBytes) {
    throw ModelFormatError(file, "the header length " + std::to_string(header_length) +
                                     " runs past the end of the file (" + std::to_string(file_bytes.size()) +
                                     " bytes); the file is truncated or not safetensors");
  }
  const auto* header_begin = reinterpret_cast<const char*>(file_bytes.data() + 8);
  const nlohmann::json header =
      nlohmann::json::parse(header_begin, header_begin + header_length, nullptr, false);
  if (header.is_discarded())
    throw ModelFormatError(file, "the header is not valid JSON; the file is damaged");
  if (!header.is_object()) throw ModelFormatError(file, "the header is not a JSON object");

  SafetensorsHeader result;
  result.data_offset = 8 + header_length;
  const uint64_t data_size = file_bytes.size() - result.data_offset;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets")) {
      throw ModelFormatError(file, quoted(name) + ": an entry needs 'dtype', 'shape' and 'data_offsets'");
    }
    TensorRecord record;
    record.name = name;
    record.dtype = parse_dtype(entry["dtype"], name, file);
    record.shape = parse_shape(entry["shape"], name, file);
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      throw ModelFormatError(file, quoted(name) + ": 'data_offsets' must be two byte offsets [begin, end]");
    }
    record.begin = offsets[0].get<uint64_t>();
    record.end = offsets[1].get<uint64_t>();
    if (record.begin > record.end || record.end > data_size) {
      throw ModelFormatError(file, quoted(name) + ": data_offsets [" + std::to_string(record.begin) + ", " +
                                       std::to_string(record.end) + "] lie outside the data area (" +
                                       std::to_string(data_size) +
                                       " bytes); the file is truncated or damaged");
    }
    const uint64_t expected = static_cast<uint64_t>(record.shape.elements()) * dtype_size(record.dtype);
    if (record.end - record.begin != expected) {
      throw ModelFormatError(file, quoted(name) + ": shape " + record.shape.text() + " x " +
                                       std::string(dtype_name(record.dtype)) + " needs " +
                                       std::to_string(expected) + " bytes but data_offsets cover " +
                                       std::to_string(record.end - record.begin));
    }
    result.tensors.push_back(std::move(record));
  }
  std::vector<const TensorRecord*> by_offset;
  for (const auto& record : result.tensors) by_offset.push_back(&record);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorRecord* a, const TensorRecord* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      throw ModelFormatError(file, quoted(by_offset[i]->name) + " overlaps " +
                                       quoted(by_offset[i - 1]->name) +
                                       " in the data area; the file is damaged");
    }
  }
  return result;
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& file) {
  auto result = std::shared_ptr<SafetensorsFile>(new SafetensorsFile());
  result->path_ = file;
  result->mapping_ = std::make_shared<MappedFile>(file);
  result->header_ = parse_safetensors_header(result->mapping_->bytes(), file);
  for (size_t i = 0; i < result->header_.tensors.size(); ++i)
    result->index_[result->header_.tensors[i].name] = i;
  return result;
}

const TensorRecord* SafetensorsFile::find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

Tensor SafetensorsFile::tensor(const TensorRecord& record) const {
  const std::byte* address = mapping_->bytes().data() + header_.data_offset + record.begin;
  if (reinterpret_cast<uintptr_t>(address) % dtype_size(record.dtype) == 0) {
    // The view keeps the mapping alive.
    return Tensor(const_cast<std::byte*>(address), record.dtype, record.shape, Device::kCpu, mapping_);
  }
  Tensor copy = Tensor::zeros_cpu(record.dtype, record.shape);
  std::memcpy(copy.data(), address, copy.bytes());
  return copy;
}

Checkpoint Checkpoint::open(const std::filesystem::path& directory) {
  Checkpoint checkpoint;
  checkpoint.directory_ = directory;
  const auto index_file = directory / "model.safetensors.index.json";
  auto add_file = [&](const std::filesystem::path& file) {
    auto opened = SafetensorsFile::open(file);
    for (const TensorRecord& record : opened->records()) {
      const auto [it, inserted] = checkpoint.locations_.emplace(record.name, Location{opened, &record});
      if (!inserted) {
        throw ModelFormatError(
            file, quoted(record.name) + " is also in " + it->second.file->path().filename().string());
      }
    }
    checkpoint.files_.push_back(std::move(opened));
  };

  if (std::filesystem::exists(index_file)) {
    std::ifstream stream(index_file);
    const nlohmann::json index = nlohmann::json::parse(stream, nullptr, false);
    if (index.is_discarded() || !index.is_object() || !index.contains("weight_map") ||
        !index["weight_map"].is_object()) {
      throw ModelFormatError(index_file, "not valid JSON with a 'weight_map' object");
    }
    std::vector<std::string> shards;
    for (const auto& [name, shard] : index["weight_map"].items()) {
      if (!shard.is_string())
        throw ModelFormatError(index_file, quoted(name) + ": the shard name is not a string");
      const std::string shard_name = shard.get<std::string>();
      if (shard_name.find('/') != std::string::npos) {
        throw ModelFormatError(index_file,
                               quoted(name) + ": shard '" + shard_name + "' is not a file in this folder");
      }
      if (std::find(shards.begin(), shards.end(), shard_name) == shards.end()) shards.push_back(shard_name);
    }
    for (const std::string& shard : shards) {
      if (!std::filesystem::exists(directory / shard)) {
        throw ModelFormatError(index_file,
                               "names shard '" + shard + "', which is missing from " + directory.string());
      }
      add_file(directory / shard);
    }
    for (const auto& [name, shard] : index["weight_map"].items()) {
      const auto it = checkpoint.locations_.find(name);
      if (it == checkpoint.locations_.end() ||
          it->second.file->path().filename() != shard.get<std::string>()) {
        throw ModelFormatError(index_file, "places " + quoted(name) + " in " + shard.get<std::string>() +
                                               ", but that shard does not hold it");
      }
    }
    if (checkpoint.locations_.size() != index["weight_map"].size()) {
      for (const auto& [name, location] : checkpoint.locations_) {
        if (!index["weight_map"].contains(name)) {
          throw ModelFormatError(location.file->path(),
                                 quoted(name) + " is not listed in model.safetensors.index.json");
        }
      }
    }
  } else if (std::filesystem::exists(directory / "model.safetensors")) {
    add_file(directory / "model.safetensors");
  } else {
    throw ModelFormatError(
        directory / "model.safetensors",
        "no weights: the folder has neither model.safetensors nor model.safetensors.index.json");
  }
  return checkpoint;
}

const TensorRecord& Checkpoint::record(const std::string& name) const {
  const auto it = locations_.find(name);
  if (it == locations_.end()) {
    throw ModelFormatError(directory_ / "model.safetensors",
                           "missing " + quoted(name) + " (the checkpoint does not match its config)");
  }
  return *it->second.record;
}

Tensor Checkpoint::tensor(const std::string& name) const {
  const TensorRecord& entry = record(name);
  return locations_.at(name).file->tensor(entry);
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> names;
  for (const auto& [name, location] : locations_) names.push_back(name);
  return names;
}

uint64_t Checkpoint::total_bytes() const {
  uint64_t bytes = 0;
  for (const auto& [name, location] : locations_) bytes += location.record->end - location.record->begin;
  return bytes;
}

}  // namespace exadoc::model
