// The CPU reference backend. Plain loops, fp32 activations and accumulation, weights widened from BF16/F16 on
// the fly one row at a time; work is split over output rows (matmul), rows (norms) or (token, head) pairs
// (attention). It defines correctness: the CUDA backend is tested against it, it is tested against Hugging
// Face.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <numeric>
#include <thread>
#include <vector>

#include <exadoc/base/error.h>
#include <exadoc/model/backend.h>

#include "thread_pool.h"

namespace exadoc::model {
namespace {

void require(bool condition, const char* what) {
  if (!condition) throw InternalError(std::string("cpu backend: ") + what);
}

int64_t last_dim(const Tensor& tensor) {
  return tensor.dim(tensor.shape().rank - 1);
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads)
      : pool_(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {}

  std::string_view name() const override { return "cpu"; }
  Device device() const override { return Device::kCpu; }
  bool supports(Op /*op*/, DType weight_dtype) const override { return is_floating(weight_dtype); }

  Tensor allocate(DType dtype, Shape shape) override { return Tensor::zeros_cpu(dtype, shape); }

  void read_f32(const Tensor& tensor, float* host) override {
    to_f32(tensor.data(), tensor.dtype(), host, static_cast<size_t>(tensor.elements()));
  }

  Tensor upload(const Tensor& host) override { return host; }  // already in the memory this backend reads

  void matmul(const Tensor& x, const Tensor& weight, Tensor& y) override {
    require(x.dtype() == DType::kF32 && y.dtype() == DType::kF32, "matmul needs fp32 activations");
    const int64_t in = weight.dim(1);
    const int64_t out = weight.dim(0);
    const int64_t tokens = x.elements() / in;
    require(last_dim(x) == in && y.elements() == tokens * out, "matmul shapes do not match");
    const float* x_data = x.data_as<float>();
    float* y_data = y.data_as<float>();
    const auto* w_bytes = static_cast<const std::byte*>(weight.data());
    const size_t row_bytes = static_cast<size_t>(in) * dtype_size(weight.dtype());
    pool_.parallel_for(out, 16, [&](int64_t first, int64_t last) {
      std::vector<float> row(static_cast<size_t>(in));
      for (int64_t o = first; o < last; ++o) {
        const float* w = row.data();
        if (weight.dtype() == DType::kF32) {
          w = reinterpret_cast<const float*>(w_bytes + static_cast<size_t>(o) * row_bytes);
        } else {
          to_f32(w_bytes + static_cast<size_t>(o) * row_bytes, weight.dtype(), row.data(), row.size());
        }
        for (int64_t t = 0; t < tokens; ++t) y_data[t * out + o] = dot(x_data + t * in, w, in);
      }
    });
  }

  void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& y) override {
    const int64_t width = last_dim(x);
    require(weight.elements() == width && x.elements() == y.elements(), "rms_norm shapes do not match");
    std::vector<float> scale(static_cast<size_t>(width));
    to_f32(weight.data(), weight.dtype(), scale.data(), scale.size());
    const int64_t rows = x.elements() / width;
    const float* in = x.data_as<float>();
    float* out = y.data_as<float>();
    pool_.parallel_for(rows, 64, [&](int64_t first, int64_t last) {
      for (int64_t r = first; r < last; ++r) {
        const float* row = in + r * width;
        float sum_squares = 0.0f;
        for (int64_t i = 0; i < width; ++i) sum_squares += row[i] * row[i];
        const float inverse = 1.0f / std::sqrt(sum_squares / static_cast<float>(width) + eps);
        for (int64_t i = 0; i < width; ++i)
          out[r * width + i] = scale[static_cast<size_t>(i)] * (row[i] * inverse);
      }
    });
  }

  void add_bias(Tensor& y, const Tensor& bias) override {
    // A row is everything after the outermost axis: [T, heads, head_dim] takes a bias of heads · head_dim.
    const int64_t width = bias.elements();
    require(width > 0 && y.elements() == y.dim(0) * width, "add_bias: the bias does not match the row width");

    std::vector<float> values(static_cast<size_t>(width));
    to_f32(bias.data(), bias.dtype(), values.data(), values.size());
    float* data = y.data_as<float>();
    const int64_t rows = y.elements() / width;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < width; ++i) data[r * width + i] += values[static_cast<size_t>(i)];
    }
  }

  void rope_2d(Tensor& x, std::span<const int32_t> rows, std::span<const int32_t> columns,
               std::span<const float> inv_freq) override {
    const Shape& shape = x.shape();
    require(shape.rank == 3 && shape[0] == static_cast<int64_t>(rows.size()) && rows.size() == columns.size(),
            "rope_2d needs x[T, heads, d] and a row and column per token");
    const int64_t heads = shape[1];
    const int64_t dim = shape[2];
    const int64_t half = dim / 2;
    const int64_t quarter = dim / 4;
    require(static_cast<int64_t>(inv_freq.size()) == quarter, "rope_2d needs head_dim/4 frequencies");
    float* data = x.data_as<float>();
    pool_.parallel_for(shape[0], 16, [&](int64_t first, int64_t last) {
      std::vector<float> cos_table(static_cast<size_t>(half)), sin_table(static_cast<size_t>(half));
      for (int64_t t = first; t < last; ++t) {
        for (int64_t i = 0; i < half; ++i) {
          const int32_t position =
              i < quarter ? rows[static_cast<size_t>(t)] : columns[static_cast<size_t>(t)];
          const float angle = static_cast<float>(position) * inv_freq[static_cast<size_t>(i % quarter)];
          cos_table[static_cast<size_t>(i)] = std::cos(angle);
          sin_table[static_cast<size_t>(i)] = std::sin(angle);
        }
        for (int64_t h = 0; h < heads; ++h)
          rotate_half(data + (t * heads + h) * dim, half, cos_table, sin_table);
      }
    });
  }

  void gelu(Tensor& x) override {
    float* data = x.data_as<float>();
    pool_.parallel_for(x.elements(), 4096, [&](int64_t first, int64_t last) {
      for (int64_t i = first; i < last; ++i)
        data[i] = 0.5f * data[i] * (1.0f + std::erf(data[i] / std::numbers::sqrt2_v<float>));
    });
  }

  void attention_segments(const Tensor& q, const Tensor& k, const Tensor& v,
                          std::span<const int32_t> boundaries, float scale, Tensor& out) override {
    const int64_t tokens = q.dim(0);
    const int64_t q_heads = q.dim(1);
    const int64_t dim = q.dim(2);
    const int64_t kv_heads = k.dim(1);
    const int64_t group = q_heads / kv_heads;
    require(boundaries.size() >= 2 && boundaries.front() == 0 && boundaries.back() == tokens,
            "attention_segments: boundaries must run from 0 to the token count");
    std::vector<int32_t> segment_of(static_cast<size_t>(tokens));
    for (size_t s = 0; s + 1 < boundaries.size(); ++s) {
      for (int32_t t = boundaries[s]; t < boundaries[s + 1]; ++t)
        segment_of[static_cast<size_t>(t)] = static_cast<int32_t>(s);
    }
    const float* qd = q.data_as<float>();
    const float* kd = k.data_as<float>();
    const float* vd = v.data_as<float>();
    float* od = out.data_as<float>();
    pool_.parallel_for(tokens * q_heads, 4, [&](int64_t first, int64_t last) {
      std::vector<float> scores;
      for (int64_t item = first; item < last; ++item) {
        const int64_t t = item / q_heads;
        const int64_t h = item % q_heads;
        const int64_t g = h / group;
        const int32_t segment = segment_of[static_cast<size_t>(t)];
        const int64_t begin = boundaries[static_cast<size_t>(segment)];
        const int64_t end = boundaries[static_cast<size_t>(segment) + 1];
        scores.assign(static_cast<size_t>(end - begin), 0.0f);
        const float* query = qd + (t * q_heads + h) * dim;
        for (int64_t j = begin; j < end; ++j) {
          const float* key = kd + (j * kv_heads + g) * dim;
          scores[static_cast<size_t>(j - begin)] = dot(query, key, dim) * scale;
        }
        softmax_row(scores.data(), end - begin);
        float* result = od + (t * q_heads + h) * dim;
        std::fill(result, result + dim, 0.0f);
        for (int64_t j = begin; j < end; ++j) {
          const float* value = vd + (j * kv_heads + g) * dim;
          const float p = scores[static_cast<size_t>(j - begin)];
          for (int64_t i = 0; i < dim; ++i) result[i] += p * value[i];
        }
      }
    });
  }

  void gather_rows(const Tensor& source, std::span<const int32_t> rows, Tensor& destination) override {
    const size_t row_bytes = source.bytes() / static_cast<size_t>(source.dim(0));
    require(destination.dtype() == source.dtype() &&
                destination.dim(0) == static_cast<int64_t>(rows.size()) &&
                destination.bytes() == rows.size() * row_bytes,
            "gather_rows shapes do not match");
    const auto* from = static_cast<const std::byte*>(source.data());
    auto* to = static_cast<std::byte*>(destination.data());
    for (size_t i = 0; i < rows.size(); ++i) {
      require(rows[i] >= 0 && rows[i] < source.dim(0), "gather_rows: row out of range");
      std::memcpy(to + i * row_bytes, from + static_cast<size_t>(rows[i]) * row_bytes, row_bytes);
    }
  }

  void scatter_rows(const Tensor& source, std::span<const int32_t> rows, Tensor& destination) override {
    const size_t row_bytes = destination.bytes() / static_cast<size_t>(destination.dim(0));
    require(destination.dtype() == source.dtype() && source.dim(0) == static_cast<int64_t>(rows.size()) &&
                source.bytes() == rows.size() * row_bytes,
            "scatter_rows shapes do not match");
    const auto* from = static_cast<const std::byte*>(source.data());
    auto* to = static_cast<std::byte*>(destination.data());
    for (size_t i = 0; i < rows.size(); ++i) {
      require(rows[i] >= 0 && rows[i] < destination.dim(0), "scatter_rows: row out of range");
      std::memcpy(to + static_cast<size_t>(rows[i]) * row_bytes, from + i * row_bytes, row_bytes);
    }
  }

  void rope_1d(Tensor& x, std::span<const int32_t> positions, std::span<const float> inv_freq) override {
    const Shape& shape = x.shape();
    require(shape.rank == 3 && shape[0] == static_cast<int64_t>(positions.size()),
            "rope needs x[T, heads, d]");
    const int64_t heads = shape[1];
    const int64_t dim = shape[2];
    const int64_t half = dim / 2;
    require(static_cast<int64_t>(inv_freq.size()) == half, "rope_1d needs head_dim/2 frequencies");
    float* data = x.data_as<float>();
    pool_.parallel_for(shape[0], 4, [&](int64_t first, int64_t last) {
      std::vector<float> cos_table(static_cast<size_t>(half)), sin_table(static_cast<size_t>(half));
      for (int64_t t = first; t < last; ++t) {
        // As HF: the angle is an fp32 product, cos/sin in fp32.
        for (int64_t i = 0; i < half; ++i) {
          const float angle =
              static_cast<float>(positions[static_cast<size_t>(t)]) * inv_freq[static_cast<size_t>(i)];
          cos_table[static_cast<size_t>(i)] = std::cos(angle);
          sin_table[static_cast<size_t>(i)] = std::sin(angle);
        }
        for (int64_t h = 0; h < heads; ++h)
          rotate_half(data + (t * heads + h) * dim, half, cos_table, sin_table);
      }
    });
  }

  void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) override {
    require(gate.elements() == up.elements() && up.elements() == out.elements(),
            "swiglu shapes do not match");
    const float* g = gate.data_as<float>();
    const float* u = up.data_as<float>();
    float* o = out.data_as<float>();
    pool_.parallel_for(gate.elements(), 4096, [&](int64_t first, int64_t last) {
      for (int64_t i = first; i < last; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
    });
  }

  void add(const Tensor& x, Tensor& accumulator) override {
    require(x.elements() == accumulator.elements(), "add shapes do not match");
    const float* in = x.data_as<float>();
    float* acc = accumulator.data_as<float>();
    for (int64_t i = 0; i < x.elements(); ++i) acc[i] += in[i];
  }

  void softmax(Tensor& x) override {
    const int64_t width = last_dim(x);
    const int64_t rows = x.elements() / width;
    float* data = x.data_as<float>();
    pool_.parallel_for(rows, 16, [&](int64_t first, int64_t last) {
      for (int64_t r = first; r < last; ++r) softmax_row(data + r * width, width);
    });
  }

  void embedding(const Tensor& table, std::span<const int32_t> ids, Tensor& out) override {
    const int64_t width = table.dim(1);
    require(out.elements() == static_cast<int64_t>(ids.size()) * width,
            "embedding output has the wrong size");
    const auto* bytes = static_cast<const std::byte*>(table.data());
    const size_t row_bytes = static_cast<size_t>(width) * dtype_size(table.dtype());
    for (size_t t = 0; t < ids.size(); ++t) {
      if (ids[t] < 0 || ids[t] >= table.dim(0)) {
        throw Error("token id " + std::to_string(ids[t]) + " is outside the vocabulary (" +
                    std::to_string(table.dim(0)) + ")");
      }
      to_f32(bytes + static_cast<size_t>(ids[t]) * row_bytes, table.dtype(),
             out.data_as<float>() + t * static_cast<size_t>(width), static_cast<size_t>(width));
    }
  }

  void attention(const Tensor& q, const Tensor& k, const Tensor& v, std::span<const int32_t> positions,
                 const KvView& past, const AttentionParams& params, Tensor& out) override {
    const int64_t tokens = q.dim(0);
    const int64_t q_heads = q.dim(1);
    const int64_t dim = q.dim(2);
    const int64_t kv_heads = k.dim(1);
    const int64_t group = q_heads / kv_heads;
    const int64_t slots = past.keys.defined() ? past.keys.dim(0) : 0;
    require(k.dim(0) == tokens && v.dim(0) == tokens && k.dim(2) == dim && q_heads % kv_heads == 0,
            "attention shapes do not match");
    const float* qd = q.data_as<float>();
    const float* kd = k.data_as<float>();
    const float* vd = v.data_as<float>();
    const float* pk = slots > 0 ? past.keys.data_as<float>() : nullptr;
    const float* pv = slots > 0 ? past.values.data_as<float>() : nullptr;
    float* od = out.data_as<float>();
    auto visible = [&](int32_t query_position, int32_t key_position) {
      if (key_position < 0 || key_position > query_position) return false;
      return params.window == 0 || query_position - key_position < params.window;
    };
    pool_.parallel_for(tokens * q_heads, 4, [&](int64_t first, int64_t last) {
      std::vector<float> scores(static_cast<size_t>(slots + tokens));
      std::vector<const float*> value_rows(scores.size());
      for (int64_t item = first; item < last; ++item) {
        const int64_t t = item / q_heads;
        const int64_t h = item % q_heads;
        const int64_t g = h / group;
        const int32_t position = positions[static_cast<size_t>(t)];
        const float* query = qd + (t * q_heads + h) * dim;
        size_t count = 0;
        auto consider = [&](const float* key, const float* value) {
          scores[count] = dot(query, key, dim) * params.scale;
          value_rows[count++] = value;
        };
        for (int64_t s = 0; s < slots; ++s) {
          if (visible(position, past.positions[static_cast<size_t>(s)])) {
            consider(pk + (s * kv_heads + g) * dim, pv + (s * kv_heads + g) * dim);
          }
        }
        for (int64_t j = 0; j < tokens; ++j) {
          if (visible(position, positions[static_cast<size_t>(j)])) {
            consider(kd + (j * kv_heads + g) * dim, vd + (j * kv_heads + g) * dim);
          }
        }
        softmax_row(scores.data(), static_cast<int64_t>(count));
        float* result = od + (t * q_heads + h) * dim;
        std::fill(result, result + dim, 0.0f);
        for (size_t j = 0; j < count; ++j) {
          for (int64_t i = 0; i < dim; ++i) result[i] += scores[j] * value_rows[j][i];
        }
      }
    });
  }

  void copy_rows(const Tensor& source, Tensor& destination, int64_t first_row) override {
    require(source.dtype() == destination.dtype(), "copy_rows dtypes differ");
    Tensor target = destination.rows(first_row, source.dim(0));
    require(target.bytes() == source.bytes(), "copy_rows row sizes differ");
    std::memcpy(target.data(), source.data(), source.bytes());
  }

  int32_t sample(const Tensor& logits, const SamplingParams& params, std::span<const int32_t> generated,
                 std::mt19937_64& rng) override {
    const int64_t vocab = logits.elements();
    std::vector<float> values(static_cast<size_t>(vocab));
    read_f32(logits, values.data());
    if (params.presence_penalty != 0.0f) {
      std::vector<bool> seen(values.size(), false);
      for (const int32_t id : generated) {
        if (id >= 0 && id < vocab && !seen[static_cast<size_t>(id)]) {
          seen[static_cast<size_t>(id)] = true;
          values[static_cast<size_t>(id)] -= params.presence_penalty;
        }
      }
    }
    if (params.temperature <= 0.0f) {
      return static_cast<int32_t>(std::max_element(values.begin(), values.end()) - values.begin());
    }
    std::vector<int32_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      return values[static_cast<size_t>(a)] > values[static_cast<size_t>(b)];
    });
    size_t keep = order.size();
    if (params.top_k > 0) keep = std::min(keep, static_cast<size_t>(params.top_k));
    std::vector<float> probabilities(keep);
    for (size_t i = 0; i < keep; ++i)
      probabilities[i] = values[static_cast<size_t>(order[i])] / params.temperature;
    softmax_row(probabilities.data(), static_cast<int64_t>(keep));
    if (params.top_p < 1.0f) {
      // The smallest prefix whose mass reaches top_p (always at least one token).
      float cumulative = 0.0f;
      size_t nucleus = 0;
      while (nucleus < keep) {
        cumulative += probabilities[nucleus++];
        if (cumulative >= params.top_p) break;
      }
      keep = nucleus;
    }
    const float total = std::accumulate(probabilities.begin(),
                                        probabilities.begin() + static_cast<std::ptrdiff_t>(keep), 0.0f);
    float target = std::uniform_real_distribution<float>(0.0f, total)(rng);
    for (size_t i = 0; i < keep; ++i) {
      target -= probabilities[i];
      if (target <= 0.0f) return order[i];
    }
    return order[keep - 1];
  }

 private:
  // Eight independent partial sums: the compiler may vectorise them without -ffast-math, and the result is
  // still an fp32 dot product (only the order of additions differs from a single running sum).
  static float dot(const float* a, const float* b, int64_t count) {
    float lanes[8] = {};
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
      for (int lane = 0; lane < 8; ++lane) lanes[lane] += a[i + lane] * b[i + lane];
    }
    float sum =
        ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (; i < count; ++i) sum += a[i] * b[i];
    return sum;
  }

  // x' = x ⊙ cos + rotate_half(x) ⊙ sin over one head: pairs (i, i + half).

  static void rotate_half(float* v, int64_t half, const std::vector<float>& cos_table,
                          const std::vector<float>& sin_table) {
    for (int64_t i = 0; i < half; ++i) {
      const float a = v[i];
      const float b = v[i + half];
      const float c = cos_table[static_cast<size_t>(i)];
      const float s = sin_table[static_cast<size_t>(i)];
      v[i] = a * c - b * s;
      v[i + half] = b * c + a * s;
    }
  }

  static void softmax_row(float* row, int64_t width) {
    if (width == 0) return;
    const float maximum = *std::max_element(row, row + width);
    float sum = 0.0f;
    for (int64_t i = 0; i < width; ++i) {
      row[i] = std::exp(row[i] - maximum);
      sum += row[i];
    }
    for (int64_t i = 0; i < width; ++i) row[i] /= sum;
  }

  cpu::ThreadPool pool_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) {
  return std::make_unique<CpuBackend>(threads);
}

}  // namespace exadoc::model
