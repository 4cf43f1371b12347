// exadoc/base/error.h — the root of exadoc's error types.
//
// Each library derives one error type from exadoc::Error (ingest::InputError, model::ModelFormatError, ...),
// so callers can catch per layer or catch everything. A message says what happened, where (file, page,
// tensor), why, and what to do about it. InternalError is for broken invariants, i.e. bugs in exadoc.
#pragma once

#include <stdexcept>
#include <string>

namespace exadoc {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class InternalError : public Error {
 public:
  explicit InternalError(const std::string& message)
      : Error("internal error (a bug in exadoc): " + message) {}
};

}  // namespace exadoc
