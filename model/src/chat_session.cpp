#include <algorithm>
#include <random>
#include <string>

#include <exadoc/base/error.h>
#include <exadoc/model/chat_session.h>

namespace exadoc::model {

ChatSession::ChatSession(const TextDecoder& decoder, int capacity_tokens)
    : decoder_(decoder), cache_(decoder.config(), decoder.backend(), capacity_tokens) {}

Tensor ChatSession::prefill(std::span<const int32_t> ids, const InjectedEmbeddings* images, int chunk) {
  std::vector<int32_t> feed;
  feed.reserve(ids.size() + 1);
  if (pending_) feed.push_back(tokens_.back());
  feed.insert(feed.end(), ids.begin(), ids.end());
  if (feed.empty()) throw Error("a chat turn needs at least one token");
  if (cache_.length() + static_cast<int64_t>(feed.size()) > cache_.capacity()) {
    throw Error("the conversation would hold " + std::to_string(cache_.length() + feed.size()) +
                " tokens, more than its budget of " + std::to_string(cache_.capacity()));
  }
  const size_t step = static_cast<size_t>(std::max(1, chunk));
  const std::span<const int32_t> all(feed);
  Tensor logits;
  int64_t injected_rows = 0;
  for (size_t first = 0; first < all.size(); first += step) {
    const auto piece = all.subspan(first, std::min(step, all.size() - first));
    logits = decoder_.forward(piece, cache_, false, {}, images, injected_rows);
    if (images != nullptr) injected_rows += std::count(piece.begin(), piece.end(), images->token_id);
  }
  if (images != nullptr && injected_rows != images->rows.dim(0)) {
    throw Error("the turn has " + std::to_string(injected_rows) + " image tokens for " +
                std::to_string(images->rows.dim(0)) + " image embeddings");
  }
  tokens_.insert(tokens_.end(), ids.begin(), ids.end());
  pending_ = false;
  return logits;
}

std::vector<int32_t> ChatSession::generate(Tensor logits, const GenerationOptions& options,
                                           const std::function<bool(int32_t)>& on_token) {
  std::mt19937_64 rng(options.seed);
  std::vector<int32_t> generated;
  while (static_cast<int>(generated.size()) < options.max_new_tokens && length() < cache_.capacity()) {
    if (pending_) {
      // Feed the previous token before sampling the next one.
      const int32_t step[1] = {tokens_.back()};
      logits = decoder_.forward(step, cache_, false);
      pending_ = false;
    }
    const int32_t next = decoder_.backend().sample(logits, options.sampling, generated, rng);
    generated.push_back(next);
    tokens_.push_back(next);
    pending_ = true;
    if (on_token && !on_token(next)) break;
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), next) != options.stop_ids.end()) break;
  }
  return generated;
}

ContextPlan plan_context(std::span<const TurnCost> turns, int64_t next_tokens, int64_t reserve,
                         int64_t budget) {
  ContextPlan plan;
  const int64_t needed = next_tokens + reserve;
  int64_t history = 0;
  for (const TurnCost& turn : turns) history += turn.tokens;
  plan.tokens_kept = history;
  if (history + needed <= budget) return plan;
  plan.keep_cache = false;
  // Images first, oldest first: the model keeps what it wrote about those pages.
  for (const TurnCost& turn : turns) {
    if (history + needed <= budget) return plan;
    history -= turn.image_tokens;
    ++plan.images_dropped;
    plan.tokens_kept = history;
  }
  // Then whole turns (what is left of them after their images went), oldest first.
  for (const TurnCost& turn : turns) {
    if (history + needed <= budget) return plan;
    history -= turn.tokens - turn.image_tokens;
    ++plan.turns_dropped;
    plan.tokens_kept = history;
  }
  plan.next_fits = needed <= budget;
  return plan;
}

}  // namespace exadoc::model
