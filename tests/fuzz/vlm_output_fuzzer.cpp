// Model output is untrusted text: parse_vlm_output must never crash, hang or read out of bounds, and what it
// returns must hold its promises (boxes on 0-1000, the right way round; tables whose cells fit their grid).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <exadoc/layout/vlm_output.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const exadoc::layout::VlmPage page = exadoc::layout::parse_vlm_output(text);
  for (const exadoc::layout::Block& block : page.blocks) {
    const auto& box = block.box;
    if (box.x1 < 0 || box.y1 < 0 || box.x2 > 1000 || box.y2 > 1000 || box.x1 > box.x2 || box.y1 > box.y2) std::abort();
    if (block.table) {
      for (const auto& cell : block.table->cells) {
        if (cell.row < 0 || cell.column < 0 || cell.row + cell.row_span > block.table->rows ||
            cell.column + cell.column_span > block.table->columns)
          std::abort();
      }
    }
  }
  (void)exadoc::layout::ends_in_repetition(text);
  return 0;
}
