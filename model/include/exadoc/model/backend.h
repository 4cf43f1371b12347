// exadoc/model/backend.h — the operations the EXAONE 4.5 engine needs, behind one interface.
//
// The decoder, KV cache and generation loop are written once against Backend; `cpu` implements it now (the
// reference that defines correctness) and `cuda` implements it without changes to callers. Conventions:
// activations are fp32 on the CPU backend (a device backend may keep bf16 internally), weights may be F32,
// BF16 or F16 and are used in place (views into the memory-mapped checkpoint); output tensors are allocated
// by the caller with allocate(); shapes are [tokens, features] with heads split as [tokens, heads, head_dim].
// Not thread-safe: one backend per thread of execution (a backend may use threads internally).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include <exadoc/base/error.h>
#include <exadoc/model/tensor.h>

namespace exadoc::model {

enum class Op {
  kMatmul,
  kRmsNorm,
  kRope,
  kSwiGlu,
  kAdd,
  kSoftmax,
  kEmbedding,
  kAttention,
  kCopyRows,
  kSample
};

// A backend that cannot be created or a device call that failed: exadoc built without CUDA, no usable GPU,
// out of device memory, a failed kernel launch. The message names the call and the reason.
class BackendError : public Error {
 public:
  explicit BackendError(const std::string& message) : Error(message) {}
};

// Keys/values a query may attend to besides the chunk being computed: the slots of a KV cache.
struct KvView {
  Tensor keys;                         // [slots, kv_heads, head_dim]
  Tensor values;                       // [slots, kv_heads, head_dim]
  std::span<const int32_t> positions;  // token position held by each slot, -1 for an empty slot
};

struct AttentionParams {
  float scale = 1.0f;
  // 0: causal over everything. Otherwise query at position i sees keys j with j <= i and i - j < window, i.e.
  // exactly `window` keys including itself (flash-attn window (window - 1, 0)).
  int window = 0;
};

struct SamplingParams {
  float temperature = 0.0f;  // 0: greedy (argmax, first index on ties, as torch.argmax)
  float top_p = 1.0f;
  int top_k = 0;  // 0: off
  // OpenAI/vLLM presence penalty: subtracted once from the logit of every token already generated.
  float presence_penalty = 0.0f;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string_view name() const = 0;
  virtual Device device() const = 0;
  virtual bool supports(Op op, DType weight_dtype) const = 0;

  // Zeroed memory on this backend's device.
  virtual Tensor allocate(DType dtype, Shape shape) = 0;
  // Copies device memory into host fp32 (the identity on the CPU backend for fp32 tensors).
  virtual void read_f32(const Tensor& tensor, float* host) = 0;
  // A tensor on this backend's device with the contents of a host tensor (weights, pixel rows), same dtype
  // and shape. The CPU backend returns the view itself (no copy); a device backend copies once and the
  // result owns its device memory.
  virtual Tensor upload(const Tensor& host) = 0;

  // y[T, out] = x[T, in] · weight[out, in]ᵀ
  virtual void matmul(const Tensor& x, const Tensor& weight, Tensor& y) = 0;
  // y[t, ...] += bias for each t of the outermost axis (bias F32/BF16/F16 with one value per element of a
  // row).

  virtual void add_bias(Tensor& y, const Tensor& bias) = 0;
  // RMSNorm over the last dimension, eps inside the root, statistics in fp32; then times weight[d]. x may be
  // y.
  virtual void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& y) = 0;
  // Rotate-half (NeoX) RoPE in place on x[T, heads, head_dim]: pairs (i, i + head_dim/2) rotate by
  // positions[t] · inv_freq[i]; inv_freq has head_dim/2 entries.
  virtual void rope_1d(Tensor& x, std::span<const int32_t> positions, std::span<const float> inv_freq) = 0;
  // The vision tower's 2D RoPE, in place on x[T, heads, head_dim], rotate-half: pair (i, i + head_dim/2)
  // turns by rows[t] · inv_freq[i] for i < head_dim/4 and by columns[t] · inv_freq[i - head_dim/4] above;
  // inv_freq has head_dim/4 entries. Angles, cos and sin in fp32.
  virtual void rope_2d(Tensor& x, std::span<const int32_t> rows, std::span<const int32_t> columns,
                       std::span<const float> inv_freq) = 0;
  // out = silu(gate) ⊙ up
  virtual void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) = 0;
  // x = GELU(x), the exact (erf) form, in place.
  virtual void gelu(Tensor& x) = 0;
  // accumulator += x
  virtual void add(const Tensor& x, Tensor& accumulator) = 0;
  // Softmax over the last dimension, in place, in fp32.
  virtual void softmax(Tensor& x) = 0;
  // out[T, d] = table[ids[t]] (table may be F32/BF16/F16).
  virtual void embedding(const Tensor& table, std::span<const int32_t> ids, Tensor& out) = 0;
  // Scaled dot-product attention with GQA (query head h reads KV head h / (q_heads / kv_heads)). Queries q[T,
  // Hq, d] at `positions`; keys/values are the chunk's own k, v [T, Hkv, d] plus the slots of `past`. Causal
  // by position.
  virtual void attention(const Tensor& q, const Tensor& k, const Tensor& v,
                         std::span<const int32_t> positions, const KvView& past,
                         const AttentionParams& params, Tensor& out) = 0;
  // Bidirectional attention inside segments [boundaries[i], boundaries[i+1]) of the rows of q[T, Hq, d], k
  // and v [T, Hkv, d] (GQA as above); nothing crosses a boundary (the vision tower's windows, frames and
  // images).
  virtual void attention_segments(const Tensor& q, const Tensor& k, const Tensor& v,
                                  std::span<const int32_t> boundaries, float scale, Tensor& out) = 0;
  // destination[i] = source[rows[i]] for each i (rows of the outermost axis).
  virtual void gather_rows(const Tensor& source, std::span<const int32_t> rows, Tensor& destination) = 0;
  // destination[rows[i]] = source[i] for each i.
  virtual void scatter_rows(const Tensor& source, std::span<const int32_t> rows, Tensor& destination) = 0;
  // destination.rows(first_row, source.dim(0)) = source (same dtype and row size).
  virtual void copy_rows(const Tensor& source, Tensor& destination, int64_t first_row) = 0;
  // Picks the next token from logits[V] (fp32). `generated` holds the tokens generated so far.
  virtual int32_t sample(const Tensor& logits, const SamplingParams& params,
                         std::span<const int32_t> generated, std::mt19937_64& rng) = 0;
};

// threads: 0 = one per core.
std::unique_ptr<Backend> make_cpu_backend(int threads = 0);

// The CUDA backend on GPU `device` (see model/README.md). Throws BackendError saying why when exadoc was
// built without CUDA, when no driver or GPU is present, or when `device` does not exist.
std::unique_ptr<Backend> make_cuda_backend(int device = 0);

// Stacks tensors with the same row shape and dtype along the outermost axis into a new tensor on `backend`
// (several images' pixel rows for one vision-tower call). Throws InternalError for mismatched parts or none.
Tensor concatenate_rows(Backend& backend, std::span<const Tensor> parts);

}  // namespace exadoc::model
