// exadoc/ingest/input_error.h — the one error type of the ingest library.
//
// Thrown for bad input: unreadable, corrupt, truncated, encrypted or oversized files and pages. The message
// always starts with the file (and page, 1-based, when one is concerned) so that a batch log line is
// self-explanatory: "scan.tiff: page 2: the image data is truncated (...)".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <exadoc/base/error.h>

namespace exadoc::ingest {

class InputError : public Error {
 public:
  // page_index is 0-based; the message shows it 1-based.
  InputError(const std::filesystem::path& file, std::optional<int> page_index, const std::string& what);

  const std::filesystem::path& file() const { return file_; }
  std::optional<int> page_index() const { return page_index_; }
  // The message without the "file: page N: " prefix.
  const std::string& reason() const { return reason_; }

 private:
  std::filesystem::path file_;
  std::optional<int> page_index_;
  std::string reason_;
};

}  // namespace exadoc::ingest
