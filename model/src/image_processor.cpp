#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <exadoc/base/error.h>
#include <exadoc/model/image_processor.h>
#include <exadoc/model/model_error.h>

#include "image_resize.h"

namespace exadoc::model {
namespace {

using nlohmann::json;

// HF's Qwen2VLImageProcessor class default for the largest area; EXAONE 4.5 ships 3211264 (§11.12).
constexpr int64_t kHfClassMaxPixels = int64_t{28} * 28 * 1280;
constexpr int kPilBicubic = 3;  // PILImageResampling.BICUBIC, the "resample" value of the config

std::string describe(const json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string size_text(int width, int height) {
  return std::to_string(width) + "×" + std::to_string(height) + " px";
}

// Reads one preprocessor_config.json; every message names the file (via ModelFormatError) and the key.
class ConfigReader {
 public:
  ConfigReader(const json& top, const std::filesystem::path& file) : top_(top), file_(file) {}

  [[noreturn]] void fail(const std::string& what) const { throw ModelFormatError(file_, what); }

  // top[key], or nullptr when absent or null (HF treats null as "use the default").
  static const json* find(const json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  int positive_int(const char* key, int fallback) const {
    const json* value = find(top_, key);
    if (value == nullptr) return fallback;
    if (!value->is_number_integer() || value->get<int64_t>() < 1 || value->get<int64_t>() > INT_MAX)
      fail("'" + std::string(key) + "' must be a positive integer, not " + describe(*value));
    return value->get<int>();
  }

  bool flag(const char* key, bool fallback) const {
    const json* value = find(top_, key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean())
      fail("'" + std::string(key) + "' must be true or false, not " + describe(*value));
    return value->get<bool>();
  }

  double positive_number(const char* key, double fallback) const {
    const json* value = find(top_, key);
    if (value == nullptr) return fallback;
    if (!value->is_number() || !(value->get<double>() > 0) || !std::isfinite(value->get<double>()))
      fail("'" + std::string(key) + "' must be a positive number, not " + describe(*value));
    return value->get<double>();
  }

  // Three per-channel values (R, G, B), or one number for all three, as HF accepts.
  std::array<float, 3> channels(const char* key, std::array<float, 3> fallback, bool nonzero) const {
    const json* value = find(top_, key);
    if (value == nullptr) return fallback;
    const std::string expected = "'" + std::string(key) + "' must be a list of 3 " +
                                 (nonzero ? "non-zero " : "") + "numbers (R, G, B), not " + describe(*value);
    std::array<float, 3> result{};
    if (value->is_number()) {
      result.fill(static_cast<float>(value->get<double>()));
    } else if (value->is_array() && value->size() == 3) {
      for (size_t channel = 0; channel < 3; ++channel) {
        if (!(*value)[channel].is_number()) fail(expected);
        // float32, as torch.tensor(image_mean) rounds the JSON doubles.
        result[channel] = static_cast<float>((*value)[channel].get<double>());
      }
    } else {
      fail(expected);
    }
    for (const float entry : result) {
      if (!std::isfinite(entry) || (nonzero && entry == 0.0f)) fail(expected);
    }
    return result;
  }

  // A pixel limit from the first of `places` present: (object, key, name in messages).
  struct Limit {
    int64_t value = 0;
    std::string name;  // the key it came from, e.g. "size.longest_edge"
  };
  struct Place {
    const json* object;
    const char* key;
    std::string name;
  };
  std::optional<Limit> pixel_limit(std::initializer_list<Place> places) const {
    for (const Place& place : places) {
      if (place.object == nullptr) continue;
      const json* value = find(*place.object, place.key);
      if (value == nullptr) continue;
      if (!value->is_number_integer() || value->get<int64_t>() < 1)
        fail("'" + place.name + "' must be a positive integer (pixels), not " + describe(*value));
      return Limit{value->get<int64_t>(), place.name};
    }
    return std::nullopt;
  }

 private:
  const json& top_;
  const std::filesystem::path& file_;
};

// Python's round() on a float: to the nearest integer, ties to even. Exact: x − floor(x) has no rounding
// error.
double round_half_even(double value) {
  const double floor = std::floor(value);
  const double fraction = value - floor;
  if (fraction > 0.5) return floor + 1.0;
  if (fraction < 0.5) return floor;
  return std::fmod(floor, 2.0) == 0.0 ? floor : floor + 1.0;
}

// units · factor, for a whole number of units from round/floor/ceil; refuses sides no page could need (and
// that would overflow), which only an absurd min_pixels can ask for.
int64_t to_multiple(double units, int factor) {
  constexpr int64_t kMaxSide = INT_MAX / 4;
  const int64_t max_units = kMaxSide / factor;  // whole multiples only
  if (!(units <= static_cast<double>(max_units))) {
    throw Error("smart_resize: a resized side would exceed " + std::to_string(kMaxSide) +
                " px; is min_pixels far too large?");
  }
  return static_cast<int64_t>(units) * factor;
}

void check_config(const ImageProcessorConfig& config) {
  auto fail = [](const std::string& what) { throw Error("image processor config: " + what); };
  if (config.patch_size < 1 || config.temporal_patch_size < 1 || config.merge_size < 1) {
    fail("patch_size (" + std::to_string(config.patch_size) + "), temporal_patch_size (" +
         std::to_string(config.temporal_patch_size) + ") and merge_size (" +
         std::to_string(config.merge_size) + ") must be at least 1");
  }
  if (int64_t{config.patch_size} * config.merge_size > 65536 || config.temporal_patch_size > 64)
    fail(
        "patch_size · merge_size above 65536 or temporal_patch_size above 64 is not a vision tower exadoc "
        "runs");
  for (const float std_value : config.image_std) {
    if (config.do_normalize && !(std::isfinite(std_value) && std_value != 0.0f))
      fail("image_std must be finite and non-zero");
  }
  if (config.do_rescale && !(config.rescale_factor > 0 && std::isfinite(config.rescale_factor)))
    fail("rescale_factor must be a positive number");
}

// The value each 8-bit sample becomes, per channel, computed exactly as HF computes it in float32
// (TorchvisionBackend.rescale_and_normalize): with both steps on, the rescale is folded into the mean and std
// (mean·(1/rescale_factor), a float32 product), then (x − mean) / std. A table keeps the division exact
// (IEEE, as torch's) while costing one lookup per sample.
std::array<std::array<float, 256>, 3> sample_values(const ImageProcessorConfig& config) {
  std::array<std::array<float, 256>, 3> table{};
  const auto inverse_rescale = static_cast<float>(1.0 / config.rescale_factor);
  const auto rescale = static_cast<float>(config.rescale_factor);
  for (size_t channel = 0; channel < 3; ++channel) {
    float mean = config.image_mean[channel];
    float std_value = config.image_std[channel];
    if (config.do_rescale && config.do_normalize) {
      mean = mean * inverse_rescale;
      std_value = std_value * inverse_rescale;
    }
    for (int sample = 0; sample < 256; ++sample) {
      const auto value = static_cast<float>(sample);
      float& out = table[channel][static_cast<size_t>(sample)];
      if (config.do_normalize)
        out = (value - mean) / std_value;
      else if (config.do_rescale)
        out = value * rescale;
      else
        out = value;
    }
  }
  return table;
}

}  // namespace

ImageProcessorConfig parse_image_processor_config(const json& top, const std::filesystem::path& file) {
  const ConfigReader reader(top, file);
  if (!top.is_object()) reader.fail("the top level is " + describe(top) + ", not a JSON object");
  ImageProcessorConfig config;
  config.patch_size = reader.positive_int("patch_size", config.patch_size);
  config.temporal_patch_size = reader.positive_int("temporal_patch_size", config.temporal_patch_size);
  config.merge_size = reader.positive_int("merge_size", config.merge_size);
  config.do_resize = reader.flag("do_resize", config.do_resize);
  config.do_rescale = reader.flag("do_rescale", config.do_rescale);
  config.do_normalize = reader.flag("do_normalize", config.do_normalize);
  config.rescale_factor = reader.positive_number("rescale_factor", config.rescale_factor);
  config.image_mean = reader.channels("image_mean", config.image_mean, false);
  config.image_std = reader.channels("image_std", config.image_std, true);

  if (const json* resample = ConfigReader::find(top, "resample")) {
    if (!resample->is_number_integer() || resample->get<int64_t>() != kPilBicubic) {
      reader.fail("'resample' is " + describe(*resample) +
                  "; exadoc implements only 3 (bicubic), the filter of EXAONE 4.5's image processor");
    }
  }

  const json* size = ConfigReader::find(top, "size");
  if (size != nullptr && !size->is_object())
    reader.fail(
        "'size' must be an object such as {\"shortest_edge\": 3136, \"longest_edge\": 3211264}, not " +
        describe(*size));
  // HF's __init__ lets top-level min_pixels/max_pixels override size; transformers 5 writes only size.
  const auto min_limit = reader.pixel_limit({{&top, "min_pixels", "min_pixels"},
                                             {size, "shortest_edge", "size.shortest_edge"},
                                             {size, "min_pixels", "size.min_pixels"}});
  const auto max_limit = reader.pixel_limit({{&top, "max_pixels", "max_pixels"},
                                             {size, "longest_edge", "size.longest_edge"},
                                             {size, "max_pixels", "size.max_pixels"}});
  if (!max_limit) {
    reader.fail(
        "missing key 'max_pixels' (also looked for 'size.longest_edge' and 'size.max_pixels'); "
        "transformers would fall back to its class default " +
        std::to_string(kHfClassMaxPixels) + ", not EXAONE 4.5's 3211264, so exadoc does not guess");
  }
  if (min_limit) config.min_pixels = min_limit->value;
  config.max_pixels = max_limit->value;
  if (config.max_pixels < config.min_pixels) {
    reader.fail("'" + max_limit->name + "' (" + std::to_string(config.max_pixels) + ") is below '" +
                (min_limit ? min_limit->name : std::string("min_pixels")) + "' (" +
                std::to_string(config.min_pixels) + ")");
  }
  return config;
}

ImageProcessorConfig load_image_processor_config(const std::filesystem::path& preprocessor_config_json) {
  std::ifstream stream(preprocessor_config_json, std::ios::binary);
  if (!stream) {
    throw ModelFormatError(preprocessor_config_json, std::string("cannot open: ") + std::strerror(errno) +
                                                         " (is this a model folder?)");
  }
  std::ostringstream text;
  text << stream.rdbuf();
  json top;
  try {
    top = json::parse(text.str());
  } catch (const json::parse_error& error) {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep the position and the reason.
    std::string message = error.what();
    const size_t tag_end = message.find("] ");
    if (message.starts_with("[json.exception.") && tag_end != std::string::npos)
      message.erase(0, tag_end + 2);
    throw ModelFormatError(preprocessor_config_json, "not valid JSON: " + message);
  }
  return parse_image_processor_config(top, preprocessor_config_json);
}

ResizedSize smart_resize(int height, int width, int factor, int64_t min_pixels, int64_t max_pixels) {
  if (height < 1 || width < 1)
    throw Error("cannot preprocess a " + size_text(width, height) +
                " image: both sides must be at least 1 px");
  if (factor < 1 || min_pixels < 1 || max_pixels < 1) {
    throw Error("smart_resize: factor (" + std::to_string(factor) + "), min_pixels (" +
                std::to_string(min_pixels) + ") and max_pixels (" + std::to_string(max_pixels) +
                ") must be at least 1");
  }
  // Python's arithmetic: true division of ints is correctly rounded, as double division of exact values is.
  const auto h = static_cast<double>(height);
  const auto w = static_cast<double>(width);
  const auto f = static_cast<double>(factor);
  const double aspect = std::max(h, w) / std::min(h, w);
  if (aspect > 200) {
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.1f", aspect);
    throw Error(
        "a " + size_text(width, height) + " image has an aspect ratio of " + ratio +
        "; the EXAONE 4.5 image processor (like Hugging Face's) accepts at most 200: crop or split it");
  }
  int64_t h_bar = to_multiple(round_half_even(h / f), factor);
  int64_t w_bar = to_multiple(round_half_even(w / f), factor);
  const auto area = static_cast<double>(int64_t{height} * width);
  if (h_bar * w_bar > max_pixels) {
    const double beta = std::sqrt(area / static_cast<double>(max_pixels));
    h_bar = std::max<int64_t>(factor, to_multiple(std::floor(h / beta / f), factor));
    w_bar = std::max<int64_t>(factor, to_multiple(std::floor(w / beta / f), factor));
  } else if (h_bar * w_bar < min_pixels) {
    const double beta = std::sqrt(static_cast<double>(min_pixels) / area);
    h_bar = to_multiple(std::ceil(h * beta / f), factor);
    w_bar = to_multiple(std::ceil(w * beta / f), factor);
  }
  return {static_cast<int>(h_bar), static_cast<int>(w_bar)};
}

ProcessedImage preprocess_image(const RgbImageView& image, const ImageProcessorConfig& config) {
  if (image.pixels == nullptr || image.width < 1 || image.height < 1 ||
      image.row_stride_bytes < 3 * static_cast<size_t>(image.width)) {
    throw Error("invalid RGB view: " + size_text(image.width, image.height) + ", row stride " +
                std::to_string(image.row_stride_bytes) + " bytes" +
                (image.pixels == nullptr ? ", no pixels" : "") +
                " (expected sides >= 1 and a stride of at least 3 · width)");
  }
  check_config(config);
  const int patch = config.patch_size;
  const int merge = config.merge_size;
  const int temporal = config.temporal_patch_size;
  const int factor = patch * merge;
  ResizedSize size{image.height, image.width};
  if (config.do_resize) {
    size = smart_resize(image.height, image.width, factor, config.min_pixels, config.max_pixels);
  } else if (image.height % factor != 0 || image.width % factor != 0) {
    throw Error("a " + size_text(image.width, image.height) +
                " image with do_resize off: both sides must be " +
                "multiples of patch_size · merge_size = " + std::to_string(factor));
  }

  ProcessedImage result;
  result.grid = GridThw{1, size.height / patch, size.width / patch};
  const int64_t rows = int64_t{result.grid.h} * result.grid.w;
  const int64_t columns = int64_t{3} * temporal * patch * patch;
  // Uninitialised on purpose: every element is written below, and a page's tensor is ~77 MB.
  std::shared_ptr<float[]> memory(new float[static_cast<size_t>(rows * columns)]);
  result.pixel_values = Tensor(memory.get(), DType::kF32, Shape{rows, columns}, Device::kCpu,
                               std::shared_ptr<void>(memory, memory.get()));
  float* out = memory.get();

  const auto values = sample_values(config);
  const auto patch_pixels = static_cast<size_t>(patch) * static_cast<size_t>(patch);
  const auto run_bytes = static_cast<size_t>(patch) * sizeof(float);
  const int blocks_w = result.grid.w / merge;
  detail::RgbResizer resizer(image.pixels, image.width, image.height, image.row_stride_bytes, size.width,
                             size.height);
  for (int y = 0; y < size.height; ++y) {
    const uint8_t* pixels = resizer.next_row();
    // Row y is pixel row py of the patches in grid row gy (§6.5). Patch (gy, gx) = (bh·merge + mh, bw·merge +
    // mw) is row ((bh · blocks_w + bw) · merge + mh) · merge + mw; its sample (c, t, py, px) is at column
    // ((c · temporal + t) · patch + py) · patch + px.
    const int grid_y = y / patch;
    const int block_h = grid_y / merge;
    const int merge_h = grid_y % merge;
    const auto pixel_y = static_cast<size_t>(y % patch);
    for (int grid_x = 0; grid_x < result.grid.w; ++grid_x) {
      const int64_t row =
          ((int64_t{block_h} * blocks_w + grid_x / merge) * merge + merge_h) * merge + grid_x % merge;
      float* patch_row = out + row * columns;
      const uint8_t* source = pixels + 3 * static_cast<size_t>(grid_x) * static_cast<size_t>(patch);
      for (size_t channel = 0; channel < 3; ++channel) {
        const std::array<float, 256>& lookup = values[channel];
        float* run = patch_row + channel * static_cast<size_t>(temporal) * patch_pixels +
                     pixel_y * static_cast<size_t>(patch);
        for (size_t pixel_x = 0; pixel_x < static_cast<size_t>(patch); ++pixel_x)
          run[pixel_x] = lookup[source[3 * pixel_x + channel]];
        // A still image is its own second frame: HF repeats the frame to fill temporal_patch_size.
        for (int frame = 1; frame < temporal; ++frame)
          std::memcpy(run + static_cast<size_t>(frame) * patch_pixels, run, run_bytes);
      }
    }
  }
  return result;
}

}  // namespace exadoc::model
