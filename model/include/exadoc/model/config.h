// exadoc/model/config.h — an EXAONE 4.5 model's config.json, normalised.
//
// Accepts the composite config (top level + text_config + vision_config) and a text-only EXAONE 4.0-style
// config, and absorbs the variants published configs differ in (docs: exaone45-model.md §11): the rope dict
// as rope_scaling or rope_parameters with rope_theta inside or at the top, layer_types as a list (64 or 65
// entries: the 65th describes the MTP layer and is dropped) or sliding_window_pattern as "LLLG" or an
// integer, the legacy text model_type "exaone4_5_text", and tie_word_embeddings read from the top level.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <exadoc/model/tensor.h>

namespace exadoc::model {

struct RopeConfig {
  std::string type = "default";  // "default" or "llama3"
  double theta = 10000.0;
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int original_max_position_embeddings = 8192;
};

struct TextConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;  // hidden_size / num_heads when the config leaves it out
  int sliding_window = 0;
  std::vector<bool> layer_is_sliding;  // one per layer; sliding layers use RoPE, global layers none
  RopeConfig rope;
  double rms_norm_eps = 1e-5;
  int max_position_embeddings = 0;
  int bos_token_id = -1;
  int eos_token_id = -1;
  int pad_token_id = -1;
};

struct VisionConfig {
  int depth = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int patch_size = 14;
  int temporal_patch_size = 2;
  int spatial_merge_size = 2;
  int window_size = 112;
  std::vector<int> fullatt_block_indexes;
  int out_hidden_size = 0;
  int in_channels = 3;
  double rms_norm_eps = 1e-6;
};

struct ModelConfig {
  TextConfig text;
  std::optional<VisionConfig> vision;  // absent for text-only checkpoints
  bool tie_word_embeddings = false;
  int image_token_id = 67;
  int video_token_id = 68;
  int vision_start_token_id = 73;
  int vision_end_token_id = 74;
  int num_nextn_predict_layers = 0;  // MTP layers in the checkpoint (HF-saved checkpoints have none)
  std::optional<DType> dtype;        // the dtype the config declares, if any
};

// Throws ModelFormatError naming the file and the key.
ModelConfig load_model_config(const std::filesystem::path& config_json);
ModelConfig parse_model_config(const nlohmann::json& json, const std::filesystem::path& file_for_errors);

}  // namespace exadoc::model
