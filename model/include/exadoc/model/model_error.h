// exadoc/model/model_error.h — the model library's error types.
//
// ModelFormatError: a model directory or file that is not what the engine needs: malformed config.json,
// safetensors or tokenizer.json, missing or unexpected tensors. The message names the file and, where one is
// concerned, the tensor or key: "model.safetensors: tensor 'lm_head.weight': shape [768, 64] × F32 needs
// 196608 bytes but the header gives 1024".
#pragma once

#include <filesystem>
#include <string>

#include <exadoc/base/error.h>

namespace exadoc::model {

class ModelFormatError : public Error {
 public:
  ModelFormatError(const std::filesystem::path& file, const std::string& what)
      : Error(file.filename().string() + ": " + what), file_(file) {}

  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

}  // namespace exadoc::model
