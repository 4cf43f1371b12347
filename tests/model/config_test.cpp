// config.json in the forms published EXAONE configs take (exaone45-model.md §11).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <exadoc/model/config.h>
#include <exadoc/model/model_error.h>

#include "test_support.h"

namespace exadoc::model {
namespace {

using nlohmann::json;

json tiny_text() {
  return {{"model_type", "exaone4"},
          {"vocab_size", 256},
          {"hidden_size", 64},
          {"intermediate_size", 128},
          {"num_hidden_layers", 4},
          {"num_attention_heads", 4},
          {"num_key_value_heads", 2},
          {"sliding_window", 8},
          {"layer_types", {"sliding_attention", "sliding_attention", "sliding_attention", "full_attention"}},
          {"rope_parameters",
           {{"rope_type", "llama3"},
            {"rope_theta", 1e6},
            {"factor", 16.0},
            {"low_freq_factor", 1.0},
            {"high_freq_factor", 4.0},
            {"original_max_position_embeddings", 8192}}},
          {"rms_norm_eps", 1e-5},
          {"eos_token_id", 53}};
}

json composite(const json& text) {
  return {{"model_type", "exaone4_5"}, {"text_config", text}, {"tie_word_embeddings", false}};
}

std::string config_error(const json& config) {
  try {
    parse_model_config(config, "config.json");
  } catch (const ModelFormatError& error) {
    return error.what();
  }
  return "";
}

TEST(Config, ReadsTheTinyCompositeConfig) {
  const ModelConfig config = parse_model_config(composite(tiny_text()), "config.json");
  EXPECT_EQ(config.text.head_dim, 16) << "derived from hidden / heads when head_dim is absent";
  EXPECT_EQ(config.text.layer_is_sliding, (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(config.text.rope.type, "llama3");
  EXPECT_EQ(config.text.rope.theta, 1e6);
  EXPECT_EQ(config.text.rope.factor, 16.0);
  EXPECT_EQ(config.text.eos_token_id, 53);
  EXPECT_FALSE(config.vision.has_value());
}

TEST(Config, RopeThetaMayLiveInRopeScalingOrAtTheTop) {
  json text = tiny_text();
  json rope = text["rope_parameters"];
  text.erase("rope_parameters");
  text["rope_scaling"] = rope;
  EXPECT_EQ(parse_model_config(composite(text), "config.json").text.rope.theta, 1e6);
  text["rope_scaling"].erase("rope_theta");
  text["rope_theta"] = 5e5;  // EXAONE 4.0 style
  EXPECT_EQ(parse_model_config(composite(text), "config.json").text.rope.theta, 5e5);
  text.erase("rope_theta");
  EXPECT_EQ(config_error(composite(text)),
            "config.json: missing key 'text_config.rope_theta' (looked in rope_parameters, rope_scaling and "
            "the config itself)");
}

TEST(Config, SlidingWindowPatternAsStringOrPeriod) {
  json text = tiny_text();
  text.erase("layer_types");
  text["num_hidden_layers"] = 8;
  text["sliding_window_pattern"] = "LLLG";
  const std::vector<bool> expected{true, true, true, false, true, true, true, false};
  EXPECT_EQ(parse_model_config(composite(text), "config.json").text.layer_is_sliding, expected);
  text["sliding_window_pattern"] = 4;
  EXPECT_EQ(parse_model_config(composite(text), "config.json").text.layer_is_sliding, expected);
  text["sliding_window_pattern"] = "LLXG";
  EXPECT_NE(config_error(composite(text)).find("'text_config.sliding_window_pattern' is \"LLXG\""),
            std::string::npos);
}

TEST(Config, SixtyFiveLayerTypesDropTheMtpEntry) {
  json text = tiny_text();
  text["layer_types"].push_back("sliding_attention");
  EXPECT_EQ(parse_model_config(composite(text), "config.json").text.layer_is_sliding.size(), 4u);
  text["layer_types"].push_back("sliding_attention");
  EXPECT_EQ(config_error(composite(text)),
            "config.json: 'text_config.layer_types' has 6 entries for num_hidden_layers = 4");
}

TEST(Config, LegacyTextModelTypeAndTopLevelTying) {
  json text = tiny_text();
  text["model_type"] = "exaone4_5_text";
  text["tie_word_embeddings"] = true;  // the top level wins (§11.15)
  const ModelConfig config = parse_model_config(composite(text), "config.json");
  EXPECT_FALSE(config.tie_word_embeddings);
  text["model_type"] = "qwen2";
  EXPECT_EQ(config_error(composite(text)),
            "config.json: 'text_config.model_type' is 'qwen2'; expected 'exaone4'");
}

TEST(Config, TextOnlyConfigAndErrors) {
  EXPECT_EQ(parse_model_config(tiny_text(), "config.json").text.num_layers, 4);
  EXPECT_EQ(config_error({{"model_type", "llama"}}),
            "config.json: 'model_type' is 'llama'; exadoc runs EXAONE 4.5 ('exaone4_5') and EXAONE 4.0 text "
            "('exaone4') checkpoints");
  json text = tiny_text();
  text.erase("hidden_size");
  EXPECT_EQ(config_error(composite(text)), "config.json: missing key 'text_config.hidden_size'");
  text = tiny_text();
  text["num_key_value_heads"] = 3;
  EXPECT_EQ(config_error(composite(text)),
            "config.json: 'text_config.num_attention_heads' (4) must be a positive multiple of "
            "num_key_value_heads (3)");
  text = tiny_text();
  text["rope_parameters"]["rope_type"] = "yarn";
  EXPECT_NE(config_error(composite(text)).find("is 'yarn'; exadoc implements the default and llama3 RoPE"),
            std::string::npos);
}

TEST(Config, TheRealThirtyThreeBillionConfig) {
  const ModelConfig config =
      load_model_config(exadoc::testing::data_dir() / "model/exaone45-33b/config.json");
  EXPECT_EQ(config.text.num_layers, 64);
  EXPECT_EQ(config.text.head_dim, 128);
  EXPECT_EQ(config.text.sliding_window, 4096);
  int global = 0;
  for (int layer = 0; layer < 64; ++layer) {
    const bool sliding = config.text.layer_is_sliding[static_cast<size_t>(layer)];
    EXPECT_EQ(sliding, (layer + 1) % 4 != 0) << "layer " << layer;
    global += sliding ? 0 : 1;
  }
  EXPECT_EQ(global, 16);
  ASSERT_TRUE(config.vision.has_value());
  EXPECT_EQ(config.vision->fullatt_block_indexes, (std::vector<int>{6, 13, 20, 27}));
  EXPECT_EQ(config.vision->rms_norm_eps, 1e-6);
  EXPECT_EQ(config.num_nextn_predict_layers, 1);
  EXPECT_EQ(config.dtype, DType::kBF16);
}

}  // namespace
}  // namespace exadoc::model
