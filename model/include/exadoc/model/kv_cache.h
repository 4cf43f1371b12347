// exadoc/model/kv_cache.h — the per-sequence key/value cache of the text decoder.
//
// Sliding layers keep only the last `sliding_window` positions in a ring (slot = position mod window); global
// layers keep every position up to the capacity chosen at construction. That is what lets 262,144 tokens fit:
// only the 16 global layers of the 33B model grow (64 KiB per token in bf16). Keys are stored after QK-norm
// and, on sliding layers, after RoPE, so nothing is ever re-rotated. Memory is allocated up front on the
// backend.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <exadoc/model/backend.h>
#include <exadoc/model/config.h>

namespace exadoc::model {

class KvCache {
 public:
  // capacity_tokens: the most positions the sequence may reach (prompt + generation).
  KvCache(const TextConfig& config, Backend& backend, int capacity_tokens);

  int length() const { return length_; }  // positions written so far (the next token's position)
  int capacity() const { return capacity_; }

  // The slots a layer's queries may read before the current chunk.
  KvView view(int layer) const;
  // Stores the chunk's keys/values [T, kv_heads, head_dim] at positions length() … length() + T - 1. For a
  // sliding layer only the last `window` of them are kept. Call for every layer, then advance(T).
  void store(int layer, const Tensor& keys, const Tensor& values);
  void advance(int tokens);

  // Bytes held on the device.
  uint64_t bytes() const;

 private:
  struct LayerSlots {
    Tensor keys;
    Tensor values;
    std::vector<int32_t> positions;  // per slot, -1 when empty
    bool ring = false;
  };
  Backend& backend_;
  std::vector<LayerSlots> layers_;
  int capacity_ = 0;
  int length_ = 0;
};

}  // namespace exadoc::model
