// Identifier extraction with schemas/identifiers.json: normalisation that makes spellings meet, every kind on
// hand-written sentences (English and Korean, exact byte offsets), false positives that must not appear, the
// identifiers the sample manual and drawing are known to hold (samples/manifest.json), and broken pattern
// files.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include <exadoc/layout/identifiers.h>

#include "test_support.h"

namespace exadoc::layout {
namespace {

using exadoc::testing::TempDir;

const IdentifierExtractor& extractor() {
  static const IdentifierExtractor instance =
      IdentifierExtractor::from_file(exadoc::testing::source_dir() / "schemas" / "identifiers.json");
  return instance;
}

// kind, raw, normalized, offset: what a test expects of one mention.
using Expected = std::tuple<std::string, std::string, std::string, int>;

std::vector<Expected> found(std::string_view text) {
  std::vector<Expected> result;
  for (const Mention& mention : extractor().extract(text, 1, "p1-b0")) {
    result.emplace_back(mention.kind, mention.raw, mention.normalized, mention.offset);
  }
  return result;
}

std::set<std::string> normalized_of_kind(const std::vector<Mention>& mentions, const std::string& kind) {
  std::set<std::string> result;
  for (const Mention& mention : mentions) {
    if (mention.kind == kind) result.insert(mention.normalized);
  }
  return result;
}

// The canonical part number of the manifest ("HX-200-SL-01") as the index compares it.
std::string canonical_part(std::string text) {
  std::erase(text, '-');
  return text;
}

std::string pattern_error(std::string_view json_text) {
  try {
    IdentifierExtractor::from_json_text(json_text, "custom.json");
  } catch (const PatternError& error) {
    return error.what();
  }
  return "<no error>";
}

TEST(IdentifierNormalization, SpellingsOfOneIdentifierMeet) {
  const IdentifierExtractor& ids = extractor();
  for (const char* spelling : {"P-1234", "P1234", "p-1234", "P 1234"}) {
    EXPECT_EQ(ids.normalize("part_number", spelling), "P1234") << spelling;
  }
  EXPECT_EQ(ids.normalize("part_number", "HX200-SL-01"), "HX200SL01");
  EXPECT_EQ(ids.normalize("part_number", "HX-200-SL-01"), "HX200SL01");
  EXPECT_EQ(ids.normalize("part_number", "hx-200-gs-01"), "HX200GS01");
  for (const char* spelling : {"ISO 4017", "ISO-4017", "iso 4017", "ISO4017", "ISO\u00a04017"}) {
    EXPECT_EQ(ids.normalize("standard", spelling), "ISO4017") << spelling;
  }
  EXPECT_EQ(ids.normalize("standard", "IEC 60204-1"), "IEC60204-1");  // the part number stays apart
  EXPECT_EQ(ids.normalize("drawing_number", "dwg-hx200-001"), "DWGHX200001");
  EXPECT_EQ(ids.normalize("revision", "DWG-HX200-001 Rev. C"), "DWGHX200001/REVC");
  EXPECT_EQ(ids.normalize("revision", "rev c"), "REVC");
  EXPECT_EQ(ids.normalize("section_ref", "section 4.2"), "SEC4.2");
  EXPECT_EQ(ids.normalize("figure_ref", "Fig. 3"), "FIG3");
  EXPECT_EQ(ids.normalize("table_ref", "TABLE 2"), "TABLE2");
  // A kind the file does not define: upper case, separators dropped.
  EXPECT_EQ(ids.normalize("serial_number", "sn-24.0001/a"), "SN240001A");

  // The same in running text: three spellings, one identifier.
  EXPECT_EQ(found("P-1234, P1234 and p-1234."),
            (std::vector<Expected>{{"part_number", "P-1234", "P1234", 0},
                                   {"part_number", "P1234", "P1234", 8},
                                   {"part_number", "p-1234", "P1234", 18}}));
}

TEST(IdentifierExtraction, PartNumbers) {
  EXPECT_EQ(found("Use the seal HX-200-SL-01 or HX200-SL-01 and bolt P-3320-A."),
            (std::vector<Expected>{{"part_number", "HX-200-SL-01", "HX200SL01", 13},
                                   {"part_number", "HX200-SL-01", "HX200SL01", 29},
                                   {"part_number", "P-3320-A", "P3320A", 50}}));
  // After "Part No." any number with a digit counts, even without a letter prefix.
  EXPECT_EQ(found("Part No.: 123-456-78"),
            (std::vector<Expected>{{"part_number", "123-456-78", "12345678", 10}}));
}

TEST(IdentifierExtraction, DrawingNumbersAndRevisions) {
  EXPECT_EQ(found("see drawing DWG-HX200-001 Rev. C for the bore"),
            (std::vector<Expected>{{"drawing_number", "DWG-HX200-001", "DWGHX200001", 12},
                                   {"revision", "DWG-HX200-001 Rev. C", "DWGHX200001/REVC", 12}}));
  // A title block: the revision on the line below the drawing number still belongs to it.
  EXPECT_EQ(found("DRAWING NO. DWG-HX200-001\nREV C\nSHEET 1 / 1"),
            (std::vector<Expected>{{"drawing_number", "DWG-HX200-001", "DWGHX200001", 12},
                                   {"revision", "DWG-HX200-001\nREV C", "DWGHX200001/REVC", 12}}));
  // "drawing No." makes any number a drawing number, and it is then not also a part number.
  EXPECT_EQ(found("The drawing No. HX-300-001 shows it."),
            (std::vector<Expected>{{"drawing_number", "HX-300-001", "HX300001", 16}}));
  EXPECT_EQ(found("drawing number XYZ-123"),
            (std::vector<Expected>{{"drawing_number", "XYZ-123", "XYZ123", 15}}));
  EXPECT_EQ(found("도면 번호: XYZ-123"),
            (std::vector<Expected>{{"drawing_number", "XYZ-123", "XYZ123", 15}}));
  EXPECT_EQ(found("Rev A1"), (std::vector<Expected>{{"revision", "Rev A1", "REVA1", 0}}));
  EXPECT_EQ(found("Document HX200-IM-EN, Revision 3."),
            (std::vector<Expected>{{"document_number", "HX200-IM-EN", "HX200IMEN", 9},
                                   {"revision", "Revision 3", "REV3", 22}}));
  EXPECT_EQ(found("HX200-IM-EN Rev. 3"), (std::vector<Expected>{{"revision", "Rev. 3", "REV3", 12}}));
}

TEST(IdentifierExtraction, Standards) {
  const std::string text =
      "Tested to ISO 9906, ISO-4017, iso 4017, DIN 24255, DIN EN ISO 4017, ASME B16.5, IEC 60034-1, KS B "
      "1234, "
      "EN 10204, ASTM A105, ISO 9001:2015 and ISO 2768-m.";
  const std::vector<std::pair<std::string, std::string>> standards = {{"ISO 9906", "ISO9906"},
                                                                      {"ISO-4017", "ISO4017"},
                                                                      {"iso 4017", "ISO4017"},
                                                                      {"DIN 24255", "DIN24255"},
                                                                      {"DIN EN ISO 4017", "DINENISO4017"},
                                                                      {"ASME B16.5", "ASMEB16.5"},
                                                                      {"IEC 60034-1", "IEC60034-1"},
                                                                      {"KS B 1234", "KSB1234"},
                                                                      {"EN 10204", "EN10204"},
                                                                      {"ASTM A105", "ASTMA105"},
                                                                      {"ISO 9001:2015", "ISO9001:2015"},
                                                                      {"ISO 2768-m", "ISO2768-M"}};
  std::vector<Expected> expected;
  expected.reserve(standards.size());
  for (const auto& [raw, normalized] : standards) {
    expected.emplace_back("standard", raw, normalized, static_cast<int>(text.find(raw)));
  }
  EXPECT_EQ(found(text), expected);
  EXPECT_EQ(found("Hex bolt M12 x 40, ISO 4017"),
            (std::vector<Expected>{{"standard", "ISO 4017", "ISO4017", 19}}));
  // A paragraph wrapped between the organisation and the number.
  EXPECT_EQ(found("in accordance with IEC\n60204-1 and"),
            (std::vector<Expected>{{"standard", "IEC\n60204-1", "IEC60204-1", 19}}));
}

TEST(IdentifierExtraction, SectionFigureAndTableReferences) {
  EXPECT_EQ(found("see section 4.2 and § 3.1; SECTION 4.2.1."),
            (std::vector<Expected>{{"section_ref", "section 4.2", "SEC4.2", 4},
                                   {"section_ref", "§ 3.1", "SEC3.1", 20},
                                   {"section_ref", "SECTION 4.2.1", "SEC4.2.1", 28}}));
  EXPECT_EQ(found("Figure 1 and Fig. 3a refer to Table 2 and TAB. 4"),
            (std::vector<Expected>{{"figure_ref", "Figure 1", "FIG1", 0},
                                   {"figure_ref", "Fig. 3a", "FIG3A", 13},
                                   {"table_ref", "Table 2", "TABLE2", 30},
                                   {"table_ref", "TAB. 4", "TABLE4", 42}}));
  // "그림 1과 표 2를": 그림 is 6 bytes, the space 1, "1과 " 5.
  EXPECT_EQ(found("그림 1과 표 2를 보십시오."), (std::vector<Expected>{{"figure_ref", "그림 1", "FIG1", 0},
                                                                       {"table_ref", "표 2", "TABLE2", 12}}));
}

TEST(IdentifierExtraction, KoreanTextAroundIdentifiers) {
  // "주의: " is 8 bytes, "교체용 " 10, "O-링 " 6: P-1234 starts at byte 24; "P-1234 및 " is 11 more.
  EXPECT_EQ(found("주의: 교체용 O-링 P-1234 및 P-1235는 반드시 정품 부품을 사용하십시오."),
            (std::vector<Expected>{{"part_number", "P-1234", "P1234", 24},
                                   {"part_number", "P-1235", "P1235", 35}}));
  const std::string seal = "기계적 씰 HX-200-SL-01을 손상시키며 도면 DWG-HX200-001을 참조하십시오.";
  EXPECT_EQ(found(seal),
            (std::vector<Expected>{
                {"part_number", "HX-200-SL-01", "HX200SL01", static_cast<int>(seal.find("HX-"))},
                {"drawing_number", "DWG-HX200-001", "DWGHX200001", static_cast<int>(seal.find("DWG"))}}));
}

TEST(IdentifierExtraction, NoFalsePositives) {
  for (const char* text : {"Ø120",
                           "SEAL CHAMBER BORE Ø120 (WAS Ø110)",
                           "8x Ø18 EQ. SP. ON PCD Ø380",
                           "M12 x 40",
                           "Hex bolt M16 x 60",
                           "Impeller nut M20",
                           "Grease nipple M8 x 1",
                           "2023-05-02",
                           "DATE 2024-03-15",
                           "in 2024",
                           "Page 1 of 6",
                           "O-ring 150 x 4",
                           "O-RING",
                           "교체용 O-링",
                           "Grade 2B",
                           "120 m³/h",
                           "DN 100 / DN 80",
                           "DN100",
                           "PN16",
                           "R150",
                           "G 1/2",
                           "Ball bearing 6309-2Z",
                           "A4-70",
                           "S235JR",
                           "CuSn10 bronze",
                           "EN-GJL-250",
                           "1.4021",
                           "serial numbers from 24-0001",
                           "the HX-200 pump",
                           "0.3 mm",
                           "12345",
                           "80 dB(A)",
                           "SECTION A-A",
                           "cross-section 2",
                           "a table 3 m long",
                           "Lip seal 45 x 62 x 8",
                           "REV\tDESCRIPTION\tDATE\tBY",
                           "Reverse it",
                           "1:5",
                           "A3",
                           "SCALE 1:5",
                           "FY2024 budget",
                           "ISO A4 sheet",
                           "EN 1.4301 steel"}) {
    EXPECT_EQ(found(text), std::vector<Expected>{}) << text;
  }
  // Only the standard: "Grade 2B" is not a part number.
  EXPECT_EQ(found("ISO 9906 Grade 2B"), (std::vector<Expected>{{"standard", "ISO 9906", "ISO9906", 0}}));
}

TEST(IdentifierExtraction, SurvivesInvalidUtf8AndEmptyText) {
  EXPECT_EQ(found(""), std::vector<Expected>{});
  EXPECT_EQ(found("P-1234 \xff\xfe P-1235"), (std::vector<Expected>{{"part_number", "P-1234", "P1234", 0},
                                                                    {"part_number", "P-1235", "P1235", 10}}));
}

// The sample manual, block by block as manifest.json lists its text.
Document manual_from_manifest(const nlohmann::json& entry) {
  Document document;
  document.source = "manual.pdf";
  for (const auto& page_entry : entry["pages"]) {
    Page page;
    page.number = page_entry["page"].get<int>();
    for (const auto& text : page_entry["text_blocks"]) {
      Block block;
      block.id = "p" + std::to_string(page.number) + "-b" + std::to_string(page.blocks.size());
      block.text = text.get<std::string>();
      page.blocks.push_back(std::move(block));
    }
    document.pages.push_back(std::move(page));
  }
  return document;
}

TEST(IdentifierSamples, ManualHoldsEveryPartNumberDrawingAndStandard) {
  const nlohmann::json entry = exadoc::testing::sample_entry("manual.pdf");
  const std::vector<Mention> mentions = extractor().extract(manual_from_manifest(entry));

  std::set<std::string> known_parts;
  for (const auto& part : entry["part_numbers"]) known_parts.insert(canonical_part(part.get<std::string>()));
  const std::set<std::string> parts = normalized_of_kind(mentions, "part_number");
  EXPECT_EQ(parts, known_parts);  // every part number, and nothing else taken for one

  for (const auto& variant : entry["part_number_variants"]) {
    const std::string text = variant["text"].get<std::string>();
    const bool seen = std::any_of(mentions.begin(), mentions.end(), [&](const Mention& mention) {
      return mention.kind == "part_number" && mention.raw == text &&
             mention.normalized == canonical_part(variant["canonical"].get<std::string>());
    });
    EXPECT_TRUE(seen) << text;
  }

  const std::string drawing = canonical_part(entry["referenced_drawing"]["number"].get<std::string>());
  EXPECT_EQ(normalized_of_kind(mentions, "drawing_number"), std::set<std::string>{drawing});
  const std::string revision = entry["referenced_drawing"]["revision"].get<std::string>();
  EXPECT_TRUE(normalized_of_kind(mentions, "revision").contains(drawing + "/REV" + revision));

  std::set<std::string> known_standards;
  for (const auto& standard : entry["standards"]) {
    known_standards.insert(extractor().normalize("standard", standard.get<std::string>()));
  }
  // The manifest lists the standards of the running text; the parts list also names DIN 471 and DIN 580.
  std::set<std::string> standards = known_standards;
  standards.insert({"DIN471", "DIN580"});
  EXPECT_EQ(normalized_of_kind(mentions, "standard"), standards);
  EXPECT_TRUE(known_standards.contains("IEC60204-1"));

  EXPECT_EQ(normalized_of_kind(mentions, "figure_ref"), std::set<std::string>{"FIG1"});
  EXPECT_EQ(normalized_of_kind(mentions, "table_ref"), (std::set<std::string>{"TABLE1", "TABLE2"}));
  EXPECT_EQ(normalized_of_kind(mentions, "document_number"), std::set<std::string>{"HX200IMEN"});

  // Every mention points back at its text.
  for (const Mention& mention : mentions) {
    ASSERT_FALSE(mention.block_id.empty());
    const auto& page_entry = entry["pages"][mention.page - 1];
    const size_t block_index = std::stoul(mention.block_id.substr(mention.block_id.find("-b") + 2));
    const std::string text = page_entry["text_blocks"][block_index].get<std::string>();
    EXPECT_EQ(text.substr(static_cast<size_t>(mention.offset), mention.raw.size()), mention.raw);
  }
}

TEST(IdentifierSamples, DrawingMeetsTheManual) {
  const nlohmann::json entry = exadoc::testing::sample_entry("drawing.pdf");
  Document document;
  document.source = "drawing.pdf";
  Page page;
  for (const auto& item : entry["text_items"]) {
    Block block;
    block.id = "p1-b" + std::to_string(page.blocks.size());
    block.text = item.get<std::string>();
    page.blocks.push_back(std::move(block));
  }
  Block title_block;  // as the native engine writes the title block: label and value on one line
  title_block.id = "p1-title";
  title_block.type = BlockType::kTitleBlock;
  title_block.text = "DRAWING NO. " + entry["drawing_number"].get<std::string>() + "\nREV " +
                     entry["revision"].get<std::string>();
  page.blocks.push_back(std::move(title_block));
  document.pages.push_back(std::move(page));
  const std::vector<Mention> mentions = extractor().extract(document);

  const std::string drawing = canonical_part(entry["drawing_number"].get<std::string>());
  EXPECT_EQ(normalized_of_kind(mentions, "drawing_number"), std::set<std::string>{drawing});
  EXPECT_TRUE(normalized_of_kind(mentions, "revision").contains(drawing + "/REVC"));

  std::set<std::string> bom_parts;
  for (const auto& row : entry["bom"]["rows"])
    bom_parts.insert(canonical_part(row["part_no"].get<std::string>()));
  EXPECT_EQ(normalized_of_kind(mentions, "part_number"), bom_parts);

  // The drawing's standards, plus ISO 4017 from the parts list; the note's reference to the manual and its
  // section.
  std::set<std::string> standards{"ISO4017"};
  for (const auto& standard : entry["standards"]) {
    standards.insert(extractor().normalize("standard", standard.get<std::string>()));
  }
  EXPECT_EQ(normalized_of_kind(mentions, "standard"), standards);
  EXPECT_EQ(normalized_of_kind(mentions, "document_number"), std::set<std::string>{"HX200IMEN"});
  EXPECT_EQ(normalized_of_kind(mentions, "section_ref"), std::set<std::string>{"SEC4.2"});

  // Cross-references: what the drawing lists, the manual names in the same normalised form.
  const std::vector<Mention> manual =
      extractor().extract(manual_from_manifest(exadoc::testing::sample_entry("manual.pdf")));
  const std::set<std::string> manual_parts = normalized_of_kind(manual, "part_number");
  for (const std::string& part : bom_parts) EXPECT_TRUE(manual_parts.contains(part)) << part;
  EXPECT_TRUE(normalized_of_kind(manual, "drawing_number").contains(drawing));
}

TEST(IdentifierSamples, PdftotextOfTheManual) {
  const auto result = exadoc::testing::run_command(
      "pdftotext " + exadoc::testing::shell_quote((exadoc::testing::samples_dir() / "manual.pdf").string()) +
      " - 2>/dev/null");
  if (result.exit_code != 0) GTEST_SKIP() << "pdftotext is not available";
  const std::vector<Mention> mentions = extractor().extract(result.output, 1, "text");
  const std::set<std::string> parts = normalized_of_kind(mentions, "part_number");
  const nlohmann::json entry =
      exadoc::testing::sample_entry("manual.pdf");  // named: the loop must not outlive it
  for (const auto& part : entry["part_numbers"]) {
    EXPECT_TRUE(parts.contains(canonical_part(part.get<std::string>()))) << part;
  }
  EXPECT_TRUE(normalized_of_kind(mentions, "drawing_number").contains("DWGHX200001"));
  // pdftotext wraps lines: "IEC" ends one, "60204-1" starts the next.
  EXPECT_TRUE(normalized_of_kind(mentions, "standard").contains("IEC60204-1"));
}

TEST(IdentifierPatternFile, PrecedenceAndOverlapsFollowTheFile) {
  const auto make = [](const std::string& first, const std::string& second, bool keep_overlaps) {
    const std::string keep = keep_overlaps ? ", \"keep_overlaps\": true" : "";
    return IdentifierExtractor::from_json_text(R"({"version": 1, "kinds": [)"
                                               R"({"kind": ")" +
                                                   first +
                                                   R"(", "patterns": ["AB-\\d+"]}, )"
                                                   R"({"kind": ")" +
                                                   second + R"(", "patterns": ["[A-Z]+-\\d+"])" + keep +
                                                   "}]}",
                                               "custom.json");
  };
  EXPECT_EQ(make("first", "second", false).extract("AB-12", 1, "b").size(), 1u);
  EXPECT_EQ(make("first", "second", false).extract("AB-12", 1, "b")[0].kind, "first");
  EXPECT_EQ(make("second", "first", false).extract("AB-12", 1, "b")[0].kind, "second");
  const auto both = make("first", "second", true).extract("AB-12", 1, "b");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].kind, "first");
  EXPECT_EQ(both[1].kind, "second");
}

TEST(IdentifierPatternFile, CustomNormalizationAndIdGroup) {
  const IdentifierExtractor ids = IdentifierExtractor::from_json_text(
      R"json({"version": 1, "kinds": [{"kind": "order", "patterns": ["(?i)order\\s+(?<id>[a-z]+_\\d+)", "x*"],)json"
      R"json( "normalize": {"case": "lower", "replace": [["_", "#"]], "drop": " "}}]})json",
      "custom.json");
  const std::vector<Mention> mentions = ids.extract("see Order AB_12 now", 3, "p3-b1");
  ASSERT_EQ(mentions.size(), 1u);  // the empty matches of "x*" are skipped, and do not hang
  EXPECT_EQ(mentions[0].raw, "AB_12");
  EXPECT_EQ(mentions[0].normalized, "ab#12");
  EXPECT_EQ(mentions[0].offset, 10);
  EXPECT_EQ(mentions[0].page, 3);
  EXPECT_EQ(mentions[0].block_id, "p3-b1");
}

TEST(IdentifierPatternFile, BrokenFilesNameTheFileAndThePattern) {
  EXPECT_NE(pattern_error(R"({"version": 1, "kinds": [)").find("custom.json: not valid JSON"),
            std::string::npos);
  const std::string bad_regex = pattern_error(
      R"({"version": 1, "kinds": [{"kind": "part_number", "patterns": ["P-\\d+", "P-(\\d+"]}]})");
  EXPECT_NE(bad_regex.find("custom.json"), std::string::npos) << bad_regex;
  EXPECT_NE(bad_regex.find("\"part_number\""), std::string::npos) << bad_regex;
  EXPECT_NE(
      bad_regex.find("patterns[1] \"P-(\\d+\": PCRE2 rejects it at offset 6: missing closing parenthesis"),
      std::string::npos)
      << bad_regex;
  const std::string bad_replace = pattern_error(
      R"({"version": 1, "kinds": [{"kind": "k", "patterns": ["a"], "normalize": {"replace": [["[", ""]]}}]})");
  EXPECT_NE(bad_replace.find("normalize.replace[0] \"[\": PCRE2 rejects it"), std::string::npos)
      << bad_replace;

  EXPECT_EQ(
      pattern_error(R"({"version": 1, "kinds": [{"kind": "part_number"}]})"),
      "custom.json: kinds[0] (\"part_number\"): \"patterns\" is missing or not a non-empty list of regular "
      "expressions");
  EXPECT_EQ(pattern_error(R"({"version": 1, "kinds": [{"patterns": ["a"]}]})"),
            "custom.json: kinds[0]: \"kind\" is missing or not a non-empty string");
  EXPECT_EQ(pattern_error(R"({"version": 1})"), "custom.json: \"kinds\" is missing or not a non-empty list");
  EXPECT_NE(pattern_error(R"({"kinds": [{"kind": "k", "patterns": ["a"]}]})").find("\"version\" must be 1"),
            std::string::npos);
  EXPECT_EQ(
      pattern_error(R"({"version": 1, "kinds": [{"kind": "k", "pattern": ["a"]}]})"),
      "custom.json: kinds[0]: unknown key \"pattern\" (allowed: kind, description, patterns, normalize, "
      "keep_overlaps)");
  EXPECT_NE(
      pattern_error(
          R"({"version": 1, "kinds": [{"kind": "k", "patterns": ["a"]}, {"kind": "k", "patterns": ["b"]}]})")
          .find("kind \"k\" is defined twice"),
      std::string::npos);
  EXPECT_NE(
      pattern_error(
          R"({"version": 1, "kinds": [{"kind": "k", "patterns": ["a"], "normalize": {"case": "title"}}]})")
          .find("normalize.case must be"),
      std::string::npos);

  // From a file: the message names the path.
  TempDir temp;
  const std::filesystem::path file = temp.path() / "mine.json";
  std::ofstream(file) << R"({"version": 1, "kinds": [{"kind": "k", "patterns": ["(?<id"]}]})";
  try {
    IdentifierExtractor::from_file(file);
    FAIL() << "no PatternError";
  } catch (const PatternError& error) {
    EXPECT_NE(std::string(error.what()).find(file.string() + ": kinds[0] (\"k\"): patterns[0] \"(?<id\""),
              std::string::npos)
        << error.what();
  }
  try {
    IdentifierExtractor::from_file(temp.path() / "missing.json");
    FAIL() << "no PatternError";
  } catch (const PatternError& error) {
    EXPECT_NE(std::string(error.what()).find("missing.json: cannot read the identifier pattern file"),
              std::string::npos)
        << error.what();
  }
}

TEST(IdentifierPatternFile, DefaultFileLoadsAndTheEnvironmentOverridesIt) {
  // The test owns EXADOC_IDENTIFIERS while it runs, and puts back what the caller had set.
  const char* outer = std::getenv("EXADOC_IDENTIFIERS");
  const std::string outer_value = outer != nullptr ? outer : "";
  unsetenv("EXADOC_IDENTIFIERS");
  const std::filesystem::path default_file = IdentifierExtractor::default_pattern_file();
  EXPECT_TRUE(std::filesystem::exists(default_file)) << default_file;
  EXPECT_EQ(IdentifierExtractor::from_file(default_file).extract("P-1234", 1, "b").size(), 1u);

  TempDir temp;
  const std::filesystem::path mine = temp.path() / "mine.json";
  setenv("EXADOC_IDENTIFIERS", mine.c_str(), 1);
  const std::filesystem::path chosen = IdentifierExtractor::default_pattern_file();
  if (outer != nullptr) {
    setenv("EXADOC_IDENTIFIERS", outer_value.c_str(), 1);
  } else {
    unsetenv("EXADOC_IDENTIFIERS");
  }
  EXPECT_EQ(chosen, mine);
}

}  // namespace
}  // namespace exadoc::layout
