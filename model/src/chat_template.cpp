#include <exadoc/base/error.h>
#include <exadoc/model/chat_template.h>

#include "tokenizer_text.h"

namespace exadoc::model {
namespace {

constexpr std::string_view kEndOfTurn = "<|endofturn|>\n";
constexpr std::string_view kImagePlaceholder = "<vision><|image_pad|></vision>\n";

// Python's str.strip(): the template strips with it, so the whitespace set is Python's.
std::string python_strip(std::string_view text) {
  const std::string valid = is_valid_utf8(text) ? std::string(text) : to_valid_utf8(text);
  const std::string_view view = valid;
  size_t begin = 0;
  while (begin < view.size()) {
    size_t next = begin;
    if (!is_python_space(next_code_point(view, next))) break;
    begin = next;
  }
  size_t end = view.size();
  while (end > begin) {
    const size_t start = previous_code_point_start(view, end);
    size_t cursor = start;
    if (!is_python_space(next_code_point(view, cursor))) break;
    end = start;
  }
  return std::string(view.substr(begin, end - begin));
}

std::string describe(size_t index, const ChatMessage& message) {
  return "chat message " + std::to_string(index + 1) + " (" + message.role + ")";
}

// The text of a message that may hold only text (system, assistant).
std::string text_only(size_t index, const ChatMessage& message) {
  std::string text;
  for (const ChatContent& part : message.content) {
    if (part.kind == ChatContent::Kind::kImage) {
      throw Error(describe(index, message) + ": has an image; images go in user messages");
    }
    text += part.text;
  }
  return text;
}

bool has_image(const ChatMessage& message) {
  for (const ChatContent& part : message.content) {
    if (part.kind == ChatContent::Kind::kImage) return true;
  }
  return false;
}

void render_assistant(size_t index, const ChatMessage& message, bool keep_reasoning, std::string& out) {
  std::string content = text_only(index, message);
  std::string reasoning;
  if (!message.reasoning.empty()) {
    reasoning = python_strip(message.reasoning);
  } else if (const size_t close = content.find("</think>"); close != std::string::npos) {
    // The template's _parts[0].lstrip('<think>'): lstrip with a character set, so any leading run of the
    // letters of "<think>" goes, not just the tag.
    std::string_view before(content.data(), close);
    while (!before.empty() && std::string_view("<think>").find(before.front()) != std::string_view::npos) {
      before.remove_prefix(1);
    }
    reasoning = python_strip(before);
    content = content.substr(content.rfind("</think>") + std::string_view("</think>").size());
  }
  if (!keep_reasoning) reasoning.clear();
  out += "<|assistant|>\n<think>\n";
  out += reasoning;
  out += "\n</think>\n\n";
  out += python_strip(content);
  out += kEndOfTurn;
}

}  // namespace

std::string render_chat(std::span<const ChatMessage> messages, const ChatTemplateOptions& options) {
  // Reasoning survives only after the last plain-text user message (the template's last_query_index).
  size_t last_query = messages.empty() ? 0 : messages.size() - 1;
  for (size_t index = messages.size(); index-- > 0;) {
    if (messages[index].role == "user" && !has_image(messages[index])) {
      last_query = index;
      break;
    }
  }

  std::string out;
  int image_count = 0;
  for (size_t index = 0; index < messages.size(); ++index) {
    const ChatMessage& message = messages[index];
    if (message.role == "system") {
      if (index != 0) throw Error(describe(index, message) + ": a system message must come first");
      out += "<|system|>\n";
      out += text_only(index, message);
      out += kEndOfTurn;
    } else if (message.role == "user") {
      out += "<|user|>\n";
      for (const ChatContent& part : message.content) {
        if (part.kind == ChatContent::Kind::kImage) {
          ++image_count;
          if (options.add_vision_id) out += "Picture " + std::to_string(image_count) + ": ";
          out += kImagePlaceholder;
        } else {
          out += part.text;
        }
      }
      out += kEndOfTurn;
    } else if (message.role == "assistant") {
      render_assistant(index, message, index > last_query, out);
    } else {
      throw Error("chat message " + std::to_string(index + 1) + ": unknown role '" + message.role +
                  "'; exadoc's EXAONE 4.5 template takes system, user and assistant (no tools)");
    }
  }
  if (options.add_generation_prompt) {
    out += options.enable_thinking ? "<|assistant|>\n<think>\n" : "<|assistant|>\n<think>\n\n</think>\n\n";
  }
  return out;
}

}  // namespace exadoc::model
