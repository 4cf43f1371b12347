#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <openssl/evp.h>

#include <exadoc/base/error.h>
#include <exadoc/ingest/content_hash.h>
#include <exadoc/ingest/input_error.h>

namespace exadoc::ingest {
namespace {

struct CloseFile {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
struct FreeDigest {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

std::string sha256_of_file(const std::filesystem::path& file) {
  const std::unique_ptr<std::FILE, CloseFile> stream(std::fopen(file.c_str(), "rb"));
  if (!stream)
    throw InputError(file, std::nullopt, std::string("cannot open the file: ") + std::strerror(errno));
  const std::unique_ptr<EVP_MD_CTX, FreeDigest> context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    throw InternalError("OpenSSL could not start a SHA-256 digest");
  }
  std::vector<unsigned char> buffer(1 << 20);
  size_t read = 0;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), stream.get())) > 0) {
    if (EVP_DigestUpdate(context.get(), buffer.data(), read) != 1) {
      throw InternalError("OpenSSL could not update a SHA-256 digest");
    }
  }
  if (std::ferror(stream.get()) != 0) {
    throw InputError(file, std::nullopt, std::string("cannot read the file: ") + std::strerror(errno));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    throw InternalError("OpenSSL could not finish a SHA-256 digest");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * static_cast<size_t>(length));
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace exadoc::ingest
