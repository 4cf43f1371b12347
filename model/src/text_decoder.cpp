#include <algorithm>
#include <cmath>
#include <numbers>
#include <regex>

#include <exadoc/base/error.h>
#include <exadoc/model/model_error.h>
#include <exadoc/model/text_decoder.h>

namespace exadoc::model {

std::vector<float> rope_inverse_frequencies(const RopeConfig& rope, int head_dim) {
  const int half = head_dim / 2;
  std::vector<float> inv_freq(static_cast<size_t>(half));
  for (int i = 0; i < half; ++i) {
    // As transformers: base ** (arange(0, dim, 2) / dim) in fp32.
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    inv_freq[static_cast<size_t>(i)] = 1.0f / std::pow(static_cast<float>(rope.theta), exponent);
  }
  if (rope.type != "llama3") return inv_freq;
  const double original = rope.original_max_position_embeddings;
  const double low_freq_wavelen = original / rope.low_freq_factor;
  const double high_freq_wavelen = original / rope.high_freq_factor;
  for (float& frequency : inv_freq) {
    const double wavelen = 2.0 * std::numbers::pi / frequency;
    if (wavelen < high_freq_wavelen) continue;  // high frequencies stay
    if (wavelen > low_freq_wavelen) {
      frequency = static_cast<float>(frequency / rope.factor);
      continue;
    }
    const double smooth =
        (original / wavelen - rope.low_freq_factor) / (rope.high_freq_factor - rope.low_freq_factor);
    frequency = static_cast<float>((1.0 - smooth) * frequency / rope.factor + smooth * frequency);
  }
  return inv_freq;
}

bool is_known_tensor_name(const ModelConfig& config, const std::string& name) {
  static const std::regex text_layer(
      R"(model\.language_model\.layers\.(\d+)\.(self_attn\.(q_proj|k_proj|v_proj|o_proj|q_norm|k_norm)|mlp\.(gate_proj|up_proj|down_proj)|post_attention_layernorm|post_feedforward_layernorm)\.weight)");
  static const std::regex vision_block(
      R"(model\.visual\.blocks\.(\d+)\.(norm1\.weight|norm2\.weight|attn\.qkv\.(weight|bias)|attn\.proj\.(weight|bias)|mlp\.(gate_proj|up_proj|down_proj)\.(weight|bias)))");
  static const std::regex vision_other(
      R"(model\.visual\.(patch_embed\.proj\.weight|merger\.ln_q\.weight|merger\.mlp\.(0|2)\.(weight|bias)))");
  static const std::regex mtp(R"(mtp\..+)");
  if (name == "model.language_model.embed_tokens.weight" || name == "model.language_model.norm.weight")
    return true;
  if (name == "lm_head.weight") return !config.tie_word_embeddings;
  std::smatch match;
  if (std::regex_match(name, match, text_layer)) return std::stoi(match[1]) < config.text.num_layers;
  if (config.vision) {
    if (std::regex_match(name, match, vision_block)) return std::stoi(match[1]) < config.vision->depth;
    if (std::regex_match(name, vision_other)) return true;
  }
  return std::regex_match(name, mtp);  // speculative-decoding head; HF-saved checkpoints have none
}

Tensor TextDecoder::weight(const Checkpoint& checkpoint, const std::string& name, Shape shape) const {
  const TensorRecord& record = checkpoint.record(name);
  if (!is_floating(record.dtype)) {
    throw ModelFormatError(checkpoint.directory() / "model.safetensors",
                           "tensor '" + name + "' has dtype " + std::string(dtype_name(record.dtype)) +
                               "; weights must be F32, BF16 or F16");
  }
  if (!(record.shape == shape)) {
    throw ModelFormatError(checkpoint.directory() / "config.json",
                           "tensor '" + name + "' has shape " + record.shape.text() +
                               " in the checkpoint, but the config implies " + shape.text() +
                               "; the config does not belong to these weights");
  }
  return backend_.upload(checkpoint.tensor(name));  // the view itself on the CPU, a device copy on a GPU
}

TextDecoder::TextDecoder(const ModelConfig& config, const Checkpoint& checkpoint, Backend& backend)
    : config_(config.text), backend_(backend) {
  for (const std::string& name : checkpoint.names()) {
    if (!is_known_tensor_name(config, name)) {
      throw ModelFormatError(
          checkpoint.directory() / "model.safetensors",
          "unexpected tensor '" + name + "': the config (" + std::to_string(config_.num_layers) +
              " layers) does not describe it; the config does not belong to these weights");
    }
  }
  const TextConfig& c = config_;
  const int64_t hidden = c.hidden_size;
  const int64_t q_width = static_cast<int64_t>(c.num_heads) * c.head_dim;
  const int64_t kv_width = static_cast<int64_t>(c.num_kv_heads) * c.head_dim;
  const std::string prefix = "model.language_model.";
  embed_tokens_ = weight(checkpoint, prefix + "embed_tokens.weight", {c.vocab_size, hidden});
  final_norm_ = weight(checkpoint, prefix + "norm.weight", {hidden});
  lm_head_ = config.tie_word_embeddings ? embed_tokens_
                                        : weight(checkpoint, "lm_head.weight", {c.vocab_size, hidden});
  for (int index = 0; index < c.num_layers; ++index) {
    const std::string layer = prefix + "layers." + std::to_string(index) + ".";
    layers_.push_back(Layer{
        weight(checkpoint, layer + "self_attn.q_proj.weight", {q_width, hidden}),
        weight(checkpoint, layer + "self_attn.k_proj.weight", {kv_width, hidden}),
        weight(checkpoint, layer + "self_attn.v_proj.weight", {kv_width, hidden}),
        weight(checkpoint, layer + "self_attn.o_proj.weight", {hidden, q_width}),
        weight(checkpoint, layer + "self_attn.q_norm.weight", {c.head_dim}),
        weight(checkpoint, layer + "self_attn.k_norm.weight", {c.head_dim}),
        weight(checkpoint, layer + "mlp.gate_proj.weight", {c.intermediate_size, hidden}),
        weight(checkpoint, layer + "mlp.up_proj.weight", {c.intermediate_size, hidden}),
        weight(checkpoint, layer + "mlp.down_proj.weight", {hidden, c.intermediate_size}),
        weight(checkpoint, layer + "post_attention_layernorm.weight", {hidden}),
        weight(checkpoint, layer + "post_feedforward_layernorm.weight", {hidden}),
    });
  }
  inv_freq_ = rope_inverse_frequencies(c.rope, c.head_dim);
}

Tensor TextDecoder::forward(std::span<const int32_t> ids, KvCache& cache, bool all_logits,
                            const HiddenStateObserver& observer, const InjectedEmbeddings* injected,
                            int64_t first_injected_row) const {
  const TextConfig& c = config_;
  const auto tokens = static_cast<int64_t>(ids.size());
  if (tokens == 0) throw InternalError("forward on an empty chunk");
  const auto eps = static_cast<float>(c.rms_norm_eps);
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  std::vector<int32_t> positions(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t)
    positions[static_cast<size_t>(t)] = cache.length() + static_cast<int32_t>(t);

  Backend& b = backend_;
  Tensor hidden = b.allocate(DType::kF32, {tokens, c.hidden_size});
  Tensor q = b.allocate(DType::kF32, {tokens, c.num_heads, c.head_dim});
  Tensor k = b.allocate(DType::kF32, {tokens, c.num_kv_heads, c.head_dim});
  Tensor v = b.allocate(DType::kF32, {tokens, c.num_kv_heads, c.head_dim});
  Tensor attended = b.allocate(DType::kF32, {tokens, c.num_heads, c.head_dim});
  Tensor projected = b.allocate(DType::kF32, {tokens, c.hidden_size});
  Tensor gate = b.allocate(DType::kF32, {tokens, c.intermediate_size});
  Tensor up = b.allocate(DType::kF32, {tokens, c.intermediate_size});

  b.embedding(embed_tokens_, ids, hidden);
  if (injected != nullptr) {
    std::vector<int32_t> targets;
    for (int64_t t = 0; t < tokens; ++t) {
      if (ids[static_cast<size_t>(t)] == injected->token_id) targets.push_back(static_cast<int32_t>(t));
    }
    if (!targets.empty()) {
      const auto count = static_cast<int64_t>(targets.size());
      if (first_injected_row + count > injected->rows.dim(0)) {
        throw Error("the prompt has more image tokens than image embeddings (" +
                    std::to_string(injected->rows.dim(0)) +
                    "); expand the placeholders with expand_image_placeholders");
      }
      b.scatter_rows(injected->rows.rows(first_injected_row, count), targets, hidden);
    }
  }
  if (observer) observer(0, hidden);
  for (size_t index = 0; index < layers_.size(); ++index) {
    const Layer& layer = layers_[index];
    const bool sliding = c.layer_is_sliding[index];
    b.matmul(hidden, layer.q_proj, q);
    b.matmul(hidden, layer.k_proj, k);
    b.matmul(hidden, layer.v_proj, v);
    Tensor q_heads = q.reshaped({tokens * c.num_heads, c.head_dim});
    Tensor k_heads = k.reshaped({tokens * c.num_kv_heads, c.head_dim});
    b.rms_norm(q_heads, layer.q_norm, eps, q_heads);  // per head, before RoPE
    b.rms_norm(k_heads, layer.k_norm, eps, k_heads);
    if (sliding) {  // global layers use no position encoding at all (NoPE)
      b.rope_1d(q, positions, inv_freq_);
      b.rope_1d(k, positions, inv_freq_);
    }
    const auto layer_index = static_cast<int>(index);
    b.attention(q, k, v, positions, cache.view(layer_index), {scale, sliding ? c.sliding_window : 0},
                attended);
    cache.store(layer_index, k, v);
    b.matmul(attended.reshaped({tokens, int64_t{c.num_heads} * c.head_dim}), layer.o_proj, projected);
    b.rms_norm(projected, layer.post_attention_norm, eps, projected);
    b.add(projected, hidden);
    b.matmul(hidden, layer.gate_proj, gate);
    b.matmul(hidden, layer.up_proj, up);
    b.swiglu(gate, up, gate);
    b.matmul(gate, layer.down_proj, projected);
    b.rms_norm(projected, layer.post_feedforward_norm, eps, projected);
    b.add(projected, hidden);
    if (observer) observer(layer_index + 1, hidden);
  }
  cache.advance(static_cast<int>(tokens));

  b.rms_norm(hidden, final_norm_, eps, hidden);
  if (observer) observer(c.num_layers + 1, hidden);
  const Tensor head_input = all_logits ? hidden : hidden.rows(tokens - 1, 1);
  Tensor logits = b.allocate(DType::kF32, {head_input.dim(0), c.vocab_size});
  b.matmul(head_input, lm_head_, logits);
  return logits;
}

std::vector<int32_t> generate(const TextDecoder& decoder, std::span<const int32_t> prompt,
                              const GenerationOptions& options, const std::function<bool(int32_t)>& on_token,
                              const InjectedEmbeddings* images) {
  if (prompt.empty()) throw Error("generation needs a prompt of at least one token");
  KvCache cache(decoder.config(), decoder.backend(),
                static_cast<int>(prompt.size()) + options.max_new_tokens);
  const size_t chunk = static_cast<size_t>(std::max(1, options.prefill_chunk));
  Tensor logits;
  int64_t injected_rows = 0;  // image embeddings taken by earlier chunks
  for (size_t first = 0; first < prompt.size(); first += chunk) {
    const auto piece = prompt.subspan(first, std::min(chunk, prompt.size() - first));
    logits = decoder.forward(piece, cache, false, {}, images, injected_rows);
    if (images != nullptr) injected_rows += std::count(piece.begin(), piece.end(), images->token_id);
  }
  if (images != nullptr && injected_rows != images->rows.dim(0)) {
    throw Error("the prompt has " + std::to_string(injected_rows) + " image tokens for " +
                std::to_string(images->rows.dim(0)) + " image embeddings");
  }
  std::mt19937_64 rng(options.seed);
  std::vector<int32_t> generated;
  while (static_cast<int>(generated.size()) < options.max_new_tokens) {
    const int32_t next = decoder.backend().sample(logits, options.sampling, generated, rng);
    generated.push_back(next);
    if (on_token && !on_token(next)) break;
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), next) != options.stop_ids.end()) break;
    if (static_cast<int>(generated.size()) == options.max_new_tokens) break;
    const int32_t step[1] = {next};
    logits = decoder.forward(step, cache, false);
  }
  return generated;
}

}  // namespace exadoc::model
