#include <new>

#define PCRE2_CODE_UNIT_WIDTH 8  // the 8-bit library: exadoc matches UTF-8 text
#include <pcre2.h>

#include <exadoc/base/error.h>

#include "tokenizer_regex.h"
#include "tokenizer_text.h"

namespace exadoc::model {
namespace {

struct CodeFree {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataFree {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
struct MatchContextFree {
  void operator()(pcre2_match_context* context) const { pcre2_match_context_free(context); }
};
struct JitStackFree {
  void operator()(pcre2_jit_stack* stack) const { pcre2_jit_stack_free(stack); }
};

// The JIT's default 32 KiB stack runs out on a letter run of about 2,000 characters (the EXAONE pattern
// lets one pre-token span a whole single-spaced line). The large stack is address space reserved on
// demand, so it is made only when a match needs it.
constexpr size_t kJitStackStartBytes = size_t{256} * 1024;
constexpr size_t kJitStackMaxBytes = size_t{512} * 1024 * 1024;
// Without the JIT the interpreter keeps backtracking frames on the heap; the default 20 MB limit is too
// small for a few-megabyte line.
constexpr uint32_t kHeapLimitKib = 2u * 1024 * 1024;

// Unicode White_Space, the set Oniguruma's \s matches (PCRE2's also includes U+180E).
constexpr std::string_view kWhiteSpaceSet =
    "\\t\\n\\x{0B}\\f\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}"
    "\\x{205F}\\x{3000}";
// Oniguruma's \h is a hexadecimal digit; PCRE2's is horizontal space.
constexpr std::string_view kHexDigitSet = "0-9a-fA-F";

std::string pcre2_message(int error_code) {
  PCRE2_UCHAR buffer[256];
  const int length = pcre2_get_error_message(error_code, buffer, sizeof buffer);
  if (length < 0) return "PCRE2 error " + std::to_string(error_code);
  return std::string(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
}

}  // namespace

struct RegexScratch::State {
  std::unique_ptr<pcre2_match_data, MatchDataFree> match_data{pcre2_match_data_create(1, nullptr)};
  std::unique_ptr<pcre2_match_context, MatchContextFree> context;
  std::unique_ptr<pcre2_jit_stack, JitStackFree> jit_stack;

  pcre2_match_context* match_context() {
    if (!context) {
      context.reset(pcre2_match_context_create(nullptr));
      if (!context) throw std::bad_alloc();
      pcre2_set_heap_limit(context.get(), kHeapLimitKib);
    }
    return context.get();
  }

  void ensure_large_jit_stack() {
    pcre2_match_context* match = match_context();
    if (jit_stack) return;
    jit_stack.reset(pcre2_jit_stack_create(kJitStackStartBytes, kJitStackMaxBytes, nullptr));
    if (!jit_stack) throw std::bad_alloc();
    pcre2_jit_stack_assign(match, nullptr, jit_stack.get());
  }
};

RegexScratch::RegexScratch() : state_(std::make_unique<State>()) {
  if (!state_->match_data) throw std::bad_alloc();
}
RegexScratch::~RegexScratch() = default;

struct Regex::Code {
  std::unique_ptr<pcre2_code, CodeFree> code;
};

Regex::Regex(std::string_view pattern) : code_(std::make_unique<Code>()) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  code_->code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                  PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr));
  if (!code_->code) {
    throw RegexSyntaxError(pcre2_message(error_code) + " at offset " + std::to_string(error_offset));
  }
  // Best effort: where the JIT is unavailable (some architectures, hardened kernels) the interpreter gives
  // the same matches, only slower.
  pcre2_jit_compile(code_->code.get(), PCRE2_JIT_COMPLETE);
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

int Regex::match(std::string_view text, size_t offset, bool anchored, RegexScratch& scratch) const {
  RegexScratch::State& state = scratch.state();
  const uint32_t options = PCRE2_NO_UTF_CHECK | (anchored ? PCRE2_ANCHORED : 0u);
  int result = pcre2_match(code_->code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset,
                           options, state.match_data.get(), state.match_context());
  if (result == PCRE2_ERROR_JIT_STACKLIMIT && !state.jit_stack) {
    state.ensure_large_jit_stack();
    result = pcre2_match(code_->code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset,
                         options, state.match_data.get(), state.match_context());
  }
  if (result == PCRE2_ERROR_NOMATCH) return 0;
  if (result < 0) {
    throw Error("tokenizer: the pre-tokenizer pattern gave up on a text of " + std::to_string(text.size()) +
                " bytes (" + pcre2_message(result) + "); split the text into smaller pieces");
  }
  return 1;  // 0 from pcre2_match only means the one-pair ovector is too small for the groups
}

std::vector<MatchSpan> Regex::find_all(std::string_view text, RegexScratch& scratch) const {
  std::vector<MatchSpan> matches;
  size_t search_from = 0;
  bool have_previous = false;
  size_t previous_end = 0;
  while (search_from <= text.size()) {
    if (match(text, search_from, false, scratch) == 0) break;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch.state().match_data.get());
    const size_t begin = ovector[0];
    const size_t end = ovector[1];
    if (begin == end && have_previous && previous_end == end) {
      if (search_from >= text.size()) break;
      next_code_point(text, search_from);
      continue;
    }
    matches.emplace_back(begin, end);
    search_from = end;
    previous_end = end;
    have_previous = true;
  }
  return matches;
}

bool Regex::matches_at(std::string_view text, size_t offset, RegexScratch& scratch) const {
  return match(text, offset, true, scratch) != 0;
}

std::string translate_oniguruma_pattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 64);
  bool in_class = false;
  for (size_t index = 0; index < pattern.size(); ++index) {
    const char c = pattern[index];
    if (c == '\\' && index + 1 < pattern.size()) {
      const char escaped = pattern[++index];
      const bool negated = escaped == 'S' || escaped == 'H';
      const std::string_view set = escaped == 's' || escaped == 'S'   ? kWhiteSpaceSet
                                   : escaped == 'h' || escaped == 'H' ? kHexDigitSet
                                                                      : std::string_view();
      if (set.empty()) {
        out += c;
        out += escaped;
      } else if (in_class && negated) {
        throw RegexSyntaxError(std::string("\\") + escaped +
                               " inside a character class has no PCRE2 equivalent (at offset " +
                               std::to_string(index - 1) + ")");
      } else if (in_class) {
        out += set;
      } else {
        out += negated ? "[^" : "[";
        out += set;
        out += ']';
      }
      continue;
    }
    if (in_class && c == '[' && index + 1 < pattern.size() && pattern[index + 1] == ':') {
      // A POSIX class such as [:alpha:]: its ']' does not close the enclosing class.
      const size_t close = pattern.find(":]", index + 2);
      const size_t stop = close == std::string_view::npos ? pattern.size() : close + 2;
      out += pattern.substr(index, stop - index);
      index = stop - 1;
      continue;
    }
    out += c;
    if (!in_class && c == '[') {
      in_class = true;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (index + 1 < pattern.size() && pattern[index + 1] == '^') out += pattern[++index];
      if (index + 1 < pattern.size() && pattern[index + 1] == ']') out += pattern[++index];
    } else if (in_class && c == ']') {
      in_class = false;
    }
  }
  return out;
}

std::string escape_for_regex(std::string_view literal) {
  std::string out;
  out.reserve(literal.size() * 2);
  for (const char c : literal) {
    const auto byte = static_cast<unsigned char>(c);
    const bool alphanumeric =
        (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z');
    if (byte < 0x80 && !alphanumeric) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace exadoc::model
