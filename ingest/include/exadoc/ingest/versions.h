// exadoc/ingest/versions.h — versions of the libraries ingest is linked with, for `exadoc doctor`.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace exadoc::ingest {

// {name, version} pairs, e.g. {"poppler", "22.12.0"}: the versions loaded at run time.
std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace exadoc::ingest
