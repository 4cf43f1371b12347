// Private to ingest: the Poppler-backed PageSource for PDF files.
#pragma once

#include <memory>

#include <exadoc/ingest/page_source.h>

namespace exadoc::ingest {

std::unique_ptr<PageSource> open_pdf_source(const std::filesystem::path& file, const Limits& limits);

}  // namespace exadoc::ingest
