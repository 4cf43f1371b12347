// exadoc/model/tensor.h — shapes, dtypes and tensors (owning or views) on a device.
//
// A Tensor is a typed, strided view into storage that it may share: weights are views into memory-mapped
// safetensors files, activations are owned by the backend that allocated them. Shapes are row-major with up
// to four dimensions, innermost last, as in PyTorch: a weight is [out, in], activations are [tokens,
// features]. Copying a Tensor copies the view, not the data. Device memory (CUDA) is never dereferenced on
// the host.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace exadoc::model {

enum class DType { kF32, kBF16, kF16, kI32, kI64, kU8 };

inline bool is_floating(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kBF16 || dtype == DType::kF16;
}

size_t dtype_size(DType dtype);
std::string_view dtype_name(
    DType dtype);  // "F32", "BF16", "F16", "I32", "I64", "U8", as safetensors names them

enum class Device { kCpu, kCuda };

// Five: the vision patch embedding is a Conv3d weight [out, channels, time, height, width].
inline constexpr int kMaxRank = 5;

struct Shape {
  std::array<int64_t, kMaxRank> dims{};
  int rank = 0;

  Shape() = default;
  Shape(std::initializer_list<int64_t> sizes);
  int64_t operator[](int axis) const { return dims[static_cast<size_t>(axis)]; }
  int64_t elements() const;
  std::string text() const;  // "[768, 64]"
  bool operator==(const Shape& other) const;
};

class Tensor {
 public:
  Tensor() = default;
  // A contiguous view of `data` (not owned unless `owner` keeps it alive).
  Tensor(void* data, DType dtype, Shape shape, Device device, std::shared_ptr<void> owner = nullptr);

  // A contiguous CPU tensor that owns zero-initialised memory.
  static Tensor zeros_cpu(DType dtype, Shape shape);

  void* data() const { return data_; }
  template <typename T>
  T* data_as() const {
    return static_cast<T*>(data_);
  }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int axis) const { return shape_[axis]; }
  int64_t elements() const { return shape_.elements(); }
  size_t bytes() const { return static_cast<size_t>(elements()) * dtype_size(dtype_); }
  bool defined() const { return data_ != nullptr; }

  // The same memory with another shape of equal element count (tensors here are always contiguous).
  Tensor reshaped(Shape shape) const;
  // Rows [first, first + count) along the outermost axis.
  Tensor rows(int64_t first, int64_t count) const;

 private:
  void* data_ = nullptr;
  DType dtype_ = DType::kF32;
  Shape shape_;
  Device device_ = Device::kCpu;
  std::shared_ptr<void> owner_;
};

// Conversions of single values; the CPU backend widens bf16/f16 weights to fp32 on the fly.
float bf16_to_f32(uint16_t bits);
uint16_t f32_to_bf16(float value);  // round to nearest even, as PyTorch does
float f16_to_f32(uint16_t bits);

// Widens `count` elements of a CPU tensor of any floating dtype into fp32.
void to_f32(const void* source, DType dtype, float* destination, size_t count);

}  // namespace exadoc::model
