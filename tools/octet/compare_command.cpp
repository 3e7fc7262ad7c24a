// octet compare: per-layer SQNR and cosine similarity of a quantized model against its FP32
// model, the accuracy of both and their top-1 agreement.
#include <fmt/format.h>

#include <cmath>

#include "cli_common.h"
#include "commands.h"
#include "octet/compare.h"
#include "octet/onnx_io.h"
#include "octet/runtime.h"

namespace octet::cli {

namespace {

nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json error_json(const ErrorStats& e) {
  return {
      {"sqnr_db", finite_or_null(e.sqnr_db())}, {"cosine", e.cosine()}, {"elements", e.elements}};
}

}  // namespace

void add_compare_command(CLI::App& app) {
  struct Flags {
    std::string fp32, quant, data;
    int64_t limit = -1;
    bool json = false;
    NormalizeFlags normalize;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Per-layer SQNR / cosine of a quantized model against its FP32 model, worst first");
  cmd->add_option("fp32", f->fp32, "FP32 model (.onnx)")->required();
  cmd->add_option("quant", f->quant, "Quantized QDQ model (.onnx)")->required();
  cmd->add_option("--data", f->data, "IDX directory whose test split is the evaluation set")
      ->required();
  cmd->add_option("--limit", f->limit, "Evaluate the first N test images only");
  cmd->add_flag("--json", f->json, "Print one JSON object on stdout");
  f->normalize.add_to(*cmd);
  cmd->callback([f, cmd] {
    if (cmd->count("--limit") && f->limit <= 0) fail("--limit: {} must be > 0", f->limit);
    const Graph fp32 = load_onnx(f->fp32);
    const Graph quant = load_onnx(f->quant);
    // Build each model's runtime once here, so that a node error (unsupported op, bad attribute)
    // names the file it is in; compare_models below runs both and could not tell them apart.
    naming_model(f->fp32, [&] { Session check(fp32); });
    naming_model(f->quant, [&] { Session check(quant); });
    const Normalization norm = resolve_normalization(fp32, f->fp32, f->normalize);
    const Dataset test = load_split(f->data, Split::kTest);
    CompareOptions options;
    options.limit = f->limit;
    const ModelComparison c = compare_models(fp32, quant, test, norm, options);
    if (f->json) {
      nlohmann::json layers = nlohmann::json::array();
      for (const auto& l : c.layers) {
        nlohmann::json row = error_json(l.error);
        row["layer"] = l.layer;
        row["value"] = l.value;
        row["precision"] = l.precision;
        layers.push_back(row);
      }
      print_json({{"fp32", f->fp32},
                  {"quant", f->quant},
                  {"data", test.source},
                  {"samples", c.fp32.samples},
                  {"layers", layers},
                  {"unmatched", c.unmatched},
                  {"output", error_json(c.output)},
                  {"fp32_accuracy", c.fp32.accuracy},
                  {"quant_accuracy", c.quant.accuracy},
                  {"top1_agreement", c.top1_agreement}});
      return;
    }
    fmt::print("Per-layer error of {} against {} on {} images of {} (worst first):\n", f->quant,
               f->fp32, c.fp32.samples, test.source);
    fmt::print("  {:<24} {:<24} {:>9} {:>10} {:>10}\n", "layer", "activation", "precision",
               "SQNR dB", "cosine");
    for (const auto& l : c.layers)
      fmt::print("  {:<24} {:<24} {:>9} {:>10.2f} {:>10.6f}\n", l.layer, l.value, l.precision,
                 l.error.sqnr_db(), l.error.cosine());
    fmt::print("  {:<24} {:<24} {:>9} {:>10.2f} {:>10.6f}\n", "(model output)", "logits", "",
               c.output.sqnr_db(), c.output.cosine());
    for (const auto& u : c.unmatched) fmt::print("  {:<24} not found in the quantized model\n", u);
    fmt::print(
        "Accuracy: FP32 {:.2f}%, quantized {:.2f}% ({:+.2f} points); top-1 agreement {:.2f}%\n",
        100.0 * c.fp32.accuracy, 100.0 * c.quant.accuracy,
        100.0 * (c.quant.accuracy - c.fp32.accuracy), 100.0 * c.top1_agreement);
  });
}

}  // namespace octet::cli
