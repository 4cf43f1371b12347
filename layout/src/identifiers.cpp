// Identifier extraction: the kinds and patterns of schemas/identifiers.json, compiled with PCRE2 (UTF-8
// mode), matched over block text, overlaps resolved by the file's precedence, matches normalised by each
// kind's rules.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>

#define PCRE2_CODE_UNIT_WIDTH 8  // the 8-bit library: block text is UTF-8
#include <nlohmann/json.hpp>
#include <pcre2.h>

#include <exadoc/layout/identifiers.h>

namespace exadoc::layout {
namespace {

using nlohmann::json;

struct CodeFree {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataFree {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using CodePtr = std::unique_ptr<pcre2_code, CodeFree>;
using MatchDataPtr = std::unique_ptr<pcre2_match_data, MatchDataFree>;

// Without normalize, and for kinds the file does not know: upper case, separators dropped.
constexpr std::string_view kGenericDrop = " -_./";

PCRE2_SPTR as_pcre2(std::string_view text) {
  return reinterpret_cast<PCRE2_SPTR>(text.data());
}

std::string pcre2_message(int error_code) {
  PCRE2_UCHAR buffer[256];
  const int length = pcre2_get_error_message(error_code, buffer, sizeof buffer);
  if (length < 0) return "PCRE2 error " + std::to_string(error_code);
  return {reinterpret_cast<const char*>(buffer), static_cast<size_t>(length)};
}

// `where` names the file, the kind and the pattern for the error message.
CodePtr compile(const std::string& pattern, const std::string& where) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  // MATCH_INVALID_UTF: text from a PDF text layer is not always valid UTF-8; bad bytes just never match.
  CodePtr code(pcre2_compile(as_pcre2(pattern), pattern.size(), PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                             &error_code, &error_offset, nullptr));
  if (!code) {
    throw PatternError(where + " \"" + pattern + "\": PCRE2 rejects it at offset " +
                       std::to_string(error_offset) + ": " + pcre2_message(error_code) +
                       "; fix the regular expression (PCRE2 syntax)");
  }
  // The JIT is only faster; where it is unavailable the interpreter runs the same pattern.
  pcre2_jit_compile(code.get(), PCRE2_JIT_COMPLETE);
  return code;
}

enum class LetterCase { kUpper, kLower, kKeep };

struct Replacement {
  std::string pattern;
  CodePtr code;
  std::string replacement;
};

struct Normalization {
  LetterCase letter_case = LetterCase::kUpper;
  std::vector<Replacement> replacements;
  std::string drop{kGenericDrop};
};

struct Pattern {
  std::string source;
  CodePtr code;
  size_t id_group = 0;  // the number of the group named "id", or 0: the mention is the whole match
};

struct Kind {
  std::string name;
  std::vector<Pattern> patterns;
  Normalization normalization;
  bool keep_overlaps = false;
};

// A match before overlaps are resolved; `kind` indexes Impl::kinds, which is also its precedence.
struct Candidate {
  size_t kind = 0;
  size_t begin = 0;
  size_t end = 0;
};

// Rejects keys the format does not define: a misspelt "pattern" must not silently disable a kind.
void check_keys(const json& object, std::initializer_list<std::string_view> allowed,
                const std::string& where) {
  for (const auto& item : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) != allowed.end()) continue;
    std::string message = where + ": unknown key \"" + item.key() + "\" (allowed: ";
    for (std::string_view name : allowed) {
      if (name != *allowed.begin()) message += ", ";
      message += name;
    }
    throw PatternError(message + ")");
  }
}

std::string required_string(const json& object, const std::string& key, const std::string& where) {
  if (!object.contains(key) || !object[key].is_string() ||
      object[key].get_ref<const std::string&>().empty()) {
    throw PatternError(where + ": \"" + key + "\" is missing or not a non-empty string");
  }
  return object[key].get<std::string>();
}

Normalization parse_normalization(const json& spec, const std::string& where) {
  Normalization normalization;
  if (!spec.is_object()) throw PatternError(where + ": \"normalize\" must be an object");
  check_keys(spec, {"case", "replace", "drop"}, where + ": normalize");
  if (spec.contains("case")) {
    const std::string letter_case = spec["case"].is_string() ? spec["case"].get<std::string>() : "";
    if (letter_case == "upper") {
      normalization.letter_case = LetterCase::kUpper;
    } else if (letter_case == "lower") {
      normalization.letter_case = LetterCase::kLower;
    } else if (letter_case == "keep") {
      normalization.letter_case = LetterCase::kKeep;
    } else {
      throw PatternError(where + ": normalize.case must be \"upper\", \"lower\" or \"keep\"");
    }
  }
  normalization.drop.clear();  // a normalize object says everything that is dropped
  if (spec.contains("drop")) {
    if (!spec["drop"].is_string()) throw PatternError(where + ": normalize.drop must be a string");
    normalization.drop = spec["drop"].get<std::string>();
    // Dropped byte by byte, so a multi-byte character would leave broken UTF-8 behind.
    for (const char c : normalization.drop) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        throw PatternError(where +
                           ": normalize.drop may list ASCII characters only; use \"replace\" for others");
      }
    }
  }
  if (spec.contains("replace")) {
    if (!spec["replace"].is_array())
      throw PatternError(where + ": normalize.replace must be a list of pairs");
    for (size_t index = 0; index < spec["replace"].size(); ++index) {
      const json& pair = spec["replace"][index];
      const std::string pair_where = where + ": normalize.replace[" + std::to_string(index) + "]";
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
        throw PatternError(pair_where + " must be a pair [\"regex\", \"replacement\"]");
      }
      Replacement replacement;
      replacement.pattern = pair[0].get<std::string>();
      replacement.code = compile(replacement.pattern, pair_where);
      replacement.replacement = pair[1].get<std::string>();
      normalization.replacements.push_back(std::move(replacement));
    }
  }
  return normalization;
}

Kind parse_kind(const json& spec, const std::string& where) {
  if (!spec.is_object()) throw PatternError(where + " must be an object");
  check_keys(spec, {"kind", "description", "patterns", "normalize", "keep_overlaps"}, where);
  Kind kind;
  kind.name = required_string(spec, "kind", where);
  const std::string kind_where = where + " (\"" + kind.name + "\")";
  if (!spec.contains("patterns") || !spec["patterns"].is_array() || spec["patterns"].empty()) {
    throw PatternError(kind_where +
                       ": \"patterns\" is missing or not a non-empty list of regular expressions");
  }
  for (size_t index = 0; index < spec["patterns"].size(); ++index) {
    const json& source = spec["patterns"][index];
    const std::string pattern_where = kind_where + ": patterns[" + std::to_string(index) + "]";
    if (!source.is_string()) throw PatternError(pattern_where + " is not a string");
    Pattern pattern;
    pattern.source = source.get<std::string>();
    pattern.code = compile(pattern.source, pattern_where);
    const int id_group = pcre2_substring_number_from_name(pattern.code.get(), as_pcre2("id"));
    pattern.id_group = id_group > 0 ? static_cast<size_t>(id_group) : 0;
    kind.patterns.push_back(std::move(pattern));
  }
  if (spec.contains("normalize")) kind.normalization = parse_normalization(spec["normalize"], kind_where);
  if (spec.contains("keep_overlaps")) {
    if (!spec["keep_overlaps"].is_boolean())
      throw PatternError(kind_where + ": keep_overlaps must be true or false");
    kind.keep_overlaps = spec["keep_overlaps"].get<bool>();
  }
  return kind;
}

std::string substitute(const Replacement& replacement, const std::string& subject, const std::string& where) {
  const uint32_t options = PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH;
  std::string output(subject.size() * 2 + replacement.replacement.size() + 16, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    PCRE2_SIZE length = output.size();
    const int result =
        pcre2_substitute(replacement.code.get(), as_pcre2(subject), subject.size(), 0, options, nullptr,
                         nullptr, as_pcre2(replacement.replacement), replacement.replacement.size(),
                         reinterpret_cast<PCRE2_UCHAR*>(output.data()), &length);
    if (result == PCRE2_ERROR_NOMEMORY && attempt == 0) {
      output.resize(length);  // OVERFLOW_LENGTH: `length` is now the size needed
      continue;
    }
    if (result < 0) {
      throw PatternError(where + " \"" + replacement.pattern + "\" -> \"" + replacement.replacement +
                         "\": " + pcre2_message(result));
    }
    output.resize(length);
    break;
  }
  return output;
}

std::string apply(const Normalization& normalization, std::string_view raw, const std::string& where) {
  std::string text(raw);
  for (char& c : text) {
    if (normalization.letter_case == LetterCase::kUpper && c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 32);
    if (normalization.letter_case == LetterCase::kLower && c >= 'A' && c <= 'Z')
      c = static_cast<char>(c + 32);
  }
  for (const Replacement& replacement : normalization.replacements) {
    text = substitute(replacement, text, where);
  }
  std::erase_if(text, [&](char c) { return normalization.drop.find(c) != std::string::npos; });
  return text;
}

// The byte after the UTF-8 character starting at `offset`: where to go on after an empty match.
size_t next_character(std::string_view text, size_t offset) {
  ++offset;
  while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) ++offset;
  return offset;
}

}  // namespace

struct IdentifierExtractor::Impl {
  std::string origin;       // the pattern file, for error messages
  std::vector<Kind> kinds;  // in file order: earlier kinds win overlaps

  void find(size_t kind_index, const Pattern& pattern, std::string_view text,
            std::vector<Candidate>& candidates) const {
    const MatchDataPtr match_data(pcre2_match_data_create_from_pattern(pattern.code.get(), nullptr));
    if (!match_data) throw std::bad_alloc();
    size_t start = 0;
    while (start <= text.size()) {
      const int result =
          pcre2_match(pattern.code.get(), as_pcre2(text), text.size(), start, 0, match_data.get(), nullptr);
      // Besides "no match", PCRE2's match limit can end the search: a pathological pattern on one block
      // costs that block its remaining mentions of this pattern, never the whole document.
      if (result < 0) break;
      const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data.get());
      const size_t match_begin = ovector[0];
      const size_t match_end = ovector[1];
      // An "id" group left unset by an alternative of the pattern: the whole match is the mention.
      const size_t group = ovector[2 * pattern.id_group] != PCRE2_UNSET ? pattern.id_group : 0;
      const size_t begin = ovector[2 * group];
      const size_t end = ovector[2 * group + 1];
      if (end > begin) candidates.push_back({kind_index, begin, end});
      start = match_end > match_begin ? match_end : next_character(text, match_end);
    }
  }

  std::string where(const Kind& kind) const {
    return origin + ": kind \"" + kind.name + "\": normalize.replace";
  }
};

IdentifierExtractor::IdentifierExtractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IdentifierExtractor::IdentifierExtractor(IdentifierExtractor&&) noexcept = default;
IdentifierExtractor& IdentifierExtractor::operator=(IdentifierExtractor&&) noexcept = default;
IdentifierExtractor::~IdentifierExtractor() = default;

IdentifierExtractor IdentifierExtractor::from_file(const std::filesystem::path& pattern_file) {
  std::ifstream stream(pattern_file, std::ios::binary);
  if (!stream) {
    throw PatternError(pattern_file.string() + ": cannot read the identifier pattern file (" +
                       std::strerror(errno) + ")");
  }
  std::ostringstream text;
  text << stream.rdbuf();
  return from_json_text(text.str(), pattern_file.string());
}

IdentifierExtractor IdentifierExtractor::from_json_text(std::string_view json_text, std::string_view origin) {
  auto impl = std::make_unique<Impl>();
  impl->origin = std::string(origin);
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& error) {
    throw PatternError(impl->origin + ": not valid JSON: " + error.what());
  }
  if (!root.is_object()) throw PatternError(impl->origin + ": the pattern file must be a JSON object");
  check_keys(root, {"version", "description", "kinds"}, impl->origin);
  if (!root.contains("version") || root["version"] != 1) {
    throw PatternError(impl->origin +
                       ": \"version\" must be 1 (the only pattern file format this exadoc reads)");
  }
  if (!root.contains("kinds") || !root["kinds"].is_array() || root["kinds"].empty()) {
    throw PatternError(impl->origin + ": \"kinds\" is missing or not a non-empty list");
  }
  for (size_t index = 0; index < root["kinds"].size(); ++index) {
    Kind kind = parse_kind(root["kinds"][index], impl->origin + ": kinds[" + std::to_string(index) + "]");
    for (const Kind& earlier : impl->kinds) {
      if (earlier.name == kind.name) {
        throw PatternError(impl->origin + ": kind \"" + kind.name +
                           "\" is defined twice; merge its patterns");
      }
    }
    impl->kinds.push_back(std::move(kind));
  }
  return IdentifierExtractor(std::move(impl));
}

std::filesystem::path IdentifierExtractor::default_pattern_file() {
  if (const char* from_environment = std::getenv("EXADOC_IDENTIFIERS");
      from_environment != nullptr && *from_environment != '\0') {
    return from_environment;
  }
  std::vector<std::filesystem::path> candidates;
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    candidates.push_back(
        (executable.parent_path() / ".." / "share" / "exadoc" / "identifiers.json").lexically_normal());
  }
  candidates.emplace_back(std::filesystem::path(EXADOC_SCHEMAS_DIR) / "identifiers.json");
  std::string looked;
  for (const std::filesystem::path& candidate : candidates) {
    if (std::filesystem::is_regular_file(candidate, error)) return candidate;
    looked += (looked.empty() ? "" : ", ") + candidate.string();
  }
  throw PatternError("no identifier pattern file found (looked for " + looked +
                     "); set EXADOC_IDENTIFIERS to the path of an identifiers.json");
}

std::vector<Mention> IdentifierExtractor::extract(std::string_view text, int page,
                                                  const std::string& block_id) const {
  std::vector<Candidate> candidates;
  for (size_t kind_index = 0; kind_index < impl_->kinds.size(); ++kind_index) {
    for (const Pattern& pattern : impl_->kinds[kind_index].patterns) {
      impl_->find(kind_index, pattern, text, candidates);
    }
  }
  // Precedence: earlier kinds first, and within a kind longer matches first; a candidate that overlaps one
  // already kept is dropped, unless the two are of different kinds and one of them keeps overlaps.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
    return a.begin < b.begin;
  });
  std::vector<Candidate> kept;
  for (const Candidate& candidate : candidates) {
    const bool conflicts = std::any_of(kept.begin(), kept.end(), [&](const Candidate& other) {
      const bool overlap = candidate.begin < other.end && other.begin < candidate.end;
      const bool may_overlap = candidate.kind != other.kind && (impl_->kinds[candidate.kind].keep_overlaps ||
                                                                impl_->kinds[other.kind].keep_overlaps);
      return overlap && !may_overlap;
    });
    if (!conflicts) kept.push_back(candidate);
  }
  std::sort(kept.begin(), kept.end(), [](const Candidate& a, const Candidate& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.kind < b.kind;
  });

  std::vector<Mention> mentions;
  mentions.reserve(kept.size());
  for (const Candidate& candidate : kept) {
    const Kind& kind = impl_->kinds[candidate.kind];
    Mention mention;
    mention.kind = kind.name;
    mention.raw = std::string(text.substr(candidate.begin, candidate.end - candidate.begin));
    mention.normalized = apply(kind.normalization, mention.raw, impl_->where(kind));
    mention.page = page;
    mention.block_id = block_id;
    mention.offset = static_cast<int>(candidate.begin);
    mentions.push_back(std::move(mention));
  }
  return mentions;
}

std::vector<Mention> IdentifierExtractor::extract(const Document& document) const {
  std::vector<Mention> mentions;
  for (const Page& page : document.pages) {
    for (const Block& block : page.blocks) {
      std::vector<Mention> found = extract(block.text, page.number, block.id);
      mentions.insert(mentions.end(), std::make_move_iterator(found.begin()),
                      std::make_move_iterator(found.end()));
    }
  }
  return mentions;
}

std::string IdentifierExtractor::normalize(std::string_view kind, std::string_view raw) const {
  for (const Kind& known : impl_->kinds) {
    if (known.name == kind) return apply(known.normalization, raw, impl_->where(known));
  }
  return apply(Normalization{}, raw, impl_->origin);
}

}  // namespace exadoc::layout
