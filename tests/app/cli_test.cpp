// The exadoc binary end to end, as a user runs it.
#include <fstream>

#include <gtest/gtest.h>

#include "json_schema.h"
#include "test_support.h"

namespace exadoc::app {
namespace {

using exadoc::testing::CommandResult;
using exadoc::testing::data_dir;
using exadoc::testing::read_json;
using exadoc::testing::run_command;
using exadoc::testing::samples_dir;
using exadoc::testing::shell_quote;
using exadoc::testing::TempDir;

CommandResult exadoc(const std::string& arguments, bool with_stderr = false) {
  return exadoc::testing::run_exadoc(arguments, with_stderr);
}

std::string schema_errors(const nlohmann::json& document) {
  return exadoc::testing::schema_errors(document, "page.schema.json");
}

bool is_png(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  char signature[8] = {};
  stream.read(signature, 8);
  return std::string(signature, 8) == "\x89PNG\r\n\x1a\n";
}

TEST(Cli, HelpExplainsCommandsAndExitCodes) {
  const CommandResult help = exadoc("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* text : {"render", "doctor", "Exit codes", "2 bad command line"}) {
    EXPECT_NE(help.output.find(text), std::string::npos) << text;
  }
  const CommandResult render_help = exadoc("render --help");
  EXPECT_EQ(render_help.exit_code, 0);
  for (const char* text : {"--dpi", "--pages", "--jobs", "--deskew", "--max-pixels", "Example:"}) {
    EXPECT_NE(render_help.output.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(exadoc("doctor --help").exit_code, 0);
}

TEST(Cli, BadCommandLinesExitWithTwo) {
  EXPECT_EQ(exadoc("").exit_code, 2);
  EXPECT_EQ(exadoc("frobnicate").exit_code, 2);
  EXPECT_EQ(exadoc("render " + shell_quote(samples_dir() / "manual.pdf")).exit_code, 2) << "-o is required";
  const TempDir temp;
  EXPECT_EQ(exadoc("render x.pdf -o " + shell_quote(temp.path()) + " --deskew sideways").exit_code, 2);
  EXPECT_EQ(exadoc("render x.pdf -o " + shell_quote(temp.path()) + " --dpi 0").exit_code, 2);
}

// The README's first command renders the samples folder; every page of every sample gets a PNG and a JSON.
TEST(Cli, RendersEverySample) {
  const TempDir temp;
  const CommandResult result =
      exadoc("render " + shell_quote(samples_dir()) + " -o " + shell_quote(temp.path()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::vector<std::pair<std::string, int>> expected = {
      {"manual", 6}, {"drawing", 1}, {"scan", 1}, {"scan-tiff", 2}};
  for (const auto& [folder, pages] : expected) {
    EXPECT_NE(result.output.find((temp.path() / folder).string() + "\n"), std::string::npos) << folder;
    for (int page = 1; page <= pages; ++page) {
      char stem[32];
      std::snprintf(stem, sizeof stem, "page-%04d", page);
      const auto png = temp.path() / folder / (std::string(stem) + ".png");
      EXPECT_TRUE(is_png(png)) << png;
      const auto json = read_json(temp.path() / folder / (std::string(stem) + ".json"));
      EXPECT_EQ(json["source"]["page"], page);
      EXPECT_EQ(json["source"]["page_count"], pages);
      EXPECT_EQ(json["page"]["image"], std::string(stem) + ".png");
      EXPECT_EQ(schema_errors(json), "") << folder << " " << stem;
    }
  }
  const auto manual_page = read_json(temp.path() / "manual/page-0001.json");
  EXPECT_GT(manual_page["text_layer"]["words"].size(), 100u);
  EXPECT_EQ(manual_page["page"]["dpi"], 150.0);
  const auto scan_page = read_json(temp.path() / "scan/page-0001.json");
  EXPECT_TRUE(scan_page["text_layer"].is_null());
  EXPECT_TRUE(scan_page["skew"]["corrected"].get<bool>());
}

// The schema is strict enough to catch a wrong document, so the test above can fail.
TEST(Cli, SchemaRejectsMalformedPages) {
  const TempDir temp;
  ASSERT_EQ(exadoc("render " + shell_quote(samples_dir() / "drawing.pdf") + " -o " + shell_quote(temp.path()))
                .exit_code,
            0);
  const nlohmann::json valid = read_json(temp.path() / "drawing/page-0001.json");
  ASSERT_EQ(schema_errors(valid), "");
  nlohmann::json broken = valid;
  broken["page"]["rotation_deg"] = 45;
  EXPECT_NE(schema_errors(broken), "");
  broken = valid;
  broken["text_layer"]["words"][0]["box_1000"][2] = 1200;
  EXPECT_NE(schema_errors(broken), "");
  broken = valid;
  broken["source"].erase("page");
  EXPECT_NE(schema_errors(broken), "");
}

TEST(Cli, RendersOnlyTheSelectedPages) {
  const TempDir temp;
  const CommandResult result = exadoc("render " + shell_quote(samples_dir() / "manual.pdf") + " -o " +
                                      shell_quote(temp.path()) + " --pages 2-3 --dpi 72 --jobs 1");
  ASSERT_EQ(result.exit_code, 0);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(temp.path() / "manual")) {
    files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files,
            (std::vector<std::string>{"page-0002.json", "page-0002.png", "page-0003.json", "page-0003.png"}));
  EXPECT_EQ(read_json(temp.path() / "manual/page-0002.json")["page"]["width_px"], 595)
      << "595.28 pt at 72 DPI";
}

TEST(Cli, BadFilesAreReportedWhileTheRestIsRendered) {
  const TempDir temp;
  const CommandResult result =
      exadoc("render " + shell_quote(data_dir() / "hostile/encrypted.pdf") + " " +
                 shell_quote(samples_dir() / "drawing.pdf") + " " +
                 shell_quote(data_dir() / "hostile/truncated.png") + " -o " + shell_quote(temp.path()),
             true);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(is_png(temp.path() / "drawing/page-0001.png"));
  EXPECT_NE(result.output.find("encrypted.pdf: the PDF is protected by a password"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("truncated.png: page 1: cannot decode the page"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("failed: 1 documents, 1 pages"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(temp.path() / "truncated/page-0001.png"))
      << "no half-written PNG is left";
}

TEST(Cli, PageSelectionPastTheEndIsAnError) {
  const TempDir temp;
  const CommandResult result = exadoc("render " + shell_quote(samples_dir() / "drawing.pdf") + " -o " +
                                          shell_quote(temp.path()) + " --pages 2",
                                      true);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("drawing.pdf: page 2 is past the last page (1)"), std::string::npos)
      << result.output;
}

// The acceptance figures of the real 33B config: 33-35 B parameters, and 262,144 tokens of KV in about 16 GiB
// because only the global layers grow.
TEST(Cli, ModelInfoShowsWhyTheFullContextFits) {
  const auto config = data_dir() / "model/exaone45-33b";
  const CommandResult text = exadoc("model info " + shell_quote(config));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  for (const char* line :
       {"parameters      34.35 B", "16 global layers          16.00 GiB  (64.0 KiB per token",
        "48 sliding layers          0.75 GiB  (capped at the 4096-token window)",
        "memory plan for one sequence of 262144 tokens, BF16"}) {
    EXPECT_NE(text.output.find(line), std::string::npos) << line << "\n" << text.output;
  }
  const CommandResult json =
      exadoc("model info " + shell_quote(config) + " --json --context 8192 --dtype fp16");
  ASSERT_EQ(json.exit_code, 0);
  const auto report = nlohmann::json::parse(json.output);
  EXPECT_EQ(report["parameters"]["total"], 34'350'097'664ull);
  EXPECT_EQ(report["memory_plan"]["kv_global_bytes"], 64ull * 1024 * 8192)
      << "64 KiB per token in fp16 as in bf16";
  EXPECT_EQ(report["memory_plan"]["dtype"], "F16");
}

TEST(Cli, ModelInfoReadsTheFixtureCheckpoint) {
  const CommandResult result =
      exadoc("model info " +
             shell_quote(exadoc::testing::source_dir() / "tests/fixtures/exaone45-tiny-bf16") + " --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto report = nlohmann::json::parse(result.output);
  EXPECT_EQ(report["checkpoint"]["tensors"], 101);
  EXPECT_EQ(report["text"]["sliding_layers"], 3);
  EXPECT_EQ(report["memory_plan"]["context_tokens"], 512);
  const CommandResult missing = exadoc("model info " + shell_quote(data_dir() / "formats"), true);
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.output.find("config.json: cannot open the file (is this a model folder?)"),
            std::string::npos)
      << missing.output;
}

// The whole engine path on the tiny fixture: a page through ingest, the image processor, the vision tower,
// the chat template and greedy generation. The tiny model speaks noise; the path and its bookkeeping are what
// is tested.
TEST(Cli, ModelRunGoesFromAPageImageToGeneratedText) {
  const auto model = exadoc::testing::source_dir() / "tests/fixtures/exaone45-tiny";
  const std::string command = "model run " + shell_quote(model) + " --image " +
                              shell_quote(samples_dir() / "scan.png") +
                              " --prompt 'Read the page.' --temperature 0 --max-new-tokens 16";
  const CommandResult first = exadoc(command, true);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("scan.png: grid 1x16x10 patches, 40 image tokens"), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find(" generated in "), std::string::npos) << first.output;
  EXPECT_EQ(exadoc(command).output, exadoc(command).output) << "greedy decoding is deterministic";
  EXPECT_FALSE(exadoc(command).output.empty());

  const CommandResult bad = exadoc("model run " + shell_quote(model) + " --image " +
                                       shell_quote(data_dir() / "hostile/truncated.png") + " --prompt x",
                                   true);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("truncated.png: page 1: cannot decode the page"), std::string::npos)
      << bad.output;
  const CommandResult no_vision =
      exadoc("model run " + shell_quote(data_dir() / "model/exaone45-33b") + " --prompt x", true);
  EXPECT_EQ(no_vision.exit_code, 3);
  EXPECT_NE(no_vision.output.find("no weights"), std::string::npos) << no_vision.output;
}

TEST(Cli, DoctorReportsLibrariesAndLanguages) {
  const CommandResult text = exadoc("doctor");
  EXPECT_EQ(text.exit_code, 0);
  for (const char* item : {"poppler", "libvips", "leptonica", "tesseract", "CUDA runtime", "languages"}) {
    EXPECT_NE(text.output.find(item), std::string::npos) << item;
  }
  const CommandResult json = exadoc("doctor --json");
  ASSERT_EQ(json.exit_code, 0);
  const auto report = nlohmann::json::parse(json.output);
  EXPECT_TRUE(report["cuda"]["gpus"].is_array());
  EXPECT_FALSE(report["libraries"]["poppler"].get<std::string>().empty());
  EXPECT_NE(
      std::find(report["tesseract"]["languages"].begin(), report["tesseract"]["languages"].end(), "kor"),
      report["tesseract"]["languages"].end());
}

}  // namespace
}  // namespace exadoc::app
