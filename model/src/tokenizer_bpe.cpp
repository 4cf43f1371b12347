#include "tokenizer_bpe.h"
#include <queue>

namespace exadoc::model {

void apply_merges(std::vector<int32_t>& symbols, const MergeMap& merges) {
  if (symbols.size() < 2) return;
  // A doubly linked list over the symbols; a merge folds the right symbol into the left one.
  struct Node {
    int32_t id;
    int32_t prev;
    int32_t next;
    bool alive;
  };
  struct Candidate {
    int32_t rank;
    int32_t position;  // the left symbol of the pair
    int32_t merged_id;
  };
  const auto later = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.position > b.position;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)> queue(later);
  const auto push_pair = [&](int32_t left_position, int32_t left_id, int32_t right_id) {
    const auto rule = merges.find(pair_key(left_id, right_id));
    if (rule != merges.end()) queue.push({rule->second.rank, left_position, rule->second.merged_id});
  };

  const auto count = static_cast<int32_t>(symbols.size());
  std::vector<Node> nodes(symbols.size());
  for (int32_t position = 0; position < count; ++position) {
    nodes[static_cast<size_t>(position)] = {symbols[static_cast<size_t>(position)], position - 1,
                                            position + 1 < count ? position + 1 : -1, true};
  }
  for (int32_t position = 0; position + 1 < count; ++position) {
    push_pair(position, nodes[static_cast<size_t>(position)].id, nodes[static_cast<size_t>(position) + 1].id);
  }

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Node& node = nodes[static_cast<size_t>(top.position)];
    if (!node.alive || node.next < 0) continue;
    Node& right = nodes[static_cast<size_t>(node.next)];
    // Entries go stale when a neighbour merged after they were queued; HF recognises them by the merged id.
    const auto rule = merges.find(pair_key(node.id, right.id));
    if (rule == merges.end() || rule->second.merged_id != top.merged_id) continue;
    node.id = top.merged_id;
    right.alive = false;
    node.next = right.next;
    if (node.next >= 0) nodes[static_cast<size_t>(node.next)].prev = top.position;
    if (node.prev >= 0) push_pair(node.prev, nodes[static_cast<size_t>(node.prev)].id, node.id);
    if (node.next >= 0) push_pair(top.position, node.id, nodes[static_cast<size_t>(node.next)].id);
  }

  symbols.clear();
  for (const Node& node : nodes) {
    if (node.alive) symbols.push_back(node.id);
  }
}

}  // namespace exadoc::model
