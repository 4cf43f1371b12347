#include <fstream>

#include <nlohmann/json.hpp>

#include <exadoc/base/log.h>
#include <exadoc/model/config.h>
#include <exadoc/model/model_error.h>

namespace exadoc::model {
namespace {

using nlohmann::json;

class Reader {
 public:
  Reader(const json& object, std::string scope, const std::filesystem::path& file)
      : object_(object), scope_(std::move(scope)), file_(file) {}

  bool has(const char* key) const { return object_.contains(key) && !object_[key].is_null(); }

  int integer(const char* key) const {
    if (!has(key)) throw ModelFormatError(file_, "missing key '" + path(key) + "'");
    return integer_value(object_[key], key);
  }
  int integer_or(const char* key, int fallback) const {
    return has(key) ? integer_value(object_[key], key) : fallback;
  }

  double number_or(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    if (!object_[key].is_number()) throw ModelFormatError(file_, "'" + path(key) + "' must be a number");
    return object_[key].get<double>();
  }

  // Token ids may be an int or a list of ints (eos lists); the first one is taken.
  int token_id_or(const char* key, int fallback) const {
    if (!has(key)) return fallback;
    const json& value = object_[key];
    if (value.is_array()) return value.empty() ? fallback : integer_value(value[0], key);
    return integer_value(value, key);
  }

  std::string path(const char* key) const { return scope_.empty() ? key : scope_ + "." + key; }
  const json& raw(const char* key) const { return object_[key]; }

 private:
  int integer_value(const json& value, const char* key) const {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > (1ll << 31) - 1) {
      throw ModelFormatError(file_,
                             "'" + path(key) + "' must be a non-negative integer, not " + value.dump());
    }
    return value.get<int>();
  }

  const json& object_;
  std::string scope_;
  const std::filesystem::path& file_;
};

RopeConfig parse_rope(const json& text, const json& top, const std::filesystem::path& file,
                      const std::string& scope) {
  RopeConfig rope;
  const json* dict = nullptr;
  for (const char* key : {"rope_parameters", "rope_scaling"}) {
    if (text.contains(key) && text[key].is_object()) {
      dict = &text[key];
      break;
    }
  }
  // rope_theta: inside the rope dict (EXAONE 4.5), else at the text level, else at the top (4.0-style).
  const json* theta = nullptr;
  if (dict != nullptr && dict->contains("rope_theta"))
    theta = &(*dict)["rope_theta"];
  else if (text.contains("rope_theta"))
    theta = &text["rope_theta"];
  else if (top.contains("rope_theta"))
    theta = &top["rope_theta"];
  if (theta == nullptr || !theta->is_number()) {
    // Defaulting to 10000 silently ruins long context (§11.6): demand it.
    throw ModelFormatError(file, "missing key '" + scope +
                                     "rope_theta' (looked in rope_parameters, rope_scaling and " +
                                     "the config itself)");
  }
  rope.theta = theta->get<double>();
  if (dict == nullptr) return rope;
  const Reader reader(*dict, scope + (text.contains("rope_parameters") ? "rope_parameters" : "rope_scaling"),
                      file);
  const char* type_key = dict->contains("rope_type") ? "rope_type" : "type";
  rope.type = dict->contains(type_key) && (*dict)[type_key].is_string() ? (*dict)[type_key].get<std::string>()
                                                                        : "default";
  if (rope.type == "llama3") {
    rope.factor = reader.number_or("factor", 8.0);
    rope.low_freq_factor = reader.number_or("low_freq_factor", 1.0);
    rope.high_freq_factor = reader.number_or("high_freq_factor", 4.0);
    rope.original_max_position_embeddings = reader.integer_or("original_max_position_embeddings", 8192);
  } else if (rope.type != "default") {
    throw ModelFormatError(file, "'" + reader.path("rope_type") + "' is '" + rope.type +
                                     "'; exadoc implements the default and llama3 RoPE of EXAONE models");
  }
  return rope;
}

std::vector<bool> parse_layer_pattern(const json& text, int num_layers, const std::filesystem::path& file,
                                      const std::string& scope) {
  std::vector<bool> sliding;
  if (text.contains("layer_types") && text["layer_types"].is_array()) {
    for (const auto& type : text["layer_types"]) {
      const std::string name = type.is_string() ? type.get<std::string>() : "";
      if (name != "sliding_attention" && name != "full_attention") {
        throw ModelFormatError(file, "'" + scope + "layer_types' holds " + type.dump() +
                                         "; expected 'sliding_attention' or 'full_attention'");
      }
      sliding.push_back(name == "sliding_attention");
    }
    if (static_cast<int>(sliding.size()) == num_layers + 1) {
      // Some EXAONE 4.5 configs describe the MTP layer as a 65th entry (§11.4).
      EXADOC_LOG_DEBUG("%s: layer_types has %d entries for %d layers; the last (the MTP layer) is ignored",
                       file.c_str(), num_layers + 1, num_layers);
      sliding.pop_back();
    }
    if (static_cast<int>(sliding.size()) != num_layers) {
      throw ModelFormatError(file, "'" + scope + "layer_types' has " + std::to_string(sliding.size()) +
                                       " entries for num_hidden_layers = " + std::to_string(num_layers));
    }
    return sliding;
  }
  if (text.contains("sliding_window_pattern") && !text["sliding_window_pattern"].is_null()) {
    const json& pattern = text["sliding_window_pattern"];
    std::string letters;
    if (pattern.is_string()) {
      letters = pattern.get<std::string>();  // "LLLG"
    } else if (pattern.is_number_integer() && pattern.get<int>() > 0) {
      letters = std::string(static_cast<size_t>(pattern.get<int>() - 1), 'L') + "G";  // 4 -> "LLLG"
    }
    if (letters.empty() || letters.find_first_not_of("LG") != std::string::npos) {
      throw ModelFormatError(file,
                             "'" + scope + "sliding_window_pattern' is " + pattern.dump() +
                                 "; expected a string of L and G such as \"LLLG\", or a period such as 4");
    }
    for (int layer = 0; layer < num_layers; ++layer)
      sliding.push_back(letters[static_cast<size_t>(layer) % letters.size()] == 'L');
    return sliding;
  }
  // Neither: every layer is global (EXAONE 4.0 without a window).
  return std::vector<bool>(static_cast<size_t>(num_layers), false);
}

TextConfig parse_text(const json& text, const json& top, const std::filesystem::path& file,
                      const std::string& scope) {
  const Reader reader(text, scope.empty() ? "" : scope.substr(0, scope.size() - 1), file);
  TextConfig config;
  config.vocab_size = reader.integer("vocab_size");
  config.hidden_size = reader.integer("hidden_size");
  config.intermediate_size = reader.integer("intermediate_size");
  config.num_layers = reader.integer("num_hidden_layers");
  config.num_heads = reader.integer("num_attention_heads");
  config.num_kv_heads = reader.integer_or("num_key_value_heads", config.num_heads);
  if (config.num_heads == 0 || config.num_kv_heads == 0 || config.num_heads % config.num_kv_heads != 0) {
    throw ModelFormatError(file, "'" + reader.path("num_attention_heads") + "' (" +
                                     std::to_string(config.num_heads) +
                                     ") must be a positive multiple of num_key_value_heads (" +
                                     std::to_string(config.num_kv_heads) + ")");
  }
  config.head_dim = reader.integer_or("head_dim", config.hidden_size / config.num_heads);
  config.sliding_window = reader.integer_or("sliding_window", 0);
  config.layer_is_sliding = parse_layer_pattern(text, config.num_layers, file, scope);
  if (config.sliding_window == 0)
    config.layer_is_sliding.assign(static_cast<size_t>(config.num_layers), false);
  config.rope = parse_rope(text, top, file, scope);
  config.rms_norm_eps = reader.number_or("rms_norm_eps", 1e-5);
  config.max_position_embeddings = reader.integer_or("max_position_embeddings", 0);
  config.bos_token_id = reader.token_id_or("bos_token_id", -1);
  config.eos_token_id = reader.token_id_or("eos_token_id", -1);
  config.pad_token_id = reader.token_id_or("pad_token_id", -1);
  if (text.contains("hidden_act") && text["hidden_act"] != "silu") {
    throw ModelFormatError(file, "'" + reader.path("hidden_act") + "' is " + text["hidden_act"].dump() +
                                     "; EXAONE's MLP is SwiGLU (silu)");
  }
  return config;
}

VisionConfig parse_vision(const json& vision, const std::filesystem::path& file) {
  const Reader reader(vision, "vision_config", file);
  VisionConfig config;
  // The HF class defaults are Qwen2.5-VL-7B values, not EXAONE's (§1.4): every size must be in the file.
  config.depth = reader.integer("depth");
  config.hidden_size = reader.integer("hidden_size");
  config.intermediate_size = reader.integer("intermediate_size");
  config.num_heads = reader.integer("num_heads");
  config.num_kv_heads = reader.integer_or("num_key_value_heads", config.num_heads);
  config.patch_size = reader.integer_or("patch_size", 14);
  config.temporal_patch_size = reader.integer_or("temporal_patch_size", 2);
  config.spatial_merge_size = reader.integer_or("spatial_merge_size", 2);
  config.window_size = reader.integer_or("window_size", 112);
  config.out_hidden_size = reader.integer("out_hidden_size");
  config.in_channels = reader.integer_or("in_channels", 3);
  config.rms_norm_eps = reader.number_or("rms_norm_eps", 1e-6);
  if (vision.contains("fullatt_block_indexes") && vision["fullatt_block_indexes"].is_array()) {
    for (const auto& index : vision["fullatt_block_indexes"]) {
      if (!index.is_number_integer())
        throw ModelFormatError(file, "'vision_config.fullatt_block_indexes' must hold integers");
      config.fullatt_block_indexes.push_back(index.get<int>());
    }
  }
  return config;
}

std::optional<DType> parse_dtype_name(const json& top) {
  for (const char* key : {"dtype", "torch_dtype"}) {
    if (!top.contains(key) || !top[key].is_string()) continue;
    const std::string name = top[key].get<std::string>();
    if (name == "bfloat16") return DType::kBF16;
    if (name == "float16") return DType::kF16;
    if (name == "float32") return DType::kF32;
  }
  return std::nullopt;
}

}  // namespace

ModelConfig parse_model_config(const json& top, const std::filesystem::path& file) {
  if (!top.is_object()) throw ModelFormatError(file, "not a JSON object");
  const std::string model_type = top.value("model_type", "");
  ModelConfig config;
  const bool composite = top.contains("text_config") && top["text_config"].is_object();
  if (composite) {
    const json& text = top["text_config"];
    const std::string text_type = text.value("model_type", "exaone4");
    // "exaone4_5_text" is the first release's name for the EXAONE 4.0 text model (§11.5).
    if (text_type != "exaone4" && text_type != "exaone4_5_text") {
      throw ModelFormatError(file, "'text_config.model_type' is '" + text_type + "'; expected 'exaone4'");
    }
    config.text = parse_text(text, top, file, "text_config.");
    if (top.contains("vision_config") && top["vision_config"].is_object()) {
      config.vision = parse_vision(top["vision_config"], file);
    }
    config.dtype = parse_dtype_name(top);
    if (!config.dtype) config.dtype = parse_dtype_name(text);
  } else if (model_type == "exaone4" || model_type == "exaone4_5_text") {
    config.text = parse_text(top, top, file, "");
    config.dtype = parse_dtype_name(top);
  } else {
    throw ModelFormatError(file, "'model_type' is '" + model_type +
                                     "'; exadoc runs EXAONE 4.5 ('exaone4_5') and " +
                                     "EXAONE 4.0 text ('exaone4') checkpoints");
  }
  // The top level is authoritative for tying (§11.15); the text config's value counts only when it is alone.
  if (top.contains("tie_word_embeddings") && top["tie_word_embeddings"].is_boolean()) {
    config.tie_word_embeddings = top["tie_word_embeddings"].get<bool>();
  } else if (composite && top["text_config"].contains("tie_word_embeddings")) {
    config.tie_word_embeddings = top["text_config"].value("tie_word_embeddings", false);
  }
  const Reader reader(top, "", file);
  config.image_token_id = reader.integer_or("image_token_id", 67);
  config.video_token_id = reader.integer_or("video_token_id", 68);
  config.vision_start_token_id = reader.integer_or("vision_start_token_id", 73);
  config.vision_end_token_id = reader.integer_or("vision_end_token_id", 74);
  config.num_nextn_predict_layers = reader.integer_or("num_nextn_predict_layers", 0);
  if (composite && config.num_nextn_predict_layers == 0) {
    config.num_nextn_predict_layers =
        Reader(top["text_config"], "text_config", file).integer_or("num_nextn_predict_layers", 0);
  }
  return config;
}

ModelConfig load_model_config(const std::filesystem::path& config_json) {
  std::ifstream stream(config_json);
  if (!stream) throw ModelFormatError(config_json, "cannot open the file (is this a model folder?)");
  const json top = json::parse(stream, nullptr, false);
  if (top.is_discarded()) throw ModelFormatError(config_json, "not valid JSON");
  return parse_model_config(top, config_json);
}

}  // namespace exadoc::model
