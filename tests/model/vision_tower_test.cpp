// The vision tower: its window layout against the spec's test vectors and as a property over random grids,
// and the whole tower and the multimodal decoder against Hugging Face on the tiny fixture.
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include <exadoc/model/model_error.h>
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

// exaone45-model.md §3.5, for the 33B geometry (merge 2, windows of 4×4 merge units).
TEST(VisionLayout, MatchesTheSpecTestVectors) {
  const GridThw grid_8x12[] = {{1, 8, 12}};
  const VisionLayout a = plan_vision_layout(grid_8x12, 2, 4);
  EXPECT_EQ(a.window_index, (std::vector<int32_t>{0,  1,  2,  3,  6, 7, 8,  9,  12, 13, 14, 15,
                                                  18, 19, 20, 21, 4, 5, 10, 11, 16, 17, 22, 23}));
  EXPECT_EQ(a.cu_window_seqlens, (std::vector<int32_t>{0, 64, 96}));
  EXPECT_EQ(a.cu_seqlens, (std::vector<int32_t>{0, 96}));

  const GridThw grid_10x10[] = {{1, 10, 10}};
  const VisionLayout b = plan_vision_layout(grid_10x10, 2, 4);
  EXPECT_EQ(b.window_index, (std::vector<int32_t>{0,  1,  2,  3, 5, 6,  7,  8,  10, 11, 12, 13, 15,
                                                  16, 17, 18, 4, 9, 14, 19, 20, 21, 22, 23, 24}));
  EXPECT_EQ(b.cu_window_seqlens, (std::vector<int32_t>{0, 64, 80, 96, 100}));
}

TEST(VisionLayout, PositionsAreMergeAware) {
  const GridThw grid[] = {{1, 4, 4}};
  const VisionLayout layout = plan_vision_layout(grid, 2, 4);
  // §3.3's example: (0,0) (0,1) (1,0) (1,1) (0,2) (0,3) (1,2) (1,3) (2,0) ...
  const std::vector<std::pair<int, int>> expected = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 2}, {0, 3},
                                                     {1, 2}, {1, 3}, {2, 0}, {2, 1}, {3, 0}, {3, 1},
                                                     {2, 2}, {2, 3}, {3, 2}, {3, 3}};
  ASSERT_EQ(layout.row_positions.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(layout.row_positions[i], expected[i].first) << i;
    EXPECT_EQ(layout.column_positions[i], expected[i].second) << i;
  }
  const GridThw odd[] = {{1, 5, 4}};
  EXPECT_THROW(plan_vision_layout(odd, 2, 4), Error);
}

// Property: for random sets of images up to 64×64 merge units, the window order is a permutation whose
// windows stay inside one image, hold at most S×S units, and gathering then scattering by it gives back the
// input.
TEST(VisionLayout, WindowPermutationIsInvertibleOnRandomGrids) {
  std::mt19937 random(1234);
  const auto backend = make_cpu_backend(1);
  for (int round = 0; round < 60; ++round) {
    const int window_units = 1 + static_cast<int>(random() % 5);
    std::vector<GridThw> grids;
    const int images = 1 + static_cast<int>(random() % 3);
    for (int i = 0; i < images; ++i) {
      grids.push_back(
          {1, 2 * (1 + static_cast<int>(random() % 64)), 2 * (1 + static_cast<int>(random() % 64))});
    }
    const VisionLayout layout = plan_vision_layout(grids, 2, window_units);
    const auto units = static_cast<int32_t>(layout.window_index.size());
    std::vector<int32_t> sorted = layout.window_index;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int32_t> identity(static_cast<size_t>(units));
    std::iota(identity.begin(), identity.end(), 0);
    ASSERT_EQ(sorted, identity) << "round " << round;
    EXPECT_EQ(layout.cu_window_seqlens.back(), 4 * units);
    EXPECT_EQ(layout.cu_seqlens.back(), 4 * units);

    // Image of each unit, from the grids.
    std::vector<int> image_of;
    for (size_t i = 0; i < grids.size(); ++i)
      image_of.insert(image_of.end(), static_cast<size_t>(grids[i].h * grids[i].w / 4), static_cast<int>(i));
    for (size_t w = 0; w + 1 < layout.cu_window_seqlens.size(); ++w) {
      const int32_t first = layout.cu_window_seqlens[w] / 4;
      const int32_t last = layout.cu_window_seqlens[w + 1] / 4;
      ASSERT_LE(last - first, window_units * window_units);
      std::set<int> window_images;
      for (int32_t u = first; u < last; ++u)
        window_images.insert(image_of[static_cast<size_t>(layout.window_index[static_cast<size_t>(u)])]);
      EXPECT_EQ(window_images.size(), 1u) << "a window crosses images";
    }

    Tensor data = Tensor::zeros_cpu(DType::kF32, {units, 3});
    for (int64_t i = 0; i < data.elements(); ++i)
      data.data_as<float>()[i] = static_cast<float>(random() % 1000);
    Tensor permuted = Tensor::zeros_cpu(DType::kF32, {units, 3});
    Tensor restored = Tensor::zeros_cpu(DType::kF32, {units, 3});
    backend->gather_rows(data, layout.window_index, permuted);
    backend->scatter_rows(permuted, layout.window_index, restored);
    ASSERT_EQ(std::vector<float>(restored.data_as<float>(), restored.data_as<float>() + restored.elements()),
              std::vector<float>(data.data_as<float>(), data.data_as<float>() + data.elements()));
  }
}

TEST(VisionLayout, PlaceholdersExpandPerImage) {
  const int32_t ids[] = {5, 73, 67, 74, 9, 73, 67, 74};
  const int64_t tokens[] = {3, 2};
  EXPECT_EQ(expand_image_placeholders(ids, 67, tokens),
            (std::vector<int32_t>{5, 73, 67, 67, 67, 74, 9, 73, 67, 67, 74}));
  const int64_t one[] = {3};
  try {
    expand_image_placeholders(ids, 67, one);
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "the prompt has more image placeholders than images (1)");
  }
}

// --- against Hugging Face (tests/fixtures/exaone45-tiny/reference/vision.safetensors, multimodal.*) ---

class TinyVision : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = load_model_config(fixture("exaone45-tiny/config.json"));
    checkpoint_ = std::make_unique<Checkpoint>(Checkpoint::open(fixture("exaone45-tiny/")));
    tower_ = std::make_unique<VisionTower>(config_, *checkpoint_, *backend_);
    reference_ = SafetensorsFile::open(fixture("exaone45-tiny/reference/vision.safetensors"));
  }

  Tensor reference(const std::string& name) const {
    const TensorRecord* record = reference_->find(name);
    if (record == nullptr) throw std::runtime_error("the vision fixture has no " + name);
    return reference_->tensor(*record);
  }
  bool has_reference(const std::string& name) const { return reference_->find(name) != nullptr; }

  GridThw grid(int k) const {
    const std::vector<int32_t> values = to_ids(reference("grid_thw." + std::to_string(k)));
    return {values[0], values[1], values[2]};
  }

  // pixel_values of image k: HF's where the fixture stores them, else our processor on HF's resized pixels
  // (already at the target size, so no resize happens and the result is exact).
  Tensor pixel_values(int k) const {
    const std::string key = "pixel_values." + std::to_string(k);
    if (has_reference(key)) return reference(key);
    const Tensor resized = reference("resized." + std::to_string(k));
    const RgbImageView view{resized.data_as<uint8_t>(), static_cast<int>(resized.dim(1)),
                            static_cast<int>(resized.dim(0)), static_cast<size_t>(resized.dim(1)) * 3};
    return preprocess_image(view,
                            load_image_processor_config(fixture("exaone45-tiny/preprocessor_config.json")))
        .pixel_values;
  }

  std::unique_ptr<Backend> backend_ = make_cpu_backend(2);
  ModelConfig config_;
  std::unique_ptr<Checkpoint> checkpoint_;
  std::unique_ptr<VisionTower> tower_;
  std::shared_ptr<SafetensorsFile> reference_;
};

// Image f has windows partial along both axes and a window order that is not the identity.
TEST_F(TinyVision, IntermediatesMatchTransformers) {
  const GridThw grids[] = {grid(5)};
  const VisionLayout layout = plan_vision_layout(grids, 2, config_.vision->window_size / 2 / 14);
  EXPECT_EQ(layout.window_index, to_ids(reference("debug_f.window_index")));
  EXPECT_EQ(layout.cu_window_seqlens, to_ids(reference("debug_f.cu_window_seqlens")));
  std::map<std::string, std::vector<float>> seen;
  tower_->forward(pixel_values(5), grids,
                  [&](const std::string& name, const Tensor& value) { seen[name] = to_vector(value); });
  for (const char* name : {"patch_embed", "block.0", "block.1", "block.2", "block.3", "merger"}) {
    EXPECT_LE(max_abs_difference(seen[name], to_vector(reference(std::string("debug_f.") + name))),
              kFp32Tolerance)
        << name;
  }
}

TEST_F(TinyVision, ImageFeaturesOfEveryTestImageMatchTransformers) {
  for (int k = 0; k < 6; ++k) {
    const GridThw grids[] = {grid(k)};
    const Tensor features = tower_->forward(pixel_values(k), grids);
    EXPECT_EQ(features.dim(0), tower_->tokens_for(grids[0])) << "image " << k;
    EXPECT_LE(
        max_abs_difference(to_vector(features), to_vector(reference("image_features." + std::to_string(k)))),
        kFp32Tolerance)
        << "image " << k;
  }
}

// Several images in one call give each image's own features: attention never crosses images.
TEST_F(TinyVision, SeveralImagesAtOnceDoNotInteract) {
  const std::vector<int> images{4, 0, 5, 3};
  std::vector<GridThw> grids;
  std::vector<Tensor> pixels;
  std::vector<float> expected;
  for (const int k : images) {
    grids.push_back(grid(k));
    pixels.push_back(pixel_values(k));
    const std::vector<float> own = to_vector(reference("image_features." + std::to_string(k)));
    expected.insert(expected.end(), own.begin(), own.end());
  }
  const Tensor all = concatenate_rows(*backend_, pixels);
  EXPECT_LE(max_abs_difference(to_vector(tower_->forward(all, grids)), expected), kFp32Tolerance);
}

TEST_F(TinyVision, MultimodalLogitsAndGreedyContinuationsMatchTransformers) {
  const TextDecoder decoder(config_, *checkpoint_, *backend_);
  const auto prompts = read_json(fixture("exaone45-tiny/reference/multimodal.json"));
  const auto logits_file = SafetensorsFile::open(fixture("exaone45-tiny/reference/multimodal.safetensors"));
  for (const char* name : {"one_image", "two_images"}) {
    SCOPED_TRACE(name);
    const auto& prompt = prompts[name];
    std::vector<GridThw> grids;
    std::vector<int64_t> tokens;
    std::vector<Tensor> pixels;
    for (const int k : prompt["images"].get<std::vector<int>>()) {
      grids.push_back(grid(k));
      tokens.push_back(tower_->tokens_for(grids.back()));
      pixels.push_back(pixel_values(k));
    }
    const InjectedEmbeddings images{tower_->forward(concatenate_rows(*backend_, pixels), grids),
                                    config_.image_token_id};
    const std::vector<int32_t> ids =
        to_ids(logits_file->tensor(*logits_file->find(std::string(name) + ".input_ids")));
    ASSERT_EQ(ids, prompt["input_ids"].get<std::vector<int32_t>>());
    ASSERT_GT(ids.size(), static_cast<size_t>(config_.text.sliding_window));

    // The placeholders as the chat template writes them expand to the fixture's ids.
    std::vector<int32_t> collapsed;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] != config_.image_token_id || i == 0 || ids[i - 1] != config_.image_token_id)
        collapsed.push_back(ids[i]);
    }
    EXPECT_EQ(expand_image_placeholders(collapsed, config_.image_token_id, tokens), ids);

    KvCache cache(decoder.config(), *backend_, static_cast<int>(ids.size()));
    const Tensor logits = decoder.forward(ids, cache, true, {}, &images);
    EXPECT_LE(
        max_abs_difference(to_vector(logits),
                           to_vector(logits_file->tensor(*logits_file->find(std::string(name) + ".logits")))),
        kFp32Tolerance);

    GenerationOptions options;
    options.max_new_tokens = 32;
    options.prefill_chunk = 5;  // chunks end inside the image tokens
    EXPECT_EQ(generate(decoder, ids, options, {}, &images),
              prompt["generated_ids"].get<std::vector<int32_t>>());
  }
}

}  // namespace
}  // namespace exadoc::model
