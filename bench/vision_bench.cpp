// vision_bench — visual tokens/s of the CPU vision tower on random weights (for scale only: the CPU backend
// is the reference, not the fast path; the CUDA numbers come with issue 8).
//
//   build-bench/bench/vision_bench [--repeat N] [--threads N]
//
// Two configs: the tiny test config (hidden 64, depth 4) and a medium one (hidden 512, depth 8, 8/2 heads),
// each on an image of 32×32 patches (256 visual tokens). Weights are random, written to a temporary
// safetensors file and loaded through the real checkpoint path. Prints tokens/s and the arithmetic rate
// against a rough FLOP count (2·params·patches for the matmuls plus attention).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <exadoc/model/backend.h>
#include <exadoc/model/config.h>
#include <exadoc/model/memory_plan.h>
#include <exadoc/model/safetensors.h>
#include <exadoc/model/vision_tower.h>

namespace {

namespace fs = std::filesystem;
using exadoc::model::GridThw;

struct BenchConfig {
  const char* name;
  int depth, hidden, intermediate, heads, kv_heads, out_hidden;
};

// Writes random F32 weights for every model.visual.* tensor of the config (norm weights near 1).
void write_random_weights(const fs::path& file, const BenchConfig& c) {
  std::mt19937 random(7);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  nlohmann::json header = nlohmann::json::object();
  std::vector<float> data;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, bool norm = false) {
    int64_t count = 1;
    for (const int64_t size : shape) count *= size;
    const size_t begin = data.size() * 4;
    for (int64_t i = 0; i < count; ++i) data.push_back(norm ? 1.0f + 5 * normal(random) : normal(random));
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {begin, data.size() * 4}}};
  };
  const int64_t h = c.hidden, head_dim = c.hidden / c.heads, qkv = h + 2 * c.kv_heads * head_dim,
                merged = 4 * h;
  add("model.visual.patch_embed.proj.weight", {h, 3, 2, 14, 14});
  for (int b = 0; b < c.depth; ++b) {
    const std::string p = "model.visual.blocks." + std::to_string(b) + ".";
    add(p + "norm1.weight", {h}, true);
    add(p + "norm2.weight", {h}, true);
    add(p + "attn.qkv.weight", {qkv, h});
    add(p + "attn.qkv.bias", {qkv});
    add(p + "attn.proj.weight", {h, h});
    add(p + "attn.proj.bias", {h});
    for (const char* gate : {"gate_proj", "up_proj"}) {
      add(p + "mlp." + gate + ".weight", {c.intermediate, h});
      add(p + "mlp." + gate + ".bias", {c.intermediate});
    }
    add(p + "mlp.down_proj.weight", {h, c.intermediate});
    add(p + "mlp.down_proj.bias", {h});
  }
  add("model.visual.merger.ln_q.weight", {h}, true);
  add("model.visual.merger.mlp.0.weight", {merged, merged});
  add("model.visual.merger.mlp.0.bias", {merged});
  add("model.visual.merger.mlp.2.weight", {c.out_hidden, merged});
  add("model.visual.merger.mlp.2.bias", {c.out_hidden});
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text += ' ';
  std::ofstream stream(file, std::ios::binary);
  const uint64_t length = text.size();
  stream.write(reinterpret_cast<const char*>(&length), 8);
  stream << text;
  stream.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * 4));
}

exadoc::model::ModelConfig model_config(const BenchConfig& c) {
  const nlohmann::json json = {{"model_type", "exaone4_5"},
                               {"text_config",
                                {{"vocab_size", 256},
                                 {"hidden_size", c.out_hidden},
                                 {"intermediate_size", 64},
                                 {"num_hidden_layers", 1},
                                 {"num_attention_heads", 4},
                                 {"num_key_value_heads", 2},
                                 {"rope_theta", 1e6}}},
                               {"vision_config",
                                {{"depth", c.depth},
                                 {"hidden_size", c.hidden},
                                 {"intermediate_size", c.intermediate},
                                 {"num_heads", c.heads},
                                 {"num_key_value_heads", c.kv_heads},
                                 {"window_size", 112},
                                 {"out_hidden_size", c.out_hidden},
                                 {"fullatt_block_indexes", {c.depth / 2 - 1, c.depth - 1}}}}};
  return exadoc::model::parse_model_config(json, "bench-config.json");
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--repeat")
      repeat = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--threads")
      threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: vision_bench [--repeat N] [--threads N]\n");
      return 2;
    }
  }
  const fs::path folder = fs::temp_directory_path() / ("exadoc-vision-bench-" + std::to_string(getpid()));
  fs::create_directories(folder);
  const auto backend = exadoc::model::make_cpu_backend(threads);
  const GridThw grid{1, 32, 32};
  std::printf("vision_bench: CPU backend, image of %dx%d patches (%d visual tokens), median of %d runs\n\n",
              grid.h, grid.w, grid.h * grid.w / 4, repeat);
  std::printf("%-8s %8s %10s %10s %12s %10s\n", "config", "params", "seconds", "tokens/s", "GFLOP/run",
              "GFLOP/s");
  for (const BenchConfig& c :
       {BenchConfig{"tiny", 4, 64, 128, 4, 2, 64}, BenchConfig{"medium", 8, 512, 1024, 8, 2, 512}}) {
    write_random_weights(folder / "model.safetensors", c);
    const exadoc::model::ModelConfig config = model_config(c);
    const exadoc::model::Checkpoint checkpoint = exadoc::model::Checkpoint::open(folder);
    const exadoc::model::VisionTower tower(config, checkpoint, *backend);
    const int64_t patches = static_cast<int64_t>(grid.h) * grid.w;
    exadoc::model::Tensor pixels = backend->allocate(exadoc::model::DType::kF32, {patches, 1176});
    std::mt19937 random(3);
    std::uniform_real_distribution<float> uniform(-1.8f, 2.1f);
    for (int64_t i = 0; i < pixels.elements(); ++i) pixels.data_as<float>()[i] = uniform(random);
    const GridThw grids[] = {grid};
    tower.forward(pixels, grids);  // warm-up
    std::vector<double> seconds;
    for (int run = 0; run < repeat; ++run) {
      const auto started = std::chrono::steady_clock::now();
      tower.forward(pixels, grids);
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    const double params = static_cast<double>(exadoc::model::count_parameters(config).vision);
    // Matmuls: 2 FLOPs per weight per patch (the merger runs on a quarter of the rows with 16× the weights,
    // which this rounds over); attention: 4·patches·window·hidden per block with 64-patch windows.
    const double flops = 2.0 * params * static_cast<double>(patches) +
                         4.0 * static_cast<double>(patches) * 64.0 * c.hidden * c.depth;
    std::printf("%-8s %7.1fM %10.3f %10.1f %12.2f %10.2f\n", c.name, params / 1e6, median,
                static_cast<double>(tower.tokens_for(grid)) / median, flops / 1e9, flops / 1e9 / median);
  }
  fs::remove_all(folder);
  return 0;
}
