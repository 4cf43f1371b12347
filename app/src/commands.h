// Private to app: each subcommand registers its options on the CLI11 app and returns the action to run.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace exadoc::app {

using CommandAction = std::function<int()>;

CommandAction add_render_command(CLI::App& app);
CommandAction add_doctor_command(CLI::App& app);
CommandAction add_model_command(CLI::App& app);
CommandAction add_parse_command(CLI::App& app);
CommandAction add_batch_command(CLI::App& app);
CommandAction add_query_command(CLI::App& app);
CommandAction add_search_command(CLI::App& app);
CommandAction add_xref_command(CLI::App& app);
CommandAction add_watch_command(CLI::App& app);

}  // namespace exadoc::app
