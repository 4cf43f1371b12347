// exadoc/model/vision_tower.h — the EXAONE 4.5 vision encoder and merger (exaone45-model.md §3), on any
// Backend.
//
// Input: the image processor's pixel rows [N, 3·temporal·patch²] of one or more images, concatenated in image
// order, each image's rows in 2×2-block-major order (§6.5). The tower embeds patches with one matmul, gives
// each patch row its merge-aware (row, column) position, permutes rows into windows of window_size pixels,
// runs pre-norm blocks (windowed attention except in fullatt_block_indexes, where attention spans a frame;
// never across images; GQA; 2D RoPE; gated SiLU MLP with biases), merges each 2×2 block through the merger
// (RMSNorm, exact GELU) and undoes the permutation. Output: one row per LLM image token, [Σ t·h·w / merge²,
// out_hidden], in the order the <|image_pad|> tokens take them.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include <exadoc/model/backend.h>
#include <exadoc/model/config.h>
#include <exadoc/model/image_processor.h>
#include <exadoc/model/safetensors.h>

namespace exadoc::model {

// Where each patch row goes and which rows attend together (§3.3, §3.5, §3.6).
struct VisionLayout {
  std::vector<int32_t> row_positions;      // per patch row, original (block-major) order
  std::vector<int32_t> column_positions;   // per patch row, original order
  std::vector<int32_t> window_index;       // per merge unit: the original unit that takes this place
  std::vector<int32_t> cu_window_seqlens;  // patch-row boundaries of windows, in window order, from 0
  std::vector<int32_t> cu_seqlens;         // patch-row boundaries of frames (full-attention blocks), from 0
};

// window_units: the window side in merge units (window_size / merge_size / patch_size). Throws exadoc::Error
// for a grid whose height or width is not a multiple of merge_size.
VisionLayout plan_vision_layout(std::span<const GridThw> grids, int merge_size, int window_units);

// Receives intermediates for debugging and tests: "patch_embed" [N, hidden] (original order), "block.b" after
// block b and "merger" before un-permuting (both in window order).
using VisionObserver = std::function<void(const std::string& name, const Tensor& value)>;

class VisionTower {
 public:
  // Takes views of the model.visual.* weights; validates presence and shapes. Throws ModelFormatError, or
  // exadoc::Error when the config has no vision part.
  VisionTower(const ModelConfig& config, const Checkpoint& checkpoint, Backend& backend);

  const VisionConfig& config() const { return config_; }
  // Number of LLM tokens an image of this grid becomes.
  int64_t tokens_for(const GridThw& grid) const;

  // pixel_values: F32 [Σ t·h·w, 3·temporal·patch²] on this backend's device (CPU tensors for the CPU
  // backend).
  Tensor forward(const Tensor& pixel_values, std::span<const GridThw> grids,
                 const VisionObserver& observer = {}) const;

 private:
  struct Block {
    Tensor norm1, norm2, qkv_weight, qkv_bias, proj_weight, proj_bias, gate_weight, gate_bias, up_weight,
        up_bias, down_weight, down_bias;
  };
  Tensor weight(const Checkpoint& checkpoint, const std::string& name, Shape shape) const;

  VisionConfig config_;
  Backend& backend_;
  Tensor patch_embed_;  // [hidden, 3·temporal·patch²]: the Conv3d kernel flattened in (c, t, y, x) order
  std::vector<Block> blocks_;
  Tensor merger_norm_, merger_fc1_weight_, merger_fc1_bias_, merger_fc2_weight_, merger_fc2_bias_;
  std::vector<float> inv_freq_;  // head_dim/4 frequencies per axis
};

// Expands every image placeholder token in `ids` into tokens_per_image[k] copies for the k-th image (§5).
// Throws exadoc::Error when the number of placeholders differs from the number of images.
std::vector<int32_t> expand_image_placeholders(std::span<const int32_t> ids, int32_t image_token_id,
                                               std::span<const int64_t> tokens_per_image);

}  // namespace exadoc::model
