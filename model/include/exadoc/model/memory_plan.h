// exadoc/model/memory_plan.h — parameter counts and the memory a model needs for a context length.
//
// Derived from config.json alone, so it works before any weights are downloaded (exaone45-model.md §2.5,
// §4.7).
#pragma once

#include <cstdint>

#include <exadoc/model/config.h>

namespace exadoc::model {

struct ParameterCounts {
  uint64_t embeddings = 0;
  uint64_t text_layers = 0;  // all decoder layers
  uint64_t final_norm = 0;
  uint64_t lm_head = 0;  // 0 when tied to the embeddings
  uint64_t mtp = 0;      // multi-token-prediction layers (fc, norms, one decoder layer each)
  uint64_t vision = 0;   // patch embedding, blocks, merger
  uint64_t per_text_layer = 0;
  uint64_t total() const { return embeddings + text_layers + final_norm + lm_head + mtp + vision; }
};

ParameterCounts count_parameters(const ModelConfig& config);

struct MemoryPlan {
  int64_t context_tokens = 0;
  DType dtype = DType::kBF16;
  uint64_t weight_bytes = 0;
  int global_layers = 0;
  int sliding_layers = 0;
  uint64_t kv_bytes_per_token_global = 0;  // all global layers together
  uint64_t kv_global_bytes = 0;            // grows with the context
  uint64_t kv_sliding_bytes = 0;           // capped at the sliding window
  uint64_t total_bytes() const { return weight_bytes + kv_global_bytes + kv_sliding_bytes; }
};

// The plan for one sequence of `context_tokens` with weights and KV cache in `dtype`.
MemoryPlan plan_memory(const ModelConfig& config, int64_t context_tokens, DType dtype);

}  // namespace exadoc::model
