#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include <exadoc/model/model_error.h>
#include <exadoc/model/tokenizer.h>

#include "tokenizer_bpe.h"
#include "tokenizer_regex.h"
#include "tokenizer_text.h"

namespace exadoc::model {
namespace {

using nlohmann::json;

// The pattern ByteLevel applies when use_regex is true (GPT-2's, fixed inside HF's ByteLevel).
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Rust's regex `\w`, which HF's single_word test uses: Alphabetic (letters, letter numbers and the
// Other_Alphabetic marks and symbols), marks, decimal digits, connector punctuation and the joiners.
constexpr std::string_view kWordCharPattern =
    R"([\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}\x{24B6}-\x{24E9}\x{1F130}-\x{1F149}\x{1F150}-\x{1F169})"
    R"(\x{1F170}-\x{1F189}])";

// Ids index tables, so a hostile file with id 2,000,000,000 must not make exadoc allocate for it; real
// vocabularies stay below 300,000 (EXAONE 4.5: 153,600).
constexpr int64_t kMaxTokenId = (1 << 22) - 1;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};
using TokenMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

enum class TokenKind : uint8_t { kNone, kVocab, kAdded, kSpecial };

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool single_word = false;
};

// Finds added tokens the way HF's AhoCorasick with MatchKind::LeftmostLongest does: the match that starts
// first, and of those the longest.
class AddedTokenMatcher {
 public:
  void add(std::string_view content, size_t token_index) {
    size_t node = 0;
    for (const char c : content) {
      const auto byte = static_cast<unsigned char>(c);
      const int32_t child = find_child(node, byte);
      if (child >= 0) {
        node = static_cast<size_t>(child);
        continue;
      }
      nodes_[node].children.emplace_back(byte, static_cast<int32_t>(nodes_.size()));
      nodes_.emplace_back();
      node = nodes_.size() - 1;
    }
    nodes_[node].token = static_cast<int32_t>(token_index);
    first_bytes_[static_cast<unsigned char>(content.front())] = true;
  }

  bool empty() const { return nodes_.size() == 1; }

  // The leftmost-longest match starting at or after from: [*begin, *end) and the token's index.
  bool find(std::string_view text, size_t from, size_t* begin, size_t* end, size_t* token_index) const {
    for (size_t start = from; start < text.size(); ++start) {
      if (!first_bytes_[static_cast<unsigned char>(text[start])]) continue;
      size_t node = 0;
      bool found = false;
      for (size_t index = start; index < text.size(); ++index) {
        const int32_t child = find_child(node, static_cast<unsigned char>(text[index]));
        if (child < 0) break;
        node = static_cast<size_t>(child);
        if (nodes_[node].token >= 0) {
          *end = index + 1;
          *token_index = static_cast<size_t>(nodes_[node].token);
          found = true;
        }
      }
      if (found) {
        *begin = start;
        return true;
      }
    }
    return false;
  }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children;
    int32_t token = -1;
  };

  int32_t find_child(size_t node, unsigned char byte) const {
    for (const auto& [label, child] : nodes_[node].children) {
      if (label == byte) return child;
    }
    return -1;
  }

  std::vector<Node> nodes_{1};
  std::array<bool, 256> first_bytes_{};
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct SplitStep {
  Regex regex;
  SplitBehavior behavior;
  bool invert;
};

// A stretch of text between added tokens (added_id < 0), or one added token with what it stripped.
struct Segment {
  std::string_view text;
  int32_t added_id = -1;
};

// Why a key is wrong, with the file; every parse error goes through here.
class Reader {
 public:
  explicit Reader(const std::filesystem::path& file) : file_(file) {}

  [[noreturn]] void fail(const std::string& what) const { throw ModelFormatError(file_, what); }

  // object[key], or nullptr when the key is absent or null.
  static const json* find(const json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  const json& object_at(const json& value, const std::string& path) const {
    if (!value.is_object()) fail("'" + path + "' must be an object, not " + describe(value));
    return value;
  }

  std::string string_at(const json& value, const std::string& path) const {
    if (!value.is_string()) fail("'" + path + "' must be a string, not " + describe(value));
    return value.get<std::string>();
  }

  bool bool_or(const json& object, const char* key, const std::string& scope, bool fallback) const {
    const json* value = find(object, key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) fail("'" + scope + key + "' must be true or false, not " + describe(*value));
    return value->get<bool>();
  }

  int32_t id_at(const json& value, const std::string& path) const {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > kMaxTokenId) {
      fail("'" + path + "' must be a token id (an integer from 0 to " + std::to_string(kMaxTokenId) +
           "), not " + describe(value));
    }
    return static_cast<int32_t>(value.get<int64_t>());
  }

  // The type tag of a component; "type" is what HF writes for every normalizer, pre-tokenizer and decoder.
  std::string type_of(const json& component, const std::string& path) const {
    object_at(component, path);
    const json* type = find(component, "type");
    if (type == nullptr) fail("missing key '" + path + ".type'");
    return string_at(*type, path + ".type");
  }

  static std::string describe(const json& value) {
    std::string text = value.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return std::string(value.type_name()) + " " + text;
  }

 private:
  const std::filesystem::path& file_;
};

std::string in_quotes(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

namespace detail {

struct TokenizerData {
  // Indexed by id.
  std::vector<std::string> token_texts;
  std::vector<TokenKind> token_kinds;

  TokenMap vocab;  // model.vocab
  TokenMap added_by_content;
  std::vector<AddedToken> added_tokens;
  AddedTokenMatcher raw_matcher;         // normalized = false: matched on the text as given
  AddedTokenMatcher normalized_matcher;  // normalized = true: matched after normalization (none here)
  std::optional<Regex> word_char;        // only when some added token is single_word

  std::vector<SplitStep> splits;
  bool add_prefix_space = false;
  std::optional<Regex> byte_level_regex;  // ByteLevel with use_regex

  MergeMap merges;
  std::array<int32_t, 256> byte_ids{};  // the vocab id of each byte's byte-level character, or -1
  std::optional<int32_t> unk_id;
  bool fuse_unk = false;
  bool ignore_merges = false;

  void split_added(std::string_view text, const AddedTokenMatcher& matcher, RegexScratch& scratch,
                   std::vector<Segment>& out) const;
  void pre_tokenize(std::string_view text, RegexScratch& scratch, std::vector<std::string>& pieces) const;
  void encode_word(std::string_view bytes, std::vector<int32_t>& ids) const;
  void append_decoded(std::string_view token, std::string& bytes) const;
};

}  // namespace detail

using detail::TokenizerData;

namespace {

void parse_vocab(const Reader& reader, const json& model, TokenizerData& data) {
  const json* vocab = Reader::find(model, "vocab");
  if (vocab == nullptr) reader.fail("missing key 'model.vocab'");
  reader.object_at(*vocab, "model.vocab");
  int32_t max_id = -1;
  for (const auto& [token, id_value] : vocab->items()) {
    const int32_t id = reader.id_at(id_value, "model.vocab[" + in_quotes(token) + "]");
    data.vocab.emplace(token, id);
    max_id = std::max(max_id, id);
  }
  data.token_texts.resize(static_cast<size_t>(max_id) + 1);
  data.token_kinds.resize(static_cast<size_t>(max_id) + 1, TokenKind::kNone);
  for (const auto& [token, id] : data.vocab) {
    const auto slot = static_cast<size_t>(id);
    if (data.token_kinds[slot] != TokenKind::kNone) {
      // Name the pair in a stable order; the map's order is not.
      const auto [first, second] = std::minmax(data.token_texts[slot], token);
      reader.fail("model.vocab: id " + std::to_string(id) + " is given to both " + in_quotes(first) +
                  " and " + in_quotes(second));
    }
    data.token_texts[slot] = token;
    data.token_kinds[slot] = TokenKind::kVocab;
  }
}

void parse_merges(const Reader& reader, const json& model, TokenizerData& data) {
  const json* merges = Reader::find(model, "merges");
  if (merges == nullptr) reader.fail("missing key 'model.merges'");
  if (!merges->is_array()) reader.fail("'model.merges' must be an array, not " + Reader::describe(*merges));
  data.merges.reserve(merges->size());
  int32_t rank = 0;
  for (const json& merge : *merges) {
    const std::string path = "model.merges[" + std::to_string(rank) + "]";
    std::string left;
    std::string right;
    if (merge.is_string()) {
      const std::string line = merge.get<std::string>();
      const size_t space = line.find(' ');
      if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
          line.find(' ', space + 1) != std::string::npos) {
        reader.fail("'" + path + "' is " + in_quotes(line) +
                    "; a merge is two tokens separated by one space");
      }
      left = line.substr(0, space);
      right = line.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      left = merge[0].get<std::string>();
      right = merge[1].get<std::string>();
    } else {
      reader.fail("'" + path + "' must be a string \"a b\" or a pair [\"a\", \"b\"], not " +
                  Reader::describe(merge));
    }
    const auto find_token = [&](const std::string& token, const char* what) {
      const auto it = data.vocab.find(token);
      if (it == data.vocab.end()) {
        std::string message = "'";
        message += path;
        message += "' (";
        std::string pair = left;
        pair += ' ';
        pair += right;
        message += in_quotes(pair);

        message += "): ";
        message += what;
        message += in_quotes(token);
        message += " is not in model.vocab";
        reader.fail(message);
      }
      return it->second;
    };
    const int32_t left_id = find_token(left, "");
    const int32_t right_id = find_token(right, "");
    const int32_t merged_id = find_token(left + right, "the merged token ");
    // A repeated pair takes the later rank, as HF's map does when it collects the merges.
    data.merges[pair_key(left_id, right_id)] = MergeRule{rank, merged_id};
    ++rank;
  }
}

void parse_model(const Reader& reader, const json& top, TokenizerData& data) {
  const json* model = Reader::find(top, "model");
  if (model == nullptr)
    reader.fail("missing key 'model'; a Hugging Face tokenizer.json describes its model there");
  reader.object_at(*model, "model");
  if (const json* type = Reader::find(*model, "type")) {
    const std::string name = reader.string_at(*type, "model.type");
    if (name != "BPE") {
      reader.fail("model.type " + in_quotes(name) +
                  " is not supported; exadoc reads byte-level BPE tokenizers");
    }
  }
  parse_vocab(reader, *model, data);
  parse_merges(reader, *model, data);

  if (const json* dropout = Reader::find(*model, "dropout")) {
    if (!dropout->is_number() || dropout->get<double>() != 0.0) {
      reader.fail("model.dropout " + dropout->dump() +
                  " is not supported; exadoc tokenizes deterministically");
    }
  }
  if (reader.bool_or(*model, "byte_fallback", "model.", false)) {
    reader.fail(
        "model.byte_fallback is true, which is not supported; exadoc reads byte-level BPE tokenizers");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json* affix = Reader::find(*model, key);
    if (affix != nullptr && !(affix->is_string() && affix->get<std::string>().empty())) {
      reader.fail(std::string("model.") + key + " " + affix->dump() +
                  " is not supported; exadoc reads byte-level BPE tokenizers");
    }
  }
  if (const json* unk = Reader::find(*model, "unk_token")) {
    const std::string token = reader.string_at(*unk, "model.unk_token");
    const auto it = data.vocab.find(token);
    if (it == data.vocab.end()) reader.fail("model.unk_token " + in_quotes(token) + " is not in model.vocab");
    data.unk_id = it->second;
  }
  data.fuse_unk = reader.bool_or(*model, "fuse_unk", "model.", false);
  data.ignore_merges = reader.bool_or(*model, "ignore_merges", "model.", false);

  const ByteLevelAlphabet& alphabet = byte_level_alphabet();
  for (size_t byte = 0; byte < 256; ++byte) {
    std::string character;
    append_utf8(alphabet.char_of_byte[byte], character);
    const auto it = data.vocab.find(character);
    data.byte_ids[byte] = it == data.vocab.end() ? -1 : it->second;
  }
}

void parse_added_tokens(const Reader& reader, const json& top, TokenizerData& data) {
  const json* added = Reader::find(top, "added_tokens");
  if (added == nullptr) return;
  if (!added->is_array()) reader.fail("'added_tokens' must be an array, not " + Reader::describe(*added));
  const auto vocab_entries = static_cast<int64_t>(data.vocab.size());
  std::optional<int64_t> max_added_id;
  for (size_t index = 0; index < added->size(); ++index) {
    const std::string path = "added_tokens[" + std::to_string(index) + "]";
    const json& entry = reader.object_at((*added)[index], path);
    AddedToken token;
    const json* content = Reader::find(entry, "content");
    if (content == nullptr) reader.fail("missing key '" + path + ".content'");
    token.content = reader.string_at(*content, path + ".content");
    if (token.content.empty()) reader.fail("'" + path + ".content' is empty");
    const json* id = Reader::find(entry, "id");
    if (id == nullptr) reader.fail("missing key '" + path + ".id'");
    token.id = reader.id_at(*id, path + ".id");
    const std::string scope = path + ".";
    token.special = reader.bool_or(entry, "special", scope, false);
    token.lstrip = reader.bool_or(entry, "lstrip", scope, false);
    token.rstrip = reader.bool_or(entry, "rstrip", scope, false);
    token.normalized = reader.bool_or(entry, "normalized", scope, !token.special);
    token.single_word = reader.bool_or(entry, "single_word", scope, false);
    const std::string named = path + " (" + in_quotes(token.content) + ")";

    if (data.added_by_content.contains(token.content)) {
      reader.fail(named + " repeats an earlier added token");
    }
    // HF does not use the id in the file: it takes the vocab's id, else the next free one, and only warns
    // when they differ. Refuse instead, so that exadoc and HF can never give a token different ids.
    int64_t hf_id = 0;
    const auto in_vocab = data.vocab.find(token.content);
    if (in_vocab != data.vocab.end()) {
      hf_id = in_vocab->second;
    } else if (!max_added_id) {
      hf_id = vocab_entries;
    } else {
      hf_id = *max_added_id >= vocab_entries || vocab_entries == 0 ? *max_added_id + 1 : vocab_entries;
    }
    if (hf_id != token.id) {
      reader.fail(named + ": id " + std::to_string(token.id) +
                  " disagrees with the id Hugging Face gives it (" + std::to_string(hf_id) +
                  (in_vocab != data.vocab.end() ? ", its id in model.vocab)"
                                                : ", the next id after the vocab and earlier added tokens)"));
    }
    max_added_id = std::max(max_added_id.value_or(token.id), static_cast<int64_t>(token.id));

    const auto slot = static_cast<size_t>(token.id);
    if (slot >= data.token_texts.size()) {
      data.token_texts.resize(slot + 1);
      data.token_kinds.resize(slot + 1, TokenKind::kNone);
    }
    if (data.token_kinds[slot] == TokenKind::kVocab && data.token_texts[slot] != token.content) {
      reader.fail(named + ": id " + std::to_string(token.id) + " is already model.vocab's id for " +
                  in_quotes(data.token_texts[slot]));
    }
    if (data.token_kinds[slot] == TokenKind::kAdded || data.token_kinds[slot] == TokenKind::kSpecial) {
      reader.fail(named + ": id " + std::to_string(token.id) + " is already the id of added token " +
                  in_quotes(data.token_texts[slot]));
    }
    data.token_texts[slot] = token.content;
    data.token_kinds[slot] = token.special ? TokenKind::kSpecial : TokenKind::kAdded;
    data.added_by_content.emplace(token.content, token.id);
    (token.normalized ? data.normalized_matcher : data.raw_matcher)
        .add(token.content, data.added_tokens.size());
    if (token.single_word && !data.word_char) data.word_char.emplace(kWordCharPattern);
    data.added_tokens.push_back(std::move(token));
  }
}

void parse_normalizer(const Reader& reader, const json& top) {
  const json* normalizer = Reader::find(top, "normalizer");
  if (normalizer == nullptr) return;
  const std::string type = reader.type_of(*normalizer, "normalizer");
  const json* members = type == "Sequence" ? Reader::find(*normalizer, "normalizers") : nullptr;
  if (members != nullptr && members->is_array() && members->empty()) return;  // a Sequence of nothing
  reader.fail("normalizer.type " + in_quotes(type) +
              " is not supported; exadoc reads tokenizers without a normalizer (normalizer: null)");
}

SplitBehavior parse_behavior(const Reader& reader, const json& step, const std::string& path) {
  const json* behavior = Reader::find(step, "behavior");
  if (behavior == nullptr) reader.fail("missing key '" + path + ".behavior'");
  const std::string name = reader.string_at(*behavior, path + ".behavior");
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  reader.fail(path + ".behavior " + in_quotes(name) +
              " is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

Regex parse_split_pattern(const Reader& reader, const json& step, const std::string& path) {
  const json* pattern = Reader::find(step, "pattern");
  if (pattern == nullptr) reader.fail("missing key '" + path + ".pattern'");
  reader.object_at(*pattern, path + ".pattern");
  std::string source;
  std::string key;
  if (const json* regex = Reader::find(*pattern, "Regex")) {
    key = path + ".pattern.Regex";
    try {
      source = translate_oniguruma_pattern(reader.string_at(*regex, key));
    } catch (const RegexSyntaxError& error) {
      reader.fail(key + " is not supported: " + error.what());
    }
  } else if (const json* literal = Reader::find(*pattern, "String")) {
    key = path + ".pattern.String";
    const std::string text = reader.string_at(*literal, key);
    if (text.empty()) reader.fail("'" + key + "' is empty");
    source = escape_for_regex(text);
  } else {
    reader.fail("'" + path + ".pattern' must hold \"Regex\" or \"String\", not " +
                Reader::describe(*pattern));
  }
  try {
    return Regex(source);
  } catch (const RegexSyntaxError& error) {
    reader.fail(key + " does not compile: " + error.what());
  }
}

// Flattens nested Sequences into steps, each with its path for messages.
void collect_pre_tokenizer_steps(const Reader& reader, const json& component, const std::string& path,
                                 std::vector<std::pair<const json*, std::string>>& steps) {
  const std::string type = reader.type_of(component, path);
  if (type != "Sequence") {
    steps.emplace_back(&component, path);
    return;
  }
  const json* members = Reader::find(component, "pretokenizers");
  if (members == nullptr) reader.fail("missing key '" + path + ".pretokenizers'");
  if (!members->is_array()) {
    reader.fail("'" + path + ".pretokenizers' must be an array, not " + Reader::describe(*members));
  }
  for (size_t index = 0; index < members->size(); ++index) {
    collect_pre_tokenizer_steps(reader, (*members)[index],
                                path + ".pretokenizers[" + std::to_string(index) + "]", steps);
  }
}

void parse_pre_tokenizer(const Reader& reader, const json& top, TokenizerData& data) {
  constexpr const char* kNeedByteLevel =
      "exadoc reads byte-level BPE tokenizers, whose pre_tokenizer ends with ByteLevel";
  const json* pre_tokenizer = Reader::find(top, "pre_tokenizer");
  if (pre_tokenizer == nullptr) reader.fail(std::string("pre_tokenizer is null; ") + kNeedByteLevel);
  std::vector<std::pair<const json*, std::string>> steps;
  collect_pre_tokenizer_steps(reader, *pre_tokenizer, "pre_tokenizer", steps);
  bool seen_byte_level = false;
  for (const auto& [step, path] : steps) {
    const std::string type = reader.type_of(*step, path);
    if (seen_byte_level) {
      std::string message = path;
      message += ": a ";
      message += type;
      message += " step after ByteLevel is not supported; ";
      message += kNeedByteLevel;
      reader.fail(message);
    }
    if (type == "Split") {
      data.splits.push_back(SplitStep{parse_split_pattern(reader, *step, path),
                                      parse_behavior(reader, *step, path),
                                      reader.bool_or(*step, "invert", path + ".", false)});
    } else if (type == "ByteLevel") {
      seen_byte_level = true;
      // HF's defaults when the keys are absent.
      data.add_prefix_space = reader.bool_or(*step, "add_prefix_space", path + ".", true);
      if (reader.bool_or(*step, "use_regex", path + ".", true)) {
        data.byte_level_regex.emplace(translate_oniguruma_pattern(kGpt2Pattern));
      }
    } else {
      reader.fail(path + ".type " + in_quotes(type) +
                  " is not supported; exadoc supports Sequence, Split and ByteLevel pre-tokenizers");
    }
  }
  if (!seen_byte_level) reader.fail(std::string("pre_tokenizer has no ByteLevel step; ") + kNeedByteLevel);
}

void parse_decoder(const Reader& reader, const json& top) {
  const json* decoder = Reader::find(top, "decoder");
  if (decoder == nullptr) {
    reader.fail("decoder is null; exadoc reads byte-level BPE tokenizers, whose decoder is ByteLevel");
  }
  const std::string type = reader.type_of(*decoder, "decoder");
  if (type != "ByteLevel") {
    reader.fail("decoder.type " + in_quotes(type) +
                " is not supported; exadoc reads byte-level BPE tokenizers, whose decoder is ByteLevel");
  }
}

// Splits of one piece by a Split step, as NormalizedString::split does.
void apply_split(const Regex& regex, SplitBehavior behavior, bool invert, std::string_view piece,
                 RegexScratch& scratch, std::vector<std::string>& out) {
  struct Span {
    size_t begin;
    size_t end;
    bool is_match;
  };
  std::vector<Span> spans;
  size_t previous = 0;
  for (const auto& [begin, end] : regex.find_all(piece, scratch)) {
    if (previous != begin) spans.push_back({previous, begin, false});
    spans.push_back({begin, end, true});
    previous = end;
  }
  if (previous != piece.size()) spans.push_back({previous, piece.size(), false});
  if (invert) {
    for (Span& span : spans) span.is_match = !span.is_match;
  }

  std::vector<Span> kept;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      kept = spans;
      break;
    case SplitBehavior::kRemoved:
      for (const Span& span : spans) {
        if (!span.is_match) kept.push_back(span);
      }
      break;
    case SplitBehavior::kContiguous:
      for (const Span& span : spans) {
        if (span.is_match == previous_match && !kept.empty()) {
          kept.back().end = span.end;
        } else {
          kept.push_back(span);
        }
        previous_match = span.is_match;
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Span& span : spans) {
        if (span.is_match && !previous_match && !kept.empty()) {
          kept.back().end = span.end;
        } else {
          kept.push_back(span);
        }
        previous_match = span.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto span = spans.rbegin(); span != spans.rend(); ++span) {
        if (span->is_match && !previous_match && !kept.empty()) {
          kept.back().begin = span->begin;
        } else {
          kept.push_back(*span);
        }
        previous_match = span->is_match;
      }
      std::reverse(kept.begin(), kept.end());
      break;
  }
  for (const Span& span : kept) {
    if (span.end > span.begin) out.emplace_back(piece.substr(span.begin, span.end - span.begin));
  }
}

}  // namespace

void detail::TokenizerData::split_added(std::string_view text, const AddedTokenMatcher& matcher,
                                        RegexScratch& scratch, std::vector<Segment>& out) const {
  size_t consumed = 0;  // HF's start_offset: the end of the last token taken
  size_t search_from = 0;
  size_t begin = 0;
  size_t end = 0;
  size_t token_index = 0;
  while (matcher.find(text, search_from, &begin, &end, &token_index)) {
    search_from = end;  // the automaton goes on after the match, whatever becomes of it
    const AddedToken& token = added_tokens[token_index];
    if (token.single_word) {
      const bool word_before =
          begin > 0 && word_char->matches_at(text, previous_code_point_start(text, begin), scratch);
      const bool word_after = end < text.size() && word_char->matches_at(text, end, scratch);
      if (word_before || word_after) continue;
    }
    size_t start = begin;
    size_t stop = end;
    if (token.lstrip) {
      size_t space_start = begin;
      while (space_start > 0) {
        const size_t previous = previous_code_point_start(text, space_start);
        size_t cursor = previous;
        if (!is_unicode_white_space(next_code_point(text, cursor))) break;
        space_start = previous;
      }
      start = std::max(space_start, consumed);
    }
    if (token.rstrip) {
      size_t cursor = stop;
      while (cursor < text.size()) {
        size_t next = cursor;
        if (!is_unicode_white_space(next_code_point(text, next))) break;
        cursor = next;
      }
      stop = cursor;
    }
    if (consumed < start) out.push_back({text.substr(consumed, start - consumed), -1});
    out.push_back({text.substr(start, stop - start), token.id});
    consumed = stop;
  }
  if (consumed < text.size()) out.push_back({text.substr(consumed), -1});
}

void detail::TokenizerData::pre_tokenize(std::string_view text, RegexScratch& scratch,
                                         std::vector<std::string>& pieces) const {
  pieces.clear();
  pieces.emplace_back(text);
  std::vector<std::string> next;
  for (const SplitStep& step : splits) {
    next.clear();
    for (const std::string& piece : pieces)
      apply_split(step.regex, step.behavior, step.invert, piece, scratch, next);
    pieces.swap(next);
  }
  if (!add_prefix_space && !byte_level_regex) return;
  next.clear();
  for (std::string& piece : pieces) {
    if (add_prefix_space && piece.front() != ' ') piece.insert(piece.begin(), ' ');
    if (!byte_level_regex) {
      next.push_back(std::move(piece));
      continue;
    }
    apply_split(*byte_level_regex, SplitBehavior::kIsolated, false, piece, scratch, next);
  }
  pieces.swap(next);
}

void detail::TokenizerData::encode_word(std::string_view bytes, std::vector<int32_t>& ids) const {
  const ByteLevelAlphabet& alphabet = byte_level_alphabet();
  if (ignore_merges) {
    std::string characters;
    for (const char c : bytes) append_utf8(alphabet.char_of_byte[static_cast<unsigned char>(c)], characters);
    const auto whole = vocab.find(characters);
    if (whole != vocab.end()) {
      ids.push_back(whole->second);
      return;
    }
  }
  std::vector<int32_t> symbols;
  symbols.reserve(bytes.size());
  bool pending_unk = false;  // an unknown run waiting to be emitted as one unk (fuse_unk)
  for (const char c : bytes) {
    const int32_t id = byte_ids[static_cast<unsigned char>(c)];
    if (id >= 0) {
      if (pending_unk) symbols.push_back(*unk_id);
      pending_unk = false;
      symbols.push_back(id);
    } else if (unk_id) {
      if (pending_unk && !fuse_unk) symbols.push_back(*unk_id);
      pending_unk = true;
    }
    // Without an unk token HF drops a byte the vocab lacks.
  }
  if (pending_unk) symbols.push_back(*unk_id);
  apply_merges(symbols, merges);
  ids.insert(ids.end(), symbols.begin(), symbols.end());
}

void detail::TokenizerData::append_decoded(std::string_view token, std::string& bytes) const {
  const ByteLevelAlphabet& alphabet = byte_level_alphabet();
  const size_t mark = bytes.size();
  size_t offset = 0;
  while (offset < token.size()) {
    const char32_t code_point = next_code_point(token, offset);
    const int16_t byte =
        code_point < alphabet.byte_of_char.size() ? alphabet.byte_of_char[code_point] : int16_t{-1};
    if (byte < 0) {
      // A character outside the byte alphabet (an added token such as "<s é>"): HF keeps the token's text.
      bytes.resize(mark);
      bytes.append(token);
      return;
    }
    bytes += static_cast<char>(byte);
  }
}

Tokenizer::Tokenizer(std::unique_ptr<const TokenizerData> data) : data_(std::move(data)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_file(const std::filesystem::path& tokenizer_json) {
  std::ifstream stream(tokenizer_json, std::ios::binary);
  if (!stream) throw ModelFormatError(tokenizer_json, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << stream.rdbuf();
  if (!stream && !stream.eof()) {
    throw ModelFormatError(tokenizer_json, std::string("cannot read: ") + std::strerror(errno));
  }
  return from_json_text(text.str(), tokenizer_json);
}

Tokenizer Tokenizer::from_json_text(std::string_view json_text,
                                    const std::filesystem::path& name_for_errors) {
  const Reader reader(name_for_errors);
  json top;
  try {
    top = json::parse(json_text);
  } catch (const json::parse_error& error) {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep the position and the reason.
    std::string message = error.what();
    const size_t tag_end = message.find("] ");
    if (message.starts_with("[json.exception.") && tag_end != std::string::npos)
      message.erase(0, tag_end + 2);
    reader.fail("not valid JSON: " + message);
  }
  if (!top.is_object())
    reader.fail("the top level is " + Reader::describe(top) + ", not a tokenizer.json object");

  auto data = std::make_unique<TokenizerData>();
  parse_model(reader, top, *data);
  parse_added_tokens(reader, top, *data);
  parse_normalizer(reader, top);
  parse_pre_tokenizer(reader, top, *data);
  parse_decoder(reader, top);
  return Tokenizer(std::move(data));
}

std::vector<int32_t> Tokenizer::encode(std::string_view utf8_text) const {
  std::string repaired;
  if (!is_valid_utf8(utf8_text)) {
    repaired = to_valid_utf8(utf8_text);
    utf8_text = repaired;
  }
  RegexScratch scratch;
  std::vector<Segment> raw_segments;
  data_->split_added(utf8_text, data_->raw_matcher, scratch, raw_segments);
  std::vector<Segment> segments;
  for (const Segment& segment : raw_segments) {
    if (segment.added_id >= 0 || data_->normalized_matcher.empty()) {
      segments.push_back(segment);
    } else {
      data_->split_added(segment.text, data_->normalized_matcher, scratch, segments);
    }
  }

  std::vector<int32_t> ids;
  ids.reserve(utf8_text.size() / 2);
  std::vector<std::string> pieces;
  for (const Segment& segment : segments) {
    if (segment.added_id >= 0) {
      ids.push_back(segment.added_id);
      continue;
    }
    if (segment.text.empty()) continue;
    data_->pre_tokenize(segment.text, scratch, pieces);
    for (const std::string& piece : pieces) data_->encode_word(piece, ids);
  }
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::string bytes;
  for (const int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= data_->token_kinds.size()) continue;
    const TokenKind kind = data_->token_kinds[static_cast<size_t>(id)];
    if (kind == TokenKind::kNone || (skip_special_tokens && kind == TokenKind::kSpecial)) continue;
    data_->append_decoded(data_->token_texts[static_cast<size_t>(id)], bytes);
  }
  return is_valid_utf8(bytes) ? bytes : to_valid_utf8(bytes);
}

std::optional<int32_t> Tokenizer::token_id(std::string_view token) const {
  if (const auto added = data_->added_by_content.find(token); added != data_->added_by_content.end()) {
    return added->second;
  }
  if (const auto vocab = data_->vocab.find(token); vocab != data_->vocab.end()) return vocab->second;
  return std::nullopt;
}

std::string_view Tokenizer::token_text(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= data_->token_texts.size()) return {};
  return data_->token_texts[static_cast<size_t>(id)];
}

size_t Tokenizer::vocab_size() const {
  return data_->token_texts.size();
}

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < data_->token_kinds.size() &&
         data_->token_kinds[static_cast<size_t>(id)] == TokenKind::kSpecial;
}

}  // namespace exadoc::model
