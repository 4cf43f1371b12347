// Private to model: the BPE merge step, as Hugging Face `tokenizers` runs it (models/bpe/word.rs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace exadoc::model {

// What merging the pair (left id, right id) gives: the merge's rank (its line in model.merges; lower merges
// first) and the id of the merged token.
struct MergeRule {
  int32_t rank = 0;
  int32_t merged_id = 0;
};

// Keyed by pair_key(left, right).
using MergeMap = std::unordered_map<uint64_t, MergeRule>;

inline uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// Merges symbols in place until no pair has a rule: always the pair with the lowest rank, the leftmost one
// among equal ranks, exactly the order of HF's priority queue (so "aaa" becomes "aa a", not "a aa").
void apply_merges(std::vector<int32_t>& symbols, const MergeMap& merges);

}  // namespace exadoc::model
