// The CUDA backend against the CPU reference: every op on seeded random inputs (F32 and BF16/F16 weights),
// then the tiny EXAONE 4.5 fixtures through the text decoder and the vision tower. Every GPU test skips with
// a printed reason where make_cuda_backend cannot run (no GPU, no driver, built without CUDA); the first test
// checks that reason and runs everywhere.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include <exadoc/model/backend.h>
#include <exadoc/model/text_decoder.h>
#include <exadoc/model/vision_tower.h>

#include "model/fixture_support.h"
#include "test_support.h"

namespace exadoc::model {
namespace {

using exadoc::testing::fixture;
using exadoc::testing::kFp32Tolerance;
using exadoc::testing::max_abs_difference;
using exadoc::testing::read_json;
using exadoc::testing::to_ids;
using exadoc::testing::to_vector;

// IEEE half from fp32, round to nearest even; values below the normal range become zero (enough for test
// data).
uint16_t f32_to_f16(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const int exponent = static_cast<int>((bits >> 23) & 0xffu) - 127 + 15;
  const uint32_t mantissa = bits & 0x7fffffu;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  uint32_t half = (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u) != 0)) ++half;  // may carry into the exponent: fine
  return static_cast<uint16_t>(sign | half);
}

// Why there is no CUDA backend here, or empty when there is one.
std::string cuda_unavailable_reason() {
  try {
    make_cuda_backend();
    return "";
  } catch (const BackendError& error) {
    return error.what();
  }
}

TEST(CudaBackendAvailability, MakeCudaBackendSaysWhyItCannotRun) {
  std::unique_ptr<Backend> backend;
  try {
    backend = make_cuda_backend();
  } catch (const BackendError& error) {
    const std::string message = error.what();
    std::cout << "make_cuda_backend: " << message << "\n";
    EXPECT_EQ(message.rfind("cuda backend unavailable: ", 0), 0u) << message;
    EXPECT_TRUE(message.find("built without CUDA") != std::string::npos ||
                message.find("driver") != std::string::npos || message.find("GPU") != std::string::npos ||
                message.find("libcublas") != std::string::npos)
        << message;
    return;
  }
  EXPECT_EQ(backend->name(), "cuda");
  EXPECT_EQ(backend->device(), Device::kCuda);
  try {
    make_cuda_backend(1000);
    FAIL() << "there is no GPU 1000";
  } catch (const BackendError& error) {
    EXPECT_NE(std::string(error.what()).find("there is no GPU 1000"), std::string::npos) << error.what();
  }
}

// Both backends, and seeded random host tensors to feed them.
class CudaParity : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) GTEST_SKIP() << "no CUDA GPU: " << reason;
    gpu_ = make_cuda_backend();
  }

  Tensor random(Shape shape, float scale = 1.0f, DType dtype = DType::kF32) {
    Tensor tensor = Tensor::zeros_cpu(dtype, shape);
    std::normal_distribution<float> normal(0.0f, scale);
    for (int64_t i = 0; i < tensor.elements(); ++i) {
      const float value = normal(random_);
      switch (dtype) {
        case DType::kBF16:
          tensor.data_as<uint16_t>()[i] = f32_to_bf16(value);
          break;
        case DType::kF16:
          tensor.data_as<uint16_t>()[i] = f32_to_f16(value);
          break;
        default:
          tensor.data_as<float>()[i] = value;
      }
    }
    return tensor;
  }

  // A device copy of a host tensor (which the CPU backend uses as it is).
  Tensor device(const Tensor& host) { return gpu_->upload(host); }
  std::vector<float> read(const Tensor& tensor) {
    std::vector<float> values(static_cast<size_t>(tensor.elements()));
    gpu_->read_f32(tensor, values.data());
    return values;
  }
  // A host copy that CPU ops may change without changing `host`.
  static Tensor clone(const Tensor& host) {
    Tensor copy = Tensor::zeros_cpu(host.dtype(), host.shape());
    std::copy_n(static_cast<const std::byte*>(host.data()), host.bytes(),
                static_cast<std::byte*>(copy.data()));
    return copy;
  }

  // |gpu - cpu| <= tolerance · max(1, max |cpu|) everywhere: the tolerance scales with the values' magnitude.
  static void expect_close(const std::vector<float>& gpu, const Tensor& cpu, float tolerance,
                           const std::string& what) {
    const std::vector<float> expected = to_vector(cpu);
    ASSERT_EQ(gpu.size(), expected.size()) << what;
    float magnitude = 1.0f;
    for (const float value : expected) magnitude = std::max(magnitude, std::abs(value));
    size_t worst = 0;
    float worst_error = 0.0f;
    for (size_t i = 0; i < gpu.size(); ++i) {
      const float error = std::abs(gpu[i] - expected[i]);
      if (!(error <= worst_error)) {  // NaN counts as the worst
        worst_error = error;
        worst = i;
      }
    }
    EXPECT_LE(worst_error, tolerance * magnitude) << what << ": element " << worst << " is " << gpu[worst]
                                                  << " on the GPU, " << expected[worst] << " on the CPU";
  }

  static constexpr float kFp32 = 1e-5f;  // same arithmetic, other rounding (FMA, order of additions)
  static constexpr float kBf16 = 1e-2f;  // the GPU also rounds the activations to bf16 before a bf16 GEMM

  std::mt19937 random_{20240608};
  std::unique_ptr<Backend> cpu_ = make_cpu_backend(2);
  std::unique_ptr<Backend> gpu_;
};

TEST_F(CudaParity, MatmulWithF32Bf16AndF16Weights) {
  for (const DType dtype : {DType::kF32, DType::kBF16, DType::kF16}) {
    for (const int64_t tokens : {1, 7, 130}) {
      const Tensor x = random({tokens, 96});
      const Tensor weight = random({80, 96}, 0.1f, dtype);
      Tensor expected = cpu_->allocate(DType::kF32, {tokens, 80});
      cpu_->matmul(x, weight, expected);
      Tensor y = gpu_->allocate(DType::kF32, {tokens, 80});
      gpu_->matmul(device(x), device(weight), y);
      expect_close(read(y), expected, dtype == DType::kF32 ? kFp32 : kBf16,
                   std::string("matmul ") + std::string(dtype_name(dtype)) + " T=" + std::to_string(tokens));
      // A row range of a weight (the vision tower's fused qkv), at an offset from the allocation.
      const Tensor rows = weight.rows(17, 40);
      Tensor part_expected = cpu_->allocate(DType::kF32, {tokens, 40});
      cpu_->matmul(x, rows, part_expected);
      Tensor part = gpu_->allocate(DType::kF32, {tokens, 40});
      gpu_->matmul(device(x), device(weight).rows(17, 40), part);
      expect_close(read(part), part_expected, dtype == DType::kF32 ? kFp32 : kBf16, "matmul of a row range");
    }
  }
}

TEST_F(CudaParity, RmsNormPerRowAndPerHeadInPlace) {
  for (const DType dtype : {DType::kF32, DType::kBF16}) {
    for (const int64_t width : {16, 64, 1000}) {
      const Tensor x = random({9, width}, 3.0f);
      const Tensor weight = random({width}, 0.5f, dtype);
      Tensor expected = cpu_->allocate(DType::kF32, {9, width});
      cpu_->rms_norm(x, weight, 1e-5f, expected);
      Tensor y = gpu_->allocate(DType::kF32, {9, width});
      gpu_->rms_norm(device(x), device(weight), 1e-5f, y);
      expect_close(read(y), expected, kFp32, "rms_norm width " + std::to_string(width));
      Tensor in_place = device(x);
      gpu_->rms_norm(in_place, device(weight), 1e-5f, in_place);
      expect_close(read(in_place), expected, kFp32, "rms_norm in place");
    }
  }
}

TEST_F(CudaParity, Rope1dWithLlama3FrequenciesAtLargePositions) {
  RopeConfig rope;
  rope.type = "llama3";
  rope.theta = 1e6;
  rope.factor = 16;
  rope.low_freq_factor = 1;
  rope.high_freq_factor = 4;
  rope.original_max_position_embeddings = 8192;
  const std::vector<float> inv_freq = rope_inverse_frequencies(rope, 128);
  const std::vector<int32_t> positions{0, 1, 7, 4095, 4096, 70000, 131071};
  const Tensor x = random({7, 5, 128});
  Tensor expected = clone(x);
  cpu_->rope_1d(expected, positions, inv_freq);
  Tensor y = device(x);
  gpu_->rope_1d(y, positions, inv_freq);
  expect_close(read(y), expected, kFp32, "rope_1d");
}

TEST_F(CudaParity, Rope2dTurnsRowsAndColumns) {
  const std::vector<float> inv_freq{1.0f, 0.3f, 0.1f, 0.01f, 0.001f};  // head_dim 20
  const std::vector<int32_t> rows{0, 1, 2, 3, 40, 41};
  const std::vector<int32_t> columns{5, 4, 3, 2, 1, 90};
  const Tensor x = random({6, 3, 20});
  Tensor expected = clone(x);
  cpu_->rope_2d(expected, rows, columns, inv_freq);
  Tensor y = device(x);
  gpu_->rope_2d(y, rows, columns, inv_freq);
  expect_close(read(y), expected, kFp32, "rope_2d");
}

TEST_F(CudaParity, ElementwiseOps) {
  const Tensor gate = random({5, 300}, 4.0f);
  const Tensor up = random({5, 300});
  Tensor expected = cpu_->allocate(DType::kF32, {5, 300});
  cpu_->swiglu(gate, up, expected);
  Tensor out = gpu_->allocate(DType::kF32, {5, 300});
  gpu_->swiglu(device(gate), device(up), out);
  expect_close(read(out), expected, kFp32, "swiglu");

  Tensor gelu_expected = clone(gate);
  cpu_->gelu(gelu_expected);
  Tensor gelu = device(gate);
  gpu_->gelu(gelu);
  expect_close(read(gelu), gelu_expected, kFp32, "gelu");

  Tensor sum_expected = clone(up);
  cpu_->add(gate, sum_expected);
  Tensor sum = device(up);
  gpu_->add(device(gate), sum);
  expect_close(read(sum), sum_expected, kFp32, "add");

  for (const DType dtype : {DType::kF32, DType::kBF16, DType::kF16}) {
    const Tensor y = random({4, 3, 10});
    const Tensor bias = random({30}, 1.0f, dtype);
    Tensor bias_expected = clone(y);
    cpu_->add_bias(bias_expected, bias);
    Tensor biased = device(y);
    gpu_->add_bias(biased, device(bias));
    expect_close(read(biased), bias_expected, kFp32, "add_bias");
  }

  for (const int64_t width : {1, 33, 1024, 5000}) {
    const Tensor logits = random({6, width}, 20.0f);
    Tensor softmax_expected = clone(logits);
    cpu_->softmax(softmax_expected);
    Tensor softmax = device(logits);
    gpu_->softmax(softmax);
    expect_close(read(softmax), softmax_expected, kFp32, "softmax width " + std::to_string(width));
  }
}

TEST_F(CudaParity, EmbeddingGatherScatterAndCopyRowsAreExact) {
  const std::vector<int32_t> ids{3, 0, 99, 3, 57};
  for (const DType dtype : {DType::kF32, DType::kBF16, DType::kF16}) {
    const Tensor table = random({100, 48}, 1.0f, dtype);
    Tensor expected = cpu_->allocate(DType::kF32, {5, 48});
    cpu_->embedding(table, ids, expected);
    Tensor out = gpu_->allocate(DType::kF32, {5, 48});
    gpu_->embedding(device(table), ids, out);
    EXPECT_EQ(read(out), to_vector(expected)) << dtype_name(dtype);
  }
  const int32_t outside[] = {100};
  Tensor one = gpu_->allocate(DType::kF32, {1, 48});
  EXPECT_THROW(gpu_->embedding(device(random({100, 48})), outside, one), Error);

  const Tensor source = random({6, 7});
  const std::vector<int32_t> order{4, 0, 5, 2, 1, 3};
  Tensor gathered_expected = cpu_->allocate(DType::kF32, {6, 7});
  cpu_->gather_rows(source, order, gathered_expected);
  Tensor gathered = gpu_->allocate(DType::kF32, {6, 7});
  gpu_->gather_rows(device(source), order, gathered);
  EXPECT_EQ(read(gathered), to_vector(gathered_expected));
  Tensor restored = gpu_->allocate(DType::kF32, {6, 7});
  gpu_->scatter_rows(gathered, order, restored);
  EXPECT_EQ(read(restored), to_vector(source));
  // Rows whose size is not a multiple of four bytes (3 bf16 values).
  const Tensor narrow = random({6, 3}, 1.0f, DType::kBF16);
  Tensor narrow_expected = cpu_->allocate(DType::kBF16, {6, 3});
  cpu_->gather_rows(narrow, order, narrow_expected);
  Tensor narrow_gathered = gpu_->allocate(DType::kBF16, {6, 3});
  gpu_->gather_rows(device(narrow), order, narrow_gathered);
  EXPECT_EQ(read(narrow_gathered), to_vector(narrow_expected));

  // copy_rows within the device, from the host, and concatenate_rows of host parts.
  Tensor slots = gpu_->allocate(DType::kF32, {10, 7});
  gpu_->copy_rows(device(source.rows(1, 3)), slots, 4);
  gpu_->copy_rows(source.rows(0, 1), slots, 9);
  std::vector<float> expected(70, 0.0f);
  const std::vector<float> values = to_vector(source);
  std::copy_n(values.begin() + 7, 21, expected.begin() + 28);
  std::copy_n(values.begin(), 7, expected.begin() + 63);
  EXPECT_EQ(read(slots), expected);
  const Tensor parts[] = {source.rows(3, 2), source.rows(0, 3)};
  const Tensor stacked = concatenate_rows(*gpu_, parts);
  EXPECT_EQ(stacked.device(), Device::kCuda);
  EXPECT_EQ(read(stacked), to_vector(concatenate_rows(*cpu_, parts)));
}

// GQA (8 query heads over 2 KV heads), causal with and without a window, over past slots of a ring with empty
// slots, with more keys than one tile of the kernel; head sizes of the tiny model, the 33B tower and text.
TEST_F(CudaParity, AttentionWithGqaWindowsAndPastSlots) {
  for (const int64_t dim : {16, 80, 128}) {
    for (const int window : {0, 5, 70}) {
      const int64_t tokens = 150;
      const Tensor q = random({tokens, 8, dim});
      const Tensor k = random({tokens, 2, dim});
      const Tensor v = random({tokens, 2, dim});
      std::vector<int32_t> positions(static_cast<size_t>(tokens));
      for (int64_t t = 0; t < tokens; ++t) positions[static_cast<size_t>(t)] = static_cast<int32_t>(20 + t);
      // 24 past slots: a ring holding positions 0..19 out of order, and 4 empty slots.
      const Tensor past_keys = random({24, 2, dim});
      const Tensor past_values = random({24, 2, dim});
      std::vector<int32_t> past_positions(24, -1);
      for (int32_t p = 0; p < 20; ++p) past_positions[static_cast<size_t>((p * 7) % 24)] = p;
      const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
      for (const bool with_past : {false, true}) {
        const KvView cpu_past = with_past ? KvView{past_keys, past_values, past_positions} : KvView{};
        const KvView gpu_past =
            with_past ? KvView{device(past_keys), device(past_values), past_positions} : KvView{};
        Tensor expected = cpu_->allocate(DType::kF32, {tokens, 8, dim});
        cpu_->attention(q, k, v, positions, cpu_past, {scale, window}, expected);
        Tensor out = gpu_->allocate(DType::kF32, {tokens, 8, dim});
        gpu_->attention(device(q), device(k), device(v), positions, gpu_past, {scale, window}, out);
        expect_close(read(out), expected, kFp32,
                     "attention dim " + std::to_string(dim) + " window " + std::to_string(window) +
                         (with_past ? " with past slots" : ""));
      }
    }
  }
  // One decode step over the past slots only.
  const Tensor q = random({1, 4, 64});
  const Tensor k = random({1, 1, 64});
  const Tensor v = random({1, 1, 64});
  const Tensor past_keys = random({8, 1, 64});
  const Tensor past_values = random({8, 1, 64});
  const std::vector<int32_t> past_positions{8, 9, 10, -1, -1, 5, 6, 7};
  const int32_t position[] = {11};
  Tensor expected = cpu_->allocate(DType::kF32, {1, 4, 64});
  cpu_->attention(q, k, v, position, {past_keys, past_values, past_positions}, {0.125f, 4}, expected);
  Tensor out = gpu_->allocate(DType::kF32, {1, 4, 64});
  gpu_->attention(device(q), device(k), device(v), position,
                  {device(past_keys), device(past_values), past_positions}, {0.125f, 4}, out);
  expect_close(read(out), expected, kFp32, "decode step");
}

TEST_F(CudaParity, SegmentAttentionIsBlockDiagonal) {
  for (const int64_t dim : {16, 80}) {
    const int64_t tokens = 210;
    const Tensor q = random({tokens, 4, dim});
    const Tensor k = random({tokens, 2, dim});
    const Tensor v = random({tokens, 2, dim});
    const std::vector<int32_t> boundaries{0, 5, 37, 40, 110, 210};
    Tensor expected = cpu_->allocate(DType::kF32, {tokens, 4, dim});
    cpu_->attention_segments(q, k, v, boundaries, 0.25f, expected);
    Tensor out = gpu_->allocate(DType::kF32, {tokens, 4, dim});
    gpu_->attention_segments(device(q), device(k), device(v), boundaries, 0.25f, out);
    expect_close(read(out), expected, kFp32, "attention_segments dim " + std::to_string(dim));
  }
}

TEST_F(CudaParity, SamplingPicksWhatTheCpuPicks) {
  const std::vector<float> values{1.0f, 3.0f, 3.0f, 2.9f, -1.0f};
  Tensor host = Tensor::zeros_cpu(DType::kF32, {5});
  std::copy(values.begin(), values.end(), host.data_as<float>());
  const Tensor logits = device(host);
  std::mt19937_64 rng(1);
  EXPECT_EQ(gpu_->sample(logits, {}, {}, rng), 1) << "greedy takes the first of equal maxima";
  SamplingParams penalised;
  penalised.presence_penalty = 1.5f;
  const int32_t seen[] = {1, 1, 2};
  EXPECT_EQ(gpu_->sample(logits, penalised, seen, rng), 3) << "each seen token is penalised once";
  EXPECT_EQ(read(logits), values) << "the penalty does not change the logits";

  // A large vocabulary with the maximum repeated far apart, and sampled decoding with one seed on both.
  const Tensor large = random({102400}, 5.0f);
  large.data_as<float>()[70001] = 100.0f;
  large.data_as<float>()[90000] = 100.0f;
  EXPECT_EQ(gpu_->sample(device(large), {}, {}, rng), 70001);
  const SamplingParams ocr{0.6f, 0.95f, 20, 1.5f};
  std::mt19937_64 cpu_rng(11);
  std::mt19937_64 gpu_rng(11);
  const Tensor on_device = device(large);
  std::vector<int32_t> generated;
  for (int i = 0; i < 40; ++i) {
    const int32_t token = cpu_->sample(large, ocr, generated, cpu_rng);
    EXPECT_EQ(gpu_->sample(on_device, ocr, generated, gpu_rng), token) << "draw " << i;
    generated.push_back(token);
  }
}

// --- the tiny fixtures (tests/fixtures/exaone45-tiny*) through the decoder and the tower -------------------

class CudaTinyModel : public CudaParity {
 protected:
  std::vector<float> logits(const TextDecoder& decoder, Backend& backend, std::span<const int32_t> ids) {
    KvCache cache(decoder.config(), backend, static_cast<int>(ids.size()));
    const Tensor result = decoder.forward(ids, cache, true);
    std::vector<float> values(static_cast<size_t>(result.elements()));
    backend.read_f32(result, values.data());
    return values;
  }
  std::vector<int32_t> reference_ids() {
    const auto file = SafetensorsFile::open(fixture("exaone45-tiny/reference/text.safetensors"));
    return to_ids(file->tensor(*file->find("input_ids")));
  }
};

TEST_F(CudaTinyModel, Fp32LogitsAndGreedyContinuationsMatchTheCpu) {
  const ModelConfig config = load_model_config(fixture("exaone45-tiny/config.json"));
  const Checkpoint checkpoint = Checkpoint::open(fixture("exaone45-tiny"));
  const TextDecoder on_cpu(config, checkpoint, *cpu_);
  const TextDecoder on_gpu(config, checkpoint, *gpu_);
  const std::vector<int32_t> ids = reference_ids();
  EXPECT_LE(max_abs_difference(logits(on_gpu, *gpu_, ids), logits(on_cpu, *cpu_, ids)), kFp32Tolerance);
  // Token by token through the cache (ring slots of the sliding layers wrap) equals one shot.
  KvCache cache(on_gpu.config(), *gpu_, static_cast<int>(ids.size()));
  std::vector<float> one_by_one;
  for (const int32_t id : ids) {
    const int32_t step[] = {id};
    const Tensor result = on_gpu.forward(step, cache, true);
    std::vector<float> values(static_cast<size_t>(result.elements()));
    gpu_->read_f32(result, values.data());
    one_by_one.insert(one_by_one.end(), values.begin(), values.end());
  }
  EXPECT_LE(max_abs_difference(one_by_one, logits(on_gpu, *gpu_, ids)), 1e-5f);

  for (const char* name : {"greedy.json", "greedy_long.json"}) {
    const auto reference = read_json(fixture("exaone45-tiny/reference") / name);
    const auto prompt = reference["prompt_ids"].get<std::vector<int32_t>>();
    GenerationOptions options;
    options.max_new_tokens = 32;
    options.prefill_chunk = 7;
    EXPECT_EQ(generate(on_gpu, prompt, options), reference["generated_ids"].get<std::vector<int32_t>>())
        << name;
  }
}

TEST_F(CudaTinyModel, Bf16CheckpointWithinBf16Tolerance) {
  const ModelConfig config = load_model_config(fixture("exaone45-tiny-bf16/config.json"));
  const Checkpoint checkpoint = Checkpoint::open(fixture("exaone45-tiny-bf16"));
  const TextDecoder on_cpu(config, checkpoint, *cpu_);
  const TextDecoder on_gpu(config, checkpoint, *gpu_);
  const std::vector<int32_t> ids = reference_ids();
  const std::vector<float> gpu = logits(on_gpu, *gpu_, ids);
  EXPECT_LE(max_abs_difference(gpu, logits(on_cpu, *cpu_, ids)), 2e-2f);
  const auto file = SafetensorsFile::open(fixture("exaone45-tiny/reference/text_bf16.safetensors"));
  EXPECT_LE(max_abs_difference(gpu, to_vector(file->tensor(*file->find("logits")))), 2e-2f) << "HF in bf16";
}

TEST_F(CudaTinyModel, VisionTowerAndMultimodalGenerationMatchTheCpu) {
  const ModelConfig config = load_model_config(fixture("exaone45-tiny/config.json"));
  const Checkpoint checkpoint = Checkpoint::open(fixture("exaone45-tiny"));
  const VisionTower cpu_tower(config, checkpoint, *cpu_);
  const VisionTower gpu_tower(config, checkpoint, *gpu_);
  const auto vision = SafetensorsFile::open(fixture("exaone45-tiny/reference/vision.safetensors"));
  auto tensor = [&](const std::string& name) { return vision->tensor(*vision->find(name)); };
  auto grid = [&](int k) {
    const std::vector<int32_t> values = to_ids(tensor("grid_thw." + std::to_string(k)));
    return GridThw{values[0], values[1], values[2]};
  };
  std::vector<GridThw> grids;
  std::vector<Tensor> pixels;
  for (const int k : {0, 1, 2, 5}) {  // the images whose pixel_values the fixture stores
    const GridThw one[] = {grid(k)};
    const Tensor pixel_values = tensor("pixel_values." + std::to_string(k));
    const Tensor features = gpu_tower.forward(device(pixel_values), one);
    const Tensor expected = cpu_tower.forward(pixel_values, one);
    expect_close(read(features), expected, 1e-4f, "image features " + std::to_string(k));
    EXPECT_LE(max_abs_difference(read(features), to_vector(tensor("image_features." + std::to_string(k)))),
              kFp32Tolerance)
        << "image " << k << " against transformers";
    grids.push_back(one[0]);
    pixels.push_back(pixel_values);
  }
  // Several images at once: concatenate_rows copies the host pixel rows to the device.
  const Tensor all = gpu_tower.forward(concatenate_rows(*gpu_, pixels), grids);
  expect_close(read(all), cpu_tower.forward(concatenate_rows(*cpu_, pixels), grids), 1e-4f, "four images");

  const TextDecoder decoder(config, checkpoint, *gpu_);
  const auto prompts = read_json(fixture("exaone45-tiny/reference/multimodal.json"));
  for (const char* name : {"one_image", "two_images"}) {
    SCOPED_TRACE(name);
    const auto& prompt = prompts[name];
    std::vector<GridThw> image_grids;
    std::vector<Tensor> image_pixels;
    for (const int k : prompt["images"].get<std::vector<int>>()) {
      image_grids.push_back(grid(k));
      image_pixels.push_back(tensor("pixel_values." + std::to_string(k)));
    }
    const InjectedEmbeddings images{gpu_tower.forward(concatenate_rows(*gpu_, image_pixels), image_grids),
                                    config.image_token_id};
    GenerationOptions options;
    options.max_new_tokens = 32;
    options.prefill_chunk = 5;  // chunks end inside the image tokens
    EXPECT_EQ(generate(decoder, prompt["input_ids"].get<std::vector<int32_t>>(), options, {}, &images),
              prompt["generated_ids"].get<std::vector<int32_t>>());
  }
}

}  // namespace
}  // namespace exadoc::model
