// The SQLite index on documents built here by hand: storing and replacing documents in one transaction each,
// failures, the read-only query guard, full-text search with hostile input, cross-references, snapshots
// under a concurrent writer, and opening files of every kind (missing, empty, foreign, newer).
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <exadoc/export/index.h>

#include "test_support.h"

namespace exadoc::exporter {
namespace {

using exadoc::testing::TempDir;
using layout::Block;
using layout::BlockType;
using layout::Mention;

std::string hash_of(char digit) {
  return std::string(64, digit);
}

Block block(int page, int order, BlockType type, std::string text) {
  Block result;
  result.id = "p" + std::to_string(page) + "-b" + std::to_string(order);
  result.type = type;
  result.text = std::move(text);
  result.reading_order = order;
  result.box = {100, 100 + 50 * order, 900, 140 + 50 * order};
  return result;
}

layout::Page page(int number, std::vector<Block> blocks) {
  layout::Page result;
  result.number = number;
  result.size_pt = {595.0, 842.0};
  result.width_px = 1240;
  result.height_px = 1754;
  result.dpi = 150;
  result.blocks = std::move(blocks);
  return result;
}

// A two-page manual: page 2 references the drawing DWG-HX200-001 and the part P-1234.
layout::Document manual(const std::string& word = "pump") {
  layout::Document document;
  document.source = "manual.pdf";
  document.file_type = "pdf";
  document.engine = "native";
  Block heading = block(1, 0, BlockType::kSectionHeader, "1 HX-200 " + word);
  heading.level = 1;
  document.pages.push_back(
      page(1, {heading, block(1, 1, BlockType::kText, "Switch off the motor first. Spare: P-9999")}));
  layout::Page second =
      page(2, {block(2, 0, BlockType::kText, "Assemble as in drawing DWG-HX200-001 rev C."),
               block(2, 1, BlockType::kText, "Replace the seal P-1234 every year. 펌프 점검")});
  second.skew_deg = 0.4;
  second.warnings = {"low contrast"};
  document.pages.push_back(second);
  return document;
}

std::vector<Mention> manual_mentions() {
  return {{"drawing_number", "DWG-HX200-001", "DWGHX200001", 2, "p2-b0", 23},
          {"part_number", "P-1234", "P1234", 2, "p2-b1", 17},
          {"part_number", "P-9999", "P9999", 1, "p1-b1", 35}};
}

// A one-page drawing whose title block carries its own number, and a parts list naming P-1234.
layout::Document drawing() {
  layout::Document document;
  document.source = "drawing.pdf";
  document.file_type = "pdf";
  document.engine = "native";
  Block title = block(1, 0, BlockType::kTitleBlock, "DWG-HX200-001\nREV C\nHX-200 housing");
  title.fields = {{"drawing_number", "DWG-HX200-001"}, {"revision", "C"}};
  Block parts = block(1, 1, BlockType::kBomTable, "Item\tPart No.\n1\tP1234");
  parts.html = "<table><tr><td>1</td><td>P1234</td></tr></table>";
  document.pages.push_back(page(1, {title, parts}));
  return document;
}

std::vector<Mention> drawing_mentions() {
  return {{"drawing_number", "DWG-HX200-001", "DWGHX200001", 1, "p1-b0", 0},
          {"part_number", "P1234", "P1234", 1, "p1-b1", 18}};
}

DocumentRecord record(const std::string& sha256, const std::string& path,
                      const std::string& settings = "{}") {
  DocumentRecord result;
  result.sha256 = sha256;
  result.path = path;
  result.file_type = "pdf";
  result.engine = "native";
  result.settings_json = settings;
  result.page_count = 2;
  result.seconds = 1.25;
  return result;
}

int64_t count(const Index& index, const std::string& sql) {
  const QueryResult result = index.query(sql);
  return std::get<int64_t>(result.rows.at(0).at(0));
}

// The checks every state of the file must pass: no orphan rows, and the FTS index equal to blocks.text.
void expect_consistent(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, "INSERT INTO blocks_fts (blocks_fts) VALUES ('integrity-check')", nullptr,
                         nullptr, &error),
            SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close_v2(db);
  const Index index = Index::open(file, Index::Access::kReadOnly);
  EXPECT_TRUE(index.query("PRAGMA foreign_key_check").rows.empty());
  EXPECT_EQ(count(index, "SELECT count(*) FROM blocks WHERE page_id NOT IN (SELECT id FROM pages)"), 0);
  EXPECT_EQ(count(index, "SELECT count(*) FROM mentions WHERE block_id NOT IN (SELECT id FROM blocks)"), 0);
}

void set_user_version(const std::filesystem::path& file, int version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, ("PRAGMA user_version = " + std::to_string(version)).c_str(), nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close_v2(db);
}

template <typename Function>
std::string error_of(Function&& function) {
  try {
    function();
  } catch (const IndexError& error) {
    return error.what();
  }
  return "(no IndexError)";
}

class IndexTest : public ::testing::Test {
 protected:
  TempDir temp_;
  std::filesystem::path file_ = temp_.path() / "exadoc.sqlite";
};

TEST_F(IndexTest, StoresADocumentAndReadsItBack) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  EXPECT_EQ(index.schema_version(), index_schema_version());
  EXPECT_EQ(index.schema_version(), 3);  // schemas/index.sql, then index-0002.sql and index-0003.sql
  const int64_t run = index.begin_run(RunKind::kBatch, R"({"dpi": 150})");
  DocumentRecord manual_record = record(hash_of('a'), "in/manual.pdf", R"({ "dpi" : 150 })");
  manual_record.model = "";
  const int64_t id = index.store_document(run, manual_record, manual(), manual_mentions());

  EXPECT_EQ(count(index, "SELECT count(*) FROM documents"), 1);
  EXPECT_EQ(count(index, "SELECT count(*) FROM pages"), 2);
  EXPECT_EQ(count(index, "SELECT count(*) FROM blocks"), 4);
  EXPECT_EQ(count(index, "SELECT count(*) FROM mentions"), 3);
  EXPECT_EQ(count(index, "SELECT count(*) FROM document_paths"), 1);

  const QueryResult document = index.query(
      "SELECT id, status, engine, settings, page_count, run_id, model, error, seconds FROM documents");
  ASSERT_EQ(document.rows.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(document.rows[0][0]), id);
  EXPECT_EQ(std::get<std::string>(document.rows[0][1]), "ok");
  EXPECT_EQ(std::get<std::string>(document.rows[0][2]), "native");
  EXPECT_EQ(std::get<std::string>(document.rows[0][3]), R"({"dpi":150})");  // minified
  EXPECT_EQ(std::get<int64_t>(document.rows[0][4]), 2);
  EXPECT_EQ(std::get<int64_t>(document.rows[0][5]), run);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(document.rows[0][6]));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(document.rows[0][7]));
  EXPECT_DOUBLE_EQ(std::get<double>(document.rows[0][8]), 1.25);

  const QueryResult page2 = index.query("SELECT skew, warnings, width_px, dpi FROM pages WHERE number = 2");
  EXPECT_DOUBLE_EQ(std::get<double>(page2.rows.at(0)[0]), 0.4);
  EXPECT_EQ(std::get<std::string>(page2.rows[0][1]), R"(["low contrast"])");
  EXPECT_EQ(std::get<int64_t>(page2.rows[0][2]), 1240);
  EXPECT_EQ(value_to_string(page2.rows[0][3]), "150.0");

  const QueryResult heading = index.query(
      "SELECT type, level, x1, y1, x2, y2, source, page, fields FROM blocks WHERE block_key = 'p1-b0'");
  EXPECT_EQ(std::get<std::string>(heading.rows.at(0)[0]), "section_header");
  EXPECT_EQ(std::get<int64_t>(heading.rows[0][1]), 1);
  EXPECT_EQ(std::get<int64_t>(heading.rows[0][3]), 100);
  EXPECT_EQ(std::get<int64_t>(heading.rows[0][5]), 140);
  EXPECT_EQ(std::get<std::string>(heading.rows[0][6]), "text-layer");
  EXPECT_EQ(std::get<int64_t>(heading.rows[0][7]), 1);
  EXPECT_EQ(std::get<std::string>(heading.rows[0][8]), "{}");

  // A mention's page is its block's; its offset locates raw in the block text.
  EXPECT_EQ(count(index,
                  "SELECT count(*) FROM mentions AS m JOIN blocks AS b ON b.id = m.block_id "
                  "WHERE substr(b.text, m.byte_offset + 1, length(m.raw)) = m.raw AND m.page = b.page"),
            3);

  index.finish_run(run, {1, 0, 0, 2, 3.5});
  const QueryResult runs =
      index.query("SELECT kind, done, pages, seconds, finished_at IS NOT NULL FROM runs");
  EXPECT_EQ(std::get<std::string>(runs.rows.at(0)[0]), "batch");
  EXPECT_EQ(std::get<int64_t>(runs.rows[0][1]), 1);
  EXPECT_EQ(std::get<int64_t>(runs.rows[0][2]), 2);
  EXPECT_EQ(std::get<int64_t>(runs.rows[0][4]), 1);

  EXPECT_EQ(std::get<std::string>(index.query("PRAGMA journal_mode").rows.at(0)[0]), "wal");
  EXPECT_EQ(count(index, "PRAGMA foreign_keys"), 1);
  expect_consistent(file_);
}

TEST_F(IndexTest, StoringAgainReplacesEverythingAndLeavesNoDuplicates) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  const int64_t run = index.begin_run(RunKind::kBatch, "{}");
  const int64_t first =
      index.store_document(run, record(hash_of('a'), "in/manual.pdf"), manual("pump"), manual_mentions());
  EXPECT_EQ(index.search("pump", 10).size(), 1u);

  // --force, and the same content found under another name: same id, new text, both paths kept.
  const int64_t rerun = index.begin_run(RunKind::kBatch, "{}");
  const int64_t second = index.store_document(rerun, record(hash_of('a'), "copy/manual.pdf"),
                                              manual("turbine"), manual_mentions());
  EXPECT_EQ(first, second);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents"), 1);
  EXPECT_EQ(count(index, "SELECT count(*) FROM pages"), 2);
  EXPECT_EQ(count(index, "SELECT count(*) FROM blocks"), 4);
  EXPECT_EQ(count(index, "SELECT count(*) FROM mentions"), 3);
  EXPECT_EQ(count(index, "SELECT count(*) FROM document_paths"), 2);
  EXPECT_EQ(std::get<std::string>(index.query("SELECT path FROM documents").rows.at(0)[0]),
            "copy/manual.pdf");
  EXPECT_EQ(count(index, "SELECT run_id FROM documents"), rerun);
  EXPECT_TRUE(index.search("pump", 10).empty());
  EXPECT_EQ(index.search("turbine", 10).size(), 1u);
  EXPECT_EQ(index.search("motor", 10).size(), 1u);  // once, not once per store
  EXPECT_EQ(index.xref("P1234").size(), 1u);
  expect_consistent(file_);
}

TEST_F(IndexTest, IsIndexedComparesHashEngineAndSettings) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  const int64_t run = index.begin_run(RunKind::kBatch, "{}");
  const std::string settings = R"({"dpi":150,"ocr":"eng"})";
  index.store_document(run, record(hash_of('a'), "manual.pdf", settings), manual(), {});
  EXPECT_TRUE(index.is_indexed(hash_of('a'), "native", settings));
  EXPECT_TRUE(index.is_indexed(hash_of('a'), "native", R"({ "dpi": 150, "ocr": "eng" })"));  // whitespace
  EXPECT_FALSE(index.is_indexed(hash_of('a'), "exaone", settings));
  EXPECT_FALSE(index.is_indexed(hash_of('a'), "native", R"({"dpi":300,"ocr":"eng"})"));
  EXPECT_FALSE(index.is_indexed(hash_of('b'), "native", settings));

  index.record_failure(run, record(hash_of('c'), "broken.pdf", settings), "not a PDF");
  EXPECT_FALSE(index.is_indexed(hash_of('c'), "native", settings));  // a failure is retried
}

TEST_F(IndexTest, FailuresNeverReplaceAGoodResult) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  const int64_t run = index.begin_run(RunKind::kBatch, "{}");

  EXPECT_TRUE(index.record_failure(run, record(hash_of('c'), "broken.pdf"), "truncated file"));
  EXPECT_TRUE(index.record_failure(run, record(hash_of('c'), "broken-again.pdf"), "truncated file, again"));
  const QueryResult failed = index.query("SELECT status, error, path FROM documents");
  ASSERT_EQ(failed.rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(failed.rows[0][0]), "failed");
  EXPECT_EQ(std::get<std::string>(failed.rows[0][1]), "truncated file, again");
  EXPECT_EQ(std::get<std::string>(failed.rows[0][2]), "broken-again.pdf");
  EXPECT_EQ(count(index, "SELECT count(*) FROM pages"), 0);
  EXPECT_EQ(count(index, "SELECT count(*) FROM document_paths"), 2);

  // Parsed at last (another engine): the ok row replaces the failed one.
  index.store_document(run, record(hash_of('c'), "broken.pdf"), manual(), manual_mentions());
  EXPECT_EQ(std::get<std::string>(index.query("SELECT status FROM documents").rows.at(0)[0]), "ok");
  EXPECT_TRUE(
      std::holds_alternative<std::monostate>(index.query("SELECT error FROM documents").rows.at(0)[0]));

  // Failing later, under another path: the good result stays, the path is recorded.
  EXPECT_FALSE(index.record_failure(run, record(hash_of('c'), "third.pdf"), "out of memory"));
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE status = 'ok' AND error IS NULL"), 1);
  EXPECT_EQ(count(index, "SELECT count(*) FROM blocks"), 4);
  EXPECT_EQ(count(index, "SELECT count(*) FROM document_paths"), 3);

  EXPECT_TRUE(index.add_path(hash_of('c'), "fourth.pdf"));
  EXPECT_TRUE(index.add_path(hash_of('c'), "fourth.pdf"));  // seen again: last_seen_at moves
  EXPECT_FALSE(index.add_path(hash_of('d'), "unknown.pdf"));
  EXPECT_EQ(count(index, "SELECT count(*) FROM document_paths"), 4);
  expect_consistent(file_);
}

TEST_F(IndexTest, AFailedStoreLeavesNothingOfTheDocument) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  const int64_t run = index.begin_run(RunKind::kBatch, "{}");
  index.store_document(run, record(hash_of('a'), "manual.pdf"), manual("pump"), manual_mentions());

  // The second parse fails after its pages and blocks went in: the first one must stay whole.
  std::vector<Mention> bad = manual_mentions();
  bad.push_back({"part_number", "X-1", "X1", 9, "p9-b9", 0});
  const std::string message = error_of(
      [&] { index.store_document(run, record(hash_of('a'), "manual.pdf"), manual("turbine"), bad); });
  EXPECT_NE(message.find("p9-b9"), std::string::npos) << message;
  EXPECT_NE(message.find(file_.string()), std::string::npos) << message;
  EXPECT_EQ(index.search("pump", 10).size(), 1u);
  EXPECT_TRUE(index.search("turbine", 10).empty());
  EXPECT_EQ(count(index, "SELECT count(*) FROM blocks"), 4);
  EXPECT_EQ(count(index, "SELECT count(*) FROM mentions"), 3);

  // A new document that fails leaves no row at all; so do duplicate block ids.
  EXPECT_NE(error_of([&] { index.store_document(run, record(hash_of('b'), "drawing.pdf"), drawing(), bad); }),
            "(no IndexError)");
  layout::Document twice = drawing();
  twice.pages[0].blocks[1].id = twice.pages[0].blocks[0].id;
  EXPECT_NE(error_of([&] {
              index.store_document(run, record(hash_of('b'), "drawing.pdf"), twice, {});
            }).find("appears twice"),
            std::string::npos);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents"), 1);
  EXPECT_EQ(count(index, "SELECT count(*) FROM pages"), 2);
  EXPECT_EQ(count(index, "SELECT count(*) FROM document_paths"), 1);

  // And the connection is usable afterwards: no transaction was left open.
  index.store_document(run, record(hash_of('b'), "drawing.pdf"), drawing(), drawing_mentions());
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents"), 2);
  expect_consistent(file_);
}

TEST_F(IndexTest, QueryRefusesEveryWrite) {
  {
    Index writer = Index::open(file_, Index::Access::kReadWrite);
    writer.store_document(writer.begin_run(RunKind::kBatch, "{}"), record(hash_of('a'), "manual.pdf"),
                          manual(), manual_mentions());
  }
  const std::vector<std::string> writes = {
      "INSERT INTO runs (kind) VALUES ('batch')",
      "UPDATE documents SET path = 'x'",
      "DELETE FROM documents",
      "DROP TABLE blocks",
      "CREATE TABLE evil (x)",
      "CREATE TEMP TABLE evil (x)",
      "ALTER TABLE documents ADD COLUMN evil",
      "PRAGMA user_version = 5",
      "PRAGMA journal_mode = DELETE",
      "PRAGMA query_only = 0",
      "PRAGMA foreign_keys = OFF",
      "PRAGMA writable_schema = ON",
      "ATTACH DATABASE '" + (temp_.path() / "other.sqlite").string() + "' AS other",
      "DETACH DATABASE main",
      "BEGIN",
      "COMMIT",
      "SAVEPOINT evil",
      "VACUUM",
      "REINDEX",
      "ANALYZE",
      "WITH doomed AS (SELECT id FROM documents) DELETE FROM documents WHERE id IN doomed",
      "INSERT INTO blocks_fts (blocks_fts) VALUES ('rebuild')",
  };
  for (Index::Access access : {Index::Access::kReadOnly, Index::Access::kReadWrite}) {
    const Index index = Index::open(file_, access);
    for (const std::string& sql : writes) {
      const std::string message = error_of([&] { index.query(sql); });
      EXPECT_EQ(message.rfind("exadoc query is read-only: ", 0), 0u) << sql << " -> " << message;
    }
    const std::string multiple = error_of([&] { index.query("SELECT 1; DELETE FROM documents"); });
    EXPECT_NE(multiple.find("one statement"), std::string::npos) << multiple;
    EXPECT_NE(error_of([&] { index.query("SELECT 1; SELECT 2"); }).find("one statement"), std::string::npos);
    EXPECT_NE(error_of([&] { index.query("-- nothing"); }).find("no SQL statement"), std::string::npos);
    EXPECT_NE(error_of([&] { index.query("SELEC nonsense"); }).find("syntax error"), std::string::npos);
  }

  const Index index = Index::open(file_, Index::Access::kReadOnly);
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents"), 1);
  EXPECT_EQ(count(index, "SELECT count(*) FROM blocks"), 4);
  EXPECT_EQ(count(index, "WITH b AS (SELECT * FROM blocks) SELECT count(*) FROM b"), 4);
  EXPECT_EQ(count(index, "PRAGMA user_version"), index_schema_version());
  EXPECT_FALSE(index.query("PRAGMA table_info(blocks)").rows.empty());
  EXPECT_FALSE(index.query("SELECT * FROM pragma_table_info('mentions')").rows.empty());
  EXPECT_EQ(count(index, "SELECT 1; -- a trailing comment is fine"), 1);
  EXPECT_FALSE(index
                   .query("SELECT snippet(blocks_fts, 0, '[', ']', '', 5) FROM blocks_fts "
                          "WHERE blocks_fts MATCH 'motor'")
                   .rows.empty());

  const QueryResult typed = index.query("SELECT 1, 2.5, 'text', NULL, x'00ff'");
  EXPECT_EQ(typed.columns, (std::vector<std::string>{"1", "2.5", "'text'", "NULL", "x'00ff'"}));
  EXPECT_EQ(std::get<int64_t>(typed.rows.at(0)[0]), 1);
  EXPECT_DOUBLE_EQ(std::get<double>(typed.rows[0][1]), 2.5);
  EXPECT_EQ(std::get<std::string>(typed.rows[0][2]), "text");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(typed.rows[0][3]));
  EXPECT_EQ(value_to_string(typed.rows[0][4]), "X'00FF'");
}

TEST_F(IndexTest, OpeningMissingEmptyForeignAndNewerFiles) {
  const std::string missing = error_of([&] { Index::open(file_, Index::Access::kReadOnly); });
  EXPECT_NE(missing.find("no index at " + file_.string()), std::string::npos) << missing;
  EXPECT_NE(missing.find("run exadoc batch first"), std::string::npos) << missing;
  EXPECT_FALSE(std::filesystem::exists(file_));
  const std::string no_folder =
      error_of([&] { Index::open(temp_.path() / "nowhere" / "x.sqlite", Index::Access::kReadWrite); });
  EXPECT_NE(no_folder.find("does not exist"), std::string::npos) << no_folder;

  // An empty file is a database of version 0: migrated to the current version.
  std::ofstream(file_).close();
  EXPECT_NE(error_of([&] { Index::open(file_, Index::Access::kReadOnly); }).find("not an exadoc index"),
            std::string::npos);
  EXPECT_EQ(Index::open(file_, Index::Access::kReadWrite).schema_version(), index_schema_version());
  EXPECT_EQ(Index::open(file_, Index::Access::kReadOnly).schema_version(), index_schema_version());

  // A newer exadoc's index.
  set_user_version(file_, index_schema_version() + 1);
  for (Index::Access access : {Index::Access::kReadOnly, Index::Access::kReadWrite}) {
    const std::string newer = error_of([&] { Index::open(file_, access); });
    EXPECT_NE(newer.find("written by a newer exadoc"), std::string::npos) << newer;
  }

  // Someone else's database is left alone; a text file is not a database.
  const std::filesystem::path foreign = temp_.path() / "foreign.sqlite";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE customers (name)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close_v2(db);
  EXPECT_NE(error_of([&] { Index::open(foreign, Index::Access::kReadWrite); }).find("not an exadoc index"),
            std::string::npos);
  const std::filesystem::path text = temp_.path() / "notes.txt";
  std::ofstream(text) << "these are not the pages you are looking for, not even a little bit of them\n";
  const std::string not_a_database = error_of([&] { Index::open(text, Index::Access::kReadWrite); });
  EXPECT_NE(not_a_database.find("not an SQLite database"), std::string::npos) << not_a_database;
}

TEST_F(IndexTest, AReaderLeavesMigrationsToTheWriter) {
  Index::open(file_, Index::Access::kReadWrite);
  // An index of an older version (here: one step older than this build) is not migrated by a reader, which
  // cannot write; it says which command does.
  set_user_version(file_, index_schema_version() - 1);
  const std::string older = error_of([&] { Index::open(file_, Index::Access::kReadOnly); });
  EXPECT_NE(older.find("run exadoc batch on it once to migrate it"), std::string::npos) << older;
}

TEST_F(IndexTest, ReadersSeeASnapshotWhileTheWriterCommits) {
  Index writer = Index::open(file_, Index::Access::kReadWrite);
  const int64_t run = writer.begin_run(RunKind::kBatch, "{}");
  writer.store_document(run, record(hash_of('a'), "manual.pdf"), manual(), manual_mentions());

  // A raw reader with an open read transaction, as a long `exadoc query` has.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file_.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  const auto reader_count = [reader]() {
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(reader, "SELECT count(*) FROM blocks", -1, &statement, nullptr);
    sqlite3_step(statement);
    const int64_t result = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return result;
  };
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(reader_count(), 4);
  writer.store_document(run, record(hash_of('b'), "drawing.pdf"), drawing(), drawing_mentions());
  EXPECT_EQ(reader_count(), 4);  // the snapshot, not the commit
  ASSERT_EQ(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(reader_count(), 6);
  sqlite3_close_v2(reader);

  // Index::query streams one statement: a document committed while its rows are read does not show up in
  // them, and a document replaced meanwhile does not vanish from them.
  const Index query_side = Index::open(file_, Index::Access::kReadOnly);
  int rows = 0;
  bool wrote = false;
  query_side.query(
      "SELECT id FROM blocks", [](const std::vector<std::string>&) {},
      [&](const std::vector<Value>&) {
        ++rows;
        if (!wrote) {
          layout::Document third = drawing();
          writer.store_document(run, record(hash_of('c'), "third.pdf"), third, {});
          writer.store_document(run, record(hash_of('a'), "manual.pdf"), manual("turbine"),
                                manual_mentions());
          wrote = true;
        }
      });
  EXPECT_EQ(rows, 6);
  EXPECT_EQ(count(query_side, "SELECT count(*) FROM blocks"), 8);
  expect_consistent(file_);
}

TEST_F(IndexTest, SearchFindsWordsAndSurvivesHostileInput) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  const int64_t run = index.begin_run(RunKind::kBatch, "{}");
  index.store_document(run, record(hash_of('a'), "manual.pdf"), manual(), manual_mentions());
  index.store_document(run, record(hash_of('b'), "drawing.pdf"), drawing(), drawing_mentions());

  const std::vector<SearchHit> hits = index.search("seal every", 10);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].document_path, "manual.pdf");
  EXPECT_EQ(hits[0].sha256, hash_of('a'));
  EXPECT_EQ(hits[0].page, 2);
  EXPECT_EQ(hits[0].block_key, "p2-b1");
  EXPECT_EQ(hits[0].block_type, "text");
  EXPECT_EQ(hits[0].box.y1, 150);
  EXPECT_NE(hits[0].snippet.find("[seal]"), std::string::npos) << hits[0].snippet;
  EXPECT_NE(hits[0].snippet.find("[every]"), std::string::npos) << hits[0].snippet;
  EXPECT_LT(hits[0].rank, 0.0);

  EXPECT_EQ(index.search("HX-200", 10).size(), 2u);  // the heading and the title block
  EXPECT_EQ(index.search("hx-200 housing", 10).size(), 1u);
  EXPECT_EQ(index.search("moto*", 10).size(), 1u);
  EXPECT_EQ(index.search("펌프", 10).size(), 1u);
  EXPECT_TRUE(index.search("seal turbine", 10).empty());  // every word must match
  EXPECT_EQ(index.search("HX-200", 1).size(), 1u);

  const std::vector<std::string> hostile = {"\"",
                                            "\"\"",
                                            "'",
                                            "NEAR(",
                                            "NEAR(seal every, 2)",
                                            "*",
                                            "-",
                                            "-seal",
                                            "seal -",
                                            "a AND OR NOT",
                                            "text:seal",
                                            "blocks_fts:seal",
                                            "(",
                                            ")",
                                            "^seal",
                                            "{text}",
                                            "seal\"every",
                                            "\"unclosed",
                                            "",
                                            "   ",
                                            "—",
                                            "seal —",
                                            "…",
                                            "펌프 \"점검",
                                            "\xff\xfe",
                                            "%",
                                            "_",
                                            "seal*every*",
                                            "OR",
                                            "NOT",
                                            "AND seal",
                                            "col:*",
                                            "+seal"};
  for (const std::string& words : hostile) {
    EXPECT_NO_THROW(index.search(words, 10)) << words;
  }
  EXPECT_EQ(index.search("seal —", 10).size(), 1u);   // punctuation-only words are dropped
  EXPECT_EQ(index.search("-seal", 10).size(), 1u);    // not FTS5's NOT: a word
  EXPECT_EQ(index.search("OR seal", 10).size(), 0u);  // "or" is a word too, and no block has it
  EXPECT_TRUE(index.search("   ", 10).empty());
}

TEST_F(IndexTest, CrossReferencesMeetAcrossDocuments) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  const int64_t run = index.begin_run(RunKind::kBatch, "{}");
  index.store_document(run, record(hash_of('a'), "samples/manual.pdf"), manual(), manual_mentions());
  index.store_document(run, record(hash_of('b'), "samples/drawing.pdf"), drawing(), drawing_mentions());

  const std::vector<XrefHit> hits = index.xref("DWGHX200001");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].document_path, "samples/drawing.pdf");
  EXPECT_EQ(hits[0].block_type, "title_block");
  EXPECT_EQ(hits[0].page, 1);
  EXPECT_EQ(hits[1].document_path, "samples/manual.pdf");
  EXPECT_EQ(hits[1].page, 2);
  EXPECT_EQ(hits[1].block_key, "p2-b0");
  EXPECT_EQ(hits[1].kind, "drawing_number");
  EXPECT_EQ(hits[1].raw, "DWG-HX200-001");
  EXPECT_EQ(hits[1].file_type, "pdf");
  EXPECT_EQ(hits[1].context, "Assemble as in drawing DWG-HX200-001 rev C.");
  EXPECT_EQ(hits[1].box.x2, 900);

  const std::vector<XrefHit> parts = index.xref("P1234");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].raw, "P1234");
  EXPECT_EQ(parts[1].raw, "P-1234");
  EXPECT_EQ(index.xref("P9999").size(), 1u);
  EXPECT_TRUE(index.xref("NOTHING").empty());

  const QueryResult view = index.query(
      "SELECT normalized, kind, document_count, document_path, page, mention_count FROM xrefs "
      "ORDER BY normalized, document_path");
  ASSERT_EQ(view.rows.size(), 4u);
  EXPECT_EQ(std::get<std::string>(view.rows[0][0]), "DWGHX200001");
  EXPECT_EQ(std::get<int64_t>(view.rows[0][2]), 2);
  EXPECT_EQ(std::get<std::string>(view.rows[0][3]), "samples/drawing.pdf");
  EXPECT_EQ(std::get<std::string>(view.rows[1][3]), "samples/manual.pdf");
  EXPECT_EQ(std::get<int64_t>(view.rows[1][4]), 2);
  EXPECT_EQ(std::get<std::string>(view.rows[2][0]), "P1234");
  EXPECT_EQ(count(index, "SELECT count(*) FROM xrefs WHERE normalized = 'P9999'"), 0);
}

// Identifiers that appear in many documents without linking them — a document's own figures, tables and
// sections, a bare "Rev. 3" in page headers — stay out of the xrefs view; a revision tied to a drawing is in.
TEST_F(IndexTest, TheXrefsViewListsOnlyIdentifiersThatLinkDocuments) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  const int64_t run = index.begin_run(RunKind::kBatch, "{}");
  std::vector<Mention> manual_extra = manual_mentions();
  std::vector<Mention> drawing_extra = drawing_mentions();
  for (auto* mentions : {&manual_extra, &drawing_extra}) {
    const std::string block = mentions == &manual_extra ? "p2-b0" : "p1-b0";
    const int page = mentions == &manual_extra ? 2 : 1;
    mentions->push_back({"figure_ref", "Figure 1", "FIG1", page, block, 0});
    mentions->push_back({"revision", "Rev. 3", "REV3", page, block, 0});
    mentions->push_back({"revision", "Rev. C", "DWGHX200001/REVC", page, block, 0});
  }
  index.store_document(run, record(hash_of('a'), "samples/manual.pdf"), manual(), manual_extra);
  index.store_document(run, record(hash_of('b'), "samples/drawing.pdf"), drawing(), drawing_extra);
  EXPECT_EQ(count(index, "SELECT count(*) FROM xrefs WHERE normalized IN ('FIG1', 'REV3')"), 0);
  EXPECT_EQ(
      count(index, "SELECT count(DISTINCT document_id) FROM xrefs WHERE normalized = 'DWGHX200001/REVC'"), 2);
  EXPECT_EQ(count(index, "SELECT count(*) FROM mentions WHERE normalized IN ('FIG1', 'REV3')"), 4)
      << "they are still mentions";
}

TEST_F(IndexTest, ContextIsCutAtCharacterBoundaries) {
  Index index = Index::open(file_, Index::Access::kReadWrite);
  layout::Document document = drawing();
  std::string long_text;
  for (int repeat = 0; repeat < 40; ++repeat) long_text += "점검 ";
  const size_t offset = long_text.size();
  long_text += "P-4711\n\n";
  for (int repeat = 0; repeat < 40; ++repeat) long_text += "é";
  document.pages[0].blocks[1].text = long_text;
  index.store_document(index.begin_run(RunKind::kParse, "{}"), record(hash_of('e'), "d.pdf"), document,
                       {{"part_number", "P-4711", "P4711", 1, "p1-b1", static_cast<int>(offset)}});
  const std::vector<XrefHit> hits = index.xref("P4711");
  ASSERT_EQ(hits.size(), 1u);
  const std::string& context = hits[0].context;
  EXPECT_EQ(context.rfind("…", 0), 0u) << context;
  EXPECT_NE(context.find("점검 P-4711 éé"), std::string::npos) << context;
  EXPECT_TRUE(context.ends_with("é…")) << context;
}

TEST_F(IndexTest, MovesAndRejectsUseAfterMove) {
  Index first = Index::open(file_, Index::Access::kReadWrite);
  Index second = std::move(first);
  EXPECT_EQ(second.schema_version(), index_schema_version());
  EXPECT_THROW(first.schema_version(), InternalError);  // NOLINT(bugprone-use-after-move): the point
  first = Index::open(file_, Index::Access::kReadOnly);
  EXPECT_EQ(first.schema_version(), index_schema_version());
}

// An index written by the first release (schema version 1: schemas/index.sql alone) is migrated in place when
// opened for writing, and keeps its documents.
TEST_F(IndexTest, AVersionOneIndexIsMigratedAndKeepsItsRows) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    std::ifstream script(exadoc::testing::source_dir() / "schemas/index.sql");
    const std::string sql{std::istreambuf_iterator<char>(script), std::istreambuf_iterator<char>()};
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    const std::string setup =
        "PRAGMA application_id = 1702388068; PRAGMA user_version = 1; PRAGMA journal_mode = WAL;"
        "INSERT INTO documents (sha256, path, file_type, engine, status) VALUES ('" +
        std::string(64, 'a') + "', 'old.pdf', 'pdf', 'native', 'ok');";
    ASSERT_EQ(sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_THROW(Index::open(file_, Index::Access::kReadOnly), IndexError) << "read-only cannot migrate";
  const Index index = Index::open(file_, Index::Access::kReadWrite);
  EXPECT_EQ(index.schema_version(), index_schema_version());
  EXPECT_EQ(count(index, "SELECT count(*) FROM documents WHERE path = 'old.pdf'"), 1);
  EXPECT_EQ(count(index,
                  "SELECT count(*) FROM pragma_table_info('pages') WHERE name IN "
                  "('model_output', 'text_disagreement')"),
            2);
}

}  // namespace
}  // namespace exadoc::exporter
