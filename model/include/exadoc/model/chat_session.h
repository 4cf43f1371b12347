// exadoc/model/chat_session.h — a conversation whose KV cache grows turn by turn.
//
// A document is parsed in one conversation (product.md §6): page k+1 is a new user turn appended after the
// model's answer for page k, and only its tokens are computed — the cache already holds everything before.
// The logits are the same as prefilling the whole conversation from scratch (tested to 1e-4 on the tiny
// fixture).
//
// The session keeps the ids it has fed, so a caller can check that a re-rendered conversation extends them.
// The last generated token is not yet in the cache (generation stops before computing it); it is fed first by
// the next prefill.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include <exadoc/model/kv_cache.h>
#include <exadoc/model/text_decoder.h>

namespace exadoc::model {

class ChatSession {
 public:
  // capacity_tokens: the most tokens the conversation may ever hold (the context budget).
  ChatSession(const TextDecoder& decoder, int capacity_tokens);

  int capacity() const { return cache_.capacity(); }
  // Tokens of the conversation so far, the pending generated token included.
  int length() const { return cache_.length() + (pending_ ? 1 : 0); }
  const std::vector<int32_t>& tokens() const { return tokens_; }

  // Feeds the pending token (if any) and `ids` into the cache in chunks; the k-th image placeholder among
  // `ids` takes row k of images->rows. Returns the logits [1, vocab] after the last token. Throws
  // exadoc::Error when the capacity would be exceeded or the placeholders and rows differ in number.
  Tensor prefill(std::span<const int32_t> ids, const InjectedEmbeddings* images = nullptr, int chunk = 512);

  // Samples from `logits` and decodes, feeding each token but the last into the cache, until a stop id, the
  // token limit, on_token returning false, or the capacity. Returns the generated ids.
  std::vector<int32_t> generate(Tensor logits, const GenerationOptions& options,
                                const std::function<bool(int32_t)>& on_token = {});

 private:
  const TextDecoder& decoder_;
  KvCache cache_;
  std::vector<int32_t> tokens_;
  bool pending_ = false;  // tokens_.back() is generated but not yet in the cache
};

// What a conversation keeps when the next turn would outgrow its budget (product.md §6): first the images of
// the oldest turns go (their text — the model's answers — stays), then whole turns, oldest first.
struct TurnCost {
  int64_t image_tokens = 0;  // what dropping this turn's image saves
  int64_t tokens = 0;        // the whole turn: user text, image and the model's answer
};
struct ContextPlan {
  bool keep_cache = true;   // the next turn fits after everything: extend the cache, nothing recomputed
  int images_dropped = 0;   // otherwise: the images of turns [0, images_dropped) are left out,
  int turns_dropped = 0;    // turns [0, turns_dropped) are left out entirely,
  int64_t tokens_kept = 0;  // and this many tokens of history are prefilled again
  bool next_fits = true;    // false: even alone, the next turn and its reserve exceed the budget
};
// next_tokens: the next turn's prompt; reserve: room wanted for its answer.
ContextPlan plan_context(std::span<const TurnCost> turns, int64_t next_tokens, int64_t reserve,
                         int64_t budget);

}  // namespace exadoc::model
