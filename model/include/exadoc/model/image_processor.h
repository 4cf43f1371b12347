// exadoc/model/image_processor.h — EXAONE 4.5 image preprocessing: RGB pixels to the vision tower's input.
//
// Reproduces what Hugging Face runs for EXAONE 4.5 (Qwen2VLImageProcessor, the default torchvision backend,
// on the CPU; docs: exaone45-model.md §6): smart_resize to multiples of patch·merge pixels, torchvision's
// antialiased bicubic resize of the uint8 image, rescale by 1/255 and normalise with the CLIP mean and std,
// duplicate the still frame along time, and flatten patches in 2×2-block-major order, each row in
// (channel, time, y, x) order. On the CPU HF resizes with integer arithmetic (ATen's uint8 path), and so does
// exadoc: pixel_values come out bit-identical to transformers 5.23 + torchvision on the images tested.
//
// The library knows nothing about files or PDFs: the input is an interleaved RGB view in memory. Pages are
// large (a 4096-token page is ~3.2 Mpx), so the resize streams rows from the view into the output tensor:
// no full-size copy of the page is made, in uint8 or in float.
//
// Thread-safety: every function is pure (no shared state); calls may run concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include <nlohmann/json_fwd.hpp>

#include <exadoc/model/tensor.h>

namespace exadoc::model {

// preprocessor_config.json. Defaults are HF's Qwen2VLImageProcessor class defaults except max_pixels, which
// is the EXAONE 4.5 checkpoints' value (the class's 1,003,520 would cap pages at 1280 tokens; §11.12).
struct ImageProcessorConfig {
  int patch_size = 14;          // pixels per patch side
  int temporal_patch_size = 2;  // frames per patch (a still image is repeated to fill them)
  int merge_size = 2;           // patches per merged token side
  int64_t min_pixels = 3136;    // bounds on the resized area, in pixels
  int64_t max_pixels = 3211264;
  std::array<float, 3> image_mean{0.48145466f, 0.4578275f, 0.40821073f};  // OpenAI CLIP, R G B
  std::array<float, 3> image_std{0.26862954f, 0.26130258f, 0.27577711f};
  double rescale_factor = 1.0 / 255;
  bool do_resize = true;
  bool do_rescale = true;
  bool do_normalize = true;
};

// Reads preprocessor_config.json. The pixel limits are taken, as HF takes them, from top-level
// "min_pixels"/"max_pixels" if present, else from "size": {"shortest_edge", "longest_edge"} (what
// transformers 5 writes), else from an older "size": {"min_pixels", "max_pixels"}. The maximum is required:
// HF's class default differs from EXAONE's, so exadoc does not guess. "resample", when present, must be 3
// (bicubic), the only filter implemented. Throws ModelFormatError naming the file and the key for a file that
// cannot be read, is not JSON, or holds a wrong type or value (e.g. max_pixels below min_pixels).
ImageProcessorConfig load_image_processor_config(const std::filesystem::path& preprocessor_config_json);
ImageProcessorConfig parse_image_processor_config(const nlohmann::json& json,
                                                  const std::filesystem::path& file_for_errors);

// An interleaved 8-bit RGB image, top row first. Not owned: the pixels must outlive the call using the view.
struct RgbImageView {
  const uint8_t* pixels = nullptr;
  int width = 0;  // pixels
  int height = 0;
  size_t row_stride_bytes = 0;  // >= 3 · width
};

struct GridThw {
  int t = 1;  // in patches: frames / temporal_patch_size, rows / patch_size, columns / patch_size
  int h = 0;
  int w = 0;
};

struct ProcessedImage {
  Tensor pixel_values;  // CPU F32 [t·h·w, 3 · temporal_patch_size · patch_size²], owned
  GridThw grid;
};

struct ResizedSize {
  int height = 0;  // pixels
  int width = 0;
};

// HF's smart_resize, with its float arithmetic and Python's round-half-to-even (70×70 → 56×56, where
// std::round would give 84×84): both sides become multiples of `factor`, the area lands in
// [min_pixels, max_pixels] where rounding allows, and the aspect ratio is kept as closely as possible.
// Throws exadoc::Error for a side < 1, an aspect ratio above 200 (HF refuses those too), or a factor or
// pixel limit < 1.
ResizedSize smart_resize(int height, int width, int factor, int64_t min_pixels, int64_t max_pixels);

// The whole pipeline for one image. Throws exadoc::Error for an invalid view (null pixels, a side < 1, a
// stride below 3 · width), an invalid config (sizes < 1, a zero std), the errors of smart_resize, or, with
// do_resize off, sides that are not multiples of patch_size · merge_size.
ProcessedImage preprocess_image(const RgbImageView& image, const ImageProcessorConfig& config);

}  // namespace exadoc::model
