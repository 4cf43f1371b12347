// exadoc query: one read-only SQL statement on the index, printed as a table, CSV or JSON.
#include <cstdio>
#include <memory>
#include <string>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/export/index.h>

#include "commands.h"
#include "index_output.h"

namespace exadoc::app {
namespace {

struct QuerySettings {
  std::string sql;
  IndexLocation index;
  std::string format = "table";
};

int run_query(const QuerySettings& settings) {
  try {
    const exporter::Index index =
        exporter::Index::open(settings.index.file(), exporter::Index::Access::kReadOnly);
    print_rows(index.query(settings.sql), parse_format(settings.format), stdout);
    return kExitOk;
  } catch (const exporter::IndexError& error) {
    EXADOC_LOG_ERROR("%s", error.what());
    return kExitUsage;  // a refused or failing statement: the command line is what needs changing
  }
}

}  // namespace

CommandAction add_query_command(CLI::App& app) {
  auto settings = std::make_shared<QuerySettings>();
  CLI::App* command =
      app.add_subcommand("query", "Run a read-only SQL statement on the index (schema: schemas/index.sql)");
  command->add_option("sql", settings->sql, "One SELECT (or WITH ... SELECT) statement")->required();
  add_index_options(*command, settings->index, settings->format);
  command->footer(
      "Examples:\n"
      "  exadoc query \"SELECT path, page_count, status FROM documents\"\n"
      "  exadoc query \"SELECT normalized, document_path, page FROM xrefs\" --format csv\n\n"
      "The index is opened read-only: statements that would write are refused before they run.\n"
      "Tables: documents, document_paths, pages, blocks, blocks_fts (FTS5), mentions, runs; view xrefs.");
  return [settings] { return run_query(*settings); };
}

}  // namespace exadoc::app
