// exadoc parse end to end on the samples: every sample parses, every JSON validates against
// schemas/document.schema.json (valijson), all three exports and the overlays are written, bad files are
// reported while the rest go on.
#include <fstream>

#include <gtest/gtest.h>

#include "json_schema.h"
#include "test_support.h"

namespace exadoc::app {
namespace {

using exadoc::testing::CommandResult;
using exadoc::testing::data_dir;
using exadoc::testing::read_json;
using exadoc::testing::samples_dir;
using exadoc::testing::shell_quote;
using exadoc::testing::TempDir;

CommandResult exadoc(const std::string& arguments) {
  return exadoc::testing::run_exadoc(arguments, true);
}

std::string schema_errors(const nlohmann::json& document) {
  return exadoc::testing::schema_errors(document, "document.schema.json");
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream stream(file);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

// Parsing the samples is the slowest thing in the suite (OCR of three scanned pages): do it once.
class ParsedSamples : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    output_ = new TempDir();
    result_ = new CommandResult(
        exadoc("parse " + shell_quote(samples_dir()) + " -o " + shell_quote(output_->path()) + " --overlay"));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete output_;
  }
  static TempDir* output_;
  static CommandResult* result_;
};
TempDir* ParsedSamples::output_ = nullptr;
CommandResult* ParsedSamples::result_ = nullptr;

TEST_F(ParsedSamples, EverySampleParsesIntoThreeExportsThatValidate) {
  ASSERT_EQ(result_->exit_code, 0) << result_->output;
  EXPECT_NE(result_->output.find("engine: native"), std::string::npos) << result_->output;
  const std::vector<std::pair<std::string, int>> expected = {
      {"manual", 6}, {"drawing", 1}, {"scan", 1}, {"scan-tiff", 2}};
  for (const auto& [name, pages] : expected) {
    SCOPED_TRACE(name);
    const auto base = output_->path() / name;
    const nlohmann::json document = read_json(std::filesystem::path(base) += ".json");
    EXPECT_EQ(schema_errors(document), "");
    EXPECT_EQ(document["page_count"], pages);
    size_t blocks = 0;
    for (const auto& page : document["pages"]) blocks += page["blocks"].size();
    EXPECT_GT(blocks, static_cast<size_t>(pages)) << "every page has content";
    EXPECT_FALSE(read_text(std::filesystem::path(base) += ".md").empty());
    const std::string html = read_text(std::filesystem::path(base) += ".html");
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(base) += ".overlay/page-0001.png"));
  }
  const auto scan = read_json(output_->path() / "scan.json");
  EXPECT_EQ(scan["pages"][0]["blocks"][0]["source"], "ocr");
  EXPECT_TRUE(scan["pages"][0]["skew_deg"].is_number());
}

// The schema is strict enough that the test above can fail.
TEST_F(ParsedSamples, SchemaRejectsMalformedDocuments) {
  const nlohmann::json valid = read_json(output_->path() / "drawing.json");
  ASSERT_EQ(schema_errors(valid), "");
  nlohmann::json broken = valid;
  broken["pages"][0]["blocks"][0]["type"] = "paragraph";
  EXPECT_NE(schema_errors(broken), "");
  broken = valid;
  broken["pages"][0]["blocks"][0]["box"][0] = -3;
  EXPECT_NE(schema_errors(broken), "");
  broken = valid;
  broken["pages"][0].erase("blocks");
  EXPECT_NE(schema_errors(broken), "");
}

TEST(Parse, ACorruptFileAmongGoodOnesIsReportedAndTheRestIsParsed) {
  const TempDir temp;
  const CommandResult result =
      exadoc("parse " + shell_quote(data_dir() / "hostile/corrupt.pdf") + " " +
             shell_quote(samples_dir() / "drawing.pdf") + " -o " + shell_quote(temp.path()));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("corrupt.pdf: Poppler cannot open this PDF"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("1 documents failed"), std::string::npos) << result.output;
  EXPECT_TRUE(std::filesystem::exists(temp.path() / "drawing.json"));
  EXPECT_FALSE(std::filesystem::exists(temp.path() / "corrupt.json"));
}

TEST(Parse, HelpExplainsTheCommand) {
  const CommandResult help = exadoc("parse --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* text : {"--engine", "--overlay", "--ocr-languages", "Example:"}) {
    EXPECT_NE(help.output.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(exadoc("parse x.pdf -o /tmp/x --engine magic").exit_code, 2);
}

}  // namespace
}  // namespace exadoc::app
