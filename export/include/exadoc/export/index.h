// exadoc/export/index.h — the SQLite index: every parsed document, page, block and identifier in one file.
//
// The schema is schemas/index.sql (tables documents, document_paths, pages, blocks, blocks_fts, mentions,
// runs; view xrefs), compiled into the library; open() creates the file or migrates an older one. The file is
// in WAL mode: one writer (a batch or watch process) and any number of readers (`exadoc query`, `search`,
// `xref`) work at once, and each reading statement sees a consistent snapshot. A document is written in one
// transaction, so a crash or SIGKILL leaves all of it or none of it.
//
// Use:
//   Index index = Index::open(out / "exadoc.sqlite", Index::Access::kReadWrite);
//   int64_t run = index.begin_run(RunKind::kBatch, settings_json);
//   if (!index.is_indexed(sha256, "native", settings_json)) index.store_document(run, record, document,
//   mentions); index.finish_run(run, counts);
//
// Thread-safety: an Index is one SQLite connection; use it from one thread at a time (it may move between
// threads). Other threads and processes open their own Index. Every failure throws IndexError, whose message
// names the database file, the operation, SQLite's reason and what to do; misuse (a moved-from Index, an
// unknown run id) throws InternalError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <exadoc/base/error.h>
#include <exadoc/layout/document.h>
#include <exadoc/layout/identifiers.h>

struct sqlite3;

namespace exadoc::exporter {

namespace detail {
struct CloseDatabase {  // sqlite3_close_v2; export/src/sqlite_handle.h holds the other SQLite handles
  void operator()(sqlite3* db) const;
};
}  // namespace detail

class IndexError : public Error {
 public:
  using Error::Error;
};

// The schema version this build writes (PRAGMA user_version of the file); schemas/index.sql is version 1.
int index_schema_version();

enum class RunKind { kBatch, kWatch, kParse };

// What the index records about one input file, besides its parsed pages.
struct DocumentRecord {
  std::string sha256;     // of the file's bytes, 64 lower-case hex digits: the document's identity
  std::string path;       // as given on the command line or found in the folder
  std::string file_type;  // "pdf", "tiff", ...
  std::string engine;     // "native" or "exaone"
  std::string model;      // the model directory or name; empty when the engine runs none
  // Everything that changes the output, as a JSON object. is_indexed compares it as minified JSON text, so
  // key order matters: build it with nlohmann::json (its objects keep keys sorted).
  std::string settings_json = "{}";
  int page_count = 0;    // pages in the file (a --pages selection stores fewer)
  double seconds = 0.0;  // time spent parsing it
};

struct RunCounts {
  int64_t done = 0;
  int64_t skipped = 0;
  int64_t failed = 0;
  int64_t pages = 0;
  double seconds = 0.0;
};

// A value of a query's result: NULL (monostate), INTEGER, REAL, TEXT or BLOB, as SQLite typed it.
using Value = std::variant<std::monostate, int64_t, double, std::string, std::vector<uint8_t>>;
// A value as text: "" for NULL, integers in decimal, reals with up to 15 significant digits, blobs as X'hex'.
std::string value_to_string(const Value& value);

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

struct SearchHit {
  int64_t document_id = 0;
  std::string document_path;
  std::string sha256;
  int page = 0;  // 1-based
  std::string block_key;
  std::string block_type;
  layout::Box1000 box;
  std::string snippet;  // the matching words in [brackets], cut with "…"
  double rank = 0.0;    // FTS5 bm25: lower is better (more negative = more relevant)
};

struct XrefHit {
  std::string kind;
  std::string raw;
  std::string normalized;
  int64_t document_id = 0;
  std::string document_path;
  std::string file_type;
  int page = 0;  // 1-based
  std::string block_key;
  std::string block_type;
  layout::Box1000 box;
  std::string context;  // the block text around the mention, on one line, cut with "…"
};

class Index {
 public:
  enum class Access { kReadWrite, kReadOnly };

  // kReadWrite: creates the file when missing (its folder must exist), switches to WAL, turns foreign keys
  // on, waits up to 10 s for another writer's lock, and migrates the schema to index_schema_version().
  // kReadOnly: SQLITE_OPEN_READONLY and PRAGMA query_only; a missing file, a file that is not an exadoc
  // index, or an index in an older schema version (run a writing command once to migrate it) throw.
  // Either access throws on a file written by a newer exadoc (a schema version this build does not know).
  static Index open(const std::filesystem::path& file, Access access);

  Index(Index&& other) noexcept;
  Index& operator=(Index&& other) noexcept;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;
  ~Index();

  const std::filesystem::path& file() const { return file_; }
  int schema_version() const;

  // The skip test of a batch: a document with this content hash whose last parse succeeded with this engine
  // and these settings (compared as minified JSON).
  bool is_indexed(const std::string& sha256, const std::string& engine,
                  const std::string& settings_json) const;

  // A run groups what one batch, watch session or parse wrote; finish_run records its totals. A run that is
  // never finished (the process died) keeps finished_at NULL.
  int64_t begin_run(RunKind kind, const std::string& settings_json);
  void finish_run(int64_t run_id, const RunCounts& counts);

  // Stores a parsed document in one transaction (BEGIN IMMEDIATE ... COMMIT; rolled back on any error, so
  // nothing of it is left): the documents row (replacing an earlier row of the same sha256, whatever its
  // status, and deleting that row's pages, blocks, FTS entries and mentions), its pages, blocks with their
  // full-text entries, mentions and the path. Mentions refer to blocks by Block::id; a mention of an unknown
  // block, or two blocks with one id, throw. A mention's page is its block's. Returns the document id, which
  // stays the same when a document is stored again.
  int64_t store_document(int64_t run_id, const DocumentRecord& record, const layout::Document& document,
                         const std::vector<layout::Mention>& mentions);

  // Records a document that could not be parsed: status 'failed' with `reason`, no pages. It replaces an
  // earlier failed row of the same sha256, but never an 'ok' one: then only the path is recorded, and the
  // earlier result stays. Returns true when the failure was recorded, false when an 'ok' row was kept.
  bool record_failure(int64_t run_id, const DocumentRecord& record, const std::string& reason);

  // Records that the content with this hash was seen under `path` too (a batch that skips a copy). Returns
  // false, and records nothing, when no document has this hash.
  bool add_path(const std::string& sha256, const std::string& path);

  // Runs one read-only SQL statement. Refused before it runs, with "exadoc query is read-only: ...": any
  // statement that would write (sqlite3_stmt_readonly), PRAGMAs that set a value, ATTACH/DETACH,
  // transaction control and more than one statement. SQL errors throw with SQLite's message.
  QueryResult query(const std::string& sql) const;
  // The same, streaming: on_columns once, then on_row for each row (for results too large to hold); the row
  // is only valid during the call. The statement is one snapshot however long the callbacks take.
  void query(const std::string& sql, const std::function<void(const std::vector<std::string>&)>& on_columns,
             const std::function<void(const std::vector<Value>&)>& on_row) const;

  // Full-text search over block text. `words` are matched as words, every one of them (AND); a word ending
  // in * matches as a prefix ("pump*"). FTS5 operators typed by the user are taken literally, so no input
  // is a syntax error. Best hits first, at most `limit` (no limit when limit <= 0).
  std::vector<SearchHit> search(const std::string& words, int limit) const;

  // Every mention of an identifier by its normalised value (layout::IdentifierExtractor::normalize), across
  // documents, ordered by document path, page and reading order. XrefHit::context holds up to context_bytes
  // of block text on each side of the mention.
  std::vector<XrefHit> xref(const std::string& normalized, size_t context_bytes = 60) const;

 private:
  Index(std::filesystem::path file, std::unique_ptr<sqlite3, detail::CloseDatabase> db);
  sqlite3* connection() const;  // throws InternalError on a moved-from Index

  std::filesystem::path file_;
  std::unique_ptr<sqlite3, detail::CloseDatabase> db_;
};

}  // namespace exadoc::exporter
