#include <gtest/gtest.h>

#include <exadoc/base/error.h>
#include <exadoc/export/page_json.h>
#include <exadoc/ingest/page_source.h>

#include "test_support.h"

namespace exadoc::exporter {
namespace {

using exadoc::testing::read_json;
using exadoc::testing::samples_dir;
using exadoc::testing::TempDir;

TEST(PageJson, DescribesAPdfPageAndItsWords) {
  const auto source = ingest::open_page_source(samples_dir() / "manual.pdf");
  ingest::RenderOptions options;
  options.dpi = 144;  // 2 px per point: pixel boxes are exactly twice the point boxes
  const ingest::PageImage page = source->render(1, options);
  const nlohmann::json json = page_to_json(page, source->page_count(), "page-0002.png");

  EXPECT_EQ(json["source"]["page"], 2);
  EXPECT_EQ(json["source"]["page_count"], 6);
  EXPECT_EQ(json["source"]["type"], "pdf");
  EXPECT_EQ(json["page"]["dpi"], 144.0);
  EXPECT_EQ(json["page"]["width_px"], page.width_px());
  EXPECT_EQ(json["page"]["image"], "page-0002.png");
  EXPECT_TRUE(json["skew"].is_null());
  const auto& words = json["text_layer"]["words"];
  ASSERT_EQ(words.size(), page.text_layer()->words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    const auto& word = words[i];
    EXPECT_EQ(word["text"], page.text_layer()->words[i].text);
    for (int k = 0; k < 4; ++k) {
      EXPECT_NEAR(word["box_px"][k].get<double>(), 2 * word["box_pt"][k].get<double>(), 0.02);
      EXPECT_GE(word["box_1000"][k].get<int>(), 0);
      EXPECT_LE(word["box_1000"][k].get<int>(), 1000);
    }
    EXPECT_GT(word["font_size_pt"].get<double>(), 0);
  }
}

TEST(PageJson, ImagePagesHaveNoTextLayerButASkew) {
  const auto source = ingest::open_page_source(samples_dir() / "scan.png");
  const ingest::PageImage page = source->render(0, {});
  const nlohmann::json json = page_to_json(page, 1, "page-0001.png");
  EXPECT_TRUE(json["text_layer"].is_null());
  EXPECT_TRUE(json["skew"]["corrected"].get<bool>());
}

TEST(PageJson, WritesFilesAtomically) {
  const TempDir temp;
  const nlohmann::json json = {{"text", "Ø120 — 경고"}};
  write_json_file(json, temp.path() / "page.json");
  EXPECT_EQ(read_json(temp.path() / "page.json"), json);
  EXPECT_FALSE(std::filesystem::exists(temp.path() / "page.json.tmp"));
  EXPECT_THROW(write_json_file(json, temp.path() / "missing-folder" / "page.json"), exadoc::Error);
}

}  // namespace
}  // namespace exadoc::exporter
