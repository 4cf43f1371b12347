// exadoc xref: every place an identifier appears, across documents — the manual page that cites a drawing,
// the drawing's parts list that lists a part, in whatever spelling each used.
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/export/index.h>
#include <exadoc/layout/identifiers.h>

#include "commands.h"
#include "index_output.h"

namespace exadoc::app {
namespace {

struct XrefSettings {
  std::string identifier;
  IndexLocation index;
  std::string format = "table";
  std::string identifiers;  // pattern file
};

// The normalised forms to look up: what the patterns make of the identifier when they recognise it (each kind
// normalises its own way: "IEC 60204-1" keeps the hyphen of its part number), and the generic form.
std::vector<std::string> lookup_keys(const layout::IdentifierExtractor& extractor,
                                     const std::string& identifier) {
  std::vector<std::string> keys;
  for (const layout::Mention& mention : extractor.extract(identifier, 1, "query")) {
    if (mention.raw.size() * 2 >= identifier.size()) keys.push_back(mention.normalized);
  }
  keys.push_back(extractor.normalize("", identifier));
  return keys;
}

int run_xref(const XrefSettings& settings) {
  try {
    const layout::IdentifierExtractor extractor = layout::IdentifierExtractor::from_file(
        settings.identifiers.empty() ? layout::IdentifierExtractor::default_pattern_file()
                                     : std::filesystem::path(settings.identifiers));
    const exporter::Index index =
        exporter::Index::open(settings.index.file(), exporter::Index::Access::kReadOnly);
    exporter::QueryResult rows;
    rows.columns = {"kind", "as written", "document", "type", "page", "block", "box", "context"};
    std::set<std::string> documents;
    std::set<std::string> tried;
    for (const std::string& key : lookup_keys(extractor, settings.identifier)) {
      if (!tried.insert(key).second) continue;
      for (const exporter::XrefHit& hit : index.xref(key, settings.format == "table" ? 25 : 60)) {
        documents.insert(hit.document_path);
        rows.rows.push_back({hit.kind, hit.raw, hit.document_path, hit.file_type, int64_t{hit.page},
                             hit.block_key, box_text(hit.box), hit.context});
      }
    }
    print_rows(rows, parse_format(settings.format), stdout, 70);
    std::string keys;
    for (const std::string& key : tried) keys += (keys.empty() ? "" : ", ") + key;
    EXADOC_LOG_INFO("%s (looked up as %s): %zu mentions in %zu documents", settings.identifier.c_str(),
                    keys.c_str(), rows.rows.size(), documents.size());
    return kExitOk;
  } catch (const exporter::IndexError& error) {
    EXADOC_LOG_ERROR("%s", error.what());
    return kExitEnvironment;
  } catch (const layout::PatternError& error) {
    EXADOC_LOG_ERROR("%s", error.what());
    return kExitEnvironment;
  }
}

}  // namespace

CommandAction add_xref_command(CLI::App& app) {
  auto settings = std::make_shared<XrefSettings>();
  CLI::App* command = app.add_subcommand(
      "xref", "Every place an identifier (part number, drawing number, standard, section) appears");
  command
      ->add_option("identifier", settings->identifier,
                   "As written anywhere: P-1234, p1234 and P 1234 all match")
      ->required();
  command->add_option("--identifiers", settings->identifiers,
                      "Identifier pattern file (default: schemas/identifiers.json)");
  add_index_options(*command, settings->index, settings->format);
  command->footer(
      "Example:\n  exadoc xref DWG-HX200-001\n  exadoc xref \"iso 4017\" --format csv\n\n"
      "Identifiers shared by several documents, all at once: exadoc query \"SELECT * FROM xrefs\".");
  return [settings] { return run_xref(*settings); };
}

}  // namespace exadoc::app
