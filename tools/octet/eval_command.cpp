// octet eval: accuracy of a model (FP32 or quantized) on the test split, with its size.
#include <filesystem>

#include "cli_common.h"
#include "commands.h"
#include "model_report.h"
#include "octet/evaluate.h"
#include "octet/onnx_io.h"

namespace octet::cli {

void add_eval_command(CLI::App& app) {
  struct Flags {
    std::string model, data, reference;
    int64_t limit = -1;
    bool json = false;
    NormalizeFlags normalize;
    ThreadsFlag threads;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a model's test accuracy and size");
  cmd->add_option("model", flags->model, "Model (.onnx)")->required();
  cmd->add_option("--data", flags->data, "Directory with IDX files")->required();
  cmd->add_option("--limit", flags->limit, "Evaluate only the first N test images");
  cmd->add_option("--reference", flags->reference, "FP32 model: also report top-1 agreement");
  cmd->add_flag("--json", flags->json, "Print one JSON object on stdout");
  flags->normalize.add_to(*cmd);
  flags->threads.add_to(*cmd);
  cmd->callback([flags] {
    flags->threads.apply();
    if (flags->limit == 0 || flags->limit < -1) fail("--limit: {} must be > 0", flags->limit);
    const Graph graph = load_onnx(flags->model);
    const Normalization norm = resolve_normalization(graph, flags->model, flags->normalize);
    const Dataset test = load_split(flags->data, Split::kTest);
    EvalOptions options;
    options.limit = flags->limit;
    const Session session = naming_model(flags->model, [&] { return Session(graph); });
    const EvalResult result =
        naming_model(flags->model, [&] { return evaluate(session, test, norm, options); });
    ModelSummary summary = summarize_model(flags->model, graph, result);
    if (!flags->reference.empty()) {
      const Graph ref_graph = load_onnx(flags->reference);
      const EvalResult ref = naming_model(
          flags->reference, [&] { return evaluate(Session(ref_graph), test, norm, options); });
      summary.reference_accuracy = ref.accuracy;
      summary.agreement = top1_agreement(result.predictions, ref.predictions);
    }
    if (flags->json)
      print_json(to_json(summary));
    else
      print_summary(summary);
  });
}

}  // namespace octet::cli
