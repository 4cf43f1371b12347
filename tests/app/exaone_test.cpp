// The EXAONE engine in the pipeline, with the tiny random-weight fixture on the CPU: the model speaks noise,
// and the pipeline must survive it — every page comes out (marked when its output did not parse), the exports
// validate, the index holds the pages with how the model answered.
#include <string>

#include <gtest/gtest.h>

#include <exadoc/export/index.h>

#include "app/index_checks.h"
#include "json_schema.h"
#include "test_support.h"

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;
using exadoc::testing::column;
using exadoc::testing::CommandResult;
using exadoc::testing::count;
using exadoc::testing::data_dir;
using exadoc::testing::expect_consistent;
using exadoc::testing::read_json;
using exadoc::testing::samples_dir;
using exadoc::testing::shell_quote;
using exadoc::testing::source_dir;
using exadoc::testing::TempDir;
using exporter::Index;

CommandResult exadoc(const std::string& arguments) {
  return exadoc::testing::run_exadoc(arguments, true);
}

std::string tiny_model() {
  return shell_quote(source_dir() / "tests/fixtures/exaone45-tiny");
}

TEST(ExaoneEngine, TheManualRunsToTheEndWithTheTinyModelAndEveryPageIsAccountedFor) {
  TempDir output;
  const CommandResult parse =
      exadoc("parse " + shell_quote(samples_dir() / "manual.pdf") + " -o " + shell_quote(output.path()) +
             " --engine exaone --model " + tiny_model() + " --max-new-tokens 12");
  ASSERT_EQ(parse.exit_code, 0) << parse.output;
  for (const char* extension : {".md", ".html", ".json"}) {
    EXPECT_TRUE(fs::exists(output.path() / (std::string("manual") + extension))) << extension;
  }
  const nlohmann::json document = read_json(output.path() / "manual.json");
  EXPECT_EQ(exadoc::testing::schema_errors(document, "document.schema.json"), "");
  EXPECT_EQ(document["engine"], "exaone");
  ASSERT_EQ(document["pages"].size(), 6u);
  for (const auto& page : document["pages"]) {
    ASSERT_TRUE(page.contains("model_output")) << page["number"];
    if (page["model_output"] != "html") {
      EXPECT_FALSE(page["warnings"].empty()) << "a page whose output did not parse is marked";
    }
    for (const auto& block : page["blocks"]) EXPECT_EQ(block["source"], "vlm");
  }

  const Index index = Index::open(output.path() / "exadoc.sqlite", Index::Access::kReadOnly);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE engine = 'exaone' AND status = 'ok'"), 1);
  EXPECT_EQ(count(index, "SELECT count(*) FROM pages WHERE model_output IS NOT NULL"), 6);
  // The text layer is there, so every page has a grounding figure; a random model disagrees with it.
  EXPECT_EQ(count(index, "SELECT count(*) FROM pages WHERE text_disagreement > 0.5"), 6);
  EXPECT_TRUE(index.query("PRAGMA foreign_key_check").rows.empty());
}

TEST(ExaoneEngine, AutoChoosesTheModelWhenOneIsConfiguredAndSmallEnough) {
  TempDir output;
  const std::string file = shell_quote(data_dir() / "formats/rotated90.pdf");
  const CommandResult automatic = exadoc("parse " + file + " -o " + shell_quote(output.path()) + " --model " +
                                         tiny_model() + " --max-new-tokens 4 --no-index");
  ASSERT_EQ(automatic.exit_code, 0) << automatic.output;
  EXPECT_EQ(read_json(output.path() / "rotated90.json")["engine"], "exaone");

  const CommandResult native = exadoc("parse " + file + " -o " + shell_quote(output.path()) + " --no-index");
  ASSERT_EQ(native.exit_code, 0) << native.output;
  EXPECT_EQ(read_json(output.path() / "rotated90.json")["engine"], "native");
  EXPECT_NE(native.output.find("no model is configured"), std::string::npos) << native.output;
}

TEST(ExaoneEngine, BatchIndexesWithTheModelAndSkipsOnTheSecondRun) {
  TempDir input, output;
  fs::copy_file(data_dir() / "formats/rotated90.pdf", input.path() / "page.pdf");
  const std::string command = "batch " + shell_quote(input.path()) + " -o " + shell_quote(output.path()) +
                              " --engine exaone --model " + tiny_model() + " --max-new-tokens 4";
  const CommandResult first = exadoc(command);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const CommandResult second = exadoc(command);
  EXPECT_NE(second.output.find("0 done, 1 skipped"), std::string::npos) << second.output;
  // Other generation settings are another parse.
  const CommandResult other = exadoc(command + " --seed 7");
  EXPECT_NE(other.output.find("1 done, 0 skipped"), std::string::npos) << other.output;
}

TEST(ExaoneEngine, ClearErrorsForAMissingOrBrokenModel) {
  TempDir output, broken;
  const std::string file = shell_quote(data_dir() / "formats/rotated90.pdf");
  const CommandResult no_model =
      exadoc("parse " + file + " -o " + shell_quote(output.path()) + " --engine exaone");
  EXPECT_EQ(no_model.exit_code, 2);
  EXPECT_NE(no_model.output.find("--model"), std::string::npos) << no_model.output;

  fs::copy_file(source_dir() / "tests/fixtures/exaone45-tiny/config.json", broken.path() / "config.json");
  const CommandResult broken_model = exadoc("parse " + file + " -o " + shell_quote(output.path()) +
                                            " --engine exaone --model " + shell_quote(broken.path()));
  EXPECT_EQ(broken_model.exit_code, 3) << broken_model.output;
  EXPECT_NE(broken_model.output.find("cannot load the model"), std::string::npos) << broken_model.output;
}

}  // namespace
}  // namespace exadoc::app
