// exadoc batch, query, search and xref end to end: the samples indexed and cross-referenced, reruns that skip
// and --force that replaces, a batch killed with SIGKILL in the middle of a document and resumed, a query
// reading while a batch writes, and a corrupt file among good ones.
#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <exadoc/export/index.h>

#include "app/index_checks.h"
#include "test_support.h"

extern char** environ;

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;
using exadoc::testing::column;
using exadoc::testing::CommandResult;
using exadoc::testing::count;
using exadoc::testing::data_dir;
using exadoc::testing::expect_consistent;
using exadoc::testing::sample_entry;
using exadoc::testing::samples_dir;
using exadoc::testing::shell_quote;
using exadoc::testing::TempDir;
using exporter::Index;

CommandResult exadoc(const std::string& arguments) {
  return exadoc::testing::run_exadoc(arguments, true);
}

// A copy of a sample with different bytes (a PDF comment after %%EOF), so its content hash differs.
fs::path distinct_copy(const fs::path& sample, const fs::path& folder, const std::string& name) {
  const fs::path copy = folder / name;
  fs::copy_file(sample, copy);
  std::ofstream(copy, std::ios::app) << "%" << name << "\n";
  return copy;
}

class IndexedSamples : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    output_ = new TempDir();
    first_ = new CommandResult(
        exadoc("batch " + shell_quote(samples_dir()) + " -o " + shell_quote(output_->path())));
  }
  static void TearDownTestSuite() {
    delete first_;
    delete output_;
  }
  static fs::path database() { return output_->path() / "exadoc.sqlite"; }
  static std::string db_option() { return " --db " + shell_quote(database()); }

  static TempDir* output_;
  static CommandResult* first_;
};
TempDir* IndexedSamples::output_ = nullptr;
CommandResult* IndexedSamples::first_ = nullptr;

TEST_F(IndexedSamples, EverySampleIsIndexed) {
  ASSERT_EQ(first_->exit_code, 0) << first_->output;
  const Index index = Index::open(database(), Index::Access::kReadOnly);
  EXPECT_EQ(column(index, "SELECT path FROM documents WHERE status = 'ok' ORDER BY path").size(), 4u);
  for (const char* name : {"manual.pdf", "drawing.pdf"}) {
    const nlohmann::json entry = sample_entry(name);
    EXPECT_EQ(count(index, "SELECT page_count FROM documents WHERE path LIKE '%/" + std::string(name) + "'"),
              entry["page_count"].get<int64_t>());
  }
  EXPECT_GT(count(index, "SELECT count(*) FROM blocks"), 150);
  EXPECT_EQ(count(index, "SELECT count(*) FROM runs WHERE kind = 'batch' AND finished_at IS NOT NULL"), 1);
  expect_consistent(index);
  EXPECT_TRUE(fs::exists(output_->path() / "manual.md"));
  EXPECT_TRUE(fs::exists(output_->path() / "scan-tiff.json"));
}

TEST_F(IndexedSamples, TheDrawingNumberLeadsFromTheManualToTheDrawing) {
  const std::string drawing_number = sample_entry("drawing.pdf")["drawing_number"];
  const CommandResult xref = exadoc::testing::run_exadoc(
      "xref " + shell_quote(drawing_number) + db_option() + " --format json", false);
  ASSERT_EQ(xref.exit_code, 0) << xref.output;
  const nlohmann::json hits = nlohmann::json::parse(xref.output);
  std::set<std::string> documents;
  bool title_block = false, manual_page = false;
  for (const auto& hit : hits) {
    documents.insert(fs::path(hit["document"].get<std::string>()).filename().string());
    title_block = title_block ||
                  (hit["document"].get<std::string>().ends_with("drawing.pdf") &&
                   hit["kind"] == "drawing_number" && hit["block"].get<std::string>().starts_with("p1-"));
    manual_page = manual_page ||
                  (hit["document"].get<std::string>().ends_with("manual.pdf") && hit["page"].get<int>() >= 1);
  }
  EXPECT_TRUE(documents.count("drawing.pdf")) << xref.output;
  EXPECT_TRUE(documents.count("manual.pdf")) << xref.output;
  EXPECT_TRUE(title_block && manual_page) << xref.output;

  // The xrefs view lists it among the identifiers shared by documents.
  const Index index = Index::open(database(), Index::Access::kReadOnly);
  EXPECT_GE(count(index, "SELECT count(DISTINCT document_id) FROM xrefs WHERE normalized = 'DWGHX200001'"),
            2);
}

TEST_F(IndexedSamples, EveryPartOfTheDrawingsPartsListIsFoundInTheManualToo) {
  const nlohmann::json bom = sample_entry("drawing.pdf")["bom"]["rows"];
  ASSERT_FALSE(bom.empty());
  for (const auto& row : bom) {
    const std::string part = row["part_no"];
    // Spelled differently on purpose: lower case, no hyphens.
    std::string spelled;
    for (char c : part) {
      if (c != '-') spelled += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const CommandResult xref = exadoc("xref " + shell_quote(spelled) + db_option() + " --format csv");
    ASSERT_EQ(xref.exit_code, 0) << xref.output;
    EXPECT_NE(xref.output.find("drawing.pdf"), std::string::npos) << part << "\n" << xref.output;
    EXPECT_NE(xref.output.find("manual.pdf"), std::string::npos) << part << "\n" << xref.output;
  }
}

TEST_F(IndexedSamples, SearchFindsBlocksWithASnippet) {
  const CommandResult search =
      exadoc::testing::run_exadoc("search mechanical seal" + db_option() + " --format json", false);
  ASSERT_EQ(search.exit_code, 0) << search.output;
  const nlohmann::json hits = nlohmann::json::parse(search.output);
  ASSERT_FALSE(hits.empty());
  EXPECT_NE(hits[0]["snippet"].get<std::string>().find('['), std::string::npos);
  EXPECT_FALSE(hits[0]["box"].get<std::string>().empty());
  // Hostile FTS syntax is taken as words, not an error.
  EXPECT_EQ(exadoc("search 'NEAR(\"seal' '*' -" + db_option()).exit_code, 0);
}

TEST_F(IndexedSamples, QueryIsReadOnly) {
  const CommandResult select =
      exadoc("query \"SELECT type, count(*) AS n FROM blocks GROUP BY type ORDER BY n DESC\"" + db_option());
  EXPECT_EQ(select.exit_code, 0) << select.output;
  EXPECT_NE(select.output.find("section_header"), std::string::npos) << select.output;
  for (const char* write : {"DELETE FROM documents", "DROP TABLE blocks", "UPDATE blocks SET text = ''",
                            "PRAGMA journal_mode = DELETE", "ATTACH DATABASE '/tmp/x.db' AS x"}) {
    const CommandResult refused = exadoc("query " + shell_quote(write) + db_option());
    EXPECT_EQ(refused.exit_code, 2) << write;
    EXPECT_NE(refused.output.find("read-only"), std::string::npos) << write << ": " << refused.output;
  }
  const Index index = Index::open(database(), Index::Access::kReadOnly);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents"), 4);
  const CommandResult missing = exadoc("query 'SELECT 1' --db /nonexistent/exadoc.sqlite");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("exadoc batch"), std::string::npos) << missing.output;
}

TEST_F(IndexedSamples, ASecondRunSkipsEverythingAndForceLeavesNoDuplicates) {
  const Index before = Index::open(database(), Index::Access::kReadOnly);
  const int64_t blocks = count(before, "SELECT count(*) FROM blocks");
  const int64_t mentions = count(before, "SELECT count(*) FROM mentions");

  const CommandResult second =
      exadoc("batch " + shell_quote(samples_dir()) + " -o " + shell_quote(output_->path()));
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("0 done, 4 skipped, 0 failed"), std::string::npos) << second.output;

  // --force: the born-digital samples only (OCR is the slow part and proves nothing more here).
  TempDir folder;
  fs::copy_file(samples_dir() / "manual.pdf", folder.path() / "manual.pdf");
  fs::copy_file(samples_dir() / "drawing.pdf", folder.path() / "drawing.pdf");
  const CommandResult forced =
      exadoc("batch " + shell_quote(folder.path()) + " -o " + shell_quote(output_->path()) + " --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(forced.output.find("2 done, 0 skipped, 0 failed"), std::string::npos) << forced.output;

  const Index after = Index::open(database(), Index::Access::kReadOnly);
  EXPECT_EQ(count(after, "SELECT count(*) FROM documents"), 4);
  EXPECT_EQ(count(after, "SELECT count(*) FROM blocks"), blocks);
  EXPECT_EQ(count(after, "SELECT count(*) FROM mentions"), mentions);
  EXPECT_EQ(count(after,
                  "SELECT count(*) FROM (SELECT document_id, page, block_key FROM blocks "
                  "GROUP BY document_id, block_key HAVING count(*) > 1)"),
            0);
  // Both paths of the same content are remembered.
  EXPECT_EQ(count(after,
                  "SELECT count(*) FROM document_paths dp JOIN documents d ON d.id = dp.document_id "
                  "WHERE d.path LIKE '%/manual.pdf'"),
            2);
  expect_consistent(after);
}

TEST(Batch, ACorruptFileAmongGoodOnesIsRecordedAsFailedAndTheRestIsIndexed) {
  TempDir folder, output;
  fs::copy_file(samples_dir() / "manual.pdf", folder.path() / "a-manual.pdf");
  fs::copy_file(data_dir() / "hostile/corrupt.pdf", folder.path() / "b-corrupt.pdf");
  fs::copy_file(data_dir() / "hostile/truncated.pdf", folder.path() / "c-truncated.pdf");
  fs::copy_file(samples_dir() / "drawing.pdf", folder.path() / "d-drawing.pdf");
  const CommandResult batch =
      exadoc("batch " + shell_quote(folder.path()) + " -o " + shell_quote(output.path()));
  EXPECT_EQ(batch.exit_code, 1) << batch.output;
  EXPECT_NE(batch.output.find("2 done, 0 skipped, 2 failed"), std::string::npos) << batch.output;
  const Index index = Index::open(output.path() / "exadoc.sqlite", Index::Access::kReadOnly);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE status = 'ok'"), 2);
  const auto failures =
      index.query("SELECT path, error FROM documents WHERE status = 'failed' ORDER BY path").rows;
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_NE(exporter::value_to_string(failures[0][0]).find("b-corrupt.pdf"), std::string::npos);
  EXPECT_NE(exporter::value_to_string(failures[1][1]).find("truncated"), std::string::npos)
      << exporter::value_to_string(failures[1][1]);
  expect_consistent(index);
  EXPECT_FALSE(fs::exists(output.path() / "b-corrupt.json"));

  // A rerun tries the failed ones again (they fail again) and skips the good ones.
  const CommandResult again =
      exadoc("batch " + shell_quote(folder.path()) + " -o " + shell_quote(output.path()));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("0 done, 2 skipped, 2 failed"), std::string::npos) << again.output;
}

// Starts exadoc with the arguments in the background; returns its pid.
pid_t spawn_exadoc(const std::vector<std::string>& arguments, const fs::path& log) {
  std::vector<std::string> argv_strings{EXADOC_BINARY};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : argv_strings) argv.push_back(argument.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int status = posix_spawn(&pid, EXADOC_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return status == 0 ? pid : -1;
}

int64_t documents_ok(const fs::path& database) {
  try {
    const Index index = Index::open(database, Index::Access::kReadOnly);
    return count(index, "SELECT count(*) FROM documents WHERE status = 'ok'");
  } catch (const std::exception&) {
    return 0;  // not created yet
  }
}

TEST(Batch, ABatchKilledInTheMiddleOfADocumentResumesWithEveryDocumentOnce) {
  TempDir folder, output;
  // In name order: a quick document, a scan whose OCR takes seconds (where the kill lands), another quick
  // one.
  distinct_copy(samples_dir() / "manual.pdf", folder.path(), "a-manual.pdf");
  fs::copy_file(samples_dir() / "scan.png", folder.path() / "b-scan.png");
  distinct_copy(samples_dir() / "drawing.pdf", folder.path(), "c-drawing.pdf");
  const fs::path database = output.path() / "exadoc.sqlite";
  const pid_t pid =
      spawn_exadoc({"batch", folder.path().string(), "-o", output.path().string(), "--jobs", "1"},
                   output.path() / "first.log");
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (documents_ok(database) < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // well into the scan's OCR
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the batch ended before it could be killed";
  {
    const Index index = Index::open(database, Index::Access::kReadOnly);
    EXPECT_EQ(count(index, "SELECT count(*) FROM documents"), 1) << "only the first document was committed";
    EXPECT_EQ(count(index, "SELECT count(*) FROM runs WHERE finished_at IS NULL"), 1);
    expect_consistent(index);
  }

  const CommandResult resumed =
      exadoc("batch " + shell_quote(folder.path()) + " -o " + shell_quote(output.path()));
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("2 done, 1 skipped, 0 failed"), std::string::npos) << resumed.output;
  const Index index = Index::open(database, Index::Access::kReadOnly);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE status = 'ok'"), 3);
  EXPECT_EQ(count(index, "SELECT count(DISTINCT sha256) FROM documents"), 3);
  expect_consistent(index);
}

TEST(Batch, AQueryWhileABatchWritesSeesConsistentSnapshots) {
  TempDir folder, output;
  constexpr int kCopies = 40;
  for (int i = 0; i < kCopies; ++i) {
    distinct_copy(samples_dir() / "manual.pdf", folder.path(), "manual-" + std::to_string(100 + i) + ".pdf");
  }
  const fs::path database = output.path() / "exadoc.sqlite";
  const pid_t pid =
      spawn_exadoc({"batch", folder.path().string(), "-o", output.path().string(), "--jobs", "1"},
                   output.path() / "batch.log");
  ASSERT_GT(pid, 0);
  // Until the batch has created the schema, there is no index to query yet.
  for (bool ready = false; !ready;) {
    try {
      ready = Index::open(database, Index::Access::kReadOnly).schema_version() > 0;
    } catch (const exporter::IndexError&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // One statement: every committed document has all its pages, and the count of stored pages matches.
  const std::string check =
      "SELECT (SELECT count(*) FROM documents d WHERE status = 'ok' AND page_count != "
      "(SELECT count(*) FROM pages p WHERE p.document_id = d.id)) AS incomplete, "
      "(SELECT count(*) FROM documents WHERE status = 'ok') AS documents";
  int queries = 0, while_writing = 0;
  int64_t last_seen = 0;
  for (;;) {
    const bool running = waitpid(pid, nullptr, WNOHANG) == 0;
    const CommandResult result =
        exadoc("query " + shell_quote(check) + " --format csv --db " + shell_quote(database));
    ++queries;
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const size_t line = result.output.find("\r\n");
    ASSERT_NE(line, std::string::npos) << result.output;
    const std::string values = result.output.substr(line + 2);
    EXPECT_EQ(values.substr(0, 2), "0,") << values;
    last_seen = std::stoll(values.substr(2));
    if (running && last_seen > 0 && last_seen < kCopies) ++while_writing;
    if (!running) break;
  }
  EXPECT_GT(while_writing, 0) << "no query ran while documents were being written (" << queries
                              << " queries)";
  EXPECT_EQ(last_seen, kCopies);
  const Index index = Index::open(database, Index::Access::kReadOnly);
  expect_consistent(index);
}

TEST(Batch, HelpExplainsTheCommands) {
  for (const char* command : {"batch", "query", "search", "xref"}) {
    const CommandResult help = exadoc(std::string(command) + " --help");
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.output.find("Example"), std::string::npos) << command;
  }
  EXPECT_EQ(exadoc("batch /nonexistent -o /tmp/x").exit_code, 2);
}

}  // namespace
}  // namespace exadoc::app
