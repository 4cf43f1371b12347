// exadoc/model/text_decoder.h — the EXAONE 4.0/4.5 text decoder (exaone45-model.md §4), on any Backend.
//
// Per layer, post-norm ("reordered"): a = Attn(h); h += RMSNorm(a); f = MLP(h); h += RMSNorm(f). Attention:
// q/k/v projections without bias, per-head RMSNorm of q and k, RoPE (llama3-scaled, rotate-half) on sliding
// layers only (global layers are NoPE), GQA, causal with a window of exactly `sliding_window` keys (the token
// included) on sliding layers. Then the final RMSNorm and the untied lm_head.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include <exadoc/model/backend.h>
#include <exadoc/model/config.h>
#include <exadoc/model/kv_cache.h>
#include <exadoc/model/safetensors.h>

namespace exadoc::model {

// inv_freq[i] for i < head_dim/2: theta^(-2i/head_dim), rescaled per llama3 when the config says so (§4.4).
std::vector<float> rope_inverse_frequencies(const RopeConfig& rope, int head_dim);

// Receives the residual stream [T, hidden]: index 0 after the embedding, index l + 1 after layer l, and index
// num_layers + 1 after the final norm.
using HiddenStateObserver = std::function<void(int index, const Tensor& hidden)>;

// Embeddings that replace those of a placeholder token (§5): the k-th occurrence of token_id in a sequence
// takes row k of `rows` [count, hidden] (the vision tower's output, images concatenated in order).
struct InjectedEmbeddings {
  Tensor rows;
  int32_t token_id = 0;
};

class TextDecoder {
 public:
  // Takes views of the weights (no copy). Validates every tensor's presence and shape against the config, and
  // that the checkpoint holds nothing the model does not know. Throws ModelFormatError.
  TextDecoder(const ModelConfig& config, const Checkpoint& checkpoint, Backend& backend);

  const TextConfig& config() const { return config_; }
  Backend& backend() const { return backend_; }

  // Runs `ids` at positions cache.length() … through every layer, stores their keys/values in the cache and
  // advances it. Returns logits [T, vocab] for every token when all_logits, else [1, vocab] for the last.
  // With `injected`, placeholder tokens take its rows, starting at row `first_injected_row` (the number of
  // placeholders in earlier chunks of the same sequence). Throws exadoc::Error when the rows run out.
  Tensor forward(std::span<const int32_t> ids, KvCache& cache, bool all_logits,
                 const HiddenStateObserver& observer = {}, const InjectedEmbeddings* injected = nullptr,
                 int64_t first_injected_row = 0) const;

 private:
  struct Layer {
    Tensor q_proj, k_proj, v_proj, o_proj, q_norm, k_norm, gate_proj, up_proj, down_proj, post_attention_norm,
        post_feedforward_norm;
  };
  Tensor weight(const Checkpoint& checkpoint, const std::string& name, Shape shape) const;

  TextConfig config_;
  Backend& backend_;
  Tensor embed_tokens_, final_norm_, lm_head_;
  std::vector<Layer> layers_;
  std::vector<float> inv_freq_;
};

// Names every tensor a checkpoint of this config may hold (text, vision, lm_head, MTP); used to reject
// unexpected tensors, which usually mean a config that does not belong to the weights.
bool is_known_tensor_name(const ModelConfig& config, const std::string& name);

struct GenerationOptions {
  int max_new_tokens = 256;
  SamplingParams sampling;
  std::vector<int32_t>
      stop_ids;             // generation ends after producing one of these (it is included in the output)
  int prefill_chunk = 512;  // prompt tokens per forward pass
  uint64_t seed = 0;
};

// Prefills the prompt in chunks, then decodes token by token with the cache. Returns the generated ids.
// on_token, when set, sees each generated id as it is produced and may return false to stop. With `images`,
// the prompt's placeholder tokens (already expanded, one per image token) take the image embeddings.
std::vector<int32_t> generate(const TextDecoder& decoder, std::span<const int32_t> prompt,
                              const GenerationOptions& options,
                              const std::function<bool(int32_t)>& on_token = {},
                              const InjectedEmbeddings* images = nullptr);

}  // namespace exadoc::model
