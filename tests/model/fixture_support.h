// Test helper: reading the Hugging Face reference fixtures (tests/fixtures, made by
// tools/reference/make_fixtures.py).
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <exadoc/model/tensor.h>

#include "test_support.h"

namespace exadoc::testing {

// fp32 on both sides; the fixtures' own float64 cross-check of HF found differences of 3e-7 on logits.
inline constexpr float kFp32Tolerance = 1e-4f;

inline std::filesystem::path fixture(const std::string& name) {
  return source_dir() / "tests/fixtures" / name;
}

inline std::vector<float> to_vector(const model::Tensor& tensor) {
  std::vector<float> values(static_cast<size_t>(tensor.elements()));
  model::to_f32(tensor.data(), tensor.dtype(), values.data(), values.size());
  return values;
}

// Token ids stored as I64 (as torch saves them) or I32.
inline std::vector<int32_t> to_ids(const model::Tensor& tensor) {
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < tensor.elements(); ++i) {
    ids.push_back(tensor.dtype() == model::DType::kI64 ? static_cast<int32_t>(tensor.data_as<int64_t>()[i])
                                                       : tensor.data_as<int32_t>()[i]);
  }
  return ids;
}

inline float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0.0f;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

}  // namespace exadoc::testing
