#include <cstring>

#include <exadoc/base/error.h>
#include <exadoc/model/tensor.h>

namespace exadoc::model {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF32:
    case DType::kI32:
      return 4;
    case DType::kBF16:
    case DType::kF16:
      return 2;
    case DType::kI64:
      return 8;
    case DType::kU8:
      return 1;
  }
  return 0;
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "F32";
    case DType::kBF16:
      return "BF16";
    case DType::kF16:
      return "F16";
    case DType::kI32:
      return "I32";
    case DType::kI64:
      return "I64";
    case DType::kU8:
      return "U8";
  }
  return "?";
}

Shape::Shape(std::initializer_list<int64_t> sizes) {
  if (sizes.size() > kMaxRank) throw InternalError("a shape has at most 5 dimensions");
  for (const int64_t size : sizes) dims[static_cast<size_t>(rank++)] = size;
}

int64_t Shape::elements() const {
  int64_t count = 1;
  for (int axis = 0; axis < rank; ++axis) count *= dims[static_cast<size_t>(axis)];
  return count;
}

std::string Shape::text() const {
  std::string out = "[";
  for (int axis = 0; axis < rank; ++axis) {
    if (axis > 0) out += ", ";
    out += std::to_string(dims[static_cast<size_t>(axis)]);
  }
  return out + "]";
}

bool Shape::operator==(const Shape& other) const {
  if (rank != other.rank) return false;
  for (int axis = 0; axis < rank; ++axis) {
    if (dims[static_cast<size_t>(axis)] != other.dims[static_cast<size_t>(axis)]) return false;
  }
  return true;
}

Tensor::Tensor(void* data, DType dtype, Shape shape, Device device, std::shared_ptr<void> owner)
    : data_(data), dtype_(dtype), shape_(shape), device_(device), owner_(std::move(owner)) {}

Tensor Tensor::zeros_cpu(DType dtype, Shape shape) {
  const size_t bytes = static_cast<size_t>(shape.elements()) * dtype_size(dtype);
  std::shared_ptr<std::byte[]> memory(new std::byte[bytes == 0 ? 1 : bytes]());
  return Tensor(memory.get(), dtype, shape, Device::kCpu, std::shared_ptr<void>(memory, memory.get()));
}

Tensor Tensor::reshaped(Shape shape) const {
  if (shape.elements() != elements()) {
    throw InternalError("reshape " + shape_.text() + " to " + shape.text() + " changes the element count");
  }
  Tensor view = *this;
  view.shape_ = shape;
  return view;
}

Tensor Tensor::rows(int64_t first, int64_t count) const {
  if (shape_.rank == 0 || first < 0 || count < 0 || first + count > shape_[0]) {
    throw InternalError("rows [" + std::to_string(first) + ", +" + std::to_string(count) + ") outside " +
                        shape_.text());
  }
  const int64_t row_elements = shape_[0] == 0 ? 0 : elements() / shape_[0];
  Tensor view = *this;
  view.data_ =
      static_cast<std::byte*>(data_) + static_cast<size_t>(first * row_elements) * dtype_size(dtype_);
  view.shape_.dims[0] = count;
  return view;
}

float bf16_to_f32(uint16_t bits) {
  const uint32_t widened = static_cast<uint32_t>(bits) << 16;
  float value = 0;
  std::memcpy(&value, &widened, sizeof value);
  return value;
}

uint16_t f32_to_bf16(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float f16_to_f32(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t result = 0;
  if (exponent == 0) {
    if (mantissa == 0) {
      result = sign;
    } else {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      mantissa &= 0x3ffu;
      result = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 0x1f) {
    result = sign | 0x7f800000u | (mantissa << 13);
  } else {
    result = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float value = 0;
  std::memcpy(&value, &result, sizeof value);
  return value;
}

void to_f32(const void* source, DType dtype, float* destination, size_t count) {
  switch (dtype) {
    case DType::kF32:
      std::memcpy(destination, source, count * sizeof(float));
      return;
    case DType::kBF16: {
      const auto* values = static_cast<const uint16_t*>(source);
      for (size_t i = 0; i < count; ++i) destination[i] = bf16_to_f32(values[i]);
      return;
    }
    case DType::kF16: {
      const auto* values = static_cast<const uint16_t*>(source);
      for (size_t i = 0; i < count; ++i) destination[i] = f16_to_f32(values[i]);
      return;
    }
    case DType::kI32:
    case DType::kI64:
    case DType::kU8:
      break;
  }
  throw InternalError("to_f32 on a non-floating tensor");
}

}  // namespace exadoc::model
