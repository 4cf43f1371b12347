// exadoc/base/html.h — escaping document text for HTML.
#pragma once

#include <string>
#include <string_view>

namespace exadoc {

// Escapes & < > " ' so that any text, including a document's own "<script>" or "\"><img onerror=...>", is
// inert inside HTML element content and inside quoted attribute values.
std::string html_escape(std::string_view text);

}  // namespace exadoc
