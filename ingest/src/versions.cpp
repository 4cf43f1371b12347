#include <poppler-version.h>

#include <exadoc/ingest/versions.h>

#include "handles.h"

namespace exadoc::ingest {

std::vector<std::pair<std::string, std::string>> library_versions() {
  ensure_vips_initialised();
  std::string leptonica = "unknown";
  if (char* version = getLeptonicaVersion()) {
    leptonica = version;
    lept_free(version);
  }
  return {
      {"poppler", poppler::version_string()}, {"libvips", vips_version_string()}, {"leptonica", leptonica}};
}

}  // namespace exadoc::ingest
