#include <algorithm>

#include <exadoc/base/html.h>
#include <exadoc/export/html.h>

namespace exadoc::exporter {
namespace {

using layout::Block;
using layout::BlockType;

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
    "section.page{border-top:1px solid #ccc;margin-top:2rem;padding-top:1rem}"
    "section.page>h6.page-number{color:#888;font-weight:normal}"
    "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.2rem .5rem}"
    "header.page-header,footer.page-footer{color:#888;font-size:.85em}"
    "figure{border:1px dashed #bbb;padding:.5rem}dl.title-block{display:grid;grid-template-columns:auto "
    "1fr;gap:.2rem 1rem}"
    "dl.title-block dt{font-weight:bold}.caption{font-style:italic}";

std::string attributes(const Block& block) {
  return " id=\"" + html_escape(block.id) + "\" data-type=\"" +
         std::string(layout::block_type_name(block.type)) + "\" data-bbox=\"" + std::to_string(block.box.x1) +
         " " + std::to_string(block.box.y1) + " " + std::to_string(block.box.x2) + " " +
         std::to_string(block.box.y2) + "\"";
}

}  // namespace

std::string to_html(const layout::Document& document) {
  const std::string title = html_escape(document.source);
  std::string out = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>" + title +
                    "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<article data-source=\"" +
                    title + "\" data-engine=\"" + html_escape(document.engine) + "\">\n";
  for (const layout::Page& page : document.pages) {
    out += "<section class=\"page\" data-page=\"" + std::to_string(page.number) +
           "\">\n<h6 class=\"page-number\">Page " + std::to_string(page.number) + "</h6>\n";
    bool in_list = false;
    for (size_t index = 0; index < page.blocks.size(); ++index) {
      const Block& block = page.blocks[index];
      if (block.type != BlockType::kListItem && in_list) {
        out += "</ul>\n";
        in_list = false;
      }
      const std::string text = html_escape(block.text);
      switch (block.type) {
        case BlockType::kTitle:
          out += "<h1" + attributes(block) + ">" + text + "</h1>\n";
          break;
        case BlockType::kSectionHeader: {
          const std::string tag = "h" + std::to_string(std::clamp(block.level + 1, 2, 6));
          out += "<";
          out += tag;
          out += attributes(block);
          out += ">" + text + "</";
          out += tag;
          out += ">\n";
          break;
        }
        case BlockType::kListItem:
          if (!in_list) out += "<ul>\n";
          in_list = true;
          out += "<li" + attributes(block) + ">" + text + "</li>\n";
          break;
        case BlockType::kTable:
        case BlockType::kBomTable:
          out += "<div" + attributes(block) + ">";
          if (block.table && block.table->continued_from_previous_page) {
            out += "<p class=\"caption\">(continued from the previous page)</p>";
          }
          out += block.table ? layout::table_to_html(*block.table) : "<pre>" + text + "</pre>";
          out += "</div>\n";
          break;
        case BlockType::kFigure:
          out += "<figure" + attributes(block) + ">" + text + "</figure>\n";
          break;
        case BlockType::kCaption:
          out += "<p class=\"caption\"" + attributes(block) + ">" + text + "</p>\n";
          break;
        case BlockType::kPageHeader:
          out += "<header class=\"page-header\"" + attributes(block) + ">" + text + "</header>\n";
          break;
        case BlockType::kPageFooter:
          out += "<footer class=\"page-footer\"" + attributes(block) + ">" + text + "</footer>\n";
          break;
        case BlockType::kCode:
          out += "<pre" + attributes(block) + "><code>" + text + "</code></pre>\n";
          break;
        case BlockType::kTitleBlock:
          out += "<dl class=\"title-block\"" + attributes(block) + ">";
          for (const auto& [key, value] : block.fields)
            out += "<dt>" + html_escape(key) + "</dt><dd>" + html_escape(value) + "</dd>";
          out += "</dl>\n";
          break;
        case BlockType::kDrawingNote:
          out += "<aside" + attributes(block) + ">" + text + "</aside>\n";
          break;
        case BlockType::kText:
        case BlockType::kFootnote:
        case BlockType::kFormula:
        case BlockType::kDimension:
          out += "<p" + attributes(block) + ">" + text + "</p>\n";
          break;
      }
    }
    if (in_list) out += "</ul>\n";
    out += "</section>\n";
  }
  return out + "</article>\n</body>\n</html>\n";
}

}  // namespace exadoc::exporter
