// exadoc/layout/identifiers.h — identifiers mentioned in document text: part numbers, drawing numbers and
// revisions, standards (ISO, DIN, ASME, IEC, KS, ...), and references to sections, figures and tables.
//
// The patterns are data, not code: schemas/identifiers.json, which users extend with their own numbering
// schemes. Every match is normalised so that spellings of one identifier meet in the index: `P-1234`,
// `P1234` and `p-1234` all become `P1234`; `ISO 4017` and `ISO-4017` become `ISO4017`.
#pragma once

#include <filesystem>
#include <memory>

#include <string>
#include <string_view>
#include <vector>

#include <exadoc/base/error.h>
#include <exadoc/layout/document.h>

namespace exadoc::layout {

// A pattern file that cannot be read, is not valid JSON, or holds a pattern PCRE2 refuses; the message names
// the file, the pattern and the reason.
class PatternError : public Error {
 public:
  using Error::Error;
};

struct Mention {
  std::string kind;        // "part_number", "drawing_number", "revision", "standard", "section_ref", ...
  std::string raw;         // as written in the text
  std::string normalized;  // the form identifiers are compared by
  int page = 0;            // 1-based page number
  std::string block_id;    // Block::id of the block the text came from
  int offset = 0;          // byte offset of `raw` within the block's text
};

class IdentifierExtractor {
 public:
  // Compiles the patterns of a JSON pattern file (format: schemas/identifiers.json). Throws PatternError.
  static IdentifierExtractor from_file(const std::filesystem::path& pattern_file);
  static IdentifierExtractor from_json_text(std::string_view json_text, std::string_view origin);
  // schemas/identifiers.json of the installed or source tree; EXADOC_IDENTIFIERS overrides it.
  static std::filesystem::path default_pattern_file();

  IdentifierExtractor(IdentifierExtractor&&) noexcept;
  IdentifierExtractor& operator=(IdentifierExtractor&&) noexcept;
  ~IdentifierExtractor();

  // Every identifier in `text`, in order of position; overlapping matches of different kinds are kept only
  // when the pattern file says so.
  std::vector<Mention> extract(std::string_view text, int page, const std::string& block_id) const;
  // Every block of every page.
  std::vector<Mention> extract(const Document& document) const;
  // How a user's query for an identifier is matched: the same normalisation the kind applies, or, for an
  // unknown kind, the generic one (upper case, separators dropped).
  std::string normalize(std::string_view kind, std::string_view raw) const;

 private:
  struct Impl;
  explicit IdentifierExtractor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace exadoc::layout
