// exadoc/ingest/file_type.h — file-type detection by content (magic bytes), never by extension.
//
// A scanner that names its TIFFs ".pdf" or a mail gateway that strips extensions must not confuse exadoc:
// every loader is chosen from the first bytes of the file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

namespace exadoc::ingest {

enum class FileType { kUnknown, kPdf, kPng, kJpeg, kJpeg2000, kTiff, kWebp, kBmp };

// How many leading bytes detect_file_type looks at; fewer is fine (short files are never misdetected).
inline constexpr size_t kFileTypeSniffBytes = 1024;

// Pure function of the bytes; safe on any input, including empty and hostile data (fuzzed).
FileType detect_file_type(std::span<const std::byte> head);

// Reads the first kFileTypeSniffBytes of the file. Throws InputError when the file cannot be read.
FileType detect_file_type(const std::filesystem::path& file);

// Lower-case short name: "pdf", "png", "jpeg", "jpeg2000", "tiff", "webp", "bmp", "unknown".
std::string_view file_type_name(FileType type);

bool is_raster_image(FileType type);

}  // namespace exadoc::ingest
