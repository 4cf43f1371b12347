#include "inputs.h"
#include <algorithm>

#include <exadoc/base/log.h>
#include <exadoc/ingest/file_type.h>
#include <exadoc/ingest/input_error.h>

namespace exadoc::app {

namespace fs = std::filesystem;

std::vector<fs::path> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const std::string& input : inputs) {
    const fs::path path(input);
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      files.push_back(path);
      continue;
    }
    std::vector<fs::path> entries;
    for (const fs::directory_entry& entry : fs::directory_iterator(path, error)) {
      if (entry.is_regular_file(error)) entries.push_back(entry.path());
    }
    std::sort(entries.begin(), entries.end());
    for (const fs::path& entry : entries) {
      try {
        if (ingest::detect_file_type(entry) != ingest::FileType::kUnknown) {
          files.push_back(entry);
        } else {
          EXADOC_LOG_DEBUG("skipping %s: not a supported document", entry.c_str());
        }
      } catch (const ingest::InputError&) {
        files.push_back(entry);  // unreadable: reported as a failure when opened
      }
    }
  }
  return files;
}

std::string unique_output_name(const fs::path& input, std::set<std::string>& used) {
  std::string name = input.stem().string();
  if (name.empty()) name = "document";
  std::string candidate = name;
  if (used.count(candidate) != 0 && input.has_extension())
    candidate = name + "-" + input.extension().string().substr(1);
  for (int suffix = 2; used.count(candidate) != 0; ++suffix) candidate = name + "-" + std::to_string(suffix);
  used.insert(candidate);
  return candidate;
}

}  // namespace exadoc::app
