#include <algorithm>

#include <exadoc/base/error.h>
#include <exadoc/model/kv_cache.h>

namespace exadoc::model {

KvCache::KvCache(const TextConfig& config, Backend& backend, int capacity_tokens)
    : backend_(backend), capacity_(capacity_tokens) {
  for (int layer = 0; layer < config.num_layers; ++layer) {
    LayerSlots slots;
    slots.ring = config.layer_is_sliding[static_cast<size_t>(layer)] && config.sliding_window > 0;
    const int count = slots.ring ? std::min(config.sliding_window, capacity_tokens) : capacity_tokens;
    const Shape shape{count, config.num_kv_heads, config.head_dim};
    slots.keys = backend.allocate(DType::kF32, shape);
    slots.values = backend.allocate(DType::kF32, shape);
    slots.positions.assign(static_cast<size_t>(count), -1);
    layers_.push_back(std::move(slots));
  }
}

KvView KvCache::view(int layer) const {
  const LayerSlots& slots = layers_.at(static_cast<size_t>(layer));
  return {slots.keys, slots.values, slots.positions};
}

void KvCache::store(int layer, const Tensor& keys, const Tensor& values) {
  const auto tokens = static_cast<int>(keys.dim(0));
  if (length_ + tokens > capacity_) {
    throw Error("the context is full: " + std::to_string(length_ + tokens) +
                " tokens exceed the capacity of " + std::to_string(capacity_) + " chosen for this sequence");
  }
  LayerSlots& slots = layers_.at(static_cast<size_t>(layer));
  const auto slot_count = static_cast<int>(slots.positions.size());
  // A chunk longer than the ring only leaves its last slot_count tokens behind.
  const int first = slots.ring ? std::max(0, tokens - slot_count) : 0;
  for (int t = first; t < tokens; ++t) {
    const int position = length_ + t;
    const int slot = slots.ring ? position % slot_count : position;
    backend_.copy_rows(keys.rows(t, 1), slots.keys, slot);
    backend_.copy_rows(values.rows(t, 1), slots.values, slot);
    slots.positions[static_cast<size_t>(slot)] = position;
  }
}

void KvCache::advance(int tokens) {
  length_ += tokens;
}

uint64_t KvCache::bytes() const {
  uint64_t total = 0;
  for (const LayerSlots& slots : layers_) total += slots.keys.bytes() + slots.values.bytes();
  return total;
}

}  // namespace exadoc::model
