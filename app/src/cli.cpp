#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>

#include "commands.h"
#include "console.h"

namespace exadoc::app {

int run_cli(int argc, char** argv) {
  CLI::App app{"exadoc turns industrial documents (PDFs, scans, drawings) into structured, searchable data.",
               "exadoc"};
  app.set_version_flag("--version", std::string("exadoc ") + EXADOC_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  bool verbose = false;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log details (library messages, skew measurements) to stderr");
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");
  app.footer(
      "Run 'exadoc COMMAND --help' for the options of a command.\n\n"
      "Exit codes: 0 all good; 1 some documents or pages failed (the rest were processed);\n"
      "            2 bad command line; 3 the environment lacks something (e.g. an unwritable output "
      "folder).");

  std::map<const CLI::App*, CommandAction> actions;
  auto add = [&](CommandAction (*register_command)(CLI::App&)) {
    CommandAction action = register_command(app);
    actions.emplace(app.get_subcommands({}).back(), std::move(action));
  };
  add(add_parse_command);
  add(add_batch_command);
  add(add_watch_command);

  add(add_query_command);
  add(add_search_command);
  add(add_xref_command);
  add(add_render_command);
  add(add_doctor_command);
  add(add_model_command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);  // prints help, version or the error with a hint
    return code == 0 ? kExitOk : kExitUsage;
  }

  install_console_log_sink();
  set_log_level(verbose ? LogLevel::kDebug : quiet ? LogLevel::kWarning : LogLevel::kInfo);
  for (const CLI::App* command : app.get_subcommands()) {
    try {
      return actions.at(command)();
    } catch (const std::exception& error) {
      EXADOC_LOG_ERROR("%s", error.what());
      return kExitEnvironment;
    }
  }
  return kExitUsage;
}

}  // namespace exadoc::app
