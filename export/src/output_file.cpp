#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include <exadoc/base/error.h>
#include <exadoc/export/output_file.h>

namespace exadoc::exporter {

void write_text_file(const std::filesystem::path& file, std::string_view text) {
  std::filesystem::path temporary = file;
  temporary += ".tmp";
  {
    std::ofstream stream(temporary, std::ios::binary | std::ios::trunc);
    if (!stream) throw Error("cannot write " + temporary.string() + ": " + std::strerror(errno));
    stream.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!stream.flush()) throw Error("cannot write " + temporary.string() + ": " + std::strerror(errno));
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) throw Error("cannot write " + file.string() + ": " + error.message());
}

void write_json_file(const nlohmann::json& json, const std::filesystem::path& file) {
  write_text_file(file, json.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n');
}

}  // namespace exadoc::exporter
