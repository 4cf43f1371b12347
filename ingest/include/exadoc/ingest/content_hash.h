// exadoc/ingest/content_hash.h — the identity of an input file: the SHA-256 of its bytes.
//
// The index keys documents by it, so a file renamed, copied or dropped into an inbox twice is one document,
// and a batch can skip what it has already parsed without trusting names or modification times.
#pragma once

#include <filesystem>
#include <string>

namespace exadoc::ingest {

// 64 lower-case hex digits. Reads the file in blocks (memory stays flat for huge scans). Throws InputError
// when the file cannot be opened or read.
std::string sha256_of_file(const std::filesystem::path& file);

}  // namespace exadoc::ingest
