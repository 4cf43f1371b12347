// Private to app: the EXAONE engine — every page of a document parsed by the model, in one growing
// conversation per document, into the same document model the native engine produces (product.md §4–6).
//
// Per page: the page is rendered (with its text layer, for grounding), shown whole or as tiles
// (layout/page_views.h), each view becomes a user turn (the image and layout::page_prompt()), the model
// answers with sampling settings for OCR (exaone45-model.md §7.3), and layout::parse_vlm_output turns the
// answer into blocks whose boxes are mapped from the view to the page. The KV cache of the conversation is
// kept from page to page; when the next turn would outgrow the context budget, model::plan_context decides
// what to leave out (oldest page images first, then oldest turns) and the decision is logged.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <exadoc/base/error.h>
#include <exadoc/ingest/page_source.h>
#include <exadoc/layout/document.h>

#include "document_job.h"
#include "exaone_settings.h"

namespace exadoc::app {

// A model that cannot be loaded or run: the message says what and where.
class EngineError : public Error {
 public:
  using Error::Error;
};

class ExaoneEngine {
 public:
  // Loads the model onto the CPU backend (the CUDA backend arrives with issue 8). Throws EngineError or
  // model::ModelFormatError.
  static std::unique_ptr<ExaoneEngine> load(const ExaoneSettings& settings);
  virtual ~ExaoneEngine() = default;

  // Parses every page. A page whose rendering or whose model run fails becomes a page with a warning; pages
  // whose output did not come as the HTML asked for carry warnings and Page::model_output says what came.
  virtual layout::Document parse(const ingest::PageSource& source, const DocumentProgress& progress) = 0;

  // Parameters of the loaded model, for messages.
  virtual uint64_t parameters() const = 0;
};

// auto: whether the EXAONE engine should run this model here — the CPU backend is only sensible for small
// (test) models; returns an empty string when it should, else the reason it should not.
std::string exaone_unsuitable_reason(const std::filesystem::path& model_dir);

}  // namespace exadoc::app
