// Private to model: the tokenizer's regular expressions, on PCRE2, matching the way Hugging Face
// `tokenizers` matches with Oniguruma.
//
// Patterns come from tokenizer.json, written for Oniguruma. PCRE2 with UTF and UCP agrees with it on the
// constructs byte-level BPE patterns use (\p{L}, \p{N}, \p{M}, (?i:...), lookahead) except `\s`: PCRE2 10.42
// also counts U+180E as a space, Oniguruma uses exactly Unicode White_Space. translate_oniguruma_pattern
// rewrites `\s` and `\S` into explicit classes for that reason.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace exadoc::model {

// A pattern PCRE2 rejects; what() is PCRE2's message with the offset in the pattern.
class RegexSyntaxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Per-call matching state (PCRE2 match data, and a JIT stack made only when a long match needs one).
// Not shareable between threads; make one per encode call.
class RegexScratch {
 public:
  RegexScratch();
  ~RegexScratch();
  RegexScratch(const RegexScratch&) = delete;
  RegexScratch& operator=(const RegexScratch&) = delete;

  struct State;
  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// [begin, end) byte offsets of one match.
using MatchSpan = std::pair<size_t, size_t>;

// A compiled pattern. Immutable after construction; match from any number of threads, each with its own
// RegexScratch.
class Regex {
 public:
  // Throws RegexSyntaxError. The pattern is used as given; translate Oniguruma patterns first.
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Every match in text (valid UTF-8), left to right, as Oniguruma's find_iter yields them: the search
  // restarts at the end of each match, and an empty match right where the previous one ended is skipped by
  // moving one character on. Throws exadoc::Error if PCRE2 gives up (resource limits on pathological input).
  std::vector<MatchSpan> find_all(std::string_view text, RegexScratch& scratch) const;

  // Whether the pattern matches text at exactly offset (anchored there; lookbehind may see before it).
  bool matches_at(std::string_view text, size_t offset, RegexScratch& scratch) const;

 private:
  int match(std::string_view text, size_t offset, bool anchored, RegexScratch& scratch) const;

  struct Code;
  std::unique_ptr<Code> code_;
};

// An Oniguruma pattern rewritten for PCRE2 (see the file comment). Throws RegexSyntaxError for `\S` inside a
// character class, which has no PCRE2 spelling with the same meaning.
std::string translate_oniguruma_pattern(std::string_view pattern);

// A PCRE2 pattern that matches exactly the given text.
std::string escape_for_regex(std::string_view literal);

}  // namespace exadoc::model
