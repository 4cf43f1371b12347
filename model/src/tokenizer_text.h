// Private to model: the UTF-8 and character-class helpers the tokenizer and the chat template share.
//
// Each character class here copies the definition of the engine Hugging Face uses at that step (Rust's
// regex crate, Oniguruma, Python's str), because "whitespace" means something slightly different in each
// and the differences change token ids.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <exadoc/base/utf8.h>

namespace exadoc::model {

// True when text is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// text with each ill-formed sequence replaced by U+FFFD, one per maximal subpart, as Rust's
// String::from_utf8_lossy and Python's bytes.decode(errors="replace") do.
std::string to_valid_utf8(std::string_view text);

// Decodes the code point starting at text[offset] and advances offset past it. text must be valid UTF-8.
char32_t next_code_point(std::string_view text, size_t& offset);

// The offset at which the code point ending at text[end - 1] begins (end > 0; text valid UTF-8).
size_t previous_code_point_start(std::string_view text, size_t end);

// Unicode's White_Space property, which is what Rust's `\s` and Oniguruma's `\s` match.
bool is_unicode_white_space(char32_t code_point);

// Python's str.isspace(): White_Space plus U+001C..U+001F (the chat template strips with Python's rules).
bool is_python_space(char32_t code_point);

// GPT-2's byte-to-character table (bytes_to_unicode): printable Latin-1 bytes map to themselves, the other
// 68 bytes to U+0100..U+0143 in byte order, so every byte becomes a visible character.
struct ByteLevelAlphabet {
  std::array<char32_t, 256> char_of_byte{};
  std::array<int16_t, 0x144> byte_of_char{};  // -1 where a character stands for no byte
};
const ByteLevelAlphabet& byte_level_alphabet();

}  // namespace exadoc::model
