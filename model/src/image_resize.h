// Private to the image processor: PyTorch's antialiased bicubic resize of uint8 RGB, bit for bit.
//
// Why this filter: HF's Qwen2VLImageProcessor (torchvision backend, the default) calls
// torchvision.transforms.v2.functional.resize(image, BICUBIC, antialias=True) on the uint8 tensor. On the CPU
// torchvision passes uint8 straight to ATen (_do_native_uint8_resize_on_cpu), whose _upsample_bicubic2d_aa
// is a port of Pillow-SIMD's ImagingResample (aten/src/ATen/native/cpu/UpSampleKernel.cpp,
// HelperInterpBase::_compute_index_ranges_int16_weights; cpu/UpSampleKernelAVXAntialias.h). Per axis:
//
//   scale   = in / out (double); support = 2·scale when shrinking (scale >= 1), else 2; taps =
//   2·ceil(support)+1 output i: center = scale·(i + 0.5)
//             first  = max(trunc(center − support + 0.5), 0)
//             count  = min(trunc(center + support + 0.5), in) − first, clamped to [0, taps]
//             w_j    = keys((first + j − center + 0.5) / max(scale, 1)), j < count, divided by Σ w_j
//             (double);
//                      keys is the Keys cubic with a = −0.5 (PIL's; ATen's non-antialiased bicubic uses
//                      −0.75)
//   fixed point: p = the first of 0..21 with round(max_w · 2^(p+1)) >= 2^15 (else 22), the most bits that
//   keep
//             the largest weight of the axis within int16; w16_j = w_j · 2^p rounded half away from zero
//   sample:   clamp((2^(p−1) + Σ w16_j · in[first + j]) >> p, 0, 255), an arithmetic (flooring) shift
//
// The horizontal pass runs first and its result is stored as uint8; the vertical pass reads those rows. An
// axis whose size does not change is skipped (ATen copies it). Integer arithmetic makes every step exact, so
// the result does not depend on SIMD width, the CPU or the compiler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace exadoc::model::detail {

// One axis of the resample: per output sample, which source samples it reads and with what weights.
struct ResampleAxis {
  int taps = 0;                  // weights per output sample (the row length of `weights`)
  int precision = 0;             // fixed-point bits of the weights
  std::vector<int> first;        // [output] first source index
  std::vector<int> count;        // [output] source samples read, <= taps
  std::vector<int16_t> weights;  // [output][taps], fixed point
};

// Sizes >= 1. Output sizes above the input upsample (support 2, five taps).
ResampleAxis make_bicubic_aa_axis(int input_size, int output_size);

// Produces the resized image one row at a time, top to bottom. Only the source rows the current output row
// needs are resampled horizontally, into a ring of `taps` rows, so memory is a few rows, not an image.
// Not thread-safe (one object per thread); the source must outlive the resizer.
class RgbResizer {
 public:
  RgbResizer(const uint8_t* pixels, int width, int height, size_t row_stride_bytes, int out_width,
             int out_height);

  // The next output row (3 · out_width bytes, RGB), starting with row 0; valid until the next call.
  const uint8_t* next_row();

 private:
  // Source row y resampled to out_width (or the source row itself when the width does not change).
  const uint8_t* horizontal_row(int y);

  const uint8_t* pixels_;
  size_t row_stride_bytes_;
  int out_width_;
  int out_height_;
  bool resize_x_;
  bool resize_y_;
  ResampleAxis axis_x_;
  ResampleAxis axis_y_;
  int next_y_ = 0;
  std::vector<uint8_t> ring_;         // [slots][3 · out_width], source row y in slot y % slots
  std::vector<int> ring_source_;      // which source row each ring slot holds (−1: none)
  std::vector<int32_t> accumulator_;  // [3 · out_width], the vertical pass's sums
  std::vector<uint8_t> out_row_;      // [3 · out_width]
};

}  // namespace exadoc::model::detail
