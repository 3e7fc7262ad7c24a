// Training of the reference network: a Linear+ReLU MLP trained with Adam on softmax
// cross-entropy, the recipe of the MNIST notebook octet's demo follows (see DESIGN.md).
#pragma once

#include <cstdint>
#include <vector>

#include "octet/data.h"
#include "octet/graph.h"

namespace octet {

// The notebook's recipe: 784-50-80-30-10, one epoch, batch 10, Adam lr 1e-3, seed 433.
struct TrainConfig {
  std::vector<int64_t> hidden{50, 80, 30};  // hidden layer widths, from input to output
  int64_t epochs = 1;
  int64_t batch = 10;   // the last batch of an epoch may be smaller
  float lr = 1e-3f;     // Adam's step size; betas (0.9, 0.999), eps 1e-8 as torch.optim.Adam
  uint64_t seed = 433;  // one Rng: the weights first, then each epoch's shuffle
};

struct TrainResult {
  Graph graph;                // the FP32 model, see train_mlp()
  double seconds = 0;         // wall time of the training loop
  double final_avg_loss = 0;  // mean of the batch losses of the last epoch
  int64_t steps = 0;          // optimizer steps taken
};

// Throws octet::Error naming the command-line flag at fault: a hidden width <= 0
// ("--hidden: size 0 at position 2 must be > 0", positions from 1), epochs or batch <= 0, or a
// learning rate that is not a finite number > 0.
void validate_train_config(const TrainConfig& cfg);

// Trains an MLP with inputs C*H*W of `train`'s images [N, C, H, W] (uint8, normalized exactly
// as make_batch() does with `norm`), the hidden widths of `cfg` and 10 outputs, on softmax
// cross-entropy (mean over each batch) with Adam, in mini-batches drawn from a fresh seeded
// shuffle each epoch. Layers are initialized like torch.nn.Linear. One thread, deterministic:
// the same inputs give bit-identical weights on the same machine.
//
// The returned graph: input "input" float [N, C, H, W] (N symbolic), Flatten "flatten", per
// layer K a Gemm "fcK" (transB = 1, initializers "fcK.weight" [out, in], "fcK.bias" [out])
// and, but for the last, a Relu "reluK"; output "logits" float [N, 10]; metadata
// octet.normalize = norm.to_string(); opset 13.
//
// `show_progress` draws a progress bar on stderr when it is a terminal. Throws octet::Error
// for a bad config (see validate_train_config), an empty data set, images that are not uint8
// [N, C, H, W], a label >= 10, or a normalization that does not fit the images.
TrainResult train_mlp(const Dataset& train, const Normalization& norm, const TrainConfig& cfg,
                      bool show_progress = true);

}  // namespace octet
