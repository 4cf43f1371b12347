#include <exadoc/app/cli.h>

int main(int argc, char** argv) {
  return exadoc::app::run_cli(argc, argv);
}
