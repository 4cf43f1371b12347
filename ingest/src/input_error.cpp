#include <exadoc/ingest/input_error.h>

namespace exadoc::ingest {
namespace {

std::string format_message(const std::filesystem::path& file, std::optional<int> page_index,
                           const std::string& what) {
  std::string message = file.string() + ": ";
  if (page_index) message += "page " + std::to_string(*page_index + 1) + ": ";
  return message + what;
}

}  // namespace

InputError::InputError(const std::filesystem::path& file, std::optional<int> page_index,
                       const std::string& what)
    : Error(format_message(file, page_index, what)), file_(file), page_index_(page_index), reason_(what) {}

}  // namespace exadoc::ingest
