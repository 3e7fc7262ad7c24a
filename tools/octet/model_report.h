// What `octet eval` reports about one model: accuracy, file size and parameter bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "octet/evaluate.h"
#include "octet/graph.h"

namespace octet::cli {

struct ModelSummary {
  std::string model;
  std::string precision;  // "fp32" or "int8"
  int64_t samples = 0, correct = 0;
  double accuracy = 0;
  uintmax_t file_bytes = 0;
  size_t param_bytes = 0;
  double seconds = 0;
  std::optional<double> reference_accuracy, agreement;
};

ModelSummary summarize_model(const std::string& path, const Graph& graph, const EvalResult& r);
nlohmann::json to_json(const ModelSummary& s);
// Human-readable lines on stdout.
void print_summary(const ModelSummary& s);

}  // namespace octet::cli
