#include "tokenizer_text.h"

namespace exadoc::model {
namespace {

constexpr char32_t kReplacementCharacter = 0xFFFD;

// Length of the well-formed sequence starting at text[offset], or 0 when it is ill-formed; for an ill-formed
// one, *maximal_subpart is set to how many bytes belong to the replaced prefix (Unicode's "maximal subpart").
size_t sequence_length(std::string_view text, size_t offset, size_t* maximal_subpart) {
  const auto byte = [&](size_t index) { return static_cast<unsigned char>(text[index]); };
  const unsigned char lead = byte(offset);
  *maximal_subpart = 1;
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong
    if (lead == 0xED) second_high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong
    if (lead == 0xF4) second_high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  for (size_t index = 1; index < length; ++index) {
    if (offset + index >= text.size()) return 0;
    const unsigned char continuation = byte(offset + index);
    const unsigned char low = index == 1 ? second_low : 0x80;
    const unsigned char high = index == 1 ? second_high : 0xBF;
    if (continuation < low || continuation > high) return 0;
    *maximal_subpart = index + 1;
  }
  return length;
}

constexpr ByteLevelAlphabet make_byte_level_alphabet() {
  ByteLevelAlphabet alphabet;
  for (auto& entry : alphabet.byte_of_char) entry = -1;
  char32_t next_extra = 0x100;
  for (int value = 0; value < 256; ++value) {
    const bool printable =
        (value >= '!' && value <= '~') || (value >= 0xA1 && value <= 0xAC) || value >= 0xAE;
    const char32_t code_point = printable ? static_cast<char32_t>(value) : next_extra++;
    alphabet.char_of_byte[static_cast<size_t>(value)] = code_point;
    alphabet.byte_of_char[code_point] = static_cast<int16_t>(value);
  }
  return alphabet;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  size_t offset = 0;
  size_t subpart = 0;
  while (offset < text.size()) {
    const size_t length = sequence_length(text, offset, &subpart);
    if (length == 0) return false;
    offset += length;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t offset = 0;
  size_t subpart = 0;
  while (offset < text.size()) {
    const size_t length = sequence_length(text, offset, &subpart);
    if (length == 0) {
      append_utf8(kReplacementCharacter, out);
      offset += subpart;
    } else {
      out.append(text.substr(offset, length));
      offset += length;
    }
  }
  return out;
}

char32_t next_code_point(std::string_view text, size_t& offset) {
  const auto byte = [&](size_t index) {
    return static_cast<char32_t>(static_cast<unsigned char>(text[index]));
  };
  const char32_t lead = byte(offset);
  if (lead < 0x80) {
    offset += 1;
    return lead;
  }
  if (lead < 0xE0) {
    const char32_t code_point = ((lead & 0x1F) << 6) | (byte(offset + 1) & 0x3F);
    offset += 2;
    return code_point;
  }
  if (lead < 0xF0) {
    const char32_t code_point =
        ((lead & 0x0F) << 12) | ((byte(offset + 1) & 0x3F) << 6) | (byte(offset + 2) & 0x3F);
    offset += 3;
    return code_point;
  }
  const char32_t code_point = ((lead & 0x07) << 18) | ((byte(offset + 1) & 0x3F) << 12) |
                              ((byte(offset + 2) & 0x3F) << 6) | (byte(offset + 3) & 0x3F);
  offset += 4;
  return code_point;
}

size_t previous_code_point_start(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return start;
}

bool is_unicode_white_space(char32_t code_point) {
  return (code_point >= 0x09 && code_point <= 0x0D) || code_point == 0x20 || code_point == 0x85 ||
         code_point == 0xA0 || code_point == 0x1680 || (code_point >= 0x2000 && code_point <= 0x200A) ||
         code_point == 0x2028 || code_point == 0x2029 || code_point == 0x202F || code_point == 0x205F ||
         code_point == 0x3000;
}

bool is_python_space(char32_t code_point) {
  return is_unicode_white_space(code_point) || (code_point >= 0x1C && code_point <= 0x1F);
}

const ByteLevelAlphabet& byte_level_alphabet() {
  static constexpr ByteLevelAlphabet kAlphabet = make_byte_level_alphabet();
  return kAlphabet;
}

}  // namespace exadoc::model
