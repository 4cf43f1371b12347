#include <system_error>

#include <exadoc/ingest/input_error.h>
#include <exadoc/ingest/page_source.h>

#include "pdf_source.h"
#include "raster_source.h"

namespace exadoc::ingest {

std::unique_ptr<PageSource> open_page_source(const std::filesystem::path& file, const Limits& limits) {
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (error || !std::filesystem::exists(status)) throw InputError(file, std::nullopt, "no such file");
  if (std::filesystem::is_directory(status))
    throw InputError(file, std::nullopt, "is a directory, not a document");
  if (std::filesystem::file_size(file, error) == 0 && !error) {
    throw InputError(file, std::nullopt,
                     "the file is empty (0 bytes); it was probably not copied completely");
  }
  const FileType type = detect_file_type(file);
  switch (type) {
    case FileType::kPdf:
      return open_pdf_source(file, limits);
    case FileType::kPng:
    case FileType::kJpeg:
    case FileType::kJpeg2000:
    case FileType::kTiff:
    case FileType::kWebp:
    case FileType::kBmp:
      return open_raster_source(file, type, limits);
    case FileType::kUnknown:
      break;
  }
  throw InputError(
      file, std::nullopt,
      "not a supported document (the content is none of PDF, TIFF, PNG, JPEG, JPEG 2000, WebP, BMP; "
      "exadoc detects the type from the bytes, not the extension)");
}

}  // namespace exadoc::ingest
