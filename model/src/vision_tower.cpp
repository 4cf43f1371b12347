#include <cmath>

#include <exadoc/base/error.h>
#include <exadoc/model/model_error.h>
#include <exadoc/model/vision_tower.h>

namespace exadoc::model {

VisionLayout plan_vision_layout(std::span<const GridThw> grids, int merge_size, int window_units) {
  VisionLayout layout;
  layout.cu_window_seqlens.push_back(0);
  layout.cu_seqlens.push_back(0);
  const int unit_rows = merge_size * merge_size;
  int32_t unit_offset = 0;
  for (const GridThw& grid : grids) {
    if (grid.t < 1 || grid.h <= 0 || grid.w <= 0 || grid.h % merge_size != 0 || grid.w % merge_size != 0) {
      throw Error("image grid " + std::to_string(grid.t) + "x" + std::to_string(grid.h) + "x" +
                  std::to_string(grid.w) + " is not made of whole " + std::to_string(merge_size) + "x" +
                  std::to_string(merge_size) + " blocks");
    }
    const int blocks_h = grid.h / merge_size;
    const int blocks_w = grid.w / merge_size;
    for (int frame = 0; frame < grid.t; ++frame) {
      // §3.3: block row, block column, then the rows and columns inside the block.
      for (int bh = 0; bh < blocks_h; ++bh) {
        for (int bw = 0; bw < blocks_w; ++bw) {
          for (int dh = 0; dh < merge_size; ++dh) {
            for (int dw = 0; dw < merge_size; ++dw) {
              layout.row_positions.push_back(bh * merge_size + dh);
              layout.column_positions.push_back(bw * merge_size + dw);
            }
          }
        }
      }
      // §3.5: windows of window_units × window_units merge units, row-major, partial at the edges.
      const int32_t frame_offset = unit_offset + frame * blocks_h * blocks_w;
      for (int y0 = 0; y0 < blocks_h; y0 += window_units) {
        for (int x0 = 0; x0 < blocks_w; x0 += window_units) {
          int units = 0;
          for (int y = y0; y < std::min(blocks_h, y0 + window_units); ++y) {
            for (int x = x0; x < std::min(blocks_w, x0 + window_units); ++x) {
              layout.window_index.push_back(frame_offset + y * blocks_w + x);
              ++units;
            }
          }
          layout.cu_window_seqlens.push_back(layout.cu_window_seqlens.back() + units * unit_rows);
        }
      }
      layout.cu_seqlens.push_back(layout.cu_seqlens.back() + grid.h * grid.w);
    }
    unit_offset += grid.t * blocks_h * blocks_w;
  }
  return layout;
}

std::vector<int32_t> expand_image_placeholders(std::span<const int32_t> ids, int32_t image_token_id,
                                               std::span<const int64_t> tokens_per_image) {
  std::vector<int32_t> expanded;
  size_t image = 0;
  for (const int32_t id : ids) {
    if (id != image_token_id) {
      expanded.push_back(id);
      continue;
    }
    if (image == tokens_per_image.size()) {
      throw Error("the prompt has more image placeholders than images (" +
                  std::to_string(tokens_per_image.size()) + ")");
    }
    expanded.insert(expanded.end(), static_cast<size_t>(tokens_per_image[image++]), image_token_id);
  }
  if (image != tokens_per_image.size()) {
    throw Error("the prompt has " + std::to_string(image) + " image placeholders for " +
                std::to_string(tokens_per_image.size()) + " images");
  }
  return expanded;
}

Tensor VisionTower::weight(const Checkpoint& checkpoint, const std::string& name, Shape shape) const {
  const TensorRecord& record = checkpoint.record(name);
  if (!is_floating(record.dtype) || record.shape.elements() != shape.elements()) {
    throw ModelFormatError(checkpoint.directory() / "config.json",
                           "tensor '" + name + "' is " + std::string(dtype_name(record.dtype)) + " " +
                               record.shape.text() + " in the checkpoint, but the vision config implies " +
                               shape.text() + "; the config does not belong to these weights");
  }
  // The Conv3d kernel [hidden, c, t, y, x] is used as the matrix [hidden, c·t·y·x]: same memory.
  return backend_.upload(checkpoint.tensor(name).reshaped(shape));
}

VisionTower::VisionTower(const ModelConfig& config, const Checkpoint& checkpoint, Backend& backend)
    : backend_(backend) {
  if (!config.vision) throw Error("this model has no vision tower (config.json has no vision_config)");
  config_ = *config.vision;
  const VisionConfig& c = config_;
  const int64_t hidden = c.hidden_size;
  const int64_t head_dim = hidden / c.num_heads;
  const int64_t qkv_width = hidden + 2 * int64_t{c.num_kv_heads} * head_dim;

  const int64_t patch_width =
      static_cast<int64_t>(c.in_channels) * c.temporal_patch_size * c.patch_size * c.patch_size;
  const int64_t merged = hidden * c.spatial_merge_size * c.spatial_merge_size;
  const std::string prefix = "model.visual.";
  patch_embed_ = weight(checkpoint, prefix + "patch_embed.proj.weight", {hidden, patch_width});
  for (int index = 0; index < c.depth; ++index) {
    const std::string block = prefix + "blocks." + std::to_string(index) + ".";
    blocks_.push_back(Block{
        weight(checkpoint, block + "norm1.weight", {hidden}),
        weight(checkpoint, block + "norm2.weight", {hidden}),
        weight(checkpoint, block + "attn.qkv.weight", {qkv_width, hidden}),
        weight(checkpoint, block + "attn.qkv.bias", {qkv_width}),
        weight(checkpoint, block + "attn.proj.weight", {hidden, hidden}),
        weight(checkpoint, block + "attn.proj.bias", {hidden}),
        weight(checkpoint, block + "mlp.gate_proj.weight", {c.intermediate_size, hidden}),
        weight(checkpoint, block + "mlp.gate_proj.bias", {c.intermediate_size}),
        weight(checkpoint, block + "mlp.up_proj.weight", {c.intermediate_size, hidden}),
        weight(checkpoint, block + "mlp.up_proj.bias", {c.intermediate_size}),
        weight(checkpoint, block + "mlp.down_proj.weight", {hidden, c.intermediate_size}),
        weight(checkpoint, block + "mlp.down_proj.bias", {hidden}),
    });
  }
  merger_norm_ = weight(checkpoint, prefix + "merger.ln_q.weight", {hidden});
  merger_fc1_weight_ = weight(checkpoint, prefix + "merger.mlp.0.weight", {merged, merged});
  merger_fc1_bias_ = weight(checkpoint, prefix + "merger.mlp.0.bias", {merged});
  merger_fc2_weight_ = weight(checkpoint, prefix + "merger.mlp.2.weight", {c.out_hidden_size, merged});
  merger_fc2_bias_ = weight(checkpoint, prefix + "merger.mlp.2.bias", {c.out_hidden_size});
  // §3.4: a rotary embedding of head_dim/2 channels with θ = 10000, shared by the row and column halves; fp32
  // as transformers computes it.
  const int64_t rotary_dim = head_dim / 2;
  for (int64_t j = 0; j < rotary_dim / 2; ++j) {
    inv_freq_.push_back(1.0f /
                        std::pow(10000.0f, static_cast<float>(2 * j) / static_cast<float>(rotary_dim)));
  }
}

int64_t VisionTower::tokens_for(const GridThw& grid) const {
  return static_cast<int64_t>(grid.t) * grid.h * grid.w /
         (int64_t{config_.spatial_merge_size} * config_.spatial_merge_size);
}

Tensor VisionTower::forward(const Tensor& pixel_values, std::span<const GridThw> grids,
                            const VisionObserver& observer) const {
  const VisionConfig& c = config_;
  const int merge_rows = c.spatial_merge_size * c.spatial_merge_size;
  const VisionLayout layout =
      plan_vision_layout(grids, c.spatial_merge_size, c.window_size / c.spatial_merge_size / c.patch_size);
  const auto rows = static_cast<int64_t>(layout.row_positions.size());
  if (pixel_values.dim(0) != rows || pixel_values.dim(1) != patch_embed_.dim(1)) {
    throw Error("pixel_values " + pixel_values.shape().text() + " do not match the grids (" +
                std::to_string(rows) + " patches of " + std::to_string(patch_embed_.dim(1)) + " values)");
  }
  const int64_t hidden_size = c.hidden_size;
  const int64_t head_dim = hidden_size / c.num_heads;
  const int64_t kv_width = c.num_kv_heads * head_dim;
  const auto eps = static_cast<float>(c.rms_norm_eps);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  Backend& b = backend_;

  // Patch rows in window order: row r of the permuted sequence is original row order[r].
  std::vector<int32_t> order(static_cast<size_t>(rows));
  std::vector<int32_t> row_positions(order.size()), column_positions(order.size());
  for (size_t unit = 0; unit < layout.window_index.size(); ++unit) {
    for (int k = 0; k < merge_rows; ++k) {
      order[unit * merge_rows + k] = layout.window_index[unit] * merge_rows + k;
    }
  }
  for (size_t r = 0; r < order.size(); ++r) {
    row_positions[r] = layout.row_positions[static_cast<size_t>(order[r])];
    column_positions[r] = layout.column_positions[static_cast<size_t>(order[r])];
  }

  Tensor embedded = b.allocate(DType::kF32, {rows, hidden_size});
  b.matmul(pixel_values, patch_embed_, embedded);  // Conv3d with stride = kernel, no bias
  if (observer) observer("patch_embed", embedded);
  Tensor hidden = b.allocate(DType::kF32, {rows, hidden_size});
  b.gather_rows(embedded, order, hidden);

  Tensor normed = b.allocate(DType::kF32, {rows, hidden_size});
  Tensor q = b.allocate(DType::kF32, {rows, c.num_heads, head_dim});
  Tensor k = b.allocate(DType::kF32, {rows, c.num_kv_heads, head_dim});
  Tensor v = b.allocate(DType::kF32, {rows, c.num_kv_heads, head_dim});
  Tensor attended = b.allocate(DType::kF32, {rows, c.num_heads, head_dim});
  Tensor projected = b.allocate(DType::kF32, {rows, hidden_size});
  Tensor gate = b.allocate(DType::kF32, {rows, c.intermediate_size});
  Tensor up = b.allocate(DType::kF32, {rows, c.intermediate_size});
  for (size_t index = 0; index < blocks_.size(); ++index) {
    const Block& block = blocks_[index];
    const bool full = std::find(c.fullatt_block_indexes.begin(), c.fullatt_block_indexes.end(),
                                static_cast<int>(index)) != c.fullatt_block_indexes.end();
    b.rms_norm(hidden, block.norm1, eps, normed);
    // The fused qkv projection's rows are Q (hidden), then K and V (kv_width each): three row ranges.
    b.matmul(normed, block.qkv_weight.rows(0, hidden_size), q);
    b.add_bias(q, block.qkv_bias.rows(0, hidden_size));
    b.matmul(normed, block.qkv_weight.rows(hidden_size, kv_width), k);
    b.add_bias(k, block.qkv_bias.rows(hidden_size, kv_width));
    b.matmul(normed, block.qkv_weight.rows(hidden_size + kv_width, kv_width), v);
    b.add_bias(v, block.qkv_bias.rows(hidden_size + kv_width, kv_width));
    b.rope_2d(q, row_positions, column_positions, inv_freq_);
    b.rope_2d(k, row_positions, column_positions, inv_freq_);
    b.attention_segments(q, k, v, full ? layout.cu_seqlens : layout.cu_window_seqlens, scale, attended);
    b.matmul(attended.reshaped({rows, hidden_size}), block.proj_weight, projected);
    b.add_bias(projected, block.proj_bias);
    b.add(projected, hidden);
    b.rms_norm(hidden, block.norm2, eps, normed);
    b.matmul(normed, block.gate_weight, gate);
    b.add_bias(gate, block.gate_bias);
    b.matmul(normed, block.up_weight, up);
    b.add_bias(up, block.up_bias);
    b.swiglu(gate, up, gate);
    b.matmul(gate, block.down_weight, projected);
    b.add_bias(projected, block.down_bias);
    b.add(projected, hidden);
    if (observer) observer("block." + std::to_string(index), hidden);
  }

  // Merger: each merge unit's rows are consecutive, so [rows, hidden] is [units, merge_rows · hidden].
  const int64_t units = rows / merge_rows;
  b.rms_norm(hidden, merger_norm_, eps, normed);
  Tensor fc1 = b.allocate(DType::kF32, {units, hidden_size * merge_rows});
  b.matmul(normed.reshaped({units, hidden_size * merge_rows}), merger_fc1_weight_, fc1);
  b.add_bias(fc1, merger_fc1_bias_);
  b.gelu(fc1);
  Tensor merged = b.allocate(DType::kF32, {units, c.out_hidden_size});
  b.matmul(fc1, merger_fc2_weight_, merged);
  b.add_bias(merged, merger_fc2_bias_);
  if (observer) observer("merger", merged);
  Tensor features = b.allocate(DType::kF32, {units, c.out_hidden_size});
  b.scatter_rows(merged, layout.window_index, features);  // §3.11: back to block-major order
  return features;
}

}  // namespace exadoc::model
