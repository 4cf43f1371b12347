// CPU backend ops against values computed independently here or given by the spec.
#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include <exadoc/model/backend.h>
#include <exadoc/model/text_decoder.h>

namespace exadoc::model {
namespace {

Tensor make(std::initializer_list<int64_t> shape, const std::vector<float>& values) {
  Tensor tensor = Tensor::zeros_cpu(DType::kF32, Shape(shape));
  std::copy(values.begin(), values.end(), tensor.data_as<float>());
  return tensor;
}

// llama3 rescaling of the 33B text RoPE: the divisors the spec lists for the medium band (§4.4).
TEST(Rope, Llama3FrequenciesMatchTheSpec) {
  RopeConfig rope;
  rope.type = "llama3";
  rope.theta = 1e6;
  rope.factor = 16;
  rope.low_freq_factor = 1;
  rope.high_freq_factor = 4;
  rope.original_max_position_embeddings = 8192;
  const std::vector<float> scaled = rope_inverse_frequencies(rope, 128);
  RopeConfig plain = rope;
  plain.type = "default";
  const std::vector<float> base = rope_inverse_frequencies(plain, 128);
  ASSERT_EQ(scaled.size(), 64u);
  for (int i = 0; i <= 26; ++i)
    EXPECT_FLOAT_EQ(scaled[static_cast<size_t>(i)], base[static_cast<size_t>(i)]) << i;
  const double divisors[] = {1.0538, 1.3963, 1.8918, 2.6496, 3.9123, 6.3518, 12.7666};
  for (int i = 27; i <= 33; ++i) {
    EXPECT_NEAR(base[static_cast<size_t>(i)] / scaled[static_cast<size_t>(i)], divisors[i - 27], 1e-3) << i;
  }
  for (int i = 34; i < 64; ++i)
    EXPECT_FLOAT_EQ(scaled[static_cast<size_t>(i)], base[static_cast<size_t>(i)] / 16) << i;
  EXPECT_NEAR(base[1], std::pow(1e6, -2.0 / 128), 1e-7) << "fp32, as transformers computes it";
}

TEST(CpuBackend, RopeRotatesHalvesByPositionTimesFrequency) {
  const auto backend = make_cpu_backend(1);
  Tensor x = make({1, 1, 4}, {1, 2, 3, 4});
  const std::vector<float> inv_freq{0.5f, 0.25f};
  const int32_t position[] = {3};
  backend->rope_1d(x, position, inv_freq);
  const double a0 = 1.5, a1 = 0.75;  // angles
  const float* v = x.data_as<float>();
  EXPECT_NEAR(v[0], 1 * std::cos(a0) - 3 * std::sin(a0), 1e-6);
  EXPECT_NEAR(v[2], 3 * std::cos(a0) + 1 * std::sin(a0), 1e-6);
  EXPECT_NEAR(v[1], 2 * std::cos(a1) - 4 * std::sin(a1), 1e-6);
  EXPECT_NEAR(v[3], 4 * std::cos(a1) + 2 * std::sin(a1), 1e-6);
}

TEST(CpuBackend, MatmulWidensBf16Weights) {
  const auto backend = make_cpu_backend(2);
  const Tensor x = make({2, 3}, {1, 2, 3, -1, 0.5f, 2});
  Tensor weight = Tensor::zeros_cpu(DType::kBF16, {2, 3});
  const float w[] = {0.5f, -1.0f, 2.0f, 1.25f, 0.0f, -0.75f};
  for (int i = 0; i < 6; ++i) weight.data_as<uint16_t>()[i] = f32_to_bf16(w[i]);
  Tensor y = Tensor::zeros_cpu(DType::kF32, {2, 2});
  backend->matmul(x, weight, y);
  const float* out = y.data_as<float>();
  EXPECT_FLOAT_EQ(out[0], 0.5f - 2.0f + 6.0f);
  EXPECT_FLOAT_EQ(out[1], 1.25f - 2.25f);
  EXPECT_FLOAT_EQ(out[2], -0.5f - 0.5f + 4.0f);
  EXPECT_FLOAT_EQ(out[3], -1.25f - 1.5f);
}

TEST(CpuBackend, RmsNormScalesByTheRootMeanSquare) {
  const auto backend = make_cpu_backend(1);
  const Tensor x = make({1, 4}, {1, 2, 3, 4});
  const Tensor weight = make({4}, {1, 2, 1, 0.5f});
  Tensor y = Tensor::zeros_cpu(DType::kF32, {1, 4});
  backend->rms_norm(x, weight, 1e-5f, y);
  const double rms = std::sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-5);
  EXPECT_NEAR(y.data_as<float>()[1], 2 * 2 / rms, 1e-6);
  EXPECT_NEAR(y.data_as<float>()[3], 0.5 * 4 / rms, 1e-6);
}

// One query head over keys at positions 0..5 with a window of 3: it must see exactly positions 3, 4, 5.
TEST(CpuBackend, SlidingWindowIncludesTheTokenItself) {
  const auto backend = make_cpu_backend(1);
  const int tokens = 6;
  std::vector<float> keys(tokens, 0.0f), values(tokens);
  for (int j = 0; j < tokens; ++j) values[static_cast<size_t>(j)] = static_cast<float>(j);
  const Tensor q = make({tokens, 1, 1}, std::vector<float>(tokens, 0.0f));
  const Tensor k = make({tokens, 1, 1}, keys);
  const Tensor v = make({tokens, 1, 1}, values);
  std::vector<int32_t> positions(tokens);
  for (int j = 0; j < tokens; ++j) positions[static_cast<size_t>(j)] = j;
  Tensor out = Tensor::zeros_cpu(DType::kF32, {tokens, 1, 1});
  backend->attention(q, k, v, positions, KvView{}, {1.0f, 3}, out);
  // Equal scores: the output is the mean of the visible values.
  EXPECT_FLOAT_EQ(out.data_as<float>()[5], (3 + 4 + 5) / 3.0f);
  EXPECT_FLOAT_EQ(out.data_as<float>()[1], (0 + 1) / 2.0f);
  backend->attention(q, k, v, positions, KvView{}, {1.0f, 0}, out);
  EXPECT_FLOAT_EQ(out.data_as<float>()[5], 15 / 6.0f) << "window 0 is plain causal";
}

TEST(CpuBackend, Rope2dTurnsTheFirstQuarterByRowAndTheSecondByColumn) {
  const auto backend = make_cpu_backend(1);
  Tensor x = make({1, 1, 8}, {1, 2, 3, 4, 5, 6, 7, 8});
  const std::vector<float> inv_freq{1.0f, 0.1f};  // head_dim/4 = 2
  const int32_t row[] = {2};
  const int32_t column[] = {5};
  backend->rope_2d(x, row, column, inv_freq);
  const float* v = x.data_as<float>();
  // Pairs (i, i+4): i = 0, 1 use the row (angles 2, 0.2); i = 2, 3 use the column (angles 5, 0.5).
  const double angles[] = {2.0, 0.2, 5.0, 0.5};
  const double original[] = {1, 2, 3, 4, 5, 6, 7, 8};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(v[i], original[i] * std::cos(angles[i]) - original[i + 4] * std::sin(angles[i]), 1e-5) << i;
    EXPECT_NEAR(v[i + 4], original[i + 4] * std::cos(angles[i]) + original[i] * std::sin(angles[i]), 1e-5)
        << i;
  }
}

TEST(CpuBackend, GeluIsTheExactErfForm) {
  const auto backend = make_cpu_backend(1);
  Tensor x = make({4}, {-2.0f, 0.0f, 0.5f, 3.0f});
  backend->gelu(x);
  for (const auto& [index, input] :
       std::vector<std::pair<int, double>>{{0, -2.0}, {1, 0.0}, {2, 0.5}, {3, 3.0}}) {
    EXPECT_NEAR(x.data_as<float>()[index], 0.5 * input * (1 + std::erf(input / std::sqrt(2.0))), 1e-6);
  }
  EXPECT_NEAR(x.data_as<float>()[2], 0.345731, 1e-6) << "not the tanh approximation (0.345714)";
}

// Segments [0, 2) and [2, 5): equal scores, so each output is the mean of its own segment's values.
TEST(CpuBackend, SegmentAttentionNeverCrossesABoundary) {
  const auto backend = make_cpu_backend(2);
  const Tensor q = make({5, 2, 1}, std::vector<float>(10, 0.0f));
  const Tensor k = make({5, 1, 1}, std::vector<float>(5, 0.0f));
  const Tensor v = make({5, 1, 1}, {1, 3, 10, 20, 30});
  Tensor out = Tensor::zeros_cpu(DType::kF32, {5, 2, 1});
  const int32_t boundaries[] = {0, 2, 5};
  backend->attention_segments(q, k, v, boundaries, 1.0f, out);
  const float* o = out.data_as<float>();
  for (int head = 0; head < 2; ++head) {
    EXPECT_FLOAT_EQ(o[0 * 2 + head], 2.0f);
    EXPECT_FLOAT_EQ(o[1 * 2 + head], 2.0f) << "bidirectional: the first row sees the second";
    EXPECT_FLOAT_EQ(o[4 * 2 + head], 20.0f);
  }
}

TEST(CpuBackend, GatherAndScatterRowsAreInverse) {
  const auto backend = make_cpu_backend(1);
  const Tensor source = make({4, 2}, {0, 1, 10, 11, 20, 21, 30, 31});
  const std::vector<int32_t> order{2, 0, 3, 1};
  Tensor gathered = Tensor::zeros_cpu(DType::kF32, {4, 2});
  backend->gather_rows(source, order, gathered);
  EXPECT_EQ(std::vector<float>(gathered.data_as<float>(), gathered.data_as<float>() + 8),
            (std::vector<float>{20, 21, 0, 1, 30, 31, 10, 11}));
  Tensor restored = Tensor::zeros_cpu(DType::kF32, {4, 2});
  backend->scatter_rows(gathered, order, restored);
  EXPECT_EQ(std::vector<float>(restored.data_as<float>(), restored.data_as<float>() + 8),
            std::vector<float>(source.data_as<float>(), source.data_as<float>() + 8));
  Tensor y = make({2, 2}, {1, 2, 3, 4});
  backend->add_bias(y, make({2}, {0.5f, -1.0f}));
  EXPECT_EQ(std::vector<float>(y.data_as<float>(), y.data_as<float>() + 4),
            (std::vector<float>{1.5f, 1, 3.5f, 3}));
}

TEST(CpuBackend, SamplingRules) {
  const auto backend = make_cpu_backend(1);
  const Tensor logits = make({5}, {1.0f, 3.0f, 3.0f, 2.9f, -1.0f});
  std::mt19937_64 rng(1);
  EXPECT_EQ(backend->sample(logits, {}, {}, rng), 1) << "greedy takes the first of equal maxima";
  SamplingParams penalised;
  penalised.presence_penalty = 1.5f;
  const int32_t seen[] = {1, 1, 2};
  EXPECT_EQ(backend->sample(logits, penalised, seen, rng), 3) << "each seen token is penalised once";
  SamplingParams top1;
  top1.temperature = 1.0f;
  top1.top_k = 1;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(backend->sample(logits, top1, {}, rng), 1);
  SamplingParams nucleus;
  nucleus.temperature = 0.7f;
  nucleus.top_p = 0.5f;
  for (int i = 0; i < 50; ++i) {
    const int32_t token = backend->sample(logits, nucleus, {}, rng);
    EXPECT_TRUE(token == 1 || token == 2) << token;
  }
  SamplingParams wide;
  wide.temperature = 1.0f;
  std::array<int, 5> counts{};
  for (int i = 0; i < 4000; ++i) counts[static_cast<size_t>(backend->sample(logits, wide, {}, rng))]++;
  const double p4 = std::exp(-1.0) / (std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.9) + std::exp(-1.0));
  EXPECT_NEAR(counts[4] / 4000.0, p4, 0.01);
  EXPECT_GT(counts[0], 0);
}

}  // namespace
}  // namespace exadoc::model
