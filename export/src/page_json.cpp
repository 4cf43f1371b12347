#include <cmath>

#include <exadoc/base/error.h>
#include <exadoc/export/page_json.h>
#include <exadoc/layout/geometry.h>

namespace exadoc::exporter {
namespace {

// Two decimals are a hundredth of a point (0.0035 mm): plenty, and the files stay readable.
double round2(double value) {
  return std::round(value * 100.0) / 100.0;
}

nlohmann::json box_json(double x1, double y1, double x2, double y2) {
  return nlohmann::json::array({round2(x1), round2(y1), round2(x2), round2(y2)});
}

}  // namespace

nlohmann::json page_to_json(const ingest::PageImage& page, int page_count, const std::string& image_file) {
  const ingest::PageInfo& info = page.info();
  nlohmann::json json;
  json["source"] = {{"file", page.source().string()},
                    {"type", std::string(ingest::file_type_name(page.source_type()))},
                    {"page", info.index + 1},
                    {"page_count", page_count}};
  json["page"] = {{"width_pt", round2(info.size_pt.width)}, {"height_pt", round2(info.size_pt.height)},
                  {"rotation_deg", info.rotation_deg},      {"dpi", round2(page.dpi())},
                  {"dpi_assumed", page.dpi_assumed()},      {"width_px", page.width_px()},
                  {"height_px", page.height_px()},          {"image", image_file}};
  if (const auto& skew = page.skew()) {
    json["skew"] = {{"angle_deg", round2(skew->angle_deg)},
                    {"confidence", round2(skew->confidence)},
                    {"corrected", skew->corrected}};
  } else {
    json["skew"] = nullptr;
  }
  if (const auto& layer = page.text_layer()) {
    nlohmann::json words = nlohmann::json::array();
    for (const ingest::Word& word : layer->words) {
      const ingest::BoxPx px = page.to_px(word.box_pt);
      const layout::Box1000 grid = layout::to_box1000(word.box_pt, info.size_pt);
      words.push_back({{"text", word.text},
                       {"box_pt", box_json(word.box_pt.x1, word.box_pt.y1, word.box_pt.x2, word.box_pt.y2)},
                       {"box_px", box_json(px.x1, px.y1, px.x2, px.y2)},
                       {"box_1000", {grid.x1, grid.y1, grid.x2, grid.y2}},
                       {"font_size_pt", round2(word.font_size_pt)},
                       {"font_name", word.font_name},
                       {"space_after", word.space_after}});
    }
    json["text_layer"] = {{"words", std::move(words)}};
  } else {
    json["text_layer"] = nullptr;
  }
  return json;
}

}  // namespace exadoc::exporter
