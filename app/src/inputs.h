// Private to app: the files a command works on, and the names of their outputs.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace exadoc::app {

// Files named on the command line are taken as they are (and fail loudly later if unsupported); folders
// contribute the supported documents directly inside them, sorted by name (the type is read from the
// content).
std::vector<std::filesystem::path> expand_inputs(const std::vector<std::string>& inputs);

// The input's stem, made unique among `used`: scan.png and scan.tiff give "scan" and "scan-tiff",
// a/manual.pdf and b/manual.pdf give "manual" and "manual-2". Records the name in `used`.
std::string unique_output_name(const std::filesystem::path& input, std::set<std::string>& used);

}  // namespace exadoc::app
