// The CUDA backend's kernels: plain, correctness-first fp32 arithmetic that follows the CPU reference
// (src/cpu/cpu_backend.cpp) formula for formula. No fast-math: cosf, sinf, expf, erff, sqrtf and division are
// the accurate CUDA versions, so results differ from the CPU only by rounding (FMA contraction, the order of
// additions in reductions).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda_check.h"
#include "cuda_kernels.h"

namespace exadoc::model::cuda {
namespace {

constexpr int kThreads = 256;          // elementwise kernels and row reductions
constexpr int64_t kMaxBlocks = 65536;  // grid-stride loops cover the rest
constexpr unsigned kFullMask = 0xffffffffu;

unsigned blocks_for(int64_t count) {
  return static_cast<unsigned>(
      std::max<int64_t>(1, std::min<int64_t>((count + kThreads - 1) / kThreads, kMaxBlocks)));
}

// One block per row (token, head, ...): the grid's x dimension holds up to 2³¹ - 1 blocks.
unsigned one_block_each(int64_t count, const char* kernel) {
  if (count > 0x7fffffff) throw_cuda_error(kernel, cudaErrorInvalidConfiguration, __FILE__, __LINE__);
  return static_cast<unsigned>(count);
}

// Threads for one block per row: a multiple of 32 (block_reduce needs whole warps), at most kThreads.
int row_threads(int64_t width) {
  return static_cast<int>(std::min<int64_t>(kThreads, std::max<int64_t>(32, (width + 31) / 32 * 32)));
}

__device__ __forceinline__ float load_f32(const void* data, DType dtype, int64_t index) {
  switch (dtype) {
    case DType::kBF16:
      return __bfloat162float(static_cast<const __nv_bfloat16*>(data)[index]);
    case DType::kF16:
      return __half2float(static_cast<const __half*>(data)[index]);
    default:
      return static_cast<const float*>(data)[index];
  }
}

struct Sum {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct Max {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

template <typename Op>
__device__ __forceinline__ float warp_reduce(float value, Op op) {
  for (int offset = 16; offset > 0; offset >>= 1)
    value = op(value, __shfl_xor_sync(kFullMask, value, offset));
  return value;
}

// The reduction of `value` over the block, returned to every thread. blockDim.x is a multiple of 32.
template <typename Op>
__device__ float block_reduce(float value, Op op, float identity) {
  __shared__ float partial[32];
  __shared__ float result;
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int warp = static_cast<int>(threadIdx.x / 32);
  const int warps = static_cast<int>(blockDim.x / 32);
  value = warp_reduce(value, op);
  __syncthreads();  // an earlier call may still be reading `partial` or `result`
  if (lane == 0) partial[warp] = value;
  __syncthreads();
  if (warp == 0) {
    float gathered = lane < warps ? partial[lane] : identity;
    gathered = warp_reduce(gathered, op);
    if (lane == 0) result = gathered;
  }
  __syncthreads();
  return result;
}

__global__ void convert_kernel(const float* x, DType to, void* out, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    if (to == DType::kBF16) {
      static_cast<__nv_bfloat16*>(out)[i] = __float2bfloat16_rn(x[i]);
    } else {
      static_cast<__half*>(out)[i] = __float2half_rn(x[i]);
    }
  }
}

__global__ void rms_norm_kernel(const float* x, const void* weight, DType weight_dtype, float eps, float* y,
                                int64_t width) {
  const float* in = x + blockIdx.x * width;
  float* out = y + blockIdx.x * width;
  float sum_squares = 0.0f;
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) sum_squares += in[i] * in[i];
  sum_squares = block_reduce(sum_squares, Sum{}, 0.0f);
  const float inverse = 1.0f / sqrtf(sum_squares / static_cast<float>(width) + eps);
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
    out[i] = load_f32(weight, weight_dtype, i) * (in[i] * inverse);
  }
}

// One block per token. quarter == 0: 1D RoPE by `first` positions; else 2D: pairs below `quarter` turn by
// `first` (rows), the others by `second` (columns), with inv_freq[i % quarter].
__global__ void rope_kernel(float* x, const int32_t* first, const int32_t* second, const float* inv_freq,
                            int64_t heads, int64_t dim, int64_t quarter) {
  const int64_t t = blockIdx.x;
  const int64_t half = dim / 2;
  for (int64_t i = threadIdx.x; i < half; i += blockDim.x) {
    int32_t position = first[t];
    float frequency = 0.0f;
    if (quarter == 0) {
      frequency = inv_freq[i];
    } else {
      if (i >= quarter) position = second[t];
      frequency = inv_freq[i % quarter];
    }
    const float angle = static_cast<float>(position) * frequency;  // an fp32 product, as HF
    const float c = cosf(angle);
    const float s = sinf(angle);
    for (int64_t h = 0; h < heads; ++h) {
      float* v = x + (t * heads + h) * dim;
      const float a = v[i];
      const float b = v[i + half];
      v[i] = a * c - b * s;
      v[i + half] = b * c + a * s;
    }
  }
}

__global__ void swiglu_kernel(const float* gate, const float* up, float* out, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const float g = gate[i];
    out[i] = g / (1.0f + expf(-g)) * up[i];
  }
}

__global__ void gelu_kernel(float* x, int64_t count) {
  constexpr float kSqrt2 = 1.41421356237309504880f;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + erff(v / kSqrt2));
  }
}

__global__ void add_kernel(const float* x, float* accumulator, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    accumulator[i] += x[i];
  }
}

__global__ void add_bias_kernel(float* y, const void* bias, DType bias_dtype, int64_t count, int64_t width) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    y[i] += load_f32(bias, bias_dtype, i % width);
  }
}

__global__ void softmax_kernel(float* x, int64_t width) {
  float* row = x + blockIdx.x * width;
  float maximum = -INFINITY;
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) maximum = fmaxf(maximum, row[i]);
  maximum = block_reduce(maximum, Max{}, -INFINITY);
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
    row[i] = expf(row[i] - maximum);
    sum += row[i];
  }
  sum = block_reduce(sum, Sum{}, 0.0f);
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) row[i] /= sum;
}

__global__ void embedding_kernel(const void* table, DType table_dtype, const int32_t* ids, float* out,
                                 int64_t width) {
  const int64_t t = blockIdx.x;
  const int64_t base = static_cast<int64_t>(ids[t]) * width;
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x)
    out[t * width + i] = load_f32(table, table_dtype, base + i);
}

// One block per row; 4-byte words when sizes and addresses allow, else bytes.
__global__ void move_rows_kernel(const void* source, const int32_t* rows, void* destination,
                                 int64_t row_bytes, bool scatter, bool words) {
  const int64_t from_row = scatter ? blockIdx.x : rows[blockIdx.x];
  const int64_t to_row = scatter ? rows[blockIdx.x] : blockIdx.x;
  if (words) {
    const int64_t n = row_bytes / 4;
    const auto* from = static_cast<const uint32_t*>(source) + from_row * n;
    auto* to = static_cast<uint32_t*>(destination) + to_row * n;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) to[i] = from[i];
  } else {
    const auto* from = static_cast<const unsigned char*>(source) + from_row * row_bytes;
    auto* to = static_cast<unsigned char*>(destination) + to_row * row_bytes;
    for (int64_t i = threadIdx.x; i < row_bytes; i += blockDim.x) to[i] = from[i];
  }
}

constexpr int kAttentionThreads = 128;
constexpr int kKeyTile = 64;
constexpr int kDimsPerThread = static_cast<int>(kMaxAttentionHeadDim / kAttentionThreads);

__device__ __forceinline__ bool visible(int32_t query_position, int32_t key_position, int window) {
  if (key_position < 0 || key_position > query_position) return false;
  return window == 0 || query_position - key_position < window;
}

// One block per (query token, head). Keys in tiles of kKeyTile: a warp per key computes the score, then every
// thread folds the tile into its running maximum, sum and output dimensions (online softmax, as flash
// attention). Masked keys score -inf and weigh exactly 0.
__global__ void __launch_bounds__(kAttentionThreads) attention_kernel(AttentionArgs a) {
  extern __shared__ float query[];  // dim floats
  __shared__ float scores[kKeyTile];
  const int64_t t = blockIdx.x / a.q_heads;
  const int64_t h = blockIdx.x % a.q_heads;
  const int64_t g = h / (a.q_heads / a.kv_heads);
  const int64_t kv_stride = a.kv_heads * a.dim;
  for (int64_t i = threadIdx.x; i < a.dim; i += blockDim.x) query[i] = a.q[(t * a.q_heads + h) * a.dim + i];

  const bool segments = a.segment_of != nullptr;
  int64_t first = 0;
  int64_t last = a.slots + a.tokens;
  int32_t query_position = 0;
  if (segments) {
    const int32_t segment = a.segment_of[t];
    first = a.boundaries[segment];
    last = a.boundaries[segment + 1];
  } else {
    query_position = a.positions[t];
  }
  // Key `key` of the enumeration: past slots first, then the chunk's rows.
  auto key_row = [&](int64_t key, bool values) -> const float* {
    if (key < a.slots) return (values ? a.past_values : a.past_keys) + key * kv_stride + g * a.dim;
    return (values ? a.v : a.k) + (key - a.slots) * kv_stride + g * a.dim;
  };
  auto key_visible = [&](int64_t key) {
    if (segments) return true;
    const int32_t position = key < a.slots ? a.past_positions[key] : a.positions[key - a.slots];
    return visible(query_position, position, a.window);
  };

  float accumulator[kDimsPerThread] = {};
  float running_max = -INFINITY;
  float running_sum = 0.0f;
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int warp = static_cast<int>(threadIdx.x / 32);
  const int warps = static_cast<int>(blockDim.x / 32);
  __syncthreads();  // query is in shared memory
  for (int64_t tile = first; tile < last; tile += kKeyTile) {
    const int count = static_cast<int>(min(static_cast<int64_t>(kKeyTile), last - tile));
    for (int j = warp; j < count; j += warps) {
      float score = -INFINITY;
      if (key_visible(tile + j)) {  // the same answer for the whole warp
        const float* key = key_row(tile + j, false);
        float partial = 0.0f;
        for (int64_t i = lane; i < a.dim; i += 32) partial += query[i] * key[i];
        score = warp_reduce(partial, Sum{}) * a.scale;
      }
      if (lane == 0) scores[j] = score;
    }
    __syncthreads();
    float tile_max = -INFINITY;
    for (int j = 0; j < count; ++j) tile_max = fmaxf(tile_max, scores[j]);
    const float new_max = fmaxf(running_max, tile_max);
    if (new_max != -INFINITY) {  // else every key so far is masked: nothing to fold in
      const float correction = expf(running_max - new_max);  // 0 while running_max is -inf
      running_sum *= correction;
#pragma unroll
      for (int r = 0; r < kDimsPerThread; ++r) accumulator[r] *= correction;
      for (int j = 0; j < count; ++j) {
        const float p = expf(scores[j] - new_max);
        if (p == 0.0f) continue;  // masked (or negligible) keys add nothing
        running_sum += p;
        const float* value = key_row(tile + j, true);
#pragma unroll
        for (int r = 0; r < kDimsPerThread; ++r) {
          const int64_t d = threadIdx.x + int64_t{r} * kAttentionThreads;
          if (d < a.dim) accumulator[r] += p * value[d];
        }
      }
      running_max = new_max;
    }
    __syncthreads();  // scores is overwritten by the next tile
  }
  float* out = a.out + (t * a.q_heads + h) * a.dim;
#pragma unroll
  for (int r = 0; r < kDimsPerThread; ++r) {
    const int64_t d = threadIdx.x + int64_t{r} * kAttentionThreads;
    if (d < a.dim) out[d] = running_sum > 0.0f ? accumulator[r] / running_sum : 0.0f;
  }
}

__global__ void subtract_at_kernel(float* logits, const int32_t* ids, int64_t count, float penalty) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    logits[ids[i]] -= penalty;
  }
}

// (value, index) pairs; index -1 holds nothing. The larger value wins, the lower index on equal values.
__device__ __forceinline__ void keep_better(float& value, int64_t& index, float other_value,
                                            int64_t other_index) {
  if (other_index < 0) return;
  if (index < 0 || value < other_value || (!(other_value < value) && other_index < index)) {
    value = other_value;
    index = other_index;
  }
}

constexpr int kArgmaxThreads = 1024;

__global__ void __launch_bounds__(kArgmaxThreads)
    argmax_kernel(const float* values, int64_t count, int32_t* result) {
  __shared__ float best_values[kArgmaxThreads / 32];
  __shared__ int64_t best_indices[kArgmaxThreads / 32];
  float value = -INFINITY;
  int64_t index = -1;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) keep_better(value, index, values[i], i);
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float other_value = __shfl_xor_sync(kFullMask, value, offset);
    const int64_t other_index = __shfl_xor_sync(kFullMask, index, offset);
    keep_better(value, index, other_value, other_index);
  }
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int warp = static_cast<int>(threadIdx.x / 32);
  if (lane == 0) {
    best_values[warp] = value;
    best_indices[warp] = index;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < static_cast<int>(blockDim.x / 32); ++w)
      keep_better(value, index, best_values[w], best_indices[w]);
    *result = static_cast<int32_t>(index);
  }
}

}  // namespace

void convert_f32(const float* x, DType to, void* out, int64_t count, cudaStream_t stream) {
  convert_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, to, out, count);
  EXADOC_CUDA_CHECK_LAUNCH("convert_kernel");
}

void rms_norm(const float* x, const void* weight, DType weight_dtype, float eps, float* y, int64_t rows,
              int64_t width, cudaStream_t stream) {
  if (rows == 0) return;
  rms_norm_kernel<<<one_block_each(rows, "rms_norm_kernel"), row_threads(width), 0, stream>>>(
      x, weight, weight_dtype, eps, y, width);
  EXADOC_CUDA_CHECK_LAUNCH("rms_norm_kernel");
}

void rope_1d(float* x, const int32_t* positions, const float* inv_freq, int64_t tokens, int64_t heads,
             int64_t dim, cudaStream_t stream) {
  if (tokens == 0) return;
  rope_kernel<<<one_block_each(tokens, "rope_kernel"), row_threads(dim / 2), 0, stream>>>(
      x, positions, positions, inv_freq, heads, dim, 0);
  EXADOC_CUDA_CHECK_LAUNCH("rope_kernel (1d)");
}

void rope_2d(float* x, const int32_t* rows, const int32_t* columns, const float* inv_freq, int64_t tokens,
             int64_t heads, int64_t dim, cudaStream_t stream) {
  if (tokens == 0) return;
  rope_kernel<<<one_block_each(tokens, "rope_kernel"), row_threads(dim / 2), 0, stream>>>(
      x, rows, columns, inv_freq, heads, dim, dim / 4);
  EXADOC_CUDA_CHECK_LAUNCH("rope_kernel (2d)");
}

void swiglu(const float* gate, const float* up, float* out, int64_t count, cudaStream_t stream) {
  swiglu_kernel<<<blocks_for(count), kThreads, 0, stream>>>(gate, up, out, count);
  EXADOC_CUDA_CHECK_LAUNCH("swiglu_kernel");
}

void gelu(float* x, int64_t count, cudaStream_t stream) {
  gelu_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, count);
  EXADOC_CUDA_CHECK_LAUNCH("gelu_kernel");
}

void add(const float* x, float* accumulator, int64_t count, cudaStream_t stream) {
  add_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, accumulator, count);
  EXADOC_CUDA_CHECK_LAUNCH("add_kernel");
}

void add_bias(float* y, const void* bias, DType bias_dtype, int64_t rows, int64_t width,
              cudaStream_t stream) {
  const int64_t count = rows * width;
  add_bias_kernel<<<blocks_for(count), kThreads, 0, stream>>>(y, bias, bias_dtype, count, width);
  EXADOC_CUDA_CHECK_LAUNCH("add_bias_kernel");
}

void softmax(float* x, int64_t rows, int64_t width, cudaStream_t stream) {
  if (rows == 0 || width == 0) return;
  softmax_kernel<<<one_block_each(rows, "softmax_kernel"), row_threads(width), 0, stream>>>(x, width);
  EXADOC_CUDA_CHECK_LAUNCH("softmax_kernel");
}

void embedding(const void* table, DType table_dtype, const int32_t* ids, float* out, int64_t tokens,
               int64_t width, cudaStream_t stream) {
  if (tokens == 0) return;
  embedding_kernel<<<one_block_each(tokens, "embedding_kernel"), row_threads(width), 0, stream>>>(
      table, table_dtype, ids, out, width);
  EXADOC_CUDA_CHECK_LAUNCH("embedding_kernel");
}

namespace {
void move_rows(const void* source, const int32_t* rows, void* destination, int64_t count, int64_t row_bytes,
               bool scatter, cudaStream_t stream) {
  if (count == 0 || row_bytes == 0) return;
  const bool words = row_bytes % 4 == 0 && reinterpret_cast<uintptr_t>(source) % 4 == 0 &&
                     reinterpret_cast<uintptr_t>(destination) % 4 == 0;
  move_rows_kernel<<<one_block_each(count, "move_rows_kernel"),
                     row_threads(words ? row_bytes / 4 : row_bytes), 0, stream>>>(source, rows, destination,
                                                                                  row_bytes, scatter, words);
  EXADOC_CUDA_CHECK_LAUNCH("move_rows_kernel");
}
}  // namespace

void gather_rows(const void* source, const int32_t* rows, void* destination, int64_t count, int64_t row_bytes,
                 cudaStream_t stream) {
  move_rows(source, rows, destination, count, row_bytes, false, stream);
}

void scatter_rows(const void* source, const int32_t* rows, void* destination, int64_t count,
                  int64_t row_bytes, cudaStream_t stream) {
  move_rows(source, rows, destination, count, row_bytes, true, stream);
}

void attention(const AttentionArgs& args, cudaStream_t stream) {
  const int64_t blocks = args.tokens * args.q_heads;
  if (blocks == 0) return;
  const size_t shared = static_cast<size_t>(args.dim) * sizeof(float);
  attention_kernel<<<one_block_each(blocks, "attention_kernel"), kAttentionThreads, shared, stream>>>(args);
  EXADOC_CUDA_CHECK_LAUNCH("attention_kernel");
}

void subtract_at(float* logits, const int32_t* ids, int64_t count, float penalty, cudaStream_t stream) {
  if (count == 0) return;
  subtract_at_kernel<<<blocks_for(count), kThreads, 0, stream>>>(logits, ids, count, penalty);
  EXADOC_CUDA_CHECK_LAUNCH("subtract_at_kernel");
}

void argmax(const float* values, int64_t count, int32_t* index, cudaStream_t stream) {
  argmax_kernel<<<1, kArgmaxThreads, 0, stream>>>(values, count, index);
  EXADOC_CUDA_CHECK_LAUNCH("argmax_kernel");
}

}  // namespace exadoc::model::cuda
