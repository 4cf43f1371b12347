// Test helper: validation of exadoc's JSON outputs against their JSON Schema with valijson.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "test_support.h"

namespace exadoc::testing {

// The validation errors of `document` against schemas/<schema_name>, one per line; empty when valid.
inline std::string schema_errors(const nlohmann::json& document, const std::string& schema_name) {
  const nlohmann::json schema_json = read_json(source_dir() / "schemas" / schema_name);
  valijson::Schema schema;
  valijson::SchemaParser parser;
  parser.populateSchema(valijson::adapters::NlohmannJsonAdapter(schema_json), schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  if (validator.validate(schema, valijson::adapters::NlohmannJsonAdapter(document), &results)) return "";
  std::string errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    for (const std::string& context : error.context) errors += context;
    errors += ": " + error.description + "\n";
  }
  return errors;
}

}  // namespace exadoc::testing
