#include "exaone_engine.h"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <exadoc/base/log.h>
#include <exadoc/ingest/input_error.h>
#include <exadoc/layout/grounding.h>
#include <exadoc/layout/page_views.h>
#include <exadoc/layout/vlm_output.h>
#include <exadoc/model/backend.h>
#include <exadoc/model/chat_session.h>
#include <exadoc/model/chat_template.h>
#include <exadoc/model/config.h>
#include <exadoc/model/image_processor.h>
#include <exadoc/model/memory_plan.h>
#include <exadoc/model/safetensors.h>
#include <exadoc/model/text_decoder.h>
#include <exadoc/model/tokenizer.h>
#include <exadoc/model/vision_tower.h>

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;

// The CPU backend is the reference, plain loops: beyond this size a page takes hours (bench/RESULTS.md).
constexpr uint64_t kMaxCpuParameters = 2'000'000'000;
// How often (in generated tokens) the answer's tail is checked for a loop, and how much of it.
constexpr int kLoopCheckEvery = 32;
constexpr size_t kLoopCheckTail = 2048;
constexpr const char* kEndOfTurn = "<|endofturn|>";

// One user turn (a view of a page) and the model's answer, as the conversation holds them.
struct Turn {
  int page = 0;
  model::ChatMessage user;
  model::ChatMessage answer;
  std::optional<model::InjectedEmbeddings> image;  // kept for re-prefills that keep this image
  int64_t image_tokens = 0;
  int64_t tokens = 0;  // in the cache: the turn's prompt tokens and the answer
};

class CpuExaoneEngine final : public ExaoneEngine {
 public:
  explicit CpuExaoneEngine(const ExaoneSettings& settings) : settings_(settings) {
    const fs::path directory(settings.model_dir);
    if (!fs::is_directory(directory)) {
      throw EngineError(
          "--model " + settings.model_dir +
          " is not a folder; give the folder of a Hugging Face "
          "EXAONE 4.5 checkpoint (config.json, *.safetensors, tokenizer.json, preprocessor_config.json)");
    }
    config_ = model::load_model_config(directory / "config.json");
    if (!config_.vision)
      throw EngineError(settings.model_dir + " holds a text-only model; page parsing needs vision");
    checkpoint_ = std::make_unique<model::Checkpoint>(model::Checkpoint::open(directory));
    tokenizer_ =
        std::make_unique<model::Tokenizer>(model::Tokenizer::from_file(directory / "tokenizer.json"));
    processor_ = model::load_image_processor_config(directory / "preprocessor_config.json");
    backend_ = model::make_cpu_backend(settings.threads);
    decoder_ = std::make_unique<model::TextDecoder>(config_, *checkpoint_, *backend_);
    tower_ = std::make_unique<model::VisionTower>(config_, *checkpoint_, *backend_);
    parameters_ = model::count_parameters(config_).total();
    const int64_t maximum =
        config_.text.max_position_embeddings > 0 ? config_.text.max_position_embeddings : 262144;
    budget_ = settings.context_tokens > 0 ? settings.context_tokens : maximum;
    if (config_.text.eos_token_id >= 0) stop_ids_.push_back(config_.text.eos_token_id);
    if (const auto end_of_turn = tokenizer_->token_id(kEndOfTurn)) {
      if (std::find(stop_ids_.begin(), stop_ids_.end(), *end_of_turn) == stop_ids_.end())
        stop_ids_.push_back(*end_of_turn);
    }
    const double count = static_cast<double>(parameters_);
    EXADOC_LOG_INFO(
        "engine: exaone, %s (%.2f %s parameters, CPU backend), context budget %lld tokens per document",
        settings.model_dir.c_str(), count >= 1e9 ? count / 1e9 : count / 1e6, count >= 1e9 ? "B" : "M",
        static_cast<long long>(budget_));
  }

  uint64_t parameters() const override { return parameters_; }

  layout::Document parse(const ingest::PageSource& source, const DocumentProgress& progress) override {
    layout::Document document;
    document.source = source.path().string();
    document.file_type = std::string(ingest::file_type_name(source.type()));
    document.engine = "exaone";
    if (progress.on_open) progress.on_open(source.page_count());
    turns_.clear();
    session_.reset();
    last_ended_turn_ = true;
    for (int index = 0; index < source.page_count(); ++index) {
      try {
        document.pages.push_back(parse_page(source, index));
      } catch (const std::exception& error) {
        layout::Page failed;
        failed.number = index + 1;
        try {
          const ingest::PageInfo info = source.page_info(index);
          failed.size_pt = info.size_pt;
          failed.rotation_deg = info.rotation_deg;
        } catch (const std::exception&) {
          // The page's own failure is the warning; its size stays unknown.
        }
        failed.model_output = "none";
        failed.warnings.push_back(error.what());
        EXADOC_LOG_WARN("%s: page %d: %s", document.source.c_str(), index + 1, error.what());
        document.pages.push_back(std::move(failed));
        session_.reset();  // the conversation may be half-way through a turn: start the next page afresh
        turns_.clear();
        last_ended_turn_ = true;
      }
      if (progress.on_page) progress.on_page(index);
    }
    return document;
  }

 private:
  layout::Page parse_page(const ingest::PageSource& source, int index) {
    const ingest::PageImage image = source.render(index, {settings_.dpi, ingest::DeskewMode::kAuto, true});
    std::vector<ingest::Word> words;
    if (image.text_layer()) words = image.text_layer()->words;
    const std::vector<uint8_t> rgb = image.rgb_pixels();
    layout::ViewPolicy policy;
    policy.max_pixels = processor_.max_pixels;
    const std::vector<layout::PageView> views =
        layout::plan_page_views(image.width_px(), image.height_px(), policy);

    layout::Page page;
    page.number = index + 1;
    page.size_pt = image.info().size_pt;
    page.width_px = image.width_px();
    page.height_px = image.height_px();
    page.dpi = image.dpi();
    page.rotation_deg = image.info().rotation_deg;
    if (image.skew()) page.skew_deg = image.skew()->angle_deg;
    std::vector<std::string> formats;
    for (size_t v = 0; v < views.size(); ++v) {
      const std::string prefix =
          views.size() > 1 ? "tile " + std::to_string(v + 1) + "/" + std::to_string(views.size()) + ": " : "";
      const std::string answer =
          run_view(page.number, crop(rgb, image.width_px(), image.height_px(), views[v]));
      layout::VlmPage parsed = layout::parse_vlm_output(answer);
      formats.emplace_back(layout::vlm_format_name(parsed.format));
      for (const std::string& warning : parsed.warnings) page.warnings.push_back(prefix + warning);
      for (layout::Block& block : parsed.blocks) {
        block.box = layout::view_to_page(block.box, views[v]);
        if (views.size() > 1 && duplicate_of_earlier_tile(block, page.blocks)) continue;
        page.blocks.push_back(std::move(block));
      }
    }
    // The page is as good as its worst view: one view that did not answer in HTML marks the page.
    page.model_output = "html";
    for (const std::string& format : formats) {
      if (format != "html") page.model_output = format;
    }
    if (page.model_output != "html") {
      page.warnings.insert(
          page.warnings.begin(),
          "the model's output for this page did not parse as the HTML asked for (it came as " +
              page.model_output + "); check this page");
    }
    for (size_t b = 0; b < page.blocks.size(); ++b) {
      page.blocks[b].id = "p" + std::to_string(page.number) + "-b" + std::to_string(b);
      page.blocks[b].reading_order = static_cast<int>(b);
      page.blocks[b].source = layout::BlockSource::kVlm;
    }
    page.text_disagreement = layout::text_disagreement(page, words);
    return page;
  }

  // Overlapping tiles see the same text twice: a block whose text an earlier tile already gave, over the same
  // place, is dropped.
  static bool duplicate_of_earlier_tile(const layout::Block& block,
                                        const std::vector<layout::Block>& earlier) {
    return std::any_of(earlier.begin(), earlier.end(), [&](const layout::Block& other) {
      return other.text == block.text && !block.text.empty() &&
             layout::covered_fraction(block.box, other.box) > 0.5;
    });
  }

  struct Crop {
    std::vector<uint8_t> pixels;
    int width = 0, height = 0;
  };

  static Crop crop(const std::vector<uint8_t>& rgb, int width, int height, const layout::PageView& view) {
    const int x1 = view.region.x1 * width / 1000, x2 = std::max(x1 + 1, view.region.x2 * width / 1000);
    const int y1 = view.region.y1 * height / 1000, y2 = std::max(y1 + 1, view.region.y2 * height / 1000);
    Crop out;
    out.width = std::min(x2, width) - x1;
    out.height = std::min(y2, height) - y1;
    out.pixels.resize(static_cast<size_t>(out.width) * static_cast<size_t>(out.height) * 3);
    for (int y = 0; y < out.height; ++y) {
      const uint8_t* from = rgb.data() + (static_cast<size_t>(y1 + y) * static_cast<size_t>(width) + x1) * 3;
      std::copy(from, from + static_cast<ptrdiff_t>(out.width) * 3,
                out.pixels.begin() + static_cast<ptrdiff_t>(y) * out.width * 3);
    }
    return out;
  }

  // The conversation so far, as the chat template renders it.
  std::vector<model::ChatMessage> history() const {
    std::vector<model::ChatMessage> messages;
    for (const Turn& turn : turns_) {
      messages.push_back(turn.user);
      messages.push_back(turn.answer);
    }
    return messages;
  }

  static model::ChatTemplateOptions chat_options(bool generation_prompt) {
    model::ChatTemplateOptions options;
    options.add_generation_prompt = generation_prompt;
    options.enable_thinking = false;  // the page prompt wants the answer, not reasoning
    return options;
  }

  // One view of a page as a user turn; returns the model's answer.
  std::string run_view(int page_number, const Crop& view) {
    const model::ProcessedImage processed = model::preprocess_image(
        {view.pixels.data(), view.width, view.height, static_cast<size_t>(view.width) * 3}, processor_);
    const model::GridThw grids[] = {processed.grid};
    Turn turn;
    turn.page = page_number;
    turn.image =
        model::InjectedEmbeddings{tower_->forward(processed.pixel_values, grids), config_.image_token_id};
    turn.image_tokens = tower_->tokens_for(processed.grid);
    turn.user = {
        "user",
        {model::ChatContent::image(), model::ChatContent::text_part(std::string(layout::page_prompt()))},
        ""};

    // The turn's own text: what the whole conversation renders to beyond what the cache holds.
    const std::vector<model::ChatMessage> before = history();
    std::vector<model::ChatMessage> with_turn = before;
    with_turn.push_back(turn.user);
    const std::string previous = before.empty() ? "" : model::render_chat(before, chat_options(false));
    const std::string next = model::render_chat(with_turn, chat_options(true));
    std::string feed;
    bool incremental = session_ != nullptr && next.compare(0, previous.size(), previous) == 0 &&
                       previous.size() >= std::char_traits<char>::length(kEndOfTurn) + 1 &&
                       previous.compare(previous.size() - std::char_traits<char>::length(kEndOfTurn) - 1,
                                        std::string::npos, std::string(kEndOfTurn) + "\n") == 0;
    if (incremental) {
      // The cache ends with the last answer's tokens (and its end-of-turn, when the model wrote one).
      feed = (last_ended_turn_ ? "" : kEndOfTurn) + std::string("\n") + next.substr(previous.size());
    }
    const int64_t image_tokens[] = {turn.image_tokens};
    std::vector<int32_t> ids = model::expand_image_placeholders(tokenizer_->encode(incremental ? feed : next),
                                                                config_.image_token_id, image_tokens);
    const int64_t reserve = std::min<int64_t>(settings_.max_new_tokens, budget_ / 4);
    std::vector<model::TurnCost> costs;
    int64_t history_cost = 0;
    for (const Turn& earlier : turns_) {
      costs.push_back({earlier.image_tokens, earlier.tokens});
      history_cost += earlier.tokens;
    }
    // Rendered from scratch, `ids` hold the whole conversation; the turn's own share is what exceeds the
    // history.
    const int64_t turn_cost = incremental
                                  ? static_cast<int64_t>(ids.size())
                                  : std::max<int64_t>(0, static_cast<int64_t>(ids.size()) - history_cost);
    const model::ContextPlan plan = model::plan_context(costs, turn_cost, reserve, budget_);

    model::Tensor logits;
    if (incremental && plan.keep_cache) {
      logits = session_->prefill(ids, &*turn.image);
    } else {
      logits = start_over(turn, plan, page_number);
    }
    turn.tokens = static_cast<int64_t>(session_->length());  // adjusted below to this turn's share

    model::GenerationOptions options;
    options.max_new_tokens = settings_.max_new_tokens;
    options.sampling = {settings_.temperature, settings_.top_p, settings_.top_k, settings_.presence_penalty};
    options.seed = settings_.seed + static_cast<uint64_t>(page_number);
    options.stop_ids = stop_ids_;
    std::vector<int32_t> generated;
    bool looped = false;
    const std::vector<int32_t> answer_ids = session_->generate(logits, options, [&](int32_t id) {
      generated.push_back(id);
      if (generated.size() % kLoopCheckEvery != 0) return true;
      const size_t from = generated.size() > kLoopCheckTail ? generated.size() - kLoopCheckTail : 0;
      const std::string tail = tokenizer_->decode(std::span(generated).subspan(from), true);
      looped = layout::ends_in_repetition(tail);
      return !looped;
    });
    if (looped) EXADOC_LOG_WARN("page %d: the model repeated itself; generation stopped", page_number);
    if (static_cast<int>(answer_ids.size()) >= settings_.max_new_tokens) {
      EXADOC_LOG_WARN("page %d: the answer reached --max-new-tokens (%d) and may be cut off", page_number,
                      settings_.max_new_tokens);
    }
    last_ended_turn_ = !answer_ids.empty() &&
                       std::find(stop_ids_.begin(), stop_ids_.end(), answer_ids.back()) != stop_ids_.end();
    std::string answer = tokenizer_->decode(answer_ids, true);
    int64_t history_tokens = 0;
    for (const Turn& earlier : turns_) history_tokens += earlier.tokens;
    turn.tokens = static_cast<int64_t>(session_->length()) - history_tokens;
    turn.answer = {"assistant", {model::ChatContent::text_part(answer)}, ""};
    turns_.push_back(std::move(turn));
    return answer;
  }

  // The next turn does not fit after the cache (or the conversation could not be extended as rendered):
  // a new session with what the plan keeps, prefilled once.
  model::Tensor start_over(const Turn& turn, model::ContextPlan plan, int page_number) {
    if (!plan.next_fits) {
      EXADOC_LOG_WARN(
          "page %d: the page alone needs more of the %lld-token context budget than leaves room for an "
          "answer; it is parsed without earlier pages and its answer may be cut short "
          "(raise --context-tokens)",
          page_number, static_cast<long long>(budget_));
      plan.turns_dropped = static_cast<int>(turns_.size());
      plan.images_dropped = plan.turns_dropped;
    }
    // What the plan leaves out is left out for good: dropped turns go, dropped images become a line of text.
    std::vector<Turn> kept;
    for (size_t k = static_cast<size_t>(plan.turns_dropped); k < turns_.size(); ++k) {
      Turn& earlier = turns_[k];
      if (static_cast<int>(k) < plan.images_dropped && earlier.image) {
        earlier.user.content = {model::ChatContent::text_part(
            "(The image of page " + std::to_string(earlier.page) + " is no longer shown.)")};
        earlier.image.reset();
        earlier.image_tokens = 0;
      }
      earlier.tokens = 0;  // re-counted below
      kept.push_back(std::move(earlier));
    }
    turns_ = std::move(kept);
    std::vector<model::ChatMessage> messages = history();
    messages.push_back(turn.user);
    const std::string text = model::render_chat(messages, chat_options(true));
    std::vector<int64_t> image_tokens;
    std::vector<model::Tensor> rows;
    for (const Turn& earlier : turns_) {
      if (!earlier.image) continue;
      image_tokens.push_back(earlier.image_tokens);
      rows.push_back(earlier.image->rows);
    }
    image_tokens.push_back(turn.image_tokens);
    rows.push_back(turn.image->rows);
    const std::vector<int32_t> ids =
        model::expand_image_placeholders(tokenizer_->encode(text), config_.image_token_id, image_tokens);
    if (static_cast<int64_t>(ids.size()) >= budget_) {
      throw EngineError("page " + std::to_string(page_number) + " needs " + std::to_string(ids.size()) +
                        " tokens, more than the context budget of " + std::to_string(budget_) +
                        " (raise --context-tokens, or lower the page image's pixel budget)");
    }
    if (session_ != nullptr && (plan.images_dropped > 0 || plan.turns_dropped > 0)) {
      EXADOC_LOG_INFO(
          "page %d: context budget %lld tokens: left out the images of the first %d turns and %d whole "
          "turns (their answers stay where kept); %zu tokens prefilled again",
          page_number, static_cast<long long>(budget_), plan.images_dropped, plan.turns_dropped, ids.size());
    }
    session_ = std::make_unique<model::ChatSession>(*decoder_, static_cast<int>(budget_));
    const model::InjectedEmbeddings images{model::concatenate_rows(*backend_, rows), config_.image_token_id};
    model::Tensor logits = session_->prefill(ids, &images);
    last_ended_turn_ = true;
    // The history's share of the cache is everything but this turn's own tokens (the turn rendered alone); it
    // is attributed to the oldest kept turn, which is the first to go next time.
    if (!turns_.empty()) {
      const model::ChatMessage alone[] = {turn.user};
      const int64_t alone_image[] = {turn.image_tokens};
      const int64_t own = static_cast<int64_t>(
          model::expand_image_placeholders(tokenizer_->encode(model::render_chat(alone, chat_options(true))),
                                           config_.image_token_id, alone_image)
              .size());
      turns_.front().tokens = std::max<int64_t>(0, static_cast<int64_t>(ids.size()) - own);
    }
    return logits;
  }

  ExaoneSettings settings_;
  model::ModelConfig config_;
  std::unique_ptr<model::Checkpoint> checkpoint_;
  std::unique_ptr<model::Tokenizer> tokenizer_;
  model::ImageProcessorConfig processor_;
  std::unique_ptr<model::Backend> backend_;
  std::unique_ptr<model::TextDecoder> decoder_;
  std::unique_ptr<model::VisionTower> tower_;
  uint64_t parameters_ = 0;
  int64_t budget_ = 0;
  std::vector<int32_t> stop_ids_;

  std::vector<Turn> turns_;
  std::unique_ptr<model::ChatSession> session_;
  bool last_ended_turn_ = true;
};

}  // namespace

nlohmann::json ExaoneSettings::output_settings() const {
  return {{"model", fs::absolute(model_dir).lexically_normal().string()},
          {"max_new_tokens", max_new_tokens},
          {"context_tokens", context_tokens},
          {"dpi", dpi},
          {"temperature", temperature},
          {"top_p", top_p},
          {"top_k", top_k},
          {"presence_penalty", presence_penalty},
          {"seed", seed},
          {"prompt", std::string(layout::page_prompt())}};
}

std::unique_ptr<ExaoneEngine> ExaoneEngine::load(const ExaoneSettings& settings) {
  return std::make_unique<CpuExaoneEngine>(settings);
}

std::string exaone_unsuitable_reason(const fs::path& model_dir) {
  try {
    const model::ModelConfig config = model::load_model_config(model_dir / "config.json");
    const uint64_t parameters = model::count_parameters(config).total();
    if (!config.vision) return model_dir.string() + " holds a text-only model";
    if (parameters > kMaxCpuParameters) {
      char reason[256];
      std::snprintf(
          reason, sizeof reason,
          "the model has %.1f B parameters, too many for the CPU backend, and the CUDA backend is not "
          "part of the pipeline yet",
          static_cast<double>(parameters) / 1e9);
      return reason;
    }
    return "";
  } catch (const std::exception& error) {
    return error.what();
  }
}

}  // namespace exadoc::app
