// Parameter counts and the KV plan of the real 33B config, against exaone45-model.md §2.5 and §4.7.
#include <gtest/gtest.h>

#include <exadoc/model/memory_plan.h>

#include "test_support.h"

namespace exadoc::model {
namespace {

constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kMiB = 1ull << 20;

ModelConfig real_config() {
  return load_model_config(exadoc::testing::data_dir() / "model/exaone45-33b/config.json");
}

TEST(MemoryPlan, ParameterCountsMatchTheSpec) {
  const ParameterCounts counts = count_parameters(real_config());
  EXPECT_EQ(counts.per_text_layer, 483'666'176u);
  EXPECT_EQ(counts.embeddings + counts.text_layers + counts.final_norm, 31'741'072'384u);
  EXPECT_EQ(counts.lm_head, 786'432'000u);
  EXPECT_EQ(counts.mtp, 536'110'336u);
  EXPECT_EQ(counts.vision, 1'286'482'944u);
  EXPECT_EQ(counts.total(), 34'350'097'664u);
}

TEST(MemoryPlan, TheFullContextFitsBecauseSlidingLayersAreCapped) {
  const MemoryPlan plan = plan_memory(real_config(), 262'144, DType::kBF16);
  EXPECT_EQ(plan.global_layers, 16);
  EXPECT_EQ(plan.sliding_layers, 48);
  EXPECT_EQ(plan.kv_bytes_per_token_global, 64u * 1024u);
  EXPECT_EQ(plan.kv_global_bytes, 16 * kGiB);
  EXPECT_EQ(plan.kv_sliding_bytes, 768 * kMiB);
  EXPECT_EQ(plan.weight_bytes, 34'350'097'664ull * 2);
  // A short context does not pay for a full window.
  EXPECT_EQ(plan_memory(real_config(), 1024, DType::kBF16).kv_sliding_bytes, 48ull * 2 * 8 * 128 * 2 * 1024);
}

}  // namespace
}  // namespace exadoc::model
