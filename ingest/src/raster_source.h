// Private to ingest: the PageSource for raster images (libvips; BMP through Leptonica).
#pragma once

#include <memory>

#include <exadoc/ingest/page_source.h>

namespace exadoc::ingest {

std::unique_ptr<PageSource> open_raster_source(const std::filesystem::path& file, FileType type,
                                               const Limits& limits);

}  // namespace exadoc::ingest
