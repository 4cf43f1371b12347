#include <algorithm>

#include <gtest/gtest.h>

#include <exadoc/base/error.h>
#include <exadoc/model/chat_template.h>
#include <exadoc/model/tokenizer.h>

#include "test_support.h"

// Expected prompts follow spec §7.2; each was also checked against chat_template.jinja rendered by jinja2
// with HF's settings (trim_blocks, lstrip_blocks).
namespace exadoc::model {
namespace {

ChatMessage message(std::string role, std::string text, std::string reasoning = "") {
  return {std::move(role), {ChatContent::text_part(std::move(text))}, std::move(reasoning)};
}

TEST(ChatTemplate, RendersSystemUserAndTheGenerationPrompt) {
  const std::vector<ChatMessage> messages = {message("system", "You are a helpful assistant."),
                                             message("user", "Describe the image.")};
  EXPECT_EQ(render_chat(messages, {}),
            "<|system|>\nYou are a helpful assistant.<|endofturn|>\n"
            "<|user|>\nDescribe the image.<|endofturn|>\n"
            "<|assistant|>\n<think>\n");
  EXPECT_EQ(render_chat(messages, {.enable_thinking = false}),
            "<|system|>\nYou are a helpful assistant.<|endofturn|>\n"
            "<|user|>\nDescribe the image.<|endofturn|>\n"
            "<|assistant|>\n<think>\n\n</think>\n\n");
  EXPECT_EQ(
      render_chat(messages, {.add_generation_prompt = false}),
      "<|system|>\nYou are a helpful assistant.<|endofturn|>\n<|user|>\nDescribe the image.<|endofturn|>\n");
}

TEST(ChatTemplate, DropsTheReasoningOfEarlierTurns) {
  const std::vector<ChatMessage> messages = {
      message("user", "What is 2+2?"), message("assistant", "4", "Add them."), message("user", "And 3+3?")};
  EXPECT_EQ(render_chat(messages, {}),
            "<|user|>\nWhat is 2+2?<|endofturn|>\n"
            "<|assistant|>\n<think>\n\n</think>\n\n4<|endofturn|>\n"
            "<|user|>\nAnd 3+3?<|endofturn|>\n"
            "<|assistant|>\n<think>\n");
}

TEST(ChatTemplate, KeepsReasoningAfterTheLastUserMessage) {
  const std::vector<ChatMessage> messages = {message("user", "q"),
                                             message("assistant", "  answer \n", "  step one\n")};
  EXPECT_EQ(render_chat(messages, {.add_generation_prompt = false}),
            "<|user|>\nq<|endofturn|>\n<|assistant|>\n<think>\nstep one\n</think>\n\nanswer<|endofturn|>\n");
}

TEST(ChatTemplate, TakesReasoningFromThinkTagsInTheContent) {
  std::vector<ChatMessage> messages = {message("user", "q"),
                                       message("assistant", "<think>\nthink first\n</think>\n\nthe answer")};
  EXPECT_EQ(
      render_chat(messages, {.add_generation_prompt = false}),
      "<|user|>\nq<|endofturn|>\n<|assistant|>\n<think>\nthink first\n</think>\n\nthe answer<|endofturn|>\n");
  messages.push_back(message("user", "q2"));
  EXPECT_EQ(render_chat(messages, {}),
            "<|user|>\nq<|endofturn|>\n<|assistant|>\n<think>\n\n</think>\n\nthe answer<|endofturn|>\n"
            "<|user|>\nq2<|endofturn|>\n<|assistant|>\n<think>\n");
  // The template strips the characters of "<think>", not the tag: "think hard" loses "think".
  const std::vector<ChatMessage> greedy = {message("user", "q"),
                                           message("assistant", "<think>think hard</think>ok")};
  EXPECT_EQ(render_chat(greedy, {.add_generation_prompt = false}),
            "<|user|>\nq<|endofturn|>\n<|assistant|>\n<think>\nhard\n</think>\n\nok<|endofturn|>\n");
}

TEST(ChatTemplate, PutsAVisionPlaceholderPerImage) {
  const std::vector<ChatMessage> messages = {
      {"user",
       {ChatContent::image(), ChatContent::image(), ChatContent::text_part("Compare the two pages.")},
       ""}};
  EXPECT_EQ(render_chat(messages, {}),
            "<|user|>\n<vision><|image_pad|></vision>\n<vision><|image_pad|></vision>\nCompare the two pages."
            "<|endofturn|>\n<|assistant|>\n<think>\n");

  // Image numbers run across the conversation; a user turn with an image is not a plain-text query, so the
  // assistant's reasoning after it is dropped.
  const std::vector<ChatMessage> numbered = {
      {"user", {ChatContent::image(), ChatContent::text_part("First.")}, ""},
      message("assistant", "ok", "looked"),
      {"user", {ChatContent::image(), ChatContent::text_part("Second.")}, ""}};
  EXPECT_EQ(render_chat(numbered, {.add_vision_id = true}),
            "<|user|>\nPicture 1: <vision><|image_pad|></vision>\nFirst.<|endofturn|>\n"
            "<|assistant|>\n<think>\n\n</think>\n\nok<|endofturn|>\n"
            "<|user|>\nPicture 2: <vision><|image_pad|></vision>\nSecond.<|endofturn|>\n"
            "<|assistant|>\n<think>\n");
}

TEST(ChatTemplate, EncodesEveryControlTagAsOneToken) {
  const Tokenizer tokenizer =
      Tokenizer::from_file(testing::source_dir() / "tests" / "fixtures" / "exaone45-tiny" / "tokenizer.json");
  const std::vector<ChatMessage> messages = {
      message("system", "Be brief."),
      {"user", {ChatContent::image(), ChatContent::text_part("Describe the image.")}, ""}};
  const std::string prompt = render_chat(messages, {});
  const std::vector<int32_t> ids = tokenizer.encode(prompt);
  const auto position = [&](int32_t id) { return std::find(ids.begin(), ids.end(), id) - ids.begin(); };
  const auto newline = tokenizer.encode("\n");
  ASSERT_EQ(newline.size(), 1u);

  EXPECT_EQ(ids.front(), 54);                            // <|system|>: no BOS in front
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 53), 2);  // <|endofturn|> after each turn
  // <|user|> \n <vision> <|image_pad|> </vision> \n, each tag one id.
  const auto user = position(55);
  ASSERT_LT(user + 5, static_cast<std::ptrdiff_t>(ids.size()));
  EXPECT_EQ(std::vector<int32_t>(ids.begin() + user, ids.begin() + user + 6),
            (std::vector<int32_t>{55, newline[0], 73, 67, 74, newline[0]}));
  // The prompt ends <|assistant|> \n <think> \n.
  EXPECT_EQ(std::vector<int32_t>(ids.end() - 4, ids.end()),
            (std::vector<int32_t>{56, newline[0], 1020, newline[0]}));

  EXPECT_EQ(tokenizer.decode(ids, false), prompt);
  EXPECT_EQ(tokenizer.decode(ids, true), "\nBe brief.\n\n\nDescribe the image.\n\n<think>\n");
}

void expect_error(const std::vector<ChatMessage>& messages, const std::string& text) {
  try {
    render_chat(messages, {});
    ADD_FAILURE() << "expected exadoc::Error: " << text;
  } catch (const Error& error) {
    EXPECT_EQ(error.what(), text);
  }
}

TEST(ChatTemplate, RefusesWhatTheTemplateCannotSay) {
  expect_error({message("user", "Hi"), message("system", "late")},
               "chat message 2 (system): a system message must come first");
  expect_error(
      {message("user", "Hi"), message("tool", "{}")},
      "chat message 2: unknown role 'tool'; exadoc's EXAONE 4.5 template takes system, user and assistant "
      "(no tools)");
  expect_error({{"system", {ChatContent::image()}, ""}},
               "chat message 1 (system): has an image; images go in user messages");
}

}  // namespace
}  // namespace exadoc::model
