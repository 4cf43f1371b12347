// index_bench — the SQLite index on its own: how fast documents are stored, how large the file grows, and
// how long full-text searches, cross-references and a raw query take on an index of --blocks blocks.
//
//   build-bench/bench/index_bench [--blocks 100000] [--runs 200] [--keep]
//
// The documents are synthetic (layout::Document objects, no parsing): 10 pages of 10 blocks each, technical
// text drawn from a fixed vocabulary by a seeded RNG (word frequencies follow Zipf's law, so some words are
// common and most are rare), with part numbers (P-1234, HX-200-SL-01), drawing numbers, standards and
// section/figure references sprinkled in; every tenth document is a drawing whose first page has a title
// block and a parts list. Mentions come from the real extractor (schemas/identifiers.json), and every
// document is stored in its own transaction through Index::store_document, as a batch does. Queries run on a
// read-only connection, as `exadoc search`, `xref` and `query` open it, after one warm-up run each.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <exadoc/export/index.h>
#include <exadoc/layout/document.h>
#include <exadoc/layout/identifiers.h>

namespace {

namespace fs = std::filesystem;
using exadoc::exporter::Index;
using exadoc::layout::Block;
using exadoc::layout::BlockType;
using exadoc::layout::Document;
using exadoc::layout::Page;
using Clock = std::chrono::steady_clock;

constexpr int kPagesPerDocument = 10;
constexpr int kBlocksPerPage = 10;

// Ordered from most to least frequent: the word of rank r is drawn with probability proportional to 1/(r+1).
// "valve" (rank 5) ends up in about half of the blocks; "pump", "pumps", "pumping" and "pumped" are spread
// over the ranks so that the prefix pump* matches several terms.
constexpr std::string_view kVocabulary[] = {
    "the",         "and",           "of",           "to",           "pump",         "valve",
    "seal",        "with",          "for",          "housing",      "pressure",     "check",
    "shaft",       "bearing",       "flow",         "before",       "motor",        "after",
    "replace",     "inspect",       "torque",       "outlet",       "inlet",        "impeller",
    "gasket",      "pumps",         "bolt",         "clean",        "maintenance",  "operation",
    "temperature", "casing",        "coupling",     "oil",          "level",        "filter",
    "install",     "remove",        "tighten",      "loosen",       "assembly",     "cover",
    "flange",      "pipe",          "water",        "discharge",    "suction",      "speed",
    "rotation",    "direction",     "alignment",    "vibration",    "noise",        "leakage",
    "mechanical",  "lubricate",     "grease",       "interval",     "hours",        "daily",
    "weekly",      "monthly",       "annual",       "service",      "pumping",      "spare",
    "parts",       "list",          "drawing",      "revision",     "section",      "procedure",
    "safety",      "warning",       "caution",      "note",         "ensure",       "operator",
    "electrical",  "power",         "supply",       "voltage",      "current",      "rated",
    "nominal",     "maximum",       "minimum",      "value",        "setting",      "adjust",
    "gauge",       "reading",       "sensor",       "switch",       "control",      "panel",
    "cable",       "connector",     "terminal",     "ground",       "earth",        "isolate",
    "lockout",     "start",         "stop",         "restart",      "fault",        "alarm",
    "indicator",   "display",       "lamp",         "screw",        "nut",          "washer",
    "spring",      "ring",          "sleeve",       "key",          "pin",          "retainer",
    "clamp",       "bracket",       "support",      "frame",        "base",         "plate",
    "foundation",  "anchor",        "grout",        "pumped",       "fluid",        "viscosity",
    "density",     "capacity",      "head",         "efficiency",   "curve",        "performance",
    "test",        "commissioning", "startup",      "shutdown",     "drain",        "vent",
    "prime",       "fill",          "tank",         "reservoir",    "heat",         "exchanger",
    "cooler",      "fan",           "blower",       "compressor",   "air",          "hydraulic",
    "pneumatic",   "cylinder",      "piston",       "rod",          "stroke",       "actuator",
    "positioner",  "solenoid",      "coil",         "winding",      "insulation",   "resistance",
    "megger",      "thermal",       "overload",     "relay",        "contactor",    "fuse",
    "breaker",     "enclosure",     "ingress",      "protection",   "rating",       "class",
    "material",    "stainless",     "steel",        "cast",         "iron",         "bronze",
    "brass",       "rubber",        "nitrile",      "viton",        "ptfe",         "graphite",
    "carbon",      "ceramic",       "tungsten",     "carbide",      "hardened",     "tolerance",
    "clearance",   "runout",        "endplay",      "backlash",     "dial",         "micrometer",
    "caliper",     "wrench",        "spanner",      "puller",       "press",        "heater",
    "induction",   "shrink",        "fit",          "interference", "keyway",       "spline",
    "thread",      "tapped",        "hole",         "dowel",        "locating",     "mark",
    "match",       "orientation",   "upper",        "lower",        "front",        "rear",
    "left",        "right",         "side",         "top",          "bottom",       "inner",
    "outer",       "diameter",      "length",       "width",        "height",       "thickness",
    "weight",      "lifting",       "eye",          "sling",        "crane",        "hoist",
    "transport",   "storage",       "preservation", "corrosion",    "coating",      "paint",
    "primer",      "finish",        "surface",      "roughness",    "machined",     "welded",
    "forged",      "inspection",    "certificate",  "record",       "logbook",      "checklist",
    "signature",   "approval",      "handover",     "warranty",     "manufacturer", "supplier",
    "order",       "quantity",      "unit",         "description",  "item",         "reference",
    "figure",      "table",         "appendix"};

// Drawn about once in 2,000 blocks, never from the vocabulary: the rare-word query.
constexpr std::string_view kRareWord = "cavitation";
// Mentioned in about one block in 400: the part number of the phrase query and of xref.
constexpr std::string_view kQueriedPart = "HX-200-SL-01";
constexpr std::string_view kQueriedPartNormalized = "HX200SL01";

class TextGenerator {
 public:
  explicit TextGenerator(uint32_t seed) : rng_(seed) {
    std::vector<double> weights;
    for (size_t rank = 0; rank < std::size(kVocabulary); ++rank) weights.push_back(1.0 / double(rank + 1));
    zipf_ = std::discrete_distribution<size_t>(weights.begin(), weights.end());
  }

  int uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  bool chance(double probability) { return std::bernoulli_distribution(probability)(rng_); }

  std::string part_number() {
    if (chance(0.25)) {
      if (chance(0.1)) return std::string(kQueriedPart);
      static constexpr const char* kFamilies[] = {"HX", "PX", "VB"};
      static constexpr const char* kKinds[] = {"SL", "BR", "IM", "GK"};
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%s-%d00-%s-%02d", kFamilies[uniform(0, 2)], uniform(1, 3),
                    kKinds[uniform(0, 3)], uniform(1, 12));
      return buffer;
    }
    // P-1000 ... P-2999, sometimes written without the hyphen or in lower case (they normalise alike).
    const int number = uniform(1000, 2999);
    const int spelling = uniform(0, 9);
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, spelling == 0 ? "P%d" : spelling == 1 ? "p-%d" : "P-%d", number);
    return buffer;
  }

  std::string drawing_number(int number) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "DWG-HX200-%03d", number);
    return buffer;
  }

  // A sentence of `words` vocabulary words, capitalised, ending in a full stop.
  std::string sentence(int words) {
    std::string text;
    for (int index = 0; index < words; ++index) {
      if (index > 0) text += ' ';
      std::string word(kVocabulary[zipf_(rng_)]);
      if (index == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
      text += word;
    }
    return text + '.';
  }

  // A paragraph of 1-3 sentences with identifiers sprinkled in.
  std::string paragraph(int drawings) {
    std::string text;
    const int sentences = uniform(1, 3);
    for (int index = 0; index < sentences; ++index) {
      if (!text.empty()) text += ' ';
      text += sentence(uniform(6, 16));
    }
    if (chance(0.3)) text += " Replace with part " + part_number() + " when worn.";
    if (chance(0.08)) text += " Order " + part_number() + " and " + part_number() + " together.";
    if (chance(0.05)) text += " See drawing " + drawing_number(uniform(1, drawings)) + " Rev. C.";
    if (chance(0.05)) {
      static constexpr const char* kStandards[] = {"ISO 9906",    "DIN 24255", "ASME B16.5",
                                                   "IEC 60034-1", "KS B 6301", "ISO 4017"};
      text += std::string(" Tightened to ") + kStandards[uniform(0, 5)] + '.';
    }
    if (chance(0.05))
      text += " Refer to section " + std::to_string(uniform(1, 9)) + '.' + std::to_string(uniform(1, 6)) +
              " and Figure " + std::to_string(uniform(1, 20)) + '.';
    if (chance(1.0 / 2000)) text += " Noise at low suction head indicates " + std::string(kRareWord) + '.';
    return text;
  }

 private:
  std::mt19937 rng_;
  std::discrete_distribution<size_t> zipf_;
};

Block make_block(int page, int order, BlockType type, std::string text) {
  Block block;
  block.id = 'p';  // appended piecewise: "p" + std::to_string() trips GCC 12's -Wrestrict false positive
  block.id += std::to_string(page);
  block.id += "-b";
  block.id += std::to_string(order);
  block.type = type;
  block.reading_order = order;
  block.box = {60, 40 + order * 90, 940, 40 + order * 90 + 80};
  block.text = std::move(text);
  return block;
}

// Document `number` (0-based) of `documents`: every tenth one a drawing (title block and parts list on its
// first page), the others manuals.
Document make_document(TextGenerator& text, int number, int documents) {
  const int drawings = std::max(1, documents / 10);
  const bool drawing = number % 10 == 0;
  Document document;
  document.source = "bench/doc-" + std::to_string(number) + ".pdf";
  document.file_type = "pdf";
  document.engine = "native";
  for (int page_number = 1; page_number <= kPagesPerDocument; ++page_number) {
    Page page;
    page.number = page_number;
    page.size_pt = {595.0, 842.0};
    page.width_px = 1240;
    page.height_px = 1754;
    page.dpi = 150;
    for (int order = 0; order < kBlocksPerPage; ++order) {
      if (drawing && page_number == 1 && order == 0) {
        const std::string number_text = text.drawing_number(number / 10 + 1);
        Block block = make_block(page_number, order, BlockType::kTitleBlock,
                                 "DRAWING NO. " + number_text + "\nREV C\nTITLE PUMP ASSEMBLY\nSCALE 1:5");
        block.fields = {
            {"drawing_number", number_text}, {"revision", "C"}, {"title", "PUMP ASSEMBLY"}, {"scale", "1:5"}};
        page.blocks.push_back(std::move(block));
      } else if (drawing && page_number == 1 && order == 1) {
        std::string rows = "ITEM\tPART NO.\tDESCRIPTION\tQTY";
        for (int item = 1; item <= 8; ++item) {
          rows += '\n' + std::to_string(item) + '\t' + text.part_number() + '\t' + text.sentence(3) + '\t' +
                  std::to_string(text.uniform(1, 8));
        }
        page.blocks.push_back(make_block(page_number, order, BlockType::kBomTable, rows));
      } else if (order == 0) {
        Block block = make_block(page_number, order, BlockType::kSectionHeader,
                                 std::to_string(page_number) + ". " + text.sentence(text.uniform(2, 4)));
        block.level = 1;
        page.blocks.push_back(std::move(block));
      } else if (order == 9) {
        page.blocks.push_back(make_block(page_number, order, BlockType::kPageFooter,
                                         "MANUAL HX200-IM-EN  Page " + std::to_string(page_number)));
      } else if (order == 5 && text.chance(0.3)) {
        std::string rows = "Item\tPart\tTorque";
        for (int row = 0; row < 4; ++row)
          rows += '\n' + text.sentence(2) + '\t' + text.part_number() + '\t' +
                  std::to_string(text.uniform(10, 90));
        page.blocks.push_back(make_block(page_number, order, BlockType::kTable, rows));
      } else if (order == 7 && text.chance(0.3)) {
        page.blocks.push_back(
            make_block(page_number, order, BlockType::kListItem, "- " + text.paragraph(drawings)));
      } else {
        page.blocks.push_back(make_block(page_number, order, BlockType::kText, text.paragraph(drawings)));
      }
    }
    document.pages.push_back(std::move(page));
  }
  return document;
}

// 64 hex digits, distinct per document.
std::string fake_sha256(int number) {
  char buffer[65];
  std::snprintf(buffer, sizeof buffer, "%016x%048x", 0xbe7c4u, static_cast<unsigned>(number));
  return buffer;
}

struct Latency {
  int runs = 0;
  double median_ms = 0;
  double p95_ms = 0;
};

// One warm-up call, then `runs` timed calls, stopping early (after at least 5) once `budget_s` is spent.
Latency measure(int runs, double budget_s, const std::function<void()>& call) {
  call();
  std::vector<double> milliseconds;
  const auto started = Clock::now();
  for (int index = 0; index < runs; ++index) {
    const auto before = Clock::now();
    call();
    milliseconds.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
    if (index >= 4 && std::chrono::duration<double>(Clock::now() - started).count() > budget_s) break;
  }
  std::sort(milliseconds.begin(), milliseconds.end());
  const size_t n = milliseconds.size();
  const size_t p95 = std::min(n - 1, static_cast<size_t>(std::ceil(0.95 * double(n))) - 1);
  return {static_cast<int>(n), milliseconds[n / 2], milliseconds[p95]};
}

int64_t count_of(const Index& index, const std::string& sql) {
  const auto result = index.query(sql);
  return std::get<int64_t>(result.rows.at(0).at(0));
}

double file_mib(const fs::path& file) {
  std::error_code error;
  const auto bytes = fs::file_size(file, error);
  return error ? 0.0 : static_cast<double>(bytes) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  int block_target = 100000;
  int runs = 200;
  bool keep = false;
  for (int index = 1; index < argc; ++index) {
    const std::string argument = argv[index];
    if (argument == "--blocks" && index + 1 < argc) {
      block_target = std::max(kPagesPerDocument * kBlocksPerPage, std::atoi(argv[++index]));
    } else if (argument == "--runs" && index + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++index]));
    } else if (argument == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: index_bench [--blocks N] [--runs N] [--keep]\n");
      return 2;
    }
  }
  constexpr int kBlocksPerDocument = kPagesPerDocument * kBlocksPerPage;
  const int documents = (block_target + kBlocksPerDocument - 1) / kBlocksPerDocument;
  const fs::path scratch = fs::temp_directory_path() / ("exadoc-index-bench-" + std::to_string(getpid()));
  fs::create_directories(scratch);
  const fs::path file = scratch / "exadoc.sqlite";

  const auto extractor = exadoc::layout::IdentifierExtractor::from_file(
      exadoc::layout::IdentifierExtractor::default_pattern_file());
  TextGenerator text(20261123);
  double generate_s = 0, extract_s = 0, store_s = 0;
  int64_t blocks = 0, mentions = 0;
  {
    Index index = Index::open(file, Index::Access::kReadWrite);
    const int64_t run = index.begin_run(exadoc::exporter::RunKind::kBatch, "{}");
    for (int number = 0; number < documents; ++number) {
      auto started = Clock::now();
      const Document document = make_document(text, number, documents);
      auto now = Clock::now();
      generate_s += std::chrono::duration<double>(now - started).count();
      started = now;
      const auto found = extractor.extract(document);
      now = Clock::now();
      extract_s += std::chrono::duration<double>(now - started).count();
      started = now;
      exadoc::exporter::DocumentRecord record;
      record.sha256 = fake_sha256(number);
      record.path = document.source;
      record.file_type = "pdf";
      record.engine = "native";
      record.page_count = kPagesPerDocument;
      index.store_document(run, record, document, found);
      store_s += std::chrono::duration<double>(Clock::now() - started).count();
      blocks += kBlocksPerDocument;
      mentions += static_cast<int64_t>(found.size());
    }
    index.finish_run(run, {documents, 0, 0, int64_t{documents} * kPagesPerDocument, store_s});
  }  // closing the last connection checkpoints the WAL into the main file

  const Index index = Index::open(file, Index::Access::kReadOnly);
  const std::string sqlite_version =
      exadoc::exporter::value_to_string(index.query("SELECT sqlite_version()").rows.at(0).at(0));
  std::printf("index_bench: %d documents, %lld pages, %lld blocks, %lld mentions (SQLite %s)\n\n", documents,
              static_cast<long long>(int64_t{documents} * kPagesPerDocument), static_cast<long long>(blocks),
              static_cast<long long>(mentions), sqlite_version.c_str());
  std::printf("%-44s %10s %12s\n", "build", "seconds", "blocks/s");
  std::printf("%-44s %10.2f %12.0f\n", "store_document (one transaction per doc)", store_s,
              static_cast<double>(blocks) / store_s);
  std::printf("%-44s %10.2f %12.0f\n", "identifier extraction (not in the above)", extract_s,
              static_cast<double>(blocks) / extract_s);
  std::printf("%-44s %10.2f\n", "document generation (not in the above)", generate_s);
  std::printf("%-44s %10.1f MiB (%.0f bytes/block)\n\n", "file size after checkpoint", file_mib(file),
              file_mib(file) * 1024 * 1024 / static_cast<double>(blocks));

  struct Search {
    const char* label;
    std::string words;
    std::string fts;  // the same as an FTS5 expression, to count every matching block
  };
  const std::vector<Search> searches = {
      {"search: common word (valve)", "valve", "valve"},
      {"search: rare word (cavitation)", std::string(kRareWord), std::string(kRareWord)},
      {"search: two words (seal housing)", "seal housing", "seal housing"},
      {"search: prefix (pump*)", "pump*", "pump*"},
      {"search: part number (HX-200-SL-01)", std::string(kQueriedPart),
       "\"" + std::string(kQueriedPart) + "\""},
  };
  constexpr double kBudgetSeconds = 10.0;
  std::printf("%-44s %6s %9s %10s %10s\n", "query (warm, read-only connection)", "runs", "matches",
              "median ms", "p95 ms");
  for (const Search& search : searches) {
    const int64_t matches =
        count_of(index, "SELECT count(*) FROM blocks_fts WHERE blocks_fts MATCH '" + search.fts + "'");
    size_t hits = 0;
    const Latency latency =
        measure(runs, kBudgetSeconds, [&] { hits = index.search(search.words, 20).size(); });
    if (hits == 0) {
      std::fprintf(stderr, "index_bench: %s found nothing\n", search.label);
      return 1;
    }
    std::printf("%-44s %6d %9lld %10.3f %10.3f\n", search.label, latency.runs,
                static_cast<long long>(matches), latency.median_ms, latency.p95_ms);
  }
  size_t xref_hits = 0;
  const Latency xref = measure(runs, kBudgetSeconds,
                               [&] { xref_hits = index.xref(std::string(kQueriedPartNormalized)).size(); });
  std::printf("%-44s %6d %9zu %10.3f %10.3f\n", "xref HX200SL01 (every mention, with context)", xref.runs,
              xref_hits, xref.median_ms, xref.p95_ms);
  int64_t xref_rows = 0;
  const Latency view =
      measure(runs, kBudgetSeconds, [&] { xref_rows = count_of(index, "SELECT count(*) FROM xrefs"); });
  std::printf("%-44s %6d %9lld %10.3f %10.3f\n", "query: SELECT count(*) FROM xrefs", view.runs,
              static_cast<long long>(xref_rows), view.median_ms, view.p95_ms);
  int64_t drawing_rows = 0;
  const Latency drawing = measure(runs, kBudgetSeconds, [&] {
    drawing_rows = count_of(index, "SELECT count(*) FROM xrefs WHERE normalized = 'DWGHX200001'");
  });
  std::printf("%-44s %6d %9lld %10.3f %10.3f\n", "query: xrefs WHERE normalized = 'DWGHX200001'",
              drawing.runs, static_cast<long long>(drawing_rows), drawing.median_ms, drawing.p95_ms);
  std::printf(
      "\n(matches: blocks matching the query, of which search returns the best 20; xref and query: rows)\n");

  if (keep) {
    std::printf("index kept: %s\n", file.c_str());
  } else {
    fs::remove_all(scratch);
  }
  return 0;
}
