// A document's conversation on the tiny fixture: page 2 computed on top of page 1's cache (with the model's
// answer for page 1 in it) gives the logits of prefilling the whole conversation from scratch — the property
// that lets exadoc keep one growing context per document without recomputation.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include <exadoc/model/chat_session.h>
#include <exadoc/model/config.h>
#include <exadoc/model/image_processor.h>
#include <exadoc/model/safetensors.h>
#include <exadoc/model/text_decoder.h>
#include <exadoc/model/vision_tower.h>

#include "model/fixture_support.h"

namespace exadoc::model {
namespace {

using exadoc::testing::fixture;
using exadoc::testing::kFp32Tolerance;
using exadoc::testing::max_abs_difference;
using exadoc::testing::to_vector;

class ChatSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = load_model_config(fixture("exaone45-tiny/config.json"));
    checkpoint_ = std::make_unique<Checkpoint>(Checkpoint::open(fixture("exaone45-tiny")));
    decoder_ = std::make_unique<TextDecoder>(config_, *checkpoint_, *backend_);
    tower_ = std::make_unique<VisionTower>(config_, *checkpoint_, *backend_);
    processor_ = load_image_processor_config(fixture("exaone45-tiny/preprocessor_config.json"));
  }

  // A seeded random "page" image through the real processor and tower.
  InjectedEmbeddings page_image(uint32_t seed, int64_t& tokens) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> rgb(96 * 80 * 3);
    for (uint8_t& value : rgb) value = static_cast<uint8_t>(rng() & 0xFF);
    const ProcessedImage image = preprocess_image({rgb.data(), 96, 80, 96 * 3}, processor_);
    tokens = tower_->tokens_for(image.grid);
    const GridThw grids[] = {image.grid};
    return {tower_->forward(image.pixel_values, grids), config_.image_token_id};
  }

  // A user turn: some text ids, the image placeholders, more text ids.
  std::vector<int32_t> turn(int64_t image_tokens, int32_t first_id) const {
    std::vector<int32_t> ids = {first_id, first_id + 1, first_id + 2};
    ids.insert(ids.end(), static_cast<size_t>(image_tokens), config_.image_token_id);
    for (int32_t id = 100; id < 120; ++id) ids.push_back(id + first_id % 7);
    return ids;
  }

  std::unique_ptr<Backend> backend_ = make_cpu_backend(2);
  ModelConfig config_;
  std::unique_ptr<Checkpoint> checkpoint_;
  std::unique_ptr<TextDecoder> decoder_;
  std::unique_ptr<VisionTower> tower_;
  ImageProcessorConfig processor_;
};

Tensor concatenate(Backend& backend, const Tensor& a, const Tensor& b) {
  const Tensor parts[] = {a, b};
  return concatenate_rows(backend, parts);
}

TEST_F(ChatSessionTest, PageTwoOnPageOnesCacheEqualsTheWholeConversationFromScratch) {
  int64_t tokens_1 = 0, tokens_2 = 0;
  const InjectedEmbeddings image_1 = page_image(1, tokens_1);
  const InjectedEmbeddings image_2 = page_image(2, tokens_2);
  const std::vector<int32_t> page_1 = turn(tokens_1, 10);
  const std::vector<int32_t> page_2 = turn(tokens_2, 40);

  ChatSession kept(*decoder_, 1024);
  const Tensor after_page_1 = kept.prefill(page_1, &image_1);
  GenerationOptions options;
  options.max_new_tokens = 12;  // greedy: the model's "answer" for page 1
  const std::vector<int32_t> answer = kept.generate(after_page_1, options);
  ASSERT_EQ(answer.size(), 12u);
  const Tensor reused_logits = kept.prefill(page_2, &image_2);
  const std::vector<float> reused = to_vector(reused_logits);
  EXPECT_EQ(kept.length(), static_cast<int>(page_1.size() + answer.size() + page_2.size()));

  std::vector<int32_t> everything = page_1;
  everything.insert(everything.end(), answer.begin(), answer.end());
  everything.insert(everything.end(), page_2.begin(), page_2.end());
  EXPECT_EQ(kept.tokens(), everything);
  const InjectedEmbeddings both{concatenate(*backend_, image_1.rows, image_2.rows), config_.image_token_id};
  ChatSession scratch(*decoder_, 1024);
  const std::vector<float> recomputed = to_vector(scratch.prefill(everything, &both, 37));
  EXPECT_LT(max_abs_difference(reused, recomputed), kFp32Tolerance);

  // And so do the greedy answers for page 2.
  ChatSession again(*decoder_, 1024);
  const std::vector<int32_t> from_scratch = again.generate(again.prefill(everything, &both), options);
  EXPECT_EQ(kept.generate(reused_logits, options), from_scratch);
}

TEST_F(ChatSessionTest, TheBudgetIsEnforced) {
  ChatSession session(*decoder_, 16);
  const std::vector<int32_t> ids(10, 5);
  session.prefill(ids);
  GenerationOptions options;
  options.max_new_tokens = 100;
  const std::vector<int32_t> generated = session.generate(session.prefill(std::vector<int32_t>{6}), options);
  EXPECT_EQ(session.length(), 16) << "generation stops at the budget";
  EXPECT_THROW(session.prefill(ids), Error);
}

TEST(ContextPlan, ExtendsTheCacheWhileTheNextTurnFits) {
  const TurnCost turns[] = {{100, 300}, {100, 300}};
  const ContextPlan plan = plan_context(turns, 250, 100, 1000);
  EXPECT_TRUE(plan.keep_cache);
  EXPECT_EQ(plan.images_dropped, 0);
  EXPECT_EQ(plan.tokens_kept, 600);
}

TEST(ContextPlan, DropsTheOldestImagesFirstThenTheOldestTurns) {
  const TurnCost turns[] = {{100, 300}, {100, 300}, {100, 300}};
  // 900 of history + 250 + 100: 250 too many. Two images go (-200 is not enough, -300 is: three).
  ContextPlan plan = plan_context(turns, 250, 100, 1000);
  EXPECT_FALSE(plan.keep_cache);
  EXPECT_EQ(plan.images_dropped, 3);
  EXPECT_EQ(plan.turns_dropped, 0);
  EXPECT_EQ(plan.tokens_kept, 600);
  EXPECT_TRUE(plan.next_fits);
  // A smaller budget: every image, then the two oldest turns' text.
  plan = plan_context(turns, 250, 100, 600);
  EXPECT_EQ(plan.images_dropped, 3);
  EXPECT_EQ(plan.turns_dropped, 2);
  EXPECT_EQ(plan.tokens_kept, 200);
  EXPECT_TRUE(plan.next_fits);
}

TEST(ContextPlan, SaysWhenEvenTheNextTurnAloneDoesNotFit) {
  const TurnCost turns[] = {{100, 300}};
  const ContextPlan plan = plan_context(turns, 500, 100, 512);
  EXPECT_EQ(plan.turns_dropped, 1);
  EXPECT_EQ(plan.tokens_kept, 0);
  EXPECT_FALSE(plan.next_fits);
}

}  // namespace
}  // namespace exadoc::model
