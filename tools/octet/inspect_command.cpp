// octet inspect: what a model file holds: nodes, sizes and, for a QDQ model, each layer's
// quantization parameters and a preview of its int8 weights.
#include <fmt/format.h>

#include <filesystem>

#include "cli_common.h"
#include "commands.h"
#include "octet/onnx_io.h"
#include "octet/quant_report.h"
#include "octet/runtime.h"

namespace octet::cli {

void add_inspect_command(CLI::App& app) {
  struct Flags {
    std::string model, reference;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a model's layers, sizes and quantization parameters");
  cmd->add_option("model", f->model, "Model (.onnx)")->required();
  cmd->add_option("--reference", f->reference, "The FP32 model it came from (adds weight errors)");
  cmd->add_flag("--json", f->json, "Print one JSON object on stdout");
  cmd->callback([f] {
    const Graph g = load_onnx(f->model);
    // Checks that octet can run it, and how.
    const Session session = naming_model(f->model, [&] { return Session(g); });
    std::optional<Graph> reference;
    if (!f->reference.empty()) reference = load_onnx(f->reference);
    const auto layers = describe_qdq_layers(g);
    std::optional<WeightPreview> preview;
    if (!layers.empty())
      preview = preview_weights(g, layers[0], reference ? &*reference : nullptr);
    int64_t int8_nodes = 0;
    for (const auto& [name, precision] : session.node_precision()) int8_nodes += precision == "int8";
    const auto file_bytes = std::filesystem::file_size(f->model);
    if (f->json) {
      nlohmann::json j = {{"model", f->model},
                          {"file_bytes", file_bytes},
                          {"param_bytes", g.param_bytes()},
                          {"nodes", g.nodes.size()},
                          {"int8_nodes", int8_nodes},
                          {"opset", g.opset},
                          {"metadata", g.metadata},
                          {"layers", layers_to_json(layers)}};
      if (preview) j["weight_preview"] = to_json(*preview);
      print_json(j);
      return;
    }
    fmt::print("model       {}\n", f->model);
    fmt::print("file size   {} bytes ({:.2f} KB), parameters {} bytes\n", file_bytes,
               file_bytes / 1000.0, g.param_bytes());
    fmt::print("graph       {} nodes, opset {}, {} run as fused int8 kernels\n", g.nodes.size(),
               g.opset, int8_nodes);
    for (const auto& [key, value] : g.metadata) fmt::print("metadata    {} = {}\n", key, value);
    if (layers.empty()) {
      fmt::print("no quantized layers (an FP32 model)\n");
      return;
    }
    fmt::print("\n{}\n", format_layer_table(layers));
    fmt::print("Layer 1 weights:\n{}", format_weight_preview(*preview));
  });
}

}  // namespace octet::cli
