// exadoc/base/utf8.h — UTF-8 encoding, shared by the tokenizer and the model-output parser.
#pragma once

#include <string>

namespace exadoc {

// Appends the UTF-8 encoding of a code point. Code points that are not characters (surrogates, above
// U+10FFFF) are written as U+FFFD, the replacement character.
void append_utf8(char32_t code_point, std::string& out);

}  // namespace exadoc
