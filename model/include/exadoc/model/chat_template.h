// exadoc/model/chat_template.h — EXAONE 4.5's chat template (docs: exaone45-model.md §7.2), without Jinja.
//
// render_chat gives the prompt text that Hugging Face's apply_chat_template renders from the model's
// chat_template.jinja for the same messages and options; encode it with Tokenizer::encode, which adds no
// BOS (the template has none). For example, a system and a user message with the generation prompt give
//   <|system|>\nBe brief.<|endofturn|>\n<|user|>\nHi<|endofturn|>\n<|assistant|>\n<think>\n
// Left out because exadoc's pipeline uses neither: tools (the tool_declare block, tool calls, tool results)
// and video. A user message is treated as the template's "plain string content" when it has no image part;
// that decides which assistant turns keep their reasoning.
//
// Thread-safety: a pure function.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace exadoc::model {

struct ChatContent {
  enum class Kind { kText, kImage };
  Kind kind = Kind::kText;
  std::string text;  // kText only

  static ChatContent text_part(std::string text) { return {Kind::kText, std::move(text)}; }
  // Rendered as "<vision><|image_pad|></vision>\n"; the processor later widens <|image_pad|> to the image's
  // token count.
  static ChatContent image() { return {Kind::kImage, {}}; }
};

struct ChatMessage {
  std::string role;  // "system" (first message only), "user" or "assistant"
  std::vector<ChatContent> content;
  // Assistant only: the reasoning of the turn (HF's reasoning_content). Kept only for assistant turns after
  // the last plain-text user message; earlier turns render an empty <think></think> block. When empty,
  // reasoning written in the content as "<think>...</think>answer" is taken instead.
  std::string reasoning;
};

struct ChatTemplateOptions {
  bool add_generation_prompt = true;  // end with "<|assistant|>\n<think>\n" for the model to continue
  bool enable_thinking = true;        // false: the prompt closes the think block ("<think>\n\n</think>\n\n")
  bool add_vision_id = false;         // "Picture k: " before the k-th image of the conversation
};

// The prompt text. Throws exadoc::Error for a role other than system/user/assistant, a system message that is
// not the first, or an image in a system or assistant message; the message names the message's position.
std::string render_chat(std::span<const ChatMessage> messages, const ChatTemplateOptions& options);

}  // namespace exadoc::model
