#include "inputs.h"
#include <algorithm>
#include <cctype>
#include <iterator>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/ingest/file_type.h>
#include <exadoc/ingest/input_error.h>

namespace exadoc::app {

namespace fs = std::filesystem;

namespace {

bool has_document_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const char* const kExtensions[] = {".pdf", ".tif", ".tiff", ".png",  ".jpg", ".jpeg",
                                            ".jp2", ".j2k", ".jpx",  ".webp", ".bmp"};
  return std::find(std::begin(kExtensions), std::end(kExtensions), extension) != std::end(kExtensions);
}

// Hidden entries (".processing", editors' swap files) and the output folder are not inputs.
bool skipped_entry(const fs::path& path, const fs::path& exclude) {
  const std::string name = path.filename().string();
  if (!name.empty() && name.front() == '.') return true;
  std::error_code error;
  return !exclude.empty() && fs::equivalent(path, exclude, error);
}

}  // namespace

std::vector<fs::path> expand_inputs(const std::vector<std::string>& inputs, bool recursive,
                                    const fs::path& exclude) {
  std::vector<fs::path> files;
  for (const std::string& input : inputs) {
    const fs::path path(input);
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      files.push_back(path);
      continue;
    }
    std::vector<fs::path> entries;
    if (recursive) {
      // Symbolic links to folders are not followed: they could lead out of the tree or round in a loop.
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, error), end;
      for (; !error && it != end; it.increment(error)) {
        if (skipped_entry(it->path(), exclude)) {
          if (it->is_directory(error)) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(error)) entries.push_back(it->path());
      }
      if (error) EXADOC_LOG_WARN("%s: cannot list everything: %s", path.c_str(), error.message().c_str());
    } else {
      for (const fs::directory_entry& entry : fs::directory_iterator(path, error)) {
        if (!skipped_entry(entry.path(), exclude) && entry.is_regular_file(error))
          entries.push_back(entry.path());
      }
    }
    std::sort(entries.begin(), entries.end());
    for (const fs::path& entry : entries) {
      try {
        // A file named like a document whose content is not one (empty, damaged, renamed) is taken, so that
        // it is reported as failed with its reason instead of vanishing from the count.
        if (ingest::detect_file_type(entry) != ingest::FileType::kUnknown || has_document_extension(entry)) {
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

void add_limit_options(CLI::App& command, LimitSettings& settings) {
  command.add_option("--max-pages", settings.max_pages, "Refuse documents with more pages")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      .add_option("--max-pixels", settings.max_megapixels,
                  "Refuse pages with more megapixels (guards against decompression bombs)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

int prepare_job(const std::string& output_dir, const std::vector<std::string>& inputs,
                std::vector<fs::path>& files) {
  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) {
    EXADOC_LOG_ERROR("cannot create the output folder %s: %s", output_dir.c_str(), error.message().c_str());
    return kExitEnvironment;
  }
  files = expand_inputs(inputs);
  if (files.empty()) {
    EXADOC_LOG_ERROR("no supported documents among the inputs");
    return kExitUsage;
  }
  return kExitOk;
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
