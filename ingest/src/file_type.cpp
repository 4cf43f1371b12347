#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>

#include <exadoc/ingest/file_type.h>
#include <exadoc/ingest/input_error.h>

namespace exadoc::ingest {
namespace {

bool starts_with(std::span<const std::byte> head, std::string_view magic, size_t offset = 0) {
  if (head.size() < offset + magic.size()) return false;
  return std::memcmp(head.data() + offset, magic.data(), magic.size()) == 0;
}

// PDF files may carry a little junk (a BOM, mail headers) before "%PDF-"; readers accept it within the first
// 1024 bytes, and so do we.
bool is_pdf(std::span<const std::byte> head) {
  constexpr std::string_view kMagic = "%PDF-";
  const auto* begin = reinterpret_cast<const char*>(head.data());
  const std::string_view text(begin, std::min(head.size(), kFileTypeSniffBytes));
  return text.find(kMagic) != std::string_view::npos;
}

}  // namespace

FileType detect_file_type(std::span<const std::byte> head) {
  using namespace std::string_view_literals;
  if (starts_with(head, "\x89PNG\r\n\x1a\n"sv)) return FileType::kPng;
  if (starts_with(head, "\xff\xd8\xff"sv)) return FileType::kJpeg;
  if (starts_with(head, "II*\0"sv) || starts_with(head, "MM\0*"sv)) return FileType::kTiff;
  // JPEG 2000: the JP2 signature box, or a raw codestream starting with SOC + SIZ markers.
  if (starts_with(head, "\0\0\0\x0cjP  \r\n\x87\n"sv) || starts_with(head, "\xff\x4f\xff\x51"sv)) {
    return FileType::kJpeg2000;
  }
  if (starts_with(head, "RIFF"sv) && starts_with(head, "WEBP"sv, 8)) return FileType::kWebp;
  // "BM" alone is too weak (plain text can start with it): also require the reserved header words to be 0
  // and a known DIB header size.
  if (starts_with(head, "BM"sv) && head.size() >= 18) {
    const auto byte_at = [&](size_t i) { return static_cast<unsigned>(head[i]); };
    const bool reserved_zero = byte_at(6) == 0 && byte_at(7) == 0 && byte_at(8) == 0 && byte_at(9) == 0;
    const unsigned dib_size = byte_at(14) | byte_at(15) << 8 | byte_at(16) << 16 | byte_at(17) << 24;
    constexpr std::array kDibSizes{12u, 40u, 52u, 56u, 64u, 108u, 124u};
    if (reserved_zero && std::find(kDibSizes.begin(), kDibSizes.end(), dib_size) != kDibSizes.end()) {
      return FileType::kBmp;
    }
  }
  if (is_pdf(head)) return FileType::kPdf;
  return FileType::kUnknown;
}

FileType detect_file_type(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream)
    throw InputError(file, std::nullopt,
                     "cannot open the file for reading (check that it exists and is readable)");
  std::array<std::byte, kFileTypeSniffBytes> head{};
  stream.read(reinterpret_cast<char*>(head.data()), head.size());
  if (stream.bad()) throw InputError(file, std::nullopt, "read error while detecting the file type");
  return detect_file_type(std::span<const std::byte>(head.data(), static_cast<size_t>(stream.gcount())));
}

std::string_view file_type_name(FileType type) {
  switch (type) {
    case FileType::kPdf:
      return "pdf";
    case FileType::kPng:
      return "png";
    case FileType::kJpeg:
      return "jpeg";
    case FileType::kJpeg2000:
      return "jpeg2000";
    case FileType::kTiff:
      return "tiff";
    case FileType::kWebp:
      return "webp";
    case FileType::kBmp:
      return "bmp";
    case FileType::kUnknown:
      break;
  }
  return "unknown";
}

bool is_raster_image(FileType type) {
  return type != FileType::kPdf && type != FileType::kUnknown;
}

}  // namespace exadoc::ingest
