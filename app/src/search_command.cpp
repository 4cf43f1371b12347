// exadoc search: full-text search over block text, with document, page, box and a snippet per hit.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/export/index.h>

#include "commands.h"
#include "index_output.h"

namespace exadoc::app {
namespace {

struct SearchSettings {
  std::vector<std::string> words;
  IndexLocation index;
  std::string format = "table";
  int limit = 20;
};

int run_search(const SearchSettings& settings) {
  std::string words;
  for (const std::string& word : settings.words) words += (words.empty() ? "" : " ") + word;
  try {
    const exporter::Index index =
        exporter::Index::open(settings.index.file(), exporter::Index::Access::kReadOnly);
    const std::vector<exporter::SearchHit> hits = index.search(words, settings.limit);
    exporter::QueryResult rows;
    rows.columns = {"document", "page", "block", "type", "box", "snippet"};
    for (const exporter::SearchHit& hit : hits) {
      rows.rows.push_back({hit.document_path, int64_t{hit.page}, hit.block_key, hit.block_type,
                           box_text(hit.box), hit.snippet});
    }
    print_rows(rows, parse_format(settings.format), stdout, 80);
    if (hits.empty()) EXADOC_LOG_INFO("no block contains all of: %s", words.c_str());
    return kExitOk;
  } catch (const exporter::IndexError& error) {
    EXADOC_LOG_ERROR("%s", error.what());
    return kExitEnvironment;
  }
}

}  // namespace

CommandAction add_search_command(CLI::App& app) {
  auto settings = std::make_shared<SearchSettings>();
  CLI::App* command = app.add_subcommand("search", "Full-text search over every indexed block");
  command->add_option("words", settings->words, "Words a block must all contain; word* matches a prefix")
      ->required();
  command->add_option("-n,--limit", settings->limit, "Most hits shown, best first (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  add_index_options(*command, settings->index, settings->format);
  command->footer(
      "Example:\n  exadoc search mechanical seal\n  exadoc search \"bear*\" --format json\n\n"
      "Boxes are x1 y1 x2 y2 on 0-1000 of the page. For identifiers (part or drawing numbers in any "
      "spelling)\n"
      "use exadoc xref.");
  return [settings] { return run_search(*settings); };
}

}  // namespace exadoc::app
