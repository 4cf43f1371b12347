// exadoc/app/cli.h — the exadoc command line.
#pragma once

namespace exadoc::app {

// Exit codes, documented in `exadoc --help`.
enum ExitCode : int {
  kExitOk = 0,           // everything succeeded
  kExitSomeFailed = 1,   // some documents or pages failed; the rest were processed
  kExitUsage = 2,        // bad command line
  kExitEnvironment = 3,  // the machine lacks something (output folder not writable, model, GPU, database)
};

// Parses the arguments, runs the subcommand, returns the process exit code. Never throws.
int run_cli(int argc, char** argv);

}  // namespace exadoc::app
