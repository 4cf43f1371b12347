// exadoc/export/page_json.h — the JSON `exadoc render` writes beside each page PNG.
//
// Shape (the JSON Schema is schemas/page.schema.json; tests validate real output against it):
//   { "source": {"file", "type", "page" (1-based), "page_count"},
//     "page": {"width_pt", "height_pt", "rotation_deg", "dpi", "dpi_assumed", "width_px", "height_px",
//     "image"}, "skew": null | {"angle_deg", "confidence", "corrected"}, "text_layer": null | {"words":
//     [{"text", "box_pt": [x1,y1,x2,y2], "box_px": [...], "box_1000": [...],
//                                      "font_size_pt", "font_name", "space_after"}]} }
// text_layer is null for image files and when extraction was turned off; an empty word list means a PDF page
// without text (a scan).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include <exadoc/export/output_file.h>  // write_json_file, used with page_to_json
#include <exadoc/ingest/page_image.h>

namespace exadoc::exporter {

// image_file: the PNG written for this page, recorded relative to the JSON's folder.
nlohmann::json page_to_json(const ingest::PageImage& page, int page_count, const std::string& image_file);

}  // namespace exadoc::exporter
