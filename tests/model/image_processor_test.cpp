// The EXAONE 4.5 image processor (exaone45-model.md §6, §11.11–12): smart_resize, preprocessor_config.json,
// the patch layout, and pixel_values against transformers on the tiny fixture's reference images.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <exadoc/base/error.h>
#include <exadoc/model/image_processor.h>
#include <exadoc/model/model_error.h>
#include <exadoc/model/safetensors.h>

#include "test_support.h"

namespace exadoc::model {
namespace {

using nlohmann::json;

constexpr int kFactor = 28;  // patch 14 · merge 2
constexpr int64_t kMinPixels = 3136;
constexpr int64_t kMaxPixels = 3211264;

ResizedSize exaone_resize(int height, int width) {
  return smart_resize(height, width, kFactor, kMinPixels, kMaxPixels);
}

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

// ---- smart_resize, by hand: h̄ = round(h/28)·28 (ties to even), then the area checks of §6.2.

TEST(SmartResize, KeepsSizesThatRoundIntoTheLimits) {
  // 768/28 = 27.43 → 27 → 756; 1024/28 = 36.57 → 37 → 1036; 756·1036 = 783216 is within the limits.
  EXPECT_EQ(exaone_resize(768, 1024).height, 756);
  EXPECT_EQ(exaone_resize(768, 1024).width, 1036);
  EXPECT_EQ(exaone_resize(1024, 1024).height, 1036);
  EXPECT_EQ(exaone_resize(1080, 1920).height, 1092);  // 38.57 → 39
  EXPECT_EQ(exaone_resize(1080, 1920).width, 1932);   // 68.57 → 69
}

TEST(SmartResize, RoundsHalvesToEvenAsPythonDoes) {
  // 70/28 = 2.5 → 2 (std::round would give 3 → 84×84, 9 tokens instead of 4).
  EXPECT_EQ(exaone_resize(70, 70).height, 56);
  EXPECT_EQ(exaone_resize(70, 70).width, 56);
  // 42/28 = 1.5 → 2; 98/28 = 3.5 → 4; 126/28 = 4.5 → 4.
  EXPECT_EQ(exaone_resize(42, 42).height, 56);
  EXPECT_EQ(exaone_resize(98, 98).height, 112);
  EXPECT_EQ(exaone_resize(70, 126).height, 56);
  EXPECT_EQ(exaone_resize(70, 126).width, 112);
}

TEST(SmartResize, ScalesUpBelowMinPixels) {
  // 10×10 rounds to 0×0 < 3136: β = sqrt(3136/100) = 5.6, ceil(10·5.6/28) = 2 → 56×56.
  EXPECT_EQ(exaone_resize(10, 10).height, 56);
  EXPECT_EQ(exaone_resize(10, 10).width, 56);
  EXPECT_EQ(exaone_resize(1, 1).width, 56);  // β = 56, ceil(56/28) = 2
  // 1×200: β = sqrt(3136/200) = 3.9598; ceil(3.96/28) = 1 → 28, ceil(791.96/28) = ceil(28.28) = 29 → 812.
  EXPECT_EQ(exaone_resize(1, 200).height, 28);
  EXPECT_EQ(exaone_resize(1, 200).width, 812);
}

TEST(SmartResize, ScalesDownAboveMaxPixels) {
  // 2160×3840 rounds to 2156×3836 > 3211264: β = sqrt(8294400/3211264) = 1.6071;
  // floor(2160/1.6071/28) = floor(48.0) = 48 → 1344; floor(3840/1.6071/28) = floor(85.33) = 85 → 2380.
  EXPECT_EQ(exaone_resize(2160, 3840).height, 1344);
  EXPECT_EQ(exaone_resize(2160, 3840).width, 2380);
  // 4000×3000: β = sqrt(12e6/3211264) = 1.9331; floor(73.90) = 73 → 2044; floor(55.43) = 55 → 1540.
  EXPECT_EQ(exaone_resize(4000, 3000).height, 2044);
  EXPECT_EQ(exaone_resize(4000, 3000).width, 1540);
  // An A4 page at 300 dpi: β = sqrt(8699840/3211264) = 1.6460; floor(76.12) = 76, floor(53.81) = 53.
  EXPECT_EQ(exaone_resize(3508, 2480).height, 2128);
  EXPECT_EQ(exaone_resize(3508, 2480).width, 1484);
  const ResizedSize page = exaone_resize(3508, 2480);
  EXPECT_LE(int64_t{page.height} * page.width, kMaxPixels);
}

TEST(SmartResize, RefusesWhatHuggingFaceRefuses) {
  EXPECT_EQ(exaone_resize(1, 200).height, 28) << "a ratio of exactly 200 is accepted";
  EXPECT_EQ(error_of([] { exaone_resize(1, 201); }),
            "a 201×1 px image has an aspect ratio of 201.0; the EXAONE 4.5 image processor (like Hugging "
            "Face's) accepts at most 200: crop or split it");
  EXPECT_EQ(error_of([] { exaone_resize(0, 10); }),
            "cannot preprocess a 10×0 px image: both sides must be at least 1 px");
  EXPECT_NE(error_of([] { smart_resize(10, 10, 0, kMinPixels, kMaxPixels); }), "");
  EXPECT_EQ(error_of([] { smart_resize(10, 10, kFactor, int64_t{1} << 62, int64_t{1} << 62); }),
            "smart_resize: a resized side would exceed 536870911 px; is min_pixels far too large?")
      << "refused instead of overflowing";
}

// ---- preprocessor_config.json

class ImageProcessorConfigFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    const std::filesystem::path file = directory_.path() / "preprocessor_config.json";
    std::ofstream(file) << text;
    return file;
  }
  std::string load_error(const std::string& text) {
    try {
      load_image_processor_config(write(text));
    } catch (const ModelFormatError& error) {
      return error.what();
    }
    return "";
  }
  std::string parse_error(const json& config) {
    try {
      parse_image_processor_config(config, "preprocessor_config.json");
    } catch (const ModelFormatError& error) {
      return error.what();
    }
    return "";
  }

 private:
  exadoc::testing::TempDir directory_;
};

// What transformers 5.23 writes for Qwen2VLImageProcessor(min_pixels=3136, max_pixels=3211264).
json hf_written() {
  return json::parse(R"({
    "do_convert_rgb": true, "do_normalize": true, "do_rescale": true, "do_resize": true,
    "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "Qwen2VLImageProcessor",
    "image_std": [0.26862954, 0.26130258, 0.27577711], "merge_size": 2, "patch_size": 14, "resample": 3,
    "rescale_factor": 0.00392156862745098, "size": {"longest_edge": 3211264, "shortest_edge": 3136},
    "temporal_patch_size": 2})");
}

TEST_F(ImageProcessorConfigFile, ReadsWhatTransformersWrites) {
  const ImageProcessorConfig config = load_image_processor_config(write(hf_written().dump(2)));
  EXPECT_EQ(config.patch_size, 14);
  EXPECT_EQ(config.temporal_patch_size, 2);
  EXPECT_EQ(config.merge_size, 2);
  EXPECT_EQ(config.min_pixels, 3136);
  EXPECT_EQ(config.max_pixels, 3211264);
  EXPECT_EQ(config.image_mean[1], 0.4578275f);
  EXPECT_EQ(config.image_std[2], 0.27577711f);
  EXPECT_EQ(config.rescale_factor, 1.0 / 255);
  EXPECT_TRUE(config.do_resize && config.do_rescale && config.do_normalize);
}

TEST_F(ImageProcessorConfigFile, TopLevelPixelLimitsWinOverSize) {
  json config = hf_written();
  config["min_pixels"] = 6272;
  config["max_pixels"] = 1003520;
  const ImageProcessorConfig parsed = parse_image_processor_config(config, "preprocessor_config.json");
  EXPECT_EQ(parsed.min_pixels, 6272);
  EXPECT_EQ(parsed.max_pixels, 1003520);
  // The older Qwen2-VL form kept them inside size.
  config.erase("min_pixels");
  config.erase("max_pixels");
  config["size"] = {{"min_pixels", 3136}, {"max_pixels", 12845056}};
  EXPECT_EQ(parse_image_processor_config(config, "preprocessor_config.json").max_pixels, 12845056);
}

TEST_F(ImageProcessorConfigFile, MalformedFilesNameTheKey) {
  EXPECT_EQ(load_error("{\"patch_size\": 14,"),
            "preprocessor_config.json: not valid JSON: parse error at line 1, column 19: syntax error while "
            "parsing object key - unexpected end of input; expected string literal");
  EXPECT_EQ(load_error("[1, 2]"), "preprocessor_config.json: the top level is [1,2], not a JSON object");

  json config = hf_written();
  config["patch_size"] = "14";
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: 'patch_size' must be a positive integer, not \"14\"");
  config = hf_written();
  config["merge_size"] = 0;
  EXPECT_EQ(parse_error(config), "preprocessor_config.json: 'merge_size' must be a positive integer, not 0");
  config = hf_written();
  config["do_resize"] = "yes";
  EXPECT_EQ(parse_error(config), "preprocessor_config.json: 'do_resize' must be true or false, not \"yes\"");
  config = hf_written();
  config["image_mean"] = {0.5, 0.5};
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: 'image_mean' must be a list of 3 numbers (R, G, B), not [0.5,0.5]");
  config = hf_written();
  config["image_std"] = {0.5, 0, 0.5};
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: 'image_std' must be a list of 3 non-zero numbers (R, G, B), not "
            "[0.5,0,0.5]");
  config = hf_written();
  config["rescale_factor"] = -1;
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: 'rescale_factor' must be a positive number, not -1");
  config = hf_written();
  config["resample"] = 2;
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: 'resample' is 2; exadoc implements only 3 (bicubic), the filter of "
            "EXAONE 4.5's image processor");
  config = hf_written();
  config["size"] = 3136;
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: 'size' must be an object such as {\"shortest_edge\": 3136, "
            "\"longest_edge\": 3211264}, not 3136");
  config = hf_written();
  config["size"]["longest_edge"] = 2.5e6;
  EXPECT_EQ(
      parse_error(config),
      "preprocessor_config.json: 'size.longest_edge' must be a positive integer (pixels), not 2500000.0");
}

TEST_F(ImageProcessorConfigFile, PixelLimitsMustBeOrderedAndPresent) {
  json config = hf_written();
  config["size"] = {{"shortest_edge", 3211264}, {"longest_edge", 3136}};
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: 'size.longest_edge' (3136) is below 'size.shortest_edge' (3211264)");
  config["max_pixels"] = 100;
  config["size"] = {{"shortest_edge", 3136}};
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: 'max_pixels' (100) is below 'size.shortest_edge' (3136)");
  config.erase("max_pixels");
  EXPECT_EQ(parse_error(config),
            "preprocessor_config.json: missing key 'max_pixels' (also looked for 'size.longest_edge' and "
            "'size.max_pixels'); transformers would fall back to its class default 1003520, not EXAONE 4.5's "
            "3211264, so exadoc does not guess");
}

TEST_F(ImageProcessorConfigFile, MissingFile) {
  const std::string message =
      error_of([] { load_image_processor_config("/nonexistent/preprocessor_config.json"); });
  EXPECT_EQ(message,
            "preprocessor_config.json: cannot open: No such file or directory (is this a model folder?)");
}

// ---- the patch layout and the values

// An image whose samples say where they come from: R = x, G = y, B = (x + y) % 256 (sides < 256).
std::vector<uint8_t> coordinate_image(int width, int height, size_t row_stride_bytes) {
  std::vector<uint8_t> pixels(row_stride_bytes * static_cast<size_t>(height), 0xEE);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* pixel = &pixels[static_cast<size_t>(y) * row_stride_bytes + 3 * static_cast<size_t>(x)];
      pixel[0] = static_cast<uint8_t>(x);
      pixel[1] = static_cast<uint8_t>(y);
      pixel[2] = static_cast<uint8_t>((x + y) % 256);
    }
  }
  return pixels;
}

ImageProcessorConfig raw_values() {
  ImageProcessorConfig config;
  config.do_rescale = false;
  config.do_normalize = false;
  return config;
}

TEST(PreprocessImage, FlattensPatchesBlockMajorWithChannelTimeYX) {
  // 84×56 needs no resize (both multiples of 28, area within the limits): values are the raw samples.
  const int width = 84;
  const int height = 56;
  const std::vector<uint8_t> pixels = coordinate_image(width, height, 3 * width);
  const ProcessedImage result = preprocess_image({pixels.data(), width, height, 3 * width}, raw_values());
  EXPECT_EQ(result.grid.t, 1);
  EXPECT_EQ(result.grid.h, 4);
  EXPECT_EQ(result.grid.w, 6);
  ASSERT_EQ(result.pixel_values.shape(), (Shape{24, 1176}));
  EXPECT_EQ(result.pixel_values.dtype(), DType::kF32);
  // The clip viewed as [T', tp, c, h/2, mh, py, w/2, mw, px], permuted to [T', h/2, w/2, mh, mw, c, tp, py,
  // px].
  const float* values = result.pixel_values.data_as<const float>();
  int64_t index = 0;
  for (int block_h = 0; block_h < 2; ++block_h)
    for (int block_w = 0; block_w < 3; ++block_w)
      for (int merge_h = 0; merge_h < 2; ++merge_h)
        for (int merge_w = 0; merge_w < 2; ++merge_w)
          for (int channel = 0; channel < 3; ++channel)
            for (int frame = 0; frame < 2; ++frame)
              for (int pixel_y = 0; pixel_y < 14; ++pixel_y)
                for (int pixel_x = 0; pixel_x < 14; ++pixel_x, ++index) {
                  const int y = (2 * block_h + merge_h) * 14 + pixel_y;
                  const int x = (2 * block_w + merge_w) * 14 + pixel_x;
                  const float expected = pixels[static_cast<size_t>(y * 3 * width + 3 * x + channel)];
                  ASSERT_EQ(values[index], expected) << "row " << index / 1176 << ", column " << index % 1176;
                }
}

TEST(PreprocessImage, RescalesAndNormalisesPerChannel) {
  std::vector<uint8_t> pixels(56 * 56 * 3);
  for (size_t index = 0; index < pixels.size(); ++index) pixels[index] = index % 2 == 0 ? 255 : 0;
  const ProcessedImage result = preprocess_image({pixels.data(), 56, 56, 56 * 3}, ImageProcessorConfig{});
  const float* values = result.pixel_values.data_as<const float>();
  // Pixel (0, 0) is R 255, G 0, B 255: (x/255 − mean) / std with the CLIP constants.
  EXPECT_NEAR(values[0], (1.0 - 0.48145466) / 0.26862954, 1e-6);
  EXPECT_NEAR(values[2 * 196], (0.0 - 0.4578275) / 0.26130258, 1e-6);
  EXPECT_NEAR(values[4 * 196], (1.0 - 0.40821073) / 0.27577711, 1e-6);
  EXPECT_EQ(values[196], values[0]) << "the second frame repeats the first";
}

TEST(PreprocessImage, ReadsThroughARowStride) {
  const std::vector<uint8_t> packed = coordinate_image(130, 90, 3 * 130);
  const std::vector<uint8_t> padded = coordinate_image(130, 90, 3 * 130 + 7);
  const ProcessedImage a = preprocess_image({packed.data(), 130, 90, 3 * 130}, ImageProcessorConfig{});
  const ProcessedImage b = preprocess_image({padded.data(), 130, 90, 3 * 130 + 7}, ImageProcessorConfig{});
  ASSERT_EQ(a.pixel_values.shape(), b.pixel_values.shape());
  EXPECT_EQ(std::memcmp(a.pixel_values.data(), b.pixel_values.data(), a.pixel_values.bytes()), 0);
}

TEST(PreprocessImage, ResizingKeepsAUniformImageUniform) {
  // Down (1000×700 → 560×392 under a 220000-pixel cap) and up (20×30 → 56×84): the normalised weights and the
  // rounding keep a flat colour flat, in every channel.
  for (const auto& [width, height, max_pixels] :
       {std::tuple{700, 1000, 220000}, std::tuple{30, 20, 3211264}}) {
    std::vector<uint8_t> pixels(static_cast<size_t>(width * height) * 3);
    for (size_t index = 0; index < pixels.size(); index += 3) {
      pixels[index] = 200;
      pixels[index + 1] = 17;
      pixels[index + 2] = 255;
    }
    ImageProcessorConfig config = raw_values();
    config.max_pixels = max_pixels;
    const ProcessedImage result = preprocess_image({pixels.data(), width, height, 3 * size_t(width)}, config);
    const float* values = result.pixel_values.data_as<const float>();
    for (int64_t row = 0; row < result.pixel_values.dim(0); ++row) {
      for (int64_t column = 0; column < 1176; ++column) {
        const float expected = column < 392 ? 200.0f : column < 784 ? 17.0f : 255.0f;
        ASSERT_EQ(values[row * 1176 + column], expected) << width << "×" << height << " row " << row;
      }
    }
  }
}

TEST(PreprocessImage, RejectsBadViewsAndUnalignedSizesWithoutResize) {
  const std::vector<uint8_t> pixels(100 * 100 * 3);
  EXPECT_EQ(
      error_of([&] {
        preprocess_image({pixels.data(), 100, 100, 299}, ImageProcessorConfig{});
      }),
      "invalid RGB view: 100×100 px, row stride 299 bytes (expected sides >= 1 and a stride of at least 3 · "
      "width)");
  EXPECT_EQ(
      error_of([] {
        preprocess_image({nullptr, 10, 10, 30}, ImageProcessorConfig{});
      }),
      "invalid RGB view: 10×10 px, row stride 30 bytes, no pixels (expected sides >= 1 and a stride of at "
      "least 3 · width)");
  ImageProcessorConfig config;
  config.do_resize = false;
  EXPECT_EQ(
      error_of([&] {
        preprocess_image({pixels.data(), 100, 56, 300}, config);
      }),
      "a 100×56 px image with do_resize off: both sides must be multiples of patch_size · merge_size = 28");
  config = ImageProcessorConfig{};
  config.image_std[1] = 0;
  EXPECT_EQ(error_of([&] {
              preprocess_image({pixels.data(), 100, 100, 300}, config);
            }),
            "image processor config: image_std must be finite and non-zero");
}

// ---- against transformers: tests/fixtures/exaone45-tiny/reference/vision.safetensors holds, for k = 0, 1,
// …, image.k (U8 [H, W, 3]), resized.k (U8 [H', W', 3], HF's resize output), grid_thw.k (I64 [3]) and, for
// the small ones, pixel_values.k (F32 [patches, 1176]); written by tools/reference/make_fixtures.py with
// transformers 5.23 + torchvision and the fixture's preprocessor_config.json (see reference/README.md).

struct Difference {
  double max = 0;
  double mean = 0;
};

Difference compare(const Tensor& ours, const Tensor& theirs) {
  const float* a = ours.data_as<const float>();
  const float* b = theirs.data_as<const float>();
  Difference difference;
  for (int64_t index = 0; index < theirs.elements(); ++index) {
    const double delta = std::abs(static_cast<double>(a[index]) - b[index]);
    difference.max = std::max(difference.max, delta);
    difference.mean += delta;
  }
  difference.mean /= static_cast<double>(theirs.elements());
  return difference;
}

RgbImageView view_of(const Tensor& image) {
  const int width = static_cast<int>(image.dim(1));
  return {image.data_as<const uint8_t>(), width, static_cast<int>(image.dim(0)),
          3 * static_cast<size_t>(width)};
}

TEST(PreprocessImage, MatchesTransformersOnTheFixtureImages) {
  const std::filesystem::path fixture =
      exadoc::testing::source_dir() / "tests" / "fixtures" / "exaone45-tiny";
  const std::filesystem::path reference = fixture / "reference" / "vision.safetensors";
  // The fixtures are committed: a missing file is a broken checkout, not a reason to skip.
  ASSERT_TRUE(std::filesystem::exists(reference) &&
              std::filesystem::exists(fixture / "preprocessor_config.json"))
      << "missing " << reference << " (written by tools/reference/make_fixtures.py)";

  const ImageProcessorConfig config = load_image_processor_config(fixture / "preprocessor_config.json");
  ImageProcessorConfig no_resize = config;
  no_resize.do_resize = false;
  const auto file = SafetensorsFile::open(reference);
  int images = 0;
  for (int k = 0;; ++k) {
    const std::string suffix = "." + std::to_string(k);
    const TensorRecord* image_record = file->find("image" + suffix);
    if (image_record == nullptr) break;
    ++images;
    const Tensor image = file->tensor(*image_record);
    ASSERT_EQ(image.dtype(), DType::kU8);
    ASSERT_EQ(image.shape().rank, 3);
    ASSERT_EQ(image.dim(2), 3);
    const TensorRecord* grid_record = file->find("grid_thw" + suffix);
    const TensorRecord* resized_record = file->find("resized" + suffix);
    ASSERT_TRUE(grid_record != nullptr && resized_record != nullptr) << "image" << suffix;
    const Tensor grid = file->tensor(*grid_record);
    ASSERT_EQ(grid.dtype(), DType::kI64);

    const ProcessedImage result = preprocess_image(view_of(image), config);
    const int64_t* grid_thw = grid.data_as<const int64_t>();
    EXPECT_EQ(result.grid.t, grid_thw[0]) << "image" << suffix;
    EXPECT_EQ(result.grid.h, grid_thw[1]) << "image" << suffix;
    EXPECT_EQ(result.grid.w, grid_thw[2]) << "image" << suffix;
    const bool resized = result.grid.h * config.patch_size != image.dim(0) ||
                         result.grid.w * config.patch_size != image.dim(1);

    // pixel_values.k is left out for the larger images; there HF's own resize output, taken through our
    // (separately checked) rescale, normalisation and flattening, is the reference: it isolates the resize.
    const TensorRecord* values_record = file->find("pixel_values" + suffix);
    const Tensor expected =
        values_record != nullptr
            ? file->tensor(*values_record)
            : preprocess_image(view_of(file->tensor(*resized_record)), no_resize).pixel_values;
    ASSERT_EQ(expected.dtype(), DType::kF32);
    ASSERT_EQ(result.pixel_values.shape(), expected.shape()) << "image" << suffix;
    const Difference difference = compare(result.pixel_values, expected);
    std::cout << "image" << suffix << ": " << image.dim(1) << "×" << image.dim(0) << " px → grid "
              << result.grid.h << "×" << result.grid.w << (resized ? " (resized)" : " (no resize)")
              << ", against " << (values_record != nullptr ? "pixel_values" : "resized") << suffix
              << ": max |Δ| " << difference.max << ", mean |Δ| " << difference.mean << "\n";
    // The acceptance bounds; on the CPU the integer resize and the float32 arithmetic reproduce HF exactly.
    if (resized) {
      EXPECT_LE(difference.mean, 2e-3) << "image" << suffix;
    } else {
      EXPECT_LE(difference.max, 1e-5) << "image" << suffix;
    }
    EXPECT_EQ(difference.max, 0.0) << "image" << suffix << ": no longer bit-identical to transformers";
  }
  EXPECT_GT(images, 0) << reference << " holds no image.0";
}

}  // namespace
}  // namespace exadoc::model
