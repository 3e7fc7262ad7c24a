// Formatting of a model's evaluation summary.
#include "model_report.h"

#include <fmt/format.h>

#include <filesystem>

namespace octet::cli {

ModelSummary summarize_model(const std::string& path, const Graph& graph, const EvalResult& r) {
  ModelSummary s;
  s.model = path;
  s.precision = "fp32";
  for (const Node& n : graph.nodes)
    if (n.op_type == "QuantizeLinear") s.precision = "int8";
  s.samples = r.samples;
  s.correct = r.correct;
  s.accuracy = r.accuracy;
  s.file_bytes = std::filesystem::file_size(path);
  s.param_bytes = graph.param_bytes();
  s.seconds = r.seconds;
  return s;
}

nlohmann::json to_json(const ModelSummary& s) {
  nlohmann::json j = {{"model", s.model},           {"precision", s.precision},
                      {"accuracy", s.accuracy},     {"samples", s.samples},
                      {"correct", s.correct},       {"file_bytes", s.file_bytes},
                      {"file_kb", s.file_bytes / 1000.0}, {"param_bytes", s.param_bytes},
                      {"seconds", s.seconds}};
  if (s.reference_accuracy) j["reference_accuracy"] = *s.reference_accuracy;
  if (s.agreement) j["top1_agreement"] = *s.agreement;
  return j;
}

void print_summary(const ModelSummary& s) {
  fmt::print("model        {} ({})\n", s.model, s.precision);
  fmt::print("accuracy     {:.4f} ({} / {} test images)\n", s.accuracy, s.correct, s.samples);
  fmt::print("file size    {} bytes ({:.1f} KB)\n", s.file_bytes, s.file_bytes / 1000.0);
  fmt::print("parameters   {} bytes ({:.1f} KB)\n", s.param_bytes, s.param_bytes / 1000.0);
  if (s.reference_accuracy)
    fmt::print("reference    accuracy {:.4f}, top-1 agreement {:.4f}\n", *s.reference_accuracy,
               *s.agreement);
}

}  // namespace octet::cli
