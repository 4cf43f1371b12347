#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <exadoc/model/model_error.h>
#include <exadoc/model/tokenizer.h>

#include "test_support.h"

namespace exadoc::model {
namespace {

using nlohmann::json;

std::filesystem::path fixture_dir() {
  return testing::source_dir() / "tests" / "fixtures" / "exaone45-tiny";
}

const Tokenizer& fixture_tokenizer() {
  static const Tokenizer tokenizer = Tokenizer::from_file(fixture_dir() / "tokenizer.json");
  return tokenizer;
}

// tests/fixtures/exaone45-tiny/reference/tokens.json: HF tokenizers' ids and decodes for each string.
TEST(Tokenizer, MatchesHuggingFaceOnEveryFixtureString) {
  const Tokenizer& tokenizer = fixture_tokenizer();
  const json cases = testing::read_json(fixture_dir() / "reference" / "tokens.json");
  ASSERT_GT(cases.size(), 100u);
  for (const json& entry : cases) {
    const std::string text = entry["text"];
    const std::vector<int32_t> ids = entry["ids"];
    SCOPED_TRACE("text " + json(text).dump());
    EXPECT_EQ(tokenizer.encode(text), ids);
    EXPECT_EQ(tokenizer.decode(ids, false), entry["decoded"].get<std::string>());
    EXPECT_EQ(tokenizer.decode(ids, true), entry["decoded_skip_special"].get<std::string>());
    EXPECT_EQ(tokenizer.decode(tokenizer.encode(text), false), text);
  }
}

TEST(Tokenizer, KnowsTheSpecialTokensOfExaone45) {
  const Tokenizer& tokenizer = fixture_tokenizer();
  EXPECT_EQ(tokenizer.vocab_size(), 1024u);
  EXPECT_EQ(tokenizer.token_id("<|endofturn|>"), 53);
  EXPECT_EQ(tokenizer.token_id("<|image_pad|>"), 67);
  EXPECT_EQ(tokenizer.token_id("<vision>"), 73);
  EXPECT_EQ(tokenizer.token_id("</vision>"), 74);
  EXPECT_EQ(tokenizer.token_id("<think>"), 1020);
  EXPECT_EQ(tokenizer.token_id("Ġ"), 295);  // a vocab entry, in byte-level form
  EXPECT_EQ(tokenizer.token_id("no such token"), std::nullopt);
  EXPECT_EQ(tokenizer.token_text(53), "<|endofturn|>");
  EXPECT_EQ(tokenizer.token_text(295), "Ġ");
  EXPECT_EQ(tokenizer.token_text(-1), "");
  EXPECT_EQ(tokenizer.token_text(1024), "");
  EXPECT_TRUE(tokenizer.is_special(1));
  EXPECT_TRUE(tokenizer.is_special(53));
  EXPECT_TRUE(tokenizer.is_special(67));
  EXPECT_FALSE(tokenizer.is_special(1020));  // <think> survives skip_special_tokens (spec §11.13)
  EXPECT_FALSE(tokenizer.is_special(295));
  EXPECT_FALSE(tokenizer.is_special(5000));
}

TEST(Tokenizer, ReplacesBrokenUtf8LikeHuggingFace) {
  const Tokenizer& tokenizer = fixture_tokenizer();
  // Input: each ill-formed sequence becomes one U+FFFD before tokenizing.
  EXPECT_EQ(tokenizer.encode("a\xff"
                             "b\xe2\x82"),
            tokenizer.encode("a\xEF\xBF\xBD"
                             "b\xEF\xBF\xBD"));
  // Output: "😀" is four byte tokens; cutting it leaves an incomplete sequence, shown as one U+FFFD.
  const std::vector<int32_t> emoji = tokenizer.encode("😀");
  ASSERT_EQ(emoji.size(), 4u);
  EXPECT_EQ(tokenizer.decode(std::span(emoji).first(3), false), "\xEF\xBF\xBD");
  EXPECT_EQ(tokenizer.decode(std::span(emoji).last(3), false), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Tokenizer, DropsIdsThatNameNoToken) {
  const Tokenizer& tokenizer = fixture_tokenizer();
  const std::vector<int32_t> ids = {-5, 1024, 1 << 30};
  EXPECT_EQ(tokenizer.decode(ids, false), "");
}

TEST(Tokenizer, EncodesALongSingleSpacedLine) {
  // The exaone-moe pattern makes a whole single-spaced run of words one pre-token; this one outgrows the
  // regex JIT's default stack.
  std::string line;
  while (line.size() < 300000) line += "manual pump filter ";
  line.pop_back();
  const Tokenizer& tokenizer = fixture_tokenizer();
  const std::vector<int32_t> ids = tokenizer.encode(line);
  EXPECT_LT(ids.size(), line.size());
  EXPECT_EQ(tokenizer.decode(ids, false), line);
}

TEST(Tokenizer, EncodesFromSeveralThreadsAtOnce) {
  const Tokenizer& tokenizer = fixture_tokenizer();
  const std::string text =
      "<|user|>\n한강의 기적은 1,250,000원입니다. It's the pump's filter.<|endofturn|>\n";
  const std::vector<int32_t> expected = tokenizer.encode(text);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (size_t thread = 0; thread < mismatches.size(); ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 200; ++round) {
        if (tokenizer.encode(text) != expected || tokenizer.decode(expected, false) != text)
          ++mismatches[thread];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// GPT-2's bytes_to_unicode, as the test's own reference: the byte-level character of each byte.
std::string byte_char(int byte) {
  const bool printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
  int code_point = byte;
  if (!printable) {
    code_point = 256;
    for (int other = 0; other < byte; ++other) {
      if (!((other >= '!' && other <= '~') || (other >= 0xA1 && other <= 0xAC) || other >= 0xAE))
        ++code_point;
    }
  }
  std::string out;
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return out;
}

const json kByteLevel = {
    {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}};
const json kGpt2ByteLevel = {
    {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};

// A small tokenizer.json: the 256 byte-level characters with id = byte value, then the merges' results in
// merge order. The expected ids in the tests below are what HF tokenizers 0.23.3 gives for the same JSON.
json tiny_tokenizer(const std::vector<std::pair<std::string, std::string>>& merges, const json& pre_tokenizer,
                    const json& added_tokens = json::array()) {
  json vocab = json::object();
  for (int byte = 0; byte < 256; ++byte) vocab[byte_char(byte)] = byte;
  json merge_list = json::array();
  for (const auto& [left, right] : merges) {
    if (!vocab.contains(left + right)) vocab[left + right] = vocab.size();
    merge_list.push_back({left, right});
  }
  return {{"version", "1.0"},
          {"added_tokens", added_tokens},
          {"normalizer", nullptr},
          {"pre_tokenizer", pre_tokenizer},
          {"post_processor", nullptr},
          {"decoder",
           {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"ignore_merges", false},
            {"vocab", vocab},
            {"merges", merge_list}}}};
}

Tokenizer load(const json& tokenizer_json) {
  return Tokenizer::from_json_text(tokenizer_json.dump(), "tokenizer.json");
}

json added_token(const std::string& content, int id, const json& flags = json::object()) {
  json token = {{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
                {"rstrip", false}, {"normalized", false}, {"special", false}};
  token.update(flags);
  return token;
}

TEST(Tokenizer, MergesLowestRankFirstThenLeftmost) {
  const Tokenizer tokenizer = load(tiny_tokenizer({{"a", "a"}, {"b", "c"}, {"a", "b"}}, kByteLevel));
  EXPECT_EQ(tokenizer.encode("aaa"), (std::vector<int32_t>{256, 97}));
  EXPECT_EQ(tokenizer.encode("aaaa"), (std::vector<int32_t>{256, 256}));
  EXPECT_EQ(tokenizer.encode("abc"), (std::vector<int32_t>{97, 257}));  // "b c" outranks "a b"
}

TEST(Tokenizer, AcceptsMergesWrittenAsStrings) {
  json tokenizer_json = tiny_tokenizer({{"a", "a"}, {"b", "c"}, {"a", "b"}}, kByteLevel);
  tokenizer_json["model"]["merges"] = {"a a", "b c", "a b"};
  EXPECT_EQ(load(tokenizer_json).encode("aaabc"), (std::vector<int32_t>{256, 97, 257}));
}

TEST(Tokenizer, SplitsWithEveryDelimiterBehavior) {
  // Merges that span the delimiter show where each behavior puts it.
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"e", "-"}, {"-", "f"}, {"-", "-"}, {"-", "c"}};
  const std::vector<int32_t> tail = {111, 117, 110, 116, 100, 111, 119, 110};  // "ountdown"
  const auto with = [&](std::vector<int32_t> head) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  const struct {
    const char* behavior;
    bool invert;
    std::vector<int32_t> ids;
  } cases[] = {
      {"Removed", false, with({116, 104, 101, 102, 105, 110, 97, 108, 99})},
      {"Removed", true, {45, 45, 45}},
      {"Isolated", false, with({116, 104, 101, 45, 102, 105, 110, 97, 108, 45, 45, 99})},
      {"Isolated", true, with({116, 104, 101, 45, 102, 105, 110, 97, 108, 45, 45, 99})},
      {"MergedWithPrevious", false, with({116, 104, 256, 102, 105, 110, 97, 108, 45, 45, 99})},
      {"MergedWithPrevious", true, with({116, 104, 101, 257, 105, 110, 97, 108, 45, 259})},
      {"MergedWithNext", false, with({116, 104, 101, 257, 105, 110, 97, 108, 45, 259})},
      {"MergedWithNext", true, with({116, 104, 256, 102, 105, 110, 97, 108, 45, 45, 99})},
      {"Contiguous", false, with({116, 104, 101, 45, 102, 105, 110, 97, 108, 258, 99})},
      {"Contiguous", true, with({116, 104, 101, 45, 102, 105, 110, 97, 108, 258, 99})},
  };
  for (const auto& expected : cases) {
    SCOPED_TRACE(std::string(expected.behavior) + (expected.invert ? " inverted" : ""));
    const json split = {{"type", "Split"},
                        {"pattern", {{"String", "-"}}},
                        {"behavior", expected.behavior},
                        {"invert", expected.invert}};
    const json pre_tokenizer = {{"type", "Sequence"}, {"pretokenizers", {split, kByteLevel}}};
    EXPECT_EQ(load(tiny_tokenizer(merges, pre_tokenizer)).encode("the-final--countdown"), expected.ids);
  }
}

TEST(Tokenizer, HonoursAddedTokenOptions) {
  const json added = {added_token("<mask>", 256, {{"lstrip", true}, {"rstrip", true}, {"special", true}}),
                      added_token("ony", 257, {{"single_word", true}, {"normalized", true}}),
                      added_token("<x>", 258), added_token("<xy>", 259)};
  const Tokenizer tokenizer = load(tiny_tokenizer({}, kGpt2ByteLevel, added));
  // lstrip/rstrip swallow the whitespace around <mask> (Unicode White_Space, so U+2000 too).
  EXPECT_EQ(tokenizer.encode("Hi <mask> there\t<mask>\t<mask>\u2000"),
            (std::vector<int32_t>{72, 105, 256, 116, 104, 101, 114, 101, 256, 256}));
  EXPECT_EQ(tokenizer.encode("A<mask>B"), (std::vector<int32_t>{65, 256, 66}));
  // single_word: only where no word character touches it ('_' is one).
  EXPECT_EQ(tokenizer.encode("ony Anthony ony, xony_ony"),
            (std::vector<int32_t>{257, 32, 65,  110, 116, 104, 111, 110, 121, 32, 257,
                                  44,  32, 120, 111, 110, 121, 95,  111, 110, 121}));
  // Longest match first.
  EXPECT_EQ(tokenizer.encode("a<xy>b<x>y"), (std::vector<int32_t>{97, 259, 98, 258, 121}));
  EXPECT_TRUE(tokenizer.is_special(256));
  EXPECT_EQ(tokenizer.decode(std::vector<int32_t>{72, 105, 256, 257}, true), "Hiony");
}

TEST(Tokenizer, AddsThePrefixSpaceToEveryPieceBetweenAddedTokens) {
  json pre_tokenizer = kGpt2ByteLevel;
  pre_tokenizer["add_prefix_space"] = true;
  const Tokenizer tokenizer = load(tiny_tokenizer({}, pre_tokenizer, json::array({added_token("<x>", 256)})));
  EXPECT_EQ(tokenizer.encode("Hello<x>world"),
            (std::vector<int32_t>{32, 72, 101, 108, 108, 111, 256, 32, 119, 111, 114, 108, 100}));
  EXPECT_EQ(tokenizer.encode(" a"), (std::vector<int32_t>{32, 97}));
}

TEST(Tokenizer, DecodesAddedTokensThroughTheByteLevelDecoderAsHuggingFaceDoes) {
  // HF maps every character of an added token that is in the byte alphabet back to its byte, so "é" (a
  // byte-level character for 0xE9) decodes to a lone 0xE9, i.e. U+FFFD; a token with any character outside
  // the alphabet (here the space) is kept as written.
  const Tokenizer tokenizer =
      load(tiny_tokenizer({}, kByteLevel, json::array({added_token("<é>", 256), added_token("<s é>", 257)})));
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("x<é>y"), false), "x<\xEF\xBF\xBD>y");
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("<s é>z"), false), "<s é>z");
}

void expect_text_error(const std::string& tokenizer_json, const std::string& message) {
  try {
    Tokenizer::from_json_text(tokenizer_json, "models/exaone/tokenizer.json");
    ADD_FAILURE() << "expected ModelFormatError: " << message;
  } catch (const ModelFormatError& error) {
    EXPECT_EQ(error.what(), message);
  }
}

void expect_format_error(const json& tokenizer_json, const std::string& message) {
  expect_text_error(tokenizer_json.dump(), message);
}

TEST(Tokenizer, ExplainsMalformedFiles) {
  expect_text_error("{\"model\": ",
                    "tokenizer.json: not valid JSON: parse error at line 1, column 11: syntax error while "
                    "parsing value - unexpected end of input; expected '[', '{', or a literal");
  expect_text_error("[1, 2]", "tokenizer.json: the top level is array [1,2], not a tokenizer.json object");
  expect_format_error(
      json{{"version", "1.0"}},
      "tokenizer.json: missing key 'model'; a Hugging Face tokenizer.json describes its model there");

  const json good = tiny_tokenizer({{"a", "b"}}, kByteLevel, json::array({added_token("<x>", 257)}));
  ASSERT_NO_THROW(load(good));
  auto changed = [&](const json& patch) { return good.patch(patch); };

  expect_format_error(changed({{{"op", "replace"}, {"path", "/model/type"}, {"value", "Unigram"}}}),
                      "tokenizer.json: model.type 'Unigram' is not supported; exadoc reads byte-level BPE "
                      "tokenizers");
  expect_format_error(changed({{{"op", "remove"}, {"path", "/model/vocab"}}}),
                      "tokenizer.json: missing key 'model.vocab'");
  expect_format_error(changed({{{"op", "add"}, {"path", "/model/vocab/ab"}, {"value", -1}}}),
                      "tokenizer.json: 'model.vocab['ab']' must be a token id (an integer from 0 to "
                      "4194303), not number -1");
  expect_format_error(changed({{{"op", "add"}, {"path", "/model/vocab/zz"}, {"value", 2000000000}}}),
                      "tokenizer.json: 'model.vocab['zz']' must be a token id (an integer from 0 to "
                      "4194303), not number 2000000000");
  expect_format_error(changed({{{"op", "add"}, {"path", "/model/vocab/zz"}, {"value", 97}}}),
                      "tokenizer.json: model.vocab: id 97 is given to both 'a' and 'zz'");
  expect_format_error(changed({{{"op", "remove"}, {"path", "/model/merges"}}}),
                      "tokenizer.json: missing key 'model.merges'");
  expect_format_error(
      changed({{{"op", "add"}, {"path", "/model/merges/-"}, {"value", json::array({"a", "zz"})}}}),
      "tokenizer.json: 'model.merges[1]' ('a zz'): 'zz' is not in model.vocab");
  expect_format_error(
      changed({{{"op", "add"}, {"path", "/model/merges/-"}, {"value", "b c"}}}),
      "tokenizer.json: 'model.merges[1]' ('b c'): the merged token 'bc' is not in model.vocab");
  expect_format_error(
      changed({{{"op", "add"}, {"path", "/model/merges/-"}, {"value", "abc"}}}),
      "tokenizer.json: 'model.merges[1]' is 'abc'; a merge is two tokens separated by one space");
  expect_format_error(
      changed({{{"op", "add"}, {"path", "/model/merges/-"}, {"value", 7}}}),
      "tokenizer.json: 'model.merges[1]' must be a string \"a b\" or a pair [\"a\", \"b\"], not "
      "number 7");
  expect_format_error(changed({{{"op", "replace"}, {"path", "/model/byte_fallback"}, {"value", true}}}),
                      "tokenizer.json: model.byte_fallback is true, which is not supported; exadoc reads "
                      "byte-level BPE tokenizers");
  expect_format_error(
      changed({{{"op", "replace"}, {"path", "/model/dropout"}, {"value", 0.1}}}),
      "tokenizer.json: model.dropout 0.1 is not supported; exadoc tokenizes deterministically");
  expect_format_error(
      changed({{{"op", "add"}, {"path", "/model/continuing_subword_prefix"}, {"value", "##"}}}),
      "tokenizer.json: model.continuing_subword_prefix \"##\" is not supported; exadoc reads "
      "byte-level BPE tokenizers");
}

TEST(Tokenizer, ExplainsBadAddedTokens) {
  const json good = tiny_tokenizer({{"a", "b"}}, kByteLevel, json::array({added_token("<x>", 257)}));
  auto changed = [&](const json& patch) { return good.patch(patch); };
  expect_format_error(
      changed({{{"op", "replace"}, {"path", "/added_tokens/0/id"}, {"value", 97}}}),
      "tokenizer.json: added_tokens[0] ('<x>'): id 97 disagrees with the id Hugging Face gives it "
      "(257, the next id after the vocab and earlier added tokens)");
  expect_format_error(
      changed({{{"op", "add"}, {"path", "/added_tokens/-"}, {"value", added_token("ab", 300)}}}),
      "tokenizer.json: added_tokens[1] ('ab'): id 300 disagrees with the id Hugging Face gives it "
      "(256, its id in model.vocab)");
  expect_format_error(
      changed({{{"op", "add"}, {"path", "/added_tokens/-"}, {"value", added_token("<x>", 258)}}}),
      "tokenizer.json: added_tokens[1] ('<x>') repeats an earlier added token");
  expect_format_error(changed({{{"op", "replace"}, {"path", "/added_tokens/0/content"}, {"value", ""}}}),
                      "tokenizer.json: 'added_tokens[0].content' is empty");
  expect_format_error(changed({{{"op", "remove"}, {"path", "/added_tokens/0/id"}}}),
                      "tokenizer.json: missing key 'added_tokens[0].id'");
  expect_format_error(changed({{{"op", "replace"}, {"path", "/added_tokens/0/special"}, {"value", "yes"}}}),
                      "tokenizer.json: 'added_tokens[0].special' must be true or false, not string \"yes\"");
}

TEST(Tokenizer, ExplainsUnsupportedComponents) {
  const json split = {
      {"type", "Split"}, {"pattern", {{"Regex", "\\s+"}}}, {"behavior", "Isolated"}, {"invert", false}};
  const json good = tiny_tokenizer({}, {{"type", "Sequence"}, {"pretokenizers", {split, kByteLevel}}});
  ASSERT_NO_THROW(load(good));
  auto changed = [&](const json& patch) { return good.patch(patch); };

  expect_format_error(
      changed({{{"op", "replace"}, {"path", "/normalizer"}, {"value", {{"type", "NFC"}}}}}),
      "tokenizer.json: normalizer.type 'NFC' is not supported; exadoc reads tokenizers without a "
      "normalizer (normalizer: null)");
  expect_format_error(
      changed({{{"op", "replace"},
                {"path", "/pre_tokenizer/pretokenizers/0"},
                {"value", {{"type", "Whitespace"}}}}}),
      "tokenizer.json: pre_tokenizer.pretokenizers[0].type 'Whitespace' is not supported; exadoc "
      "supports Sequence, Split and ByteLevel pre-tokenizers");
  expect_format_error(
      changed({{{"op", "remove"}, {"path", "/pre_tokenizer/pretokenizers/1"}}}),
      "tokenizer.json: pre_tokenizer has no ByteLevel step; exadoc reads byte-level BPE tokenizers, "
      "whose pre_tokenizer ends with ByteLevel");
  expect_format_error(
      changed({{{"op", "add"}, {"path", "/pre_tokenizer/pretokenizers/-"}, {"value", split}}}),
      "tokenizer.json: pre_tokenizer.pretokenizers[2]: a Split step after ByteLevel is not "
      "supported; exadoc reads byte-level BPE tokenizers, whose pre_tokenizer ends with ByteLevel");
  expect_format_error(changed({{{"op", "replace"}, {"path", "/pre_tokenizer"}, {"value", nullptr}}}),
                      "tokenizer.json: pre_tokenizer is null; exadoc reads byte-level BPE tokenizers, whose "
                      "pre_tokenizer ends with ByteLevel");
  expect_format_error(
      changed(
          {{{"op", "replace"}, {"path", "/pre_tokenizer/pretokenizers/0/behavior"}, {"value", "Dropped"}}}),
      "tokenizer.json: pre_tokenizer.pretokenizers[0].behavior 'Dropped' is not one of Removed, "
      "Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
  expect_format_error(
      changed({{{"op", "replace"},
                {"path", "/pre_tokenizer/pretokenizers/0/pattern/Regex"},
                {"value", "(\\p{L}"}}}),
      "tokenizer.json: pre_tokenizer.pretokenizers[0].pattern.Regex does not compile: missing "
      "closing parenthesis at offset 6");
  expect_format_error(
      changed({{{"op", "replace"},
                {"path", "/pre_tokenizer/pretokenizers/0/pattern/Regex"},
                {"value", "[^\\S]"}}}),
      "tokenizer.json: pre_tokenizer.pretokenizers[0].pattern.Regex is not supported: \\S inside a "
      "character class has no PCRE2 equivalent (at offset 2)");
  expect_format_error(
      changed({{{"op", "replace"}, {"path", "/decoder"}, {"value", {{"type", "WordPiece"}}}}}),
      "tokenizer.json: decoder.type 'WordPiece' is not supported; exadoc reads byte-level BPE "
      "tokenizers, whose decoder is ByteLevel");
}

TEST(Tokenizer, ExplainsAFileItCannotOpen) {
  try {
    Tokenizer::from_file("/nonexistent/tokenizer.json");
    FAIL() << "expected ModelFormatError";
  } catch (const ModelFormatError& error) {
    EXPECT_EQ(std::string(error.what()), "tokenizer.json: cannot open: No such file or directory");
  }
}

}  // namespace
}  // namespace exadoc::model
