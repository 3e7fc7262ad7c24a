// octet train: trains the reference MLP on an IDX data set and writes it as FP32 ONNX.
#include <cstdio>

#include "cli_common.h"
#include "commands.h"
#include "octet/onnx_io.h"
#include "octet/train.h"

namespace octet::cli {

void add_train_command(CLI::App& app) {
  struct Flags {
    std::string data, hidden = "50,80,30", output;
    int64_t epochs = 1, batch = 10;
    float lr = 1e-3f;
    uint64_t seed = 433;
    NormalizeFlags normalize;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("train", "Train the reference Linear+ReLU MLP (FP32)");
  cmd->add_option("--data", flags->data, "Directory with IDX files (torchvision raw layout)")->required();
  cmd->add_option("--hidden", flags->hidden, "Hidden layer sizes")->capture_default_str();
  cmd->add_option("--epochs", flags->epochs, "Epochs")->capture_default_str();
  cmd->add_option("--batch", flags->batch, "Mini-batch size")->capture_default_str();
  cmd->add_option("--lr", flags->lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--seed", flags->seed, "Seed of the initialization and the shuffles")->capture_default_str();
  cmd->add_option("-o,--output", flags->output, "Output model (.onnx)")->required();
  flags->normalize.add_to(*cmd);
  cmd->callback([flags] {
    TrainConfig cfg;
    cfg.hidden = parse_int_list(flags->hidden, "--hidden", 1);
    cfg.epochs = flags->epochs;
    cfg.batch = flags->batch;
    cfg.lr = flags->lr;
    cfg.seed = flags->seed;
    validate_train_config(cfg);
    const Dataset train = load_split(flags->data, Split::kTrain);
    check_labels(train, 10);
    // --mean/--std, or the training set's own pixel statistics.
    const Normalization norm = flags->normalize.mean.empty() && flags->normalize.std.empty()
                                   ? compute_normalization(train.images)
                                   : resolve_normalization(Graph{}, flags->data, flags->normalize);
    const TrainResult result = train_mlp(train, norm, cfg);
    save_onnx(result.graph, flags->output);
    std::fprintf(stderr, "trained %lld steps in %.2f s (average loss %.4f), wrote %s\n",
                 static_cast<long long>(result.steps), result.seconds, result.final_avg_loss,
                 flags->output.c_str());
  });
}

}  // namespace octet::cli
