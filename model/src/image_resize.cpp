#include "image_resize.h"
#include <algorithm>
#include <cmath>
#include <cstring>

#include <exadoc/base/error.h>

namespace exadoc::model::detail {
namespace {

// Keys' cubic convolution kernel with a = −0.5, in ATen's evaluation order (HelperInterpCubic::aa_filter with
// cubic_convolution1/2 of UpSample.h), so the double weights round exactly as torch's do.
double keys_cubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

uint8_t clamp_to_u8(int32_t value) {
  return static_cast<uint8_t>(std::clamp(value, 0, 255));
}

}  // namespace

ResampleAxis make_bicubic_aa_axis(int input_size, int output_size) {
  if (input_size < 1 || output_size < 1) {
    throw InternalError("bicubic resample from " + std::to_string(input_size) + " to " +
                        std::to_string(output_size) + " samples");
  }
  const double scale = static_cast<double>(input_size) / static_cast<double>(output_size);
  const double support = scale >= 1.0 ? 2.0 * scale : 2.0;
  const double inverse_scale = scale >= 1.0 ? 1.0 / scale : 1.0;
  ResampleAxis axis;
  axis.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  const auto taps = static_cast<size_t>(axis.taps);
  const auto outputs = static_cast<size_t>(output_size);
  axis.first.resize(outputs);
  axis.count.resize(outputs);
  std::vector<double> real_weights(outputs * taps, 0.0);
  double max_weight = 0.0;
  for (size_t out = 0; out < outputs; ++out) {
    const double center = scale * (static_cast<double>(out) + 0.5);
    // The casts truncate toward zero, as ATen's static_cast<int64_t> does (center − support may be negative).
    // NOLINTBEGIN(bugprone-incorrect-roundings): ATen truncates (x + 0.5); the exact match with HF depends on
    // it.
    const int64_t first = std::max(static_cast<int64_t>(center - support + 0.5), int64_t{0});
    const int64_t end = std::min(static_cast<int64_t>(center + support + 0.5), int64_t{input_size});
    // NOLINTEND(bugprone-incorrect-roundings)
    const int64_t count = std::clamp(end - first, int64_t{0}, int64_t{axis.taps});
    double* weights = &real_weights[out * taps];
    double total = 0.0;
    for (int64_t tap = 0; tap < count; ++tap) {
      weights[tap] = keys_cubic((static_cast<double>(tap + first) - center + 0.5) * inverse_scale);
      total += weights[tap];
    }
    if (total != 0.0) {
      for (int64_t tap = 0; tap < count; ++tap) {
        weights[tap] /= total;
        max_weight = std::max(max_weight, weights[tap]);
      }
    }
    axis.first[out] = static_cast<int>(first);
    axis.count[out] = static_cast<int>(count);
  }
  // One precision for the whole axis: the most bits (up to 22) under which the largest weight fits int16.
  int precision = 0;
  for (; precision < 22; ++precision) {
    // Pillow-SIMD's rounding of the weights, copied exactly by ATen.
    // NOLINTNEXTLINE(bugprone-incorrect-roundings)
    const auto next = static_cast<int>(0.5 + max_weight * static_cast<double>(1 << (precision + 1)));

    if (next >= (1 << 15)) break;
  }
  axis.precision = precision;
  axis.weights.resize(outputs * taps);
  for (size_t index = 0; index < real_weights.size(); ++index) {
    const double value = real_weights[index] * static_cast<double>(1 << precision);
    axis.weights[index] = static_cast<int16_t>(
        value < 0 ? static_cast<int>(-0.5 + value)
                  : static_cast<int>(
                        0.5 + value));  // NOLINT(bugprone-incorrect-roundings): half away from zero, as ATen
  }
  return axis;
}

RgbResizer::RgbResizer(const uint8_t* pixels, int width, int height, size_t row_stride_bytes, int out_width,
                       int out_height)
    : pixels_(pixels),
      row_stride_bytes_(row_stride_bytes),
      out_width_(out_width),
      out_height_(out_height),
      resize_x_(out_width != width),
      resize_y_(out_height != height) {
  if (resize_x_) axis_x_ = make_bicubic_aa_axis(width, out_width);
  if (resize_y_) axis_y_ = make_bicubic_aa_axis(height, out_height);
  const size_t row_bytes = 3 * static_cast<size_t>(out_width);
  // The vertical pass needs `taps` horizontal rows at once; without it, one row is read at a time.
  const size_t ring_rows = resize_y_ ? static_cast<size_t>(axis_y_.taps) : 1;
  if (resize_x_) {
    ring_.resize(ring_rows * row_bytes);
    ring_source_.assign(ring_rows, -1);
  }
  if (resize_y_) {
    accumulator_.resize(row_bytes);
    out_row_.resize(row_bytes);
  }
}

const uint8_t* RgbResizer::horizontal_row(int y) {
  const uint8_t* source = pixels_ + static_cast<size_t>(y) * row_stride_bytes_;
  if (!resize_x_) return source;
  const size_t slot = static_cast<size_t>(y) % ring_source_.size();
  uint8_t* row = &ring_[slot * 3 * static_cast<size_t>(out_width_)];
  if (ring_source_[slot] == y) return row;
  // The windows of consecutive output rows only move down, so a slot is reused only once its row is behind
  // every window still to come.
  ring_source_[slot] = y;
  const int32_t rounding = int32_t{1} << (axis_x_.precision - 1);
  for (int out = 0; out < out_width_; ++out) {
    const auto out_index = static_cast<size_t>(out);
    const int16_t* weights = &axis_x_.weights[out_index * static_cast<size_t>(axis_x_.taps)];
    const uint8_t* taps = source + 3 * static_cast<size_t>(axis_x_.first[out_index]);
    int32_t red = rounding;
    int32_t green = rounding;
    int32_t blue = rounding;
    for (int tap = 0; tap < axis_x_.count[out_index]; ++tap) {
      const int32_t weight = weights[tap];
      const ptrdiff_t at = 3 * static_cast<ptrdiff_t>(tap);
      red += weight * taps[at];
      green += weight * taps[at + 1];
      blue += weight * taps[at + 2];
    }
    row[3 * out_index] = clamp_to_u8(red >> axis_x_.precision);
    row[3 * out_index + 1] = clamp_to_u8(green >> axis_x_.precision);
    row[3 * out_index + 2] = clamp_to_u8(blue >> axis_x_.precision);
  }
  return row;
}

const uint8_t* RgbResizer::next_row() {
  if (next_y_ >= out_height_) throw InternalError("RgbResizer::next_row past the last row");
  const int y = next_y_++;
  if (!resize_y_) return horizontal_row(y);
  const auto out_index = static_cast<size_t>(y);
  const int16_t* weights = &axis_y_.weights[out_index * static_cast<size_t>(axis_y_.taps)];
  const int first = axis_y_.first[out_index];
  const size_t row_bytes = out_row_.size();
  std::fill(accumulator_.begin(), accumulator_.end(), int32_t{1} << (axis_y_.precision - 1));
  for (int tap = 0; tap < axis_y_.count[out_index]; ++tap) {
    const uint8_t* row = horizontal_row(first + tap);
    const int32_t weight = weights[tap];
    int32_t* sums = accumulator_.data();
    for (size_t index = 0; index < row_bytes; ++index) sums[index] += weight * row[index];
  }
  for (size_t index = 0; index < row_bytes; ++index)
    out_row_[index] = clamp_to_u8(accumulator_[index] >> axis_y_.precision);
  return out_row_.data();
}

}  // namespace exadoc::model::detail
