#include <algorithm>

#include <exadoc/model/memory_plan.h>

namespace exadoc::model {

ParameterCounts count_parameters(const ModelConfig& config) {
  const TextConfig& t = config.text;
  const uint64_t hidden = static_cast<uint64_t>(t.hidden_size);
  const uint64_t q_width = static_cast<uint64_t>(t.num_heads) * static_cast<uint64_t>(t.head_dim);
  const uint64_t kv_width = static_cast<uint64_t>(t.num_kv_heads) * static_cast<uint64_t>(t.head_dim);
  const uint64_t ffn = static_cast<uint64_t>(t.intermediate_size);
  ParameterCounts counts;
  counts.per_text_layer = hidden * q_width + 2 * hidden * kv_width + q_width * hidden  // q, k, v, o
                          + 2 * static_cast<uint64_t>(t.head_dim)                      // q_norm, k_norm
                          + 3 * hidden * ffn                                           // gate, up, down
                          + 2 * hidden;  // post-attention/-ffn norms
  counts.embeddings = static_cast<uint64_t>(t.vocab_size) * hidden;
  counts.text_layers = counts.per_text_layer * static_cast<uint64_t>(t.num_layers);
  counts.final_norm = hidden;
  counts.lm_head = config.tie_word_embeddings ? 0 : counts.embeddings;
  // One MTP layer: a decoder layer, fc [hidden, 2·hidden], the two input norms and its final norm (§2.4).
  counts.mtp = static_cast<uint64_t>(config.num_nextn_predict_layers) *
               (counts.per_text_layer + 2 * hidden * hidden + 3 * hidden);
  if (config.vision) {
    const VisionConfig& v = *config.vision;
    const uint64_t width = static_cast<uint64_t>(v.hidden_size);
    const uint64_t head_dim = width / static_cast<uint64_t>(v.num_heads);
    const uint64_t qkv = width + 2 * static_cast<uint64_t>(v.num_kv_heads) * head_dim;
    const uint64_t mlp = static_cast<uint64_t>(v.intermediate_size);
    const uint64_t block = 2 * width                  // norm1, norm2
                           + qkv * width + qkv        // fused qkv with bias
                           + width * width + width    // proj with bias
                           + 2 * (mlp * width + mlp)  // gate, up with bias
                           + width * mlp + width;     // down with bias
    const uint64_t merged = width * static_cast<uint64_t>(v.spatial_merge_size * v.spatial_merge_size);
    const uint64_t out = static_cast<uint64_t>(v.out_hidden_size);
    const uint64_t patch = width * static_cast<uint64_t>(v.in_channels * v.temporal_patch_size) *
                           static_cast<uint64_t>(v.patch_size * v.patch_size);
    const uint64_t merger = width + merged * merged + merged + out * merged + out;
    counts.vision = patch + block * static_cast<uint64_t>(v.depth) + merger;
  }
  return counts;
}

MemoryPlan plan_memory(const ModelConfig& config, int64_t context_tokens, DType dtype) {
  const TextConfig& t = config.text;
  MemoryPlan plan;
  plan.context_tokens = context_tokens;
  plan.dtype = dtype;
  plan.weight_bytes = count_parameters(config).total() * dtype_size(dtype);
  for (const bool sliding : t.layer_is_sliding) (sliding ? plan.sliding_layers : plan.global_layers)++;
  const uint64_t per_token_layer =
      2ull * static_cast<uint64_t>(t.num_kv_heads) * static_cast<uint64_t>(t.head_dim) * dtype_size(dtype);
  plan.kv_bytes_per_token_global = per_token_layer * static_cast<uint64_t>(plan.global_layers);
  plan.kv_global_bytes = plan.kv_bytes_per_token_global * static_cast<uint64_t>(context_tokens);
  const int64_t sliding_tokens = std::min<int64_t>(context_tokens, t.sliding_window);
  plan.kv_sliding_bytes =
      per_token_layer * static_cast<uint64_t>(plan.sliding_layers) * static_cast<uint64_t>(sliding_tokens);
  return plan;
}

}  // namespace exadoc::model
