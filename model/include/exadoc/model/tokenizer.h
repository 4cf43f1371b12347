// exadoc/model/tokenizer.h — EXAONE 4.5's byte-level BPE tokenizer, read from a Hugging Face tokenizer.json.
//
// encode gives the ids Hugging Face `tokenizers` gives for encode(text, add_special_tokens=False), and decode
// the text its decode gives, for the byte-level BPE subset of tokenizer.json (docs: exaone45-model.md §7.1):
//   - added_tokens: split out of the text before anything else, longest match first, honouring lstrip,
//     rstrip, single_word and normalized as HF's AddedVocabulary does;
//   - normalizer: none (null);
//   - pre_tokenizer: Split (Regex or String pattern, any behavior, invert) steps followed by one ByteLevel
//     (add_prefix_space, use_regex with the GPT-2 pattern), alone or in a Sequence. Patterns are Oniguruma
//     patterns; exadoc runs them on PCRE2 with Unicode properties, so \p{L}, \p{N}, \p{M} and \s mean what
//     they mean to HF;
//   - model: BPE with vocab, merges (as "a b" strings or [a, b] pairs), ignore_merges, unk_token and
//     fuse_unk; no dropout, no byte_fallback, no subword prefix or suffix;
//   - decoder: ByteLevel. post_processor, truncation and padding are ignored: exadoc adds no BOS/EOS (the
//     EXAONE 4.5 chat template has none) and never truncates.
// Anything else is refused when the file is read, never approximated.
//
// No BOS is added; special tokens written in the text ("<|endofturn|>") come out as their single ids:
//   const Tokenizer tokenizer = Tokenizer::from_file(model_dir / "tokenizer.json");
//   const std::vector<int32_t> prompt = tokenizer.encode(render_chat(messages, {}));  // chat_template.h
//
// Thread-safety: a Tokenizer is immutable once made; all const methods may run on several threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace exadoc::model {

namespace detail {
struct TokenizerData;  // tokenizer.cpp
}

class Tokenizer {
 public:
  // Reads and checks the file. Throws ModelFormatError naming the file and the offending key for anything
  // malformed or unsupported, e.g. "tokenizer.json: model.type 'Unigram' is not supported; exadoc reads
  // byte-level BPE tokenizers"; exadoc::Error when the file cannot be read.
  static Tokenizer from_file(const std::filesystem::path& tokenizer_json);
  // The same from text already in memory; name_for_errors is the file named in error messages.
  static Tokenizer from_json_text(std::string_view json_text, const std::filesystem::path& name_for_errors);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Token ids of utf8_text. Ill-formed UTF-8 is first replaced by U+FFFD (one per maximal bad subsequence).
  // Throws exadoc::Error only when the regex engine gives up on pathological input (a single line of
  // hundreds of megabytes).
  std::vector<int32_t> encode(std::string_view utf8_text) const;

  // Text of ids. Ids that name no token are dropped, as HF does. With skip_special_tokens, tokens marked
  // special in added_tokens are left out (<|endofturn|>, <vision>); others such as <think> stay. Byte
  // sequences that are not valid UTF-8 (a character cut between ids) become U+FFFD. Never throws.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const;

  // The id of a token written as it appears in tokenizer.json (byte-level form for vocab entries, so " the"
  // is "Ġthe"), vocab or added token; nullopt when there is none.
  std::optional<int32_t> token_id(std::string_view token) const;

  // The token of an id as tokenizer.json writes it (e.g. "Ġthe", "<|endofturn|>"); empty when the id names
  // no token. The view lives as long as the Tokenizer.
  std::string_view token_text(int32_t id) const;

  // Highest token id + 1 (vocab and added tokens); ids in between may name no token.
  size_t vocab_size() const;

  // Whether id is an added token marked special (the ones decode can skip).
  bool is_special(int32_t id) const;

 private:
  explicit Tokenizer(std::unique_ptr<const detail::TokenizerData> data);

  std::unique_ptr<const detail::TokenizerData> data_;
};

}  // namespace exadoc::model
