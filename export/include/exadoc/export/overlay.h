// exadoc/export/overlay.h — page images with the blocks drawn on them, for checking layout by eye.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <exadoc/ingest/page_source.h>
#include <exadoc/layout/document.h>

namespace exadoc::exporter {

// RGB colour of a block type in overlays (and the HTML legend, should one come).
struct Rgb {
  double red, green, blue;
};
Rgb block_colour(layout::BlockType type);

// Renders every page of `document` again from `source` (with `options`, which must match how the document was
// parsed so that boxes line up: the same deskew), draws each block's box in its type's colour with a label
// "type order", and writes folder/page-NNNN.png. Returns the files written. Throws exadoc::Error.
std::vector<std::filesystem::path> write_overlays(const layout::Document& document,
                                                  const ingest::PageSource& source,
                                                  const ingest::RenderOptions& options,
                                                  const std::filesystem::path& folder);

}  // namespace exadoc::exporter
