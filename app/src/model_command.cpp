// exadoc model info: what a model folder holds and what it needs in memory.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <exadoc/app/cli.h>
#include <exadoc/base/log.h>
#include <exadoc/ingest/input_error.h>
#include <exadoc/ingest/page_source.h>
#include <exadoc/model/backend.h>
#include <exadoc/model/chat_template.h>
#include <exadoc/model/config.h>
#include <exadoc/model/image_processor.h>
#include <exadoc/model/memory_plan.h>
#include <exadoc/model/model_error.h>
#include <exadoc/model/safetensors.h>
#include <exadoc/model/text_decoder.h>
#include <exadoc/model/tokenizer.h>
#include <exadoc/model/vision_tower.h>

#include "commands.h"

namespace exadoc::app {
namespace {

namespace fs = std::filesystem;

struct InfoSettings {
  std::string directory;
  int64_t context = 0;  // 0: the model's maximum
  std::string dtype = "auto";
  bool json = false;
};

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

model::DType parse_dtype(const std::string& name, const model::ModelConfig& config) {
  if (name == "bf16") return model::DType::kBF16;
  if (name == "fp16") return model::DType::kF16;
  if (name == "fp32") return model::DType::kF32;
  return config.dtype.value_or(model::DType::kBF16);
}

std::string billions(uint64_t count) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f B", static_cast<double>(count) / 1e9);
  return text;
}

int run_info(const InfoSettings& settings) {
  const fs::path directory(settings.directory);
  const fs::path config_file = fs::is_directory(directory) ? directory / "config.json" : directory;
  model::ModelConfig config;
  try {
    config = model::load_model_config(config_file);
  } catch (const model::ModelFormatError& error) {
    std::fprintf(stderr, "exadoc: error: %s\n", error.what());
    return kExitEnvironment;
  }
  const model::TextConfig& t = config.text;
  const model::DType dtype = parse_dtype(settings.dtype, config);
  const int64_t context = settings.context > 0
                              ? settings.context
                              : (t.max_position_embeddings > 0 ? t.max_position_embeddings : 4096);
  const model::ParameterCounts counts = model::count_parameters(config);
  const model::MemoryPlan plan = model::plan_memory(config, context, dtype);

  nlohmann::json checkpoint = nullptr;
  if (fs::is_directory(directory) && (fs::exists(directory / "model.safetensors") ||
                                      fs::exists(directory / "model.safetensors.index.json"))) {
    try {
      const model::Checkpoint weights = model::Checkpoint::open(directory);
      checkpoint = {{"tensors", weights.names().size()}, {"bytes", weights.total_bytes()}};
    } catch (const model::ModelFormatError& error) {
      std::fprintf(stderr, "exadoc: error: %s\n", error.what());
      return kExitEnvironment;
    }
  }

  if (settings.json) {
    nlohmann::json report = {
        {"config", config_file.string()},
        {"text",
         {{"layers", t.num_layers},
          {"sliding_layers", plan.sliding_layers},
          {"global_layers", plan.global_layers},
          {"sliding_window", t.sliding_window},
          {"hidden_size", t.hidden_size},
          {"intermediate_size", t.intermediate_size},
          {"heads", t.num_heads},
          {"kv_heads", t.num_kv_heads},
          {"head_dim", t.head_dim},
          {"vocab_size", t.vocab_size},
          {"max_position_embeddings", t.max_position_embeddings},
          {"rope", {{"type", t.rope.type}, {"theta", t.rope.theta}, {"factor", t.rope.factor}}}}},
        {"parameters",
         {{"total", counts.total()},
          {"embeddings", counts.embeddings},
          {"text_layers", counts.text_layers},
          {"lm_head", counts.lm_head},
          {"mtp", counts.mtp},
          {"vision", counts.vision}}},
        {"memory_plan",
         {{"context_tokens", context},
          {"dtype", std::string(model::dtype_name(dtype))},
          {"weight_bytes", plan.weight_bytes},
          {"kv_global_bytes", plan.kv_global_bytes},
          {"kv_sliding_bytes", plan.kv_sliding_bytes},
          {"kv_bytes_per_token_global", plan.kv_bytes_per_token_global},
          {"total_bytes", plan.total_bytes()}}},
        {"checkpoint", checkpoint}};
    if (config.vision) {
      report["vision"] = {{"depth", config.vision->depth},
                          {"hidden_size", config.vision->hidden_size},
                          {"heads", config.vision->num_heads},
                          {"kv_heads", config.vision->num_kv_heads},
                          {"window_size", config.vision->window_size},
                          {"fullatt_block_indexes", config.vision->fullatt_block_indexes},
                          {"out_hidden_size", config.vision->out_hidden_size}};
    }
    std::printf("%s\n", report.dump(2).c_str());
    return kExitOk;
  }

  std::printf("model %s\n\narchitecture\n", config_file.parent_path().string().c_str());
  std::printf(
      "  text decoder  %d layers: %d sliding-window (%d tokens, RoPE %s theta %g factor %g) + %d global (no "
      "RoPE)\n",
      t.num_layers, plan.sliding_layers, t.sliding_window, t.rope.type.c_str(), t.rope.theta, t.rope.factor,
      plan.global_layers);
  std::printf("                hidden %d, FFN %d, %d query / %d KV heads x %d, vocab %d, context %d\n",
              t.hidden_size, t.intermediate_size, t.num_heads, t.num_kv_heads, t.head_dim, t.vocab_size,
              t.max_position_embeddings);
  if (config.vision) {
    const model::VisionConfig& v = *config.vision;
    std::string full;
    for (const int index : v.fullatt_block_indexes) full += (full.empty() ? "" : " ") + std::to_string(index);
    std::printf(
        "  vision tower  %d blocks, hidden %d, %d / %d heads, %d px windows (full attention in blocks %s), "
        "merger -> %d\n",
        v.depth, v.hidden_size, v.num_heads, v.num_kv_heads, v.window_size, full.c_str(), v.out_hidden_size);
  }
  if (config.num_nextn_predict_layers > 0)
    std::printf("  MTP           %d layer(s)\n", config.num_nextn_predict_layers);
  std::printf(
      "\nparameters      %s (text %s, lm_head %s, MTP %s, vision %s)\n", billions(counts.total()).c_str(),
      billions(counts.embeddings + counts.text_layers + counts.final_norm).c_str(),
      billions(counts.lm_head).c_str(), billions(counts.mtp).c_str(), billions(counts.vision).c_str());
  if (!checkpoint.is_null()) {
    std::printf("checkpoint      %zu tensors, %.2f GiB\n", checkpoint["tensors"].get<size_t>(),
                static_cast<double>(checkpoint["bytes"].get<uint64_t>()) / kGiB);
  }
  std::printf("\nmemory plan for one sequence of %lld tokens, %s\n", static_cast<long long>(context),
              std::string(model::dtype_name(dtype)).c_str());
  std::printf("  weights                         %9.2f GiB\n", static_cast<double>(plan.weight_bytes) / kGiB);
  std::printf("  KV cache, %2d global layers      %9.2f GiB  (%.1f KiB per token: grows with the context)\n",
              plan.global_layers, static_cast<double>(plan.kv_global_bytes) / kGiB,
              static_cast<double>(plan.kv_bytes_per_token_global) / 1024.0);
  std::printf("  KV cache, %2d sliding layers     %9.2f GiB  (capped at the %d-token window)\n",
              plan.sliding_layers, static_cast<double>(plan.kv_sliding_bytes) / kGiB, t.sliding_window);
  std::printf("  total                           %9.2f GiB\n",
              static_cast<double>(plan.total_bytes()) / kGiB);
  return kExitOk;
}

struct RunSettings {
  std::string directory;
  std::vector<std::string> images;
  std::string prompt;
  int max_new_tokens = 512;
  float temperature = 1.0f;
  float top_p = 0.95f;
  int top_k = 0;
  float presence_penalty = 1.5f;
  bool think = false;
  uint64_t seed = 0;
  double dpi = 150;
  int threads = 0;
};

// One page of a document or image file as RGB pixels, through ingest (PDFs are rendered at `dpi`).
model::ProcessedImage load_image(const fs::path& file, double dpi,
                                 const model::ImageProcessorConfig& processor) {
  const auto source = ingest::open_page_source(file);
  ingest::RenderOptions options;
  options.dpi = dpi;
  options.text_layer = false;
  const ingest::PageImage page = source->render(0, options);
  const std::vector<uint8_t> rgb = page.rgb_pixels();
  const model::RgbImageView view{rgb.data(), page.width_px(), page.height_px(),
                                 static_cast<size_t>(page.width_px()) * 3};
  return model::preprocess_image(view, processor);
}

int run_model(const RunSettings& settings) {
  const fs::path directory(settings.directory);
  const auto started = std::chrono::steady_clock::now();
  const model::ModelConfig config = model::load_model_config(directory / "config.json");
  const model::Checkpoint checkpoint = model::Checkpoint::open(directory);
  const model::Tokenizer tokenizer = model::Tokenizer::from_file(directory / "tokenizer.json");
  const std::unique_ptr<model::Backend> backend = model::make_cpu_backend(settings.threads);
  const model::TextDecoder decoder(config, checkpoint, *backend);

  model::ChatMessage user{"user", {}, ""};
  std::optional<model::InjectedEmbeddings> images;
  std::vector<int64_t> tokens_per_image;
  if (!settings.images.empty()) {
    const model::VisionTower tower(config, checkpoint, *backend);
    const model::ImageProcessorConfig processor =
        model::load_image_processor_config(directory / "preprocessor_config.json");
    std::vector<model::Tensor> pixel_values;
    std::vector<model::GridThw> grids;
    for (const std::string& file : settings.images) {
      model::ProcessedImage image = load_image(file, settings.dpi, processor);
      pixel_values.push_back(std::move(image.pixel_values));
      grids.push_back(image.grid);
      tokens_per_image.push_back(tower.tokens_for(image.grid));
      user.content.push_back(model::ChatContent::image());
      EXADOC_LOG_INFO("%s: grid %dx%dx%d patches, %lld image tokens", file.c_str(), grids.back().t,
                      grids.back().h, grids.back().w, static_cast<long long>(tokens_per_image.back()));
    }
    images = model::InjectedEmbeddings{tower.forward(model::concatenate_rows(*backend, pixel_values), grids),
                                       config.image_token_id};
  }
  user.content.push_back(model::ChatContent::text_part(settings.prompt));
  model::ChatTemplateOptions chat;
  chat.enable_thinking = settings.think;
  const std::string prompt_text = model::render_chat(std::span(&user, 1), chat);
  const std::vector<int32_t> prompt = model::expand_image_placeholders(
      tokenizer.encode(prompt_text), config.image_token_id, tokens_per_image);

  model::GenerationOptions options;
  options.max_new_tokens = settings.max_new_tokens;
  options.sampling = {settings.temperature, settings.top_p, settings.top_k, settings.presence_penalty};
  options.seed = settings.seed;
  if (config.text.eos_token_id >= 0) options.stop_ids.push_back(config.text.eos_token_id);
  const auto prefilled = std::chrono::steady_clock::now();
  std::vector<int32_t> generated = model::generate(decoder, prompt, options, {}, images ? &*images : nullptr);
  const auto finished = std::chrono::steady_clock::now();
  std::printf("%s\n", tokenizer.decode(generated, true).c_str());
  EXADOC_LOG_INFO(
      "%zu prompt tokens, %zu generated in %.2f s (%.1f tokens/s); loading and vision took %.2f s",
      prompt.size(), generated.size(), std::chrono::duration<double>(finished - prefilled).count(),
      static_cast<double>(generated.size()) / std::chrono::duration<double>(finished - prefilled).count(),
      std::chrono::duration<double>(prefilled - started).count());
  return kExitOk;
}

}  // namespace

CommandAction add_model_command(CLI::App& app) {
  CLI::App* model = app.add_subcommand("model", "Inspect EXAONE 4.5 model folders (Hugging Face layout)");
  model->require_subcommand(1);
  auto settings = std::make_shared<InfoSettings>();
  CLI::App* info = model->add_subcommand("info",
                                         "Architecture, parameter count, checkpoint size and the memory plan "
                                         "(weights + KV cache) for a context length");
  info->add_option("directory", settings->directory,
                   "Model folder with config.json (weights optional), or a config.json")
      ->required();
  info->add_option("--context", settings->context,
                   "Context length in tokens for the plan (default: the model's maximum)")
      ->check(CLI::PositiveNumber);
  info->add_option("--dtype", settings->dtype,
                   "Dtype of weights and KV cache: auto (the config's), bf16, fp16, fp32")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "bf16", "fp16", "fp32"}));
  info->add_flag("--json", settings->json, "Print the report as JSON");
  info->footer("Example:\n  exadoc model info /models/EXAONE-4.5-33B --context 262144 --dtype bf16");

  auto run = std::make_shared<RunSettings>();
  CLI::App* run_command = model->add_subcommand(
      "run", "Generate text for a prompt with images on the CPU backend (the engine path end to end)");
  run_command
      ->add_option("directory", run->directory,
                   "Model folder (config.json, *.safetensors, tokenizer.json, "
                   "preprocessor_config.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  run_command->add_option("--image", run->images, "Image or PDF (its first page); repeat for several")
      ->check(CLI::ExistingFile);
  run_command->add_option("--prompt", run->prompt, "The user's text")->required();
  run_command->add_option("--max-new-tokens", run->max_new_tokens, "Most tokens to generate")
      ->capture_default_str();
  run_command->add_option("--temperature", run->temperature, "0 for greedy decoding")->capture_default_str();
  run_command->add_option("--top-p", run->top_p, "Nucleus sampling mass")->capture_default_str();
  run_command->add_option("--top-k", run->top_k, "Keep the k likeliest tokens (0: off)")
      ->capture_default_str();
  run_command
      ->add_option("--presence-penalty", run->presence_penalty, "Subtracted once from each generated token")
      ->capture_default_str();
  run_command->add_flag("--think", run->think,
                        "Let the model reason in <think> first (off: answer directly)");
  run_command->add_option("--seed", run->seed, "Sampling seed")->capture_default_str();
  run_command->add_option("--dpi", run->dpi, "Resolution for PDF pages")->capture_default_str();
  run_command->add_option("--threads", run->threads, "CPU threads (0: one per core)")->capture_default_str();
  run_command->footer(
      "Sampling defaults are LG's for multimodal use (temperature 1.0, top-p 0.95, presence penalty 1.5).\n"
      "Example:\n  exadoc model run tests/fixtures/exaone45-tiny --image samples/scan.png --prompt \"Read "
      "the page.\"");

  return [settings, run, run_command]() -> int {
    if (run_command->parsed()) {
      try {
        return run_model(*run);
      } catch (const ingest::InputError& error) {
        std::fprintf(stderr, "exadoc: error: %s\n", error.what());
        return kExitSomeFailed;
      } catch (const Error& error) {
        std::fprintf(stderr, "exadoc: error: %s\n", error.what());
        return kExitEnvironment;
      }
    }
    return run_info(*settings);
  };
}

}  // namespace exadoc::app
