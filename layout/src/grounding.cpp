#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include <exadoc/layout/grounding.h>

namespace exadoc::layout {
namespace {

// Text layers and models split words alike on spaces; punctuation at word edges differs ("P-1234," vs
// "P-1234"), and case rarely matters for the question "did the model read what is there".
std::string word_key(std::string_view word) {
  size_t begin = 0, end = word.size();
  auto edge = [](char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; };
  while (begin < end && edge(word[begin])) ++begin;
  while (end > begin && edge(word[end - 1])) --end;
  std::string key(word.substr(begin, end - begin));
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') {
      if (!current.empty()) words.push_back(word_key(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) words.push_back(word_key(current));
  words.erase(std::remove(words.begin(), words.end(), std::string()), words.end());
  return words;
}

}  // namespace

std::optional<double> text_disagreement(const Page& page, const std::vector<ingest::Word>& text_layer) {
  if (text_layer.empty() || !(page.size_pt.width > 0 && page.size_pt.height > 0)) return std::nullopt;
  // Models' boxes are a little loose or tight; a margin of 1% of the page keeps edge words in.
  constexpr int kMargin = 10;
  size_t total = 0, missing = 0;
  for (const Block& block : page.blocks) {
    if (block.type == BlockType::kFigure) continue;
    const std::vector<std::string> model_words = words_of(block.text);
    if (model_words.empty()) continue;
    std::multiset<std::string> present;
    for (const ingest::Word& word : text_layer) {
      const Box1000 box = to_box1000(word.box_pt, page.size_pt);
      const int cx = (box.x1 + box.x2) / 2, cy = (box.y1 + box.y2) / 2;
      if (cx >= block.box.x1 - kMargin && cx <= block.box.x2 + kMargin && cy >= block.box.y1 - kMargin &&
          cy <= block.box.y2 + kMargin) {
        present.insert(word_key(word.text));
      }
    }
    for (const std::string& word : model_words) {
      ++total;
      const auto it = present.find(word);
      if (it == present.end()) {
        ++missing;
      } else {
        present.erase(it);  // each text-layer word backs one model word
      }
    }
  }
  if (total == 0) return std::nullopt;
  return static_cast<double>(missing) / static_cast<double>(total);
}

}  // namespace exadoc::layout
