// export/src/sqlite_handle.h — RAII around SQLite's C handles, and the one place that turns SQLite's status
// codes into IndexError messages (database file, operation, SQLite's message, what to do).
//
// DatabasePtr closes the connection (sqlite3_close_v2), Statement finalizes its statement, Transaction rolls
// back unless commit() ran: one document, one transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <sqlite3.h>

#include <exadoc/export/index.h>

namespace exadoc::exporter::sqlite {

using DatabasePtr = std::unique_ptr<sqlite3, detail::CloseDatabase>;

struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

// What to do about a failure with this (extended) result code, for the end of an error message.
inline std::string hint_for(int result_code) {
  switch (result_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "another exadoc process has held the index for more than 10 s; let it finish or stop it, then "
             "retry";
    case SQLITE_READONLY:
      return "the file or its folder is not writable; check the permissions, or pass another --db";
    case SQLITE_CANTOPEN:
      return "check that the folder exists and is writable, or pass another --db";
    case SQLITE_FULL:
      return "the disk is full; free space and run the command again (committed documents are kept)";
    case SQLITE_IOERR:
      return "the disk or file system reported an error; check it and run the command again";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the file is damaged or not an SQLite database; move it away and run exadoc batch to rebuild it";
    case SQLITE_CONSTRAINT:
      return "the data broke a rule of the schema (schemas/index.sql); this is a bug in exadoc, please "
             "report it";
    case SQLITE_ERROR:
      return "check the SQL against the schema (schemas/index.sql, or .schema in the sqlite3 shell)";
    default:
      return "see https://sqlite.org/rescode.html";
  }
}

// "index FILE: OPERATION: SQLite's message (SQLite code N); HINT". `db` may be null (a failed open).
[[noreturn]] inline void throw_error(sqlite3* db, const std::filesystem::path& file,
                                     std::string_view operation, int result_code) {
  const std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(result_code);
  throw IndexError("index " + file.string() + ": " + std::string(operation) + ": " + reason +
                   " (SQLite code " + std::to_string(result_code) + "); " + hint_for(result_code));
}

// Runs SQL that needs no parameters and whose rows are not needed (schema scripts, PRAGMAs that set).
inline void exec(sqlite3* db, const std::filesystem::path& file, const char* sql,
                 std::string_view operation) {
  const int result = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (result != SQLITE_OK) throw_error(db, file, operation, sqlite3_extended_errcode(db));
}

// A prepared statement with its connection and file, for binding, stepping and error messages. Parameters
// are 1-based, as in SQLite.
class Statement {
 public:
  Statement(sqlite3* db, const std::filesystem::path& file, std::string_view sql, std::string operation)
      : db_(db), file_(file), operation_(std::move(operation)) {
    sqlite3_stmt* statement = nullptr;
    const int result = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
    statement_.reset(statement);
    if (result != SQLITE_OK) fail(result);
  }
  // Adopts a statement compiled elsewhere (query()'s read-only guard compiles its own).
  Statement(sqlite3* db, const std::filesystem::path& file, StatementPtr statement, std::string operation)
      : db_(db), file_(file), operation_(std::move(operation)), statement_(std::move(statement)) {}

  Statement& bind(int index, int64_t value) { return check(sqlite3_bind_int64(get(), index, value)); }
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value) { return check(sqlite3_bind_double(get(), index, value)); }
  // SQLITE_TRANSIENT: SQLite copies the text, so the argument may be a temporary.
  Statement& bind(int index, std::string_view text) {
    return check(sqlite3_bind_text64(get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Statement& bind_null(int index) { return check(sqlite3_bind_null(get(), index)); }
  Statement& bind_text_or_null(int index, std::string_view text) {
    return text.empty() ? bind_null(index) : bind(index, text);
  }

  // true: a row is ready; false: done; throws on an error.
  bool step() {
    const int result = sqlite3_step(get());
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    fail(result);
  }
  void run() {
    while (step()) {
    }
  }
  // Keeps the bindings, so a loop rebinds only what changes. Errors were reported by step() already.
  void reset() { sqlite3_reset(get()); }

  bool is_null(int column) const { return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL; }
  int64_t column_int64(int column) const { return sqlite3_column_int64(statement_.get(), column); }
  int column_int(int column) const { return sqlite3_column_int(statement_.get(), column); }
  double column_double(int column) const { return sqlite3_column_double(statement_.get(), column); }
  std::string column_text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(get(), column));
    return text == nullptr ? std::string() : std::string(text, sqlite3_column_bytes(get(), column));
  }

  sqlite3_stmt* get() const { return statement_.get(); }

 private:
  [[noreturn]] void fail(int result_code) const { throw_error(db_, file_, operation_, result_code); }
  Statement& check(int result_code) {
    if (result_code != SQLITE_OK) fail(result_code);
    return *this;
  }

  sqlite3* db_;
  const std::filesystem::path& file_;
  std::string operation_;
  StatementPtr statement_;
};

// BEGIN IMMEDIATE at construction (takes the write lock now, waiting out the busy timeout, so the
// transaction cannot fail later for a lock another writer holds); ROLLBACK at destruction unless commit()
// ran.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::filesystem::path& file, std::string operation)
      : db_(db), file_(file), operation_(std::move(operation)) {
    exec(db_, file_, "BEGIN IMMEDIATE", operation_);
    open_ = true;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    // An error here cannot be reported (a destructor during unwinding); SQLite has rolled back already when
    // the failure was an I/O error, and a connection that closes rolls back what is left.
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, file_, "COMMIT", operation_);
    open_ = false;
  }

 private:
  sqlite3* db_;
  const std::filesystem::path& file_;
  std::string operation_;
  bool open_ = false;
};

}  // namespace exadoc::exporter::sqlite
