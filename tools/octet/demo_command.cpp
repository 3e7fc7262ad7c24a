// octet demo: the classic PTQ walk-through on real data, end to end.
#include <fmt/format.h>

#include <filesystem>

#include "cli_common.h"
#include "commands.h"
#include "octet/evaluate.h"
#include "octet/onnx_io.h"
#include "octet/atomic_file.h"
#include "octet/quant_report.h"
#include "octet/train.h"
#include "quantize_flow.h"

namespace octet::cli {

namespace fs = std::filesystem;

namespace {
struct DemoFlags {
  std::string data, dataset, workdir = "work";
};

// Trains the reference MLP, or loads it from the work directory as the notebook loads its
// saved state_dict.
Graph train_or_load(const fs::path& model_path, const Dataset& train, const std::string& dataset) {
  if (fs::exists(model_path)) {
    fmt::print("Loading the trained model from {} (delete it to train again)\n", model_path.string());
    return load_onnx(model_path);
  }
  // MNIST digits use the classic constants (as the notebook does); any other data set the
  // statistics of its own training images.
  const Normalization norm = dataset == "mnist" ? Normalization{{0.1307f}, {0.3081f}}
                                                : compute_normalization(train.images);
  TrainConfig cfg;
  fmt::print("Training 784-50-80-30-10 MLP: 1 epoch, Adam lr 1e-3, batch 10, seed {}, normalize {}\n",
             cfg.seed, norm.to_string());
  const TrainResult result = train_mlp(train, norm, cfg);
  fmt::print("  {} steps in {:.2f} s ({:.0f} it/s), average loss {:.4f}\n", result.steps,
             result.seconds, result.steps / result.seconds, result.final_avg_loss);
  save_onnx(result.graph, model_path);
  return result.graph;
}
// Without --dataset, a --data directory names the data set by its last component
// ("data/mnist" -> mnist): the MNIST constants and the output file names then follow the
// directory given, not whether the working directory happens to hold data/mnist.
std::string dataset_name(const DemoFlags& f) {
  if (!f.dataset.empty()) return f.dataset;
  if (f.data.empty()) return fs::is_directory("data/mnist") ? "mnist" : "fashion-mnist";
  fs::path dir = fs::path(f.data).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();
  const std::string name = dir.filename().string();
  if (name.empty() || name == "." || name == "..")
    fail("--data {}: cannot name the data set from this path; give --dataset mnist|fashion-mnist",
         f.data);
  return name;
}
}  // namespace

void add_demo_command(CLI::App& app) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand("demo", "Train (or load) the reference MLP and evaluate it");
  cmd->add_option("--data", flags->data, "Directory with IDX files (overrides --dataset's)");
  cmd->add_option("--dataset", flags->dataset,
                  "mnist or fashion-mnist (default: --data's directory name, else mnist if "
                  "data/mnist exists)")
      ->check(CLI::IsMember({"mnist", "fashion-mnist"}));
  cmd->add_option("--workdir", flags->workdir, "Where models and the summary go")->capture_default_str();
  cmd->callback([flags] {
    const std::string dataset = dataset_name(*flags);
    const fs::path data_dir = flags->data.empty() ? default_data_dir(dataset) : fs::path(flags->data);
    fs::create_directories(flags->workdir);
    const Dataset train = load_split(data_dir, Split::kTrain);
    const Dataset test = load_split(data_dir, Split::kTest);
    check_labels(train, 10);
    check_labels(test, 10);
    fmt::print("Data set {} from {}: {} training and {} test images\n", dataset, data_dir.string(),
               train.size(), test.size());

    const fs::path fp32_path = fs::path(flags->workdir) / (dataset + "_mlp_fp32.onnx");
    const Graph fp32 = train_or_load(fp32_path, train, dataset);
    const Normalization norm = model_normalization(fp32, fp32_path.string());
    const EvalResult eval = evaluate(Session(fp32), test, norm);
    fmt::print("FP32 model {}: {} bytes ({:.1f} KB) on disk, {} parameter bytes\n",
               fp32_path.string(), fs::file_size(fp32_path), fs::file_size(fp32_path) / 1000.0,
               fp32.param_bytes());
    fmt::print("FP32 test accuracy: {:.4f} ({} / {})\n", eval.accuracy, eval.correct, eval.samples);

    // The quantization half, once per preset: PyTorch's default_qconfig, then octet's choice.
    nlohmann::json summary = {{"dataset", dataset}, {"data", data_dir.string()},
                              {"fp32", {{"model", fp32_path.string()},
                                        {"file_bytes", fs::file_size(fp32_path)},
                                        {"param_bytes", fp32.param_bytes()},
                                        {"accuracy", eval.accuracy}}}};
    std::vector<ModelStats> table{model_stats("FP32", fp32_path.string(), fp32, eval)};
    for (const std::string preset : {"pytorch-default", "recommended"}) {
      QuantizeRequest r;
      r.model_path = fp32_path.string();
      r.fp32 = fp32;
      r.norm = norm;
      r.config = QuantizeConfig::preset_named(preset);
      r.calib = &train;
      r.test = &test;
      r.fp32_eval = eval;
      r.output_path = (fs::path(flags->workdir) / (dataset + "_mlp_int8_" + preset + ".onnx")).string();
      fmt::print("\n=== Post-training quantization, preset {} ===\n{}\n", preset, r.config.describe());
      fmt::print("Prepare: MinMax observers on the input and output of {} Gemm layers and on their "
                 "weights; calibrate on {} training images drawn at random (seed {})\n",
                 find_quant_layers(fp32).size(), r.calib_count, r.seed);
      const QuantizeOutcome o = run_quantize(r);
      for (const auto& w : o.warnings) fmt::print(stderr, "octet: warning: {}\n", w);
      print_quantize_report(o);
      fmt::print("wrote {}\n", r.output_path);
      summary[preset] = quantize_report_json(r, o);
      table.push_back(o.comparison.back());
    }
    fmt::print("\n=== Summary ({}) ===\n{}", dataset, format_comparison(table));
    const fs::path summary_path = fs::path(flags->workdir) / (dataset + "_summary.json");
    summary["comparison"] = comparison_to_json(table);
    write_file_atomic(summary_path, summary.dump(2) + "\n");
    fmt::print("wrote {}\n", summary_path.string());
  });
}

}  // namespace octet::cli
