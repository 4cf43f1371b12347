// Private to app: the options of the EXAONE engine (see exaone_engine.h), apart from the engine so that the
// commands' option structs need not include the model.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace exadoc::app {

struct ExaoneSettings {
  std::string model_dir;      // a Hugging Face model folder (config.json, *.safetensors, tokenizer.json, ...)
  int max_new_tokens = 4096;  // per view of a page
  int64_t context_tokens = 0;  // the budget of one document's conversation; 0: the model's maximum
  double dpi = 200;            // page rendering before the processor's resize
  float temperature = 0.6f;    // §7.3, OCR and document tasks
  float top_p = 0.95f;
  int top_k = 20;
  float presence_penalty = 1.5f;
  uint64_t seed = 0;
  int threads = 0;  // CPU backend threads; 0: one per core

  // What changes the output (the index's skip test), besides the engine's name.
  nlohmann::json output_settings() const;
};

}  // namespace exadoc::app
