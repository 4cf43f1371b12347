// Private to the CUDA backend: launchers of the kernels in cuda_kernels.cu. Plain pointers and sizes (all
// device memory unless said otherwise), every launch on `stream`; shape checks are the caller's
// (cuda_backend.cpp). Activations are fp32; `weights` may be F32, BF16 or F16 as their DType says.
//
// Included from C++20 host files and from the C++17 .cu file: nothing here may need more than C++17.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include <exadoc/model/tensor.h>

namespace exadoc::model::cuda {

// out[i] = x[i] rounded to `to` (BF16 or F16, round to nearest even), for the GEMM's activation operand.
void convert_f32(const float* x, DType to, void* out, int64_t count, cudaStream_t stream);

// y[r, :] = weight ⊙ x[r, :] / sqrt(mean(x[r, :]²) + eps), one block per row, statistics in fp32. x may be y.
void rms_norm(const float* x, const void* weight, DType weight_dtype, float eps, float* y, int64_t rows,
              int64_t width, cudaStream_t stream);

// Rotate-half RoPE in place on x[tokens, heads, dim]: pair (i, i + dim/2) turns by positions[t] ·
// inv_freq[i].
void rope_1d(float* x, const int32_t* positions, const float* inv_freq, int64_t tokens, int64_t heads,
             int64_t dim, cudaStream_t stream);
// The vision 2D variant: i < dim/4 turns by rows[t] · inv_freq[i], above by columns[t] · inv_freq[i - dim/4].
void rope_2d(float* x, const int32_t* rows, const int32_t* columns, const float* inv_freq, int64_t tokens,
             int64_t heads, int64_t dim, cudaStream_t stream);

void swiglu(const float* gate, const float* up, float* out, int64_t count, cudaStream_t stream);
void gelu(float* x, int64_t count, cudaStream_t stream);
void add(const float* x, float* accumulator, int64_t count, cudaStream_t stream);
// y[r, i] += bias[i] for every row r of width `width`.
void add_bias(float* y, const void* bias, DType bias_dtype, int64_t rows, int64_t width, cudaStream_t stream);
// Softmax of every row, in place, max-subtracted, in fp32.
void softmax(float* x, int64_t rows, int64_t width, cudaStream_t stream);

// out[t, :] = table[ids[t], :] widened to fp32 (ids already checked against the table).
void embedding(const void* table, DType table_dtype, const int32_t* ids, float* out, int64_t tokens,
               int64_t width, cudaStream_t stream);
// destination[i] = source[rows[i]] (gather) or destination[rows[i]] = source[i] (scatter), row_bytes each.
void gather_rows(const void* source, const int32_t* rows, void* destination, int64_t count, int64_t row_bytes,
                 cudaStream_t stream);
void scatter_rows(const void* source, const int32_t* rows, void* destination, int64_t count,
                  int64_t row_bytes, cudaStream_t stream);

// Attention of q[tokens, q_heads, dim] over keys/values with GQA (query head h reads KV head h / group),
// fp32. Causal mode (segment_of == nullptr): the keys are the `slots` rows of past_keys/past_values at
// past_positions (-1 = empty) followed by the chunk's own k, v at `positions`; a query at position i sees key
// position j when 0 <= j <= i and (window == 0 or i - j < window). Segment mode: slots is 0 and query t sees
// the chunk's rows [boundaries[segment_of[t]], boundaries[segment_of[t] + 1]), bidirectionally.
struct AttentionArgs {
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  const int32_t* positions = nullptr;
  const float* past_keys = nullptr;
  const float* past_values = nullptr;
  const int32_t* past_positions = nullptr;
  int64_t slots = 0;
  const int32_t* segment_of = nullptr;
  const int32_t* boundaries = nullptr;
  float* out = nullptr;
  int64_t tokens = 0;
  int64_t q_heads = 0;
  int64_t kv_heads = 0;
  int64_t dim = 0;
  float scale = 1.0f;
  int window = 0;
};
// The largest head_dim the attention kernel takes (EXAONE 4.5: 128 in the text decoder, 80 in the tower).
inline constexpr int64_t kMaxAttentionHeadDim = 512;
void attention(const AttentionArgs& args, cudaStream_t stream);

// logits[ids[i]] -= penalty for each of the `count` ids (distinct, in range).
void subtract_at(float* logits, const int32_t* ids, int64_t count, float penalty, cudaStream_t stream);
// *index = the first index of the largest of values[0, count) (torch.argmax's tie rule), one block.
void argmax(const float* values, int64_t count, int32_t* index, cudaStream_t stream);

}  // namespace exadoc::model::cuda
