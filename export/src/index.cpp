// The SQLite index: opening and migrating the file, storing documents one transaction each, and the read side
// (query, search, xref). The schema and the reasons behind it are in schemas/index.sql.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include <exadoc/export/index.h>

#include "index_schema.h"
#include "sqlite_handle.h"

namespace exadoc::exporter {

void detail::CloseDatabase::operator()(sqlite3* db) const {
  // _v2: closes once the last statement is finalized, so the order of destruction cannot leak the file.
  sqlite3_close_v2(db);
}

namespace {

using sqlite::Statement;
using sqlite::Transaction;

// PRAGMA application_id of an exadoc index ("exad"), so that open() never writes into someone else's
// database.
constexpr int kApplicationId = 0x65786164;
// How long a statement waits for another connection's lock before it fails with SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 10'000;
// Tokens in a search snippet.
constexpr int kSnippetTokens = 16;

constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

std::string run_kind_name(RunKind kind) {
  switch (kind) {
    case RunKind::kBatch:
      return "batch";
    case RunKind::kWatch:
      return "watch";
    case RunKind::kParse:
      return "parse";
  }
  throw InternalError("unknown RunKind");
}

// JSON text of strings that may hold bytes that are not UTF-8 (OCR output): those become U+FFFD instead of
// making nlohmann::json throw.
std::string to_json_text(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// An empty settings string means no settings: the JSON columns hold "{}" then.
std::string_view settings_or_empty_object(const std::string& settings_json) {
  return settings_json.empty() ? std::string_view("{}") : std::string_view(settings_json);
}

int64_t pragma_int(sqlite3* db, const std::filesystem::path& file, const char* pragma) {
  Statement statement(db, file, std::string("PRAGMA ") + pragma, std::string("reading PRAGMA ") + pragma);
  return statement.step() ? statement.column_int64(0) : 0;
}

// Replaces every run of ASCII white space by one space, so a snippet or context prints on one line.
std::string one_line(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  bool in_space = false;
  for (char character : text) {
    if (std::isspace(static_cast<unsigned char>(character)) != 0) {
      in_space = true;
      continue;
    }
    if (in_space && !result.empty()) result += ' ';
    in_space = false;
    result += character;
  }
  return result;
}

bool is_utf8_continuation(char byte) {
  return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

// The text around [offset, offset + length), cut at character boundaries, with "…" where it was cut.
std::string context_around(std::string_view text, size_t offset, size_t length, size_t context_bytes) {
  offset = std::min(offset, text.size());
  size_t begin = offset > context_bytes ? offset - context_bytes : 0;
  size_t end = std::min(text.size(), offset + length + context_bytes);
  while (begin > 0 && begin < text.size() && is_utf8_continuation(text[begin])) --begin;
  while (end < text.size() && is_utf8_continuation(text[end])) ++end;
  return (begin > 0 ? "…" : "") + one_line(text.substr(begin, end - begin)) + (end < text.size() ? "…" : "");
}

// Whether a search word holds anything FTS5's unicode61 tokenizer keeps: an ASCII letter or digit, or a
// non-ASCII character outside the common punctuation blocks. A phrase of punctuation only ("-", "—") would
// tokenize to nothing, and an empty phrase ANDed with the others matches no row at all.
bool has_word_character(std::string_view word) {
  for (size_t index = 0; index < word.size();) {
    const auto byte = static_cast<unsigned char>(word[index]);
    if (byte < 0x80) {
      if (std::isalnum(byte) != 0) return true;
      ++index;
      continue;
    }
    // Decode one UTF-8 sequence; invalid bytes count as word characters (the tokenizer keeps them).
    const int length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    uint32_t code_point = byte & (length == 4 ? 0x07u : length == 3 ? 0x0Fu : length == 2 ? 0x1Fu : 0xFFu);
    for (int continuation = 1; continuation < length && index + continuation < word.size(); ++continuation)
      code_point = (code_point << 6) | (static_cast<unsigned char>(word[index + continuation]) & 0x3Fu);
    index += length;
    const bool punctuation =
        (code_point >= 0x00A0 && code_point <= 0x00BF) || code_point == 0x00D7 || code_point == 0x00F7 ||
        (code_point >= 0x2000 && code_point <= 0x2BFF) || (code_point >= 0x3000 && code_point <= 0x3003) ||
        (code_point >= 0x3008 && code_point <= 0x3020) || (code_point >= 0xFE30 && code_point <= 0xFE4F) ||
        (code_point >= 0xFF01 && code_point <= 0xFF0F) || (code_point >= 0xFF1A && code_point <= 0xFF20);
    if (!punctuation) return true;
  }
  return false;
}

// The FTS5 expression for a user's words: each word becomes an FTS5 string ("...", inner quotes doubled), so
// operators, parentheses, column filters and stray quotes are plain text and never a syntax error; a trailing
// * keeps its meaning as a prefix search. Adjacent strings are ANDed by FTS5. Empty when no word is left.
std::string fts_expression(std::string_view words) {
  std::string expression;
  size_t index = 0;
  while (index < words.size()) {
    while (index < words.size() && std::isspace(static_cast<unsigned char>(words[index])) != 0) ++index;
    const size_t begin = index;
    while (index < words.size() && std::isspace(static_cast<unsigned char>(words[index])) == 0) ++index;
    std::string_view word = words.substr(begin, index - begin);
    const bool prefix = word.ends_with('*');
    while (word.ends_with('*')) word.remove_suffix(1);
    if (!has_word_character(word)) continue;
    if (!expression.empty()) expression += ' ';
    expression += '"';
    for (char character : word) {
      if (character == '"') expression += '"';
      expression += character;
    }
    expression += prefix ? "\"*" : "\"";
  }
  return expression;
}

// --- the read-only guard of query() -----------------------------------------------------------------------

// PRAGMAs that only read. The first set may take an argument (a table or index name); the second reads only
// without one ("PRAGMA user_version" reads, "PRAGMA user_version = 3" writes).
constexpr std::array<std::string_view, 10> kPragmasReadingWithArgument = {
    "foreign_key_check", "foreign_key_list", "index_info", "index_list", "index_xinfo",
    "integrity_check",   "quick_check",      "table_info", "table_list", "table_xinfo"};
constexpr std::array<std::string_view, 16> kPragmasReadingWithoutArgument = {
    "application_id", "collation_list", "compile_options", "data_version", "database_list", "encoding",
    "foreign_keys",   "freelist_count", "function_list",   "journal_mode", "module_list",   "page_count",
    "page_size",      "pragma_list",    "schema_version",  "user_version"};

struct ReadOnlyGuard {
  std::string refused;          // what the authorizer refused, for the message; empty while all is allowed
  bool reading_pragma = false;  // an allowed PRAGMA, which sqlite3_stmt_readonly may still call a write
};

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char character) { return static_cast<char>(std::tolower(character)); });
  return result;
}

// sqlite3_stmt_readonly says yes to ATTACH, DETACH, transaction control and PRAGMAs that change how the
// connection behaves; query() must refuse those too, so an authorizer sees every operation while the
// statement compiles and allows reads only.
int authorize_read_only(void* user_data, int action, const char* argument1, const char* argument2,
                        const char* /*database*/, const char* /*trigger_or_view*/) {
  auto* guard = static_cast<ReadOnlyGuard*>(user_data);
  const std::string name = argument1 != nullptr ? argument1 : "";
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_PRAGMA: {
      const std::string pragma = lower(name);
      const bool with_argument = argument2 != nullptr;
      if (std::find(kPragmasReadingWithArgument.begin(), kPragmasReadingWithArgument.end(), pragma) !=
              kPragmasReadingWithArgument.end() ||
          (!with_argument &&
           std::find(kPragmasReadingWithoutArgument.begin(), kPragmasReadingWithoutArgument.end(), pragma) !=
               kPragmasReadingWithoutArgument.end())) {
        guard->reading_pragma = true;
        return SQLITE_OK;
      }
      guard->refused = "PRAGMA " + pragma + (with_argument ? " with a value" : "");
      return SQLITE_DENY;
    }
    case SQLITE_INSERT:
      guard->refused = "INSERT into " + name;
      return SQLITE_DENY;
    case SQLITE_UPDATE:
      // The first use of a virtual table (blocks_fts) in a connection compiles SQLite's own schema update
      // under this authorizer. A user's UPDATE of the schema table cannot pass: SQLite refuses it without
      // writable_schema, and sqlite3_stmt_readonly catches it as well.
      if (name == "sqlite_master" || name == "sqlite_temp_master") return SQLITE_OK;
      guard->refused = "UPDATE of " + name;
      return SQLITE_DENY;
    case SQLITE_DELETE:
      guard->refused = "DELETE from " + name;
      return SQLITE_DENY;
    case SQLITE_ATTACH:
      guard->refused = "ATTACH";
      return SQLITE_DENY;
    case SQLITE_DETACH:
      guard->refused = "DETACH";
      return SQLITE_DENY;
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
      guard->refused = "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT; each query is one snapshot)";
      return SQLITE_DENY;
    default:  // CREATE, DROP, ALTER, REINDEX, ANALYZE, virtual tables, ...
      guard->refused = "a statement that changes the schema or the database";
      return SQLITE_DENY;
  }
}

[[noreturn]] void refuse(const std::filesystem::path& file, const std::string& what) {
  throw IndexError("exadoc query is read-only: " + what + " is refused on " + file.string() +
                   "; it runs SELECT (or WITH ... SELECT) and reading PRAGMAs only. The index is written by "
                   "exadoc batch; to change it by hand use the sqlite3 shell, at your own risk.");
}

// Compiles `sql` as one read-only statement, or throws before anything runs.
Statement prepare_read_only(sqlite3* db, const std::filesystem::path& file, const std::string& sql) {
  ReadOnlyGuard guard;
  sqlite3_set_authorizer(db, authorize_read_only, &guard);
  sqlite3_stmt* raw_statement = nullptr;
  const char* tail = nullptr;
  const int result = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw_statement, &tail);
  sqlite3_set_authorizer(db, nullptr, nullptr);
  sqlite::StatementPtr statement(raw_statement);
  if (!guard.refused.empty()) refuse(file, guard.refused);
  if (result != SQLITE_OK) sqlite::throw_error(db, file, "running the query", sqlite3_extended_errcode(db));
  if (statement == nullptr) {
    throw IndexError("exadoc query: no SQL statement in \"" + sql +
                     "\"; give one, e.g. \"SELECT * FROM documents\"");
  }
  // Allowed PRAGMAs are read-only by the list above, even where SQLite marks them otherwise (journal_mode).
  if (sqlite3_stmt_readonly(statement.get()) == 0 && !guard.reading_pragma)
    refuse(file, "a statement that writes");

  // Anything after the first statement must be white space or comments: compiling it yields no statement.
  const std::string_view rest(tail, static_cast<size_t>(sql.data() + sql.size() - tail));
  sqlite3_stmt* next = nullptr;
  sqlite3_set_authorizer(db, authorize_read_only, &guard);
  const int next_result = sqlite3_prepare_v2(db, rest.data(), static_cast<int>(rest.size()), &next, nullptr);
  sqlite3_set_authorizer(db, nullptr, nullptr);
  const sqlite::StatementPtr next_statement(next);
  if (next_result != SQLITE_OK || next_statement != nullptr || !guard.refused.empty()) {
    throw IndexError("exadoc query runs one statement, and there is more SQL after the first: \"" +
                     one_line(rest.substr(0, 80)) + "\"; run the statements one by one");
  }
  return Statement(db, file, std::move(statement), "running the query");
}

Value column_value(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return static_cast<int64_t>(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT:
      return sqlite3_column_double(statement, column);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      return std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement, column)));
    }
    case SQLITE_BLOB: {
      const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(statement, column));
      return std::vector<uint8_t>(bytes, bytes + sqlite3_column_bytes(statement, column));
    }
    default:
      return std::monostate{};
  }
}

layout::Box1000 column_box(const Statement& statement, int first_column) {
  return {statement.column_int(first_column), statement.column_int(first_column + 1),
          statement.column_int(first_column + 2), statement.column_int(first_column + 3)};
}

// Inserts or refreshes one (document, path) pair.
void record_path(sqlite3* db, const std::filesystem::path& file, int64_t document_id, const std::string& path,
                 const std::string& operation) {
  Statement statement(db, file,
                      std::string("INSERT INTO document_paths (document_id, path) VALUES (?1, ?2) "
                                  "ON CONFLICT (document_id, path) DO UPDATE SET last_seen_at = ") +
                          kNow,
                      operation);
  statement.bind(1, document_id).bind(2, path).run();
}

}  // namespace

int index_schema_version() {
  return static_cast<int>(std::size(kIndexMigrations));
}

std::string value_to_string(const Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const auto* real = std::get_if<double>(&value)) {
    // SQLite's own rendering ("%!.15g": 2.0 stays "2.0"), as the sqlite3 shell prints reals.
    char* text = sqlite3_mprintf("%!.15g", *real);
    std::string result = text != nullptr ? text : "";
    sqlite3_free(text);
    return result;
  }
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* blob = std::get_if<std::vector<uint8_t>>(&value)) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string result = "X'";
    for (uint8_t byte : *blob) {
      result += kHex[byte >> 4];
      result += kHex[byte & 0x0F];
    }
    return result + "'";
  }
  return "";
}

// --- opening ----------------------------------------------------------------------------------------------

Index::Index(std::filesystem::path file, std::unique_ptr<sqlite3, detail::CloseDatabase> db)
    : file_(std::move(file)), db_(std::move(db)) {}
Index::Index(Index&& other) noexcept = default;
Index& Index::operator=(Index&& other) noexcept = default;
Index::~Index() = default;

sqlite3* Index::connection() const {
  if (db_ == nullptr) throw InternalError("use of a moved-from exporter::Index");
  return db_.get();
}

Index Index::open(const std::filesystem::path& file, Access access) {
  const bool read_only = access == Access::kReadOnly;
  std::error_code error;
  if (read_only && !std::filesystem::exists(file, error)) {
    throw IndexError("no index at " + file.string() +
                     ": run exadoc batch first to create it, or pass --db with the index to read");
  }
  if (!read_only) {
    const std::filesystem::path folder = file.parent_path();
    if (!folder.empty() && !std::filesystem::is_directory(folder, error)) {
      throw IndexError("cannot create the index " + file.string() + ": the folder " + folder.string() +
                       " does not exist; create it or pass another --db");
    }
  }

  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
#ifdef SQLITE_OPEN_EXRESCODE
  flags |= SQLITE_OPEN_EXRESCODE;
#endif
  sqlite3* raw_db = nullptr;
  const int result = sqlite3_open_v2(file.c_str(), &raw_db, flags, nullptr);
  sqlite::DatabasePtr db(raw_db);  // owns the handle even when opening failed
  if (result != SQLITE_OK) {
    sqlite::throw_error(db.get(), file, read_only ? "opening read-only" : "opening", result);
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  sqlite3* connection = db.get();

  // The first read: a file that is not an SQLite database fails here, with SQLITE_NOTADB and its hint.
  const int64_t application_id = pragma_int(connection, file, "application_id");
  const int64_t version = pragma_int(connection, file, "user_version");
  if (application_id != kApplicationId) {
    Statement objects(connection, file, "SELECT count(*) FROM sqlite_schema", "reading the schema");
    objects.step();
    if (application_id != 0 || version != 0 || objects.column_int64(0) != 0) {
      throw IndexError(file.string() +
                       " is an SQLite database but not an exadoc index; exadoc will not write into it. "
                       "Pass another --db, or move the file away.");
    }
    if (read_only) {
      throw IndexError(file.string() + " is an empty database, not an exadoc index: run exadoc batch first");
    }
  }
  if (version > index_schema_version()) {
    throw IndexError("index " + file.string() + " has schema version " + std::to_string(version) +
                     ", written by a newer exadoc; this one knows versions up to " +
                     std::to_string(index_schema_version()) + ". Use the newer exadoc, or another --db.");
  }

  if (read_only) {
    if (version < index_schema_version()) {
      throw IndexError("index " + file.string() + " has schema version " + std::to_string(version) +
                       " and this exadoc reads version " + std::to_string(index_schema_version()) +
                       ": run exadoc batch on it once to migrate it");
    }
    // Belt and braces over SQLITE_OPEN_READONLY: any write fails, also through a connection-level trick.
    sqlite::exec(connection, file, "PRAGMA query_only = ON", "opening read-only");
    return {file, std::move(db)};
  }

  // WAL: readers keep reading a snapshot while the writer commits, and a commit is one append to the log.
  {
    Statement wal(connection, file, "PRAGMA journal_mode = WAL", "switching to WAL mode");
    if (!wal.step() || lower(wal.column_text(0)) != "wal") {
      throw IndexError("index " + file.string() +
                       ": the file system does not support WAL mode (journal mode " + wal.column_text(0) +
                       "); put the index on a local disk with --db");
    }
  }
  // NORMAL is durable across a crash of exadoc in WAL mode; a power cut may lose the last commits, never
  // the file's consistency, and every commit saves an fsync.
  sqlite::exec(connection, file, "PRAGMA synchronous = NORMAL", "opening");
  sqlite::exec(connection, file, "PRAGMA foreign_keys = ON", "opening");
  if (pragma_int(connection, file, "foreign_keys") != 1) {
    throw IndexError("index " + file.string() +
                     ": this SQLite library has no foreign key support, which the " +
                     "index needs to delete pages with their documents; install Debian's libsqlite3-0");
  }

  if (version < index_schema_version()) {
    // Under the write lock, read the version again: another process may have migrated in the meantime.
    Transaction transaction(connection, file, "migrating the schema");
    for (int64_t step = pragma_int(connection, file, "user_version"); step < index_schema_version(); ++step) {
      sqlite::exec(connection, file, kIndexMigrations[step],
                   "migrating the schema to version " + std::to_string(step + 1));
    }
    // PRAGMAs take no bound parameters; both values are this build's constants.
    sqlite::exec(connection, file,
                 ("PRAGMA user_version = " + std::to_string(index_schema_version())).c_str(),
                 "migrating the schema");
    sqlite::exec(connection, file, ("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(),
                 "migrating the schema");
    transaction.commit();
  }
  return {file, std::move(db)};
}

int Index::schema_version() const {
  return static_cast<int>(pragma_int(connection(), file_, "user_version"));
}

// --- writing -----------------------------------------------------------------------------------------------

bool Index::is_indexed(const std::string& sha256, const std::string& engine,
                       const std::string& settings_json) const {
  Statement statement(connection(), file_,
                      "SELECT 1 FROM documents WHERE sha256 = ?1 AND status = 'ok' AND engine = ?2 "
                      "AND settings = json(?3)",
                      "looking up " + sha256);
  statement.bind(1, sha256).bind(2, engine).bind(3, settings_or_empty_object(settings_json));
  return statement.step();
}

int64_t Index::begin_run(RunKind kind, const std::string& settings_json) {
  Statement statement(connection(), file_, "INSERT INTO runs (kind, settings) VALUES (?1, json(?2))",
                      "recording the start of a run");
  statement.bind(1, run_kind_name(kind)).bind(2, settings_or_empty_object(settings_json)).run();
  return sqlite3_last_insert_rowid(connection());
}

void Index::finish_run(int64_t run_id, const RunCounts& counts) {
  Statement statement(connection(), file_,
                      std::string("UPDATE runs SET finished_at = ") + kNow +
                          ", done = ?2, skipped = ?3, failed = ?4, pages = ?5, seconds = ?6 WHERE id = ?1",
                      "recording the end of run " + std::to_string(run_id));
  statement.bind(1, run_id)
      .bind(2, counts.done)
      .bind(3, counts.skipped)
      .bind(4, counts.failed)
      .bind(5, counts.pages)
      .bind(6, counts.seconds)
      .run();
  if (sqlite3_changes(connection()) == 0) {
    throw InternalError("finish_run: index " + file_.string() + " has no run " + std::to_string(run_id));
  }
}

namespace {

// The columns documents rows share between store_document and record_failure: ?1 sha256, ?2 path,
// ?3 file_type, ?4 page_count, ?5 engine, ?6 model, ?7 settings, ?8 seconds, ?9 run_id.
constexpr const char* kDocumentColumns =
    "sha256, path, file_type, page_count, engine, model, settings, seconds, run_id, started_at, finished_at";
constexpr const char* kDocumentValues =
    "?1, ?2, ?3, ?4, ?5, ?6, json(?7), ?8, ?9, "
    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%.3f seconds', ?8)), strftime('%Y-%m-%dT%H:%M:%fZ', "
    "'now')";
constexpr const char* kDocumentUpdates =
    "path = excluded.path, file_type = excluded.file_type, page_count = excluded.page_count, "
    "engine = excluded.engine, model = excluded.model, settings = excluded.settings, seconds = "
    "excluded.seconds, "
    "run_id = excluded.run_id, started_at = excluded.started_at, finished_at = excluded.finished_at, "
    "status = excluded.status, error = excluded.error, warnings = excluded.warnings";

void bind_document(Statement& statement, int64_t run_id, const DocumentRecord& record) {
  statement.bind(1, record.sha256)
      .bind(2, record.path)
      .bind(3, record.file_type)
      .bind(4, record.page_count)
      .bind(5, record.engine)
      .bind_text_or_null(6, record.model)
      .bind(7, settings_or_empty_object(record.settings_json))
      .bind(8, record.seconds)
      .bind(9, run_id);
}

struct StoredBlock {
  int64_t id = 0;
  int page = 0;
};

}  // namespace

int64_t Index::store_document(int64_t run_id, const DocumentRecord& record, const layout::Document& document,
                              const std::vector<layout::Mention>& mentions) {
  sqlite3* db = connection();
  const std::string operation = "storing " + record.path;
  Transaction transaction(db, file_, operation);

  // An upsert rather than delete-and-insert keeps the document's id and its document_paths rows.
  Statement upsert(db, file_,
                   std::string("INSERT INTO documents (") + kDocumentColumns +
                       ", status, error, warnings) VALUES (" + kDocumentValues +
                       ", 'ok', NULL, json(?10)) ON CONFLICT (sha256) DO UPDATE SET " + kDocumentUpdates +
                       " RETURNING id",
                   operation);
  bind_document(upsert, run_id, record);
  upsert.bind(10, to_json_text(document.warnings));
  if (!upsert.step()) throw InternalError("documents upsert returned no id for " + record.path);
  const int64_t document_id = upsert.column_int64(0);
  upsert.run();  // RETURNING: the statement completes only when stepped to the end

  // ON DELETE CASCADE takes the blocks, their FTS entries (trigger) and the mentions of an earlier parse.
  Statement(db, file_, "DELETE FROM pages WHERE document_id = ?1", operation).bind(1, document_id).run();
  record_path(db, file_, document_id, record.path, operation);

  Statement insert_page(
      db, file_,
      "INSERT INTO pages (document_id, number, width_pt, height_pt, width_px, height_px, dpi, "
      "rotation, skew, warnings, model_output, text_disagreement) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, json(?10), ?11, ?12)",
      operation);
  Statement insert_block(
      db, file_,
      "INSERT INTO blocks (page_id, document_id, page, block_key, reading_order, type, x1, y1, "
      "x2, y2, text, html, latex, level, source, confidence, fields) VALUES (?1, ?2, ?3, ?4, ?5, "
      "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, json(?17))",
      operation);
  insert_page.bind(1, document_id);
  insert_block.bind(2, document_id);
  std::map<std::string, StoredBlock, std::less<>> blocks_by_key;
  for (const layout::Page& page : document.pages) {
    insert_page.reset();
    insert_page.bind(2, page.number)
        .bind(3, page.size_pt.width)
        .bind(4, page.size_pt.height)
        .bind(5, page.width_px)
        .bind(6, page.height_px)
        .bind(7, page.dpi)
        .bind(8, page.rotation_deg)
        .bind(10, to_json_text(page.warnings));
    if (page.skew_deg) {
      insert_page.bind(9, *page.skew_deg);
    } else {
      insert_page.bind_null(9);
    }
    if (!page.model_output.empty()) {
      insert_page.bind(11, page.model_output);
    } else {
      insert_page.bind_null(11);
    }
    if (page.text_disagreement) {
      insert_page.bind(12, *page.text_disagreement);
    } else {
      insert_page.bind_null(12);
    }
    insert_page.run();
    const int64_t page_id = sqlite3_last_insert_rowid(db);

    for (const layout::Block& block : page.blocks) {
      const auto [stored, inserted] = blocks_by_key.try_emplace(block.id, StoredBlock{0, page.number});
      if (!inserted) {
        throw IndexError("index " + file_.string() + ": " + operation + ": block id \"" + block.id +
                         "\" appears twice in the document; this is a bug in the engine, please report it");
      }
      insert_block.reset();
      insert_block.bind(1, page_id)
          .bind(3, page.number)
          .bind(4, block.id)
          .bind(5, block.reading_order)
          .bind(6, layout::block_type_name(block.type))
          .bind(7, block.box.x1)
          .bind(8, block.box.y1)
          .bind(9, block.box.x2)
          .bind(10, block.box.y2)
          .bind(11, block.text)
          .bind_text_or_null(12, block.html)
          .bind_text_or_null(13, block.latex)
          .bind(14, block.level)
          .bind(15, layout::block_source_name(block.source))
          .bind(16, static_cast<double>(block.confidence))
          .bind(17, to_json_text(block.fields));
      insert_block.run();
      stored->second.id = sqlite3_last_insert_rowid(db);
    }
  }

  Statement insert_mention(
      db, file_,
      "INSERT INTO mentions (block_id, document_id, page, kind, raw, normalized, byte_offset) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      operation);
  insert_mention.bind(2, document_id);
  for (const layout::Mention& mention : mentions) {
    const auto block = blocks_by_key.find(mention.block_id);
    if (block == blocks_by_key.end()) {
      throw IndexError("index " + file_.string() + ": " + operation + ": the mention \"" + mention.raw +
                       "\" refers to block \"" + mention.block_id +
                       "\", which the document does not have; this is a bug in exadoc, please report it");
    }
    insert_mention.reset();
    insert_mention.bind(1, block->second.id)
        .bind(3, block->second.page)
        .bind(4, mention.kind)
        .bind(5, mention.raw)
        .bind(6, mention.normalized)
        .bind(7, mention.offset)
        .run();
  }

  transaction.commit();
  return document_id;
}

bool Index::record_failure(int64_t run_id, const DocumentRecord& record, const std::string& reason) {
  sqlite3* db = connection();
  const std::string operation = "recording the failure of " + record.path;
  Transaction transaction(db, file_, operation);
  // The WHERE of DO UPDATE keeps an 'ok' row: then nothing changes, and sqlite3_changes() says so.
  Statement upsert(db, file_,
                   std::string("INSERT INTO documents (") + kDocumentColumns + ", status, error) VALUES (" +
                       kDocumentValues + ", 'failed', ?10) ON CONFLICT (sha256) DO UPDATE SET " +
                       kDocumentUpdates + " WHERE documents.status = 'failed'",
                   operation);
  bind_document(upsert, run_id, record);
  upsert.bind(10, reason).run();
  const bool recorded = sqlite3_changes(db) > 0;

  Statement find(db, file_, "SELECT id FROM documents WHERE sha256 = ?1", operation);
  find.bind(1, record.sha256);
  if (!find.step()) throw InternalError("record_failure: no documents row for " + record.sha256);
  record_path(db, file_, find.column_int64(0), record.path, operation);
  transaction.commit();
  return recorded;
}

bool Index::add_path(const std::string& sha256, const std::string& path) {
  // The SELECT's WHERE keeps SQLite from reading ON CONFLICT as a join constraint (an upsert rule).
  Statement statement(connection(), file_,
                      std::string("INSERT INTO document_paths (document_id, path) "
                                  "SELECT id, ?2 FROM documents WHERE sha256 = ?1 "
                                  "ON CONFLICT (document_id, path) DO UPDATE SET last_seen_at = ") +
                          kNow,
                      "recording the path " + path);
  statement.bind(1, sha256).bind(2, path).run();
  return sqlite3_changes(connection()) > 0;
}

// --- reading -----------------------------------------------------------------------------------------------

void Index::query(const std::string& sql,
                  const std::function<void(const std::vector<std::string>&)>& on_columns,
                  const std::function<void(const std::vector<Value>&)>& on_row) const {
  Statement statement = prepare_read_only(connection(), file_, sql);
  const int column_count = sqlite3_column_count(statement.get());
  std::vector<std::string> columns;
  columns.reserve(static_cast<size_t>(column_count));
  for (int column = 0; column < column_count; ++column) {
    const char* name = sqlite3_column_name(statement.get(), column);
    columns.emplace_back(name != nullptr ? name : "");
  }
  on_columns(columns);
  std::vector<Value> row(static_cast<size_t>(column_count));
  while (statement.step()) {
    for (int column = 0; column < column_count; ++column) {
      row[static_cast<size_t>(column)] = column_value(statement.get(), column);
    }
    on_row(row);
  }
}

QueryResult Index::query(const std::string& sql) const {
  QueryResult result;
  query(
      sql, [&result](const std::vector<std::string>& columns) { result.columns = columns; },
      [&result](const std::vector<Value>& row) { result.rows.push_back(row); });
  return result;
}

std::vector<SearchHit> Index::search(const std::string& words, int limit) const {
  const std::string expression = fts_expression(words);
  if (expression.empty()) return {};
  Statement statement(connection(), file_,
                      "SELECT d.id, d.path, d.sha256, b.page, b.block_key, b.type, b.x1, b.y1, b.x2, b.y2, "
                      "snippet(blocks_fts, 0, '[', ']', '…', ?3), blocks_fts.rank "
                      "FROM blocks_fts JOIN blocks AS b ON b.id = blocks_fts.rowid "
                      "JOIN documents AS d ON d.id = b.document_id "
                      "WHERE blocks_fts MATCH ?1 ORDER BY blocks_fts.rank, b.id LIMIT ?2",
                      "searching for " + words);
  statement.bind(1, expression).bind(2, limit > 0 ? limit : -1).bind(3, kSnippetTokens);
  std::vector<SearchHit> hits;
  while (statement.step()) {
    SearchHit hit;
    hit.document_id = statement.column_int64(0);
    hit.document_path = statement.column_text(1);
    hit.sha256 = statement.column_text(2);
    hit.page = statement.column_int(3);
    hit.block_key = statement.column_text(4);
    hit.block_type = statement.column_text(5);
    hit.box = column_box(statement, 6);
    hit.snippet = one_line(statement.column_text(10));
    hit.rank = statement.column_double(11);
    hits.push_back(std::move(hit));
  }
  return hits;
}

std::vector<XrefHit> Index::xref(const std::string& normalized, size_t context_bytes) const {
  Statement statement(
      connection(), file_,
      "SELECT m.kind, m.raw, m.normalized, d.id, d.path, d.file_type, m.page, b.block_key, b.type, "
      "b.x1, b.y1, b.x2, b.y2, b.text, m.byte_offset "
      "FROM mentions AS m JOIN blocks AS b ON b.id = m.block_id "
      "JOIN documents AS d ON d.id = m.document_id WHERE m.normalized = ?1 "
      "ORDER BY d.path, d.id, m.page, b.reading_order, m.byte_offset",
      "cross-referencing " + normalized);
  statement.bind(1, normalized);
  std::vector<XrefHit> hits;
  while (statement.step()) {
    XrefHit hit;
    hit.kind = statement.column_text(0);
    hit.raw = statement.column_text(1);
    hit.normalized = statement.column_text(2);
    hit.document_id = statement.column_int64(3);
    hit.document_path = statement.column_text(4);
    hit.file_type = statement.column_text(5);
    hit.page = statement.column_int(6);
    hit.block_key = statement.column_text(7);
    hit.block_type = statement.column_text(8);
    hit.box = column_box(statement, 9);
    const int64_t offset = statement.column_int64(14);
    hit.context = context_around(statement.column_text(13), offset > 0 ? static_cast<size_t>(offset) : 0,
                                 hit.raw.size(), context_bytes);
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace exadoc::exporter
