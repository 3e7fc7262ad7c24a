// The training loop of train_mlp(): shuffled batches, forward, cross-entropy, backward, Adam.
//
// Where the time goes (784-50-80-30-10, batch 10, one Zen 3 core at 2.45 GHz, hot caches): a
// step costs about 55 us. Layer 1's forward and weight-gradient GEMMs (392K multiply-adds
// each) take ~10 us apiece and run at the FMA peak; Adam takes ~22 us, bound by the two
// divides and one square root per parameter that PyTorch's rule needs (46K parameters); the
// three small layers ~7 us together, loading the batch ~3 us and the loss under 1 us. Nothing
// is allocated inside the loop.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/progress.h"
#include "octet/random.h"
#include "octet/train.h"
#include "train/adam.h"
#include "train/cross_entropy.h"
#include "train/mlp.h"

namespace octet {

namespace {

constexpr int64_t kClasses = 10;
// Far above any MLP this trainer is for; keeps a typo from asking for terabytes.
constexpr int64_t kMaxHidden = int64_t{1} << 16;

using PixelTable = std::array<float, 256>;

// The model input of each pixel value 0..255, per channel, computed by make_batch() itself on
// an image holding every value, so training sees exactly the inputs evaluation will (and a
// table lookup replaces a divide per pixel).
std::vector<PixelTable> pixel_tables(const Normalization& norm, int64_t channels) {
  Tensor every_value(DType::kU8, {1, channels, 16, 16});
  uint8_t* p = every_value.data<uint8_t>();
  for (int64_t c = 0; c < channels; ++c)
    for (int v = 0; v < 256; ++v) p[c * 256 + v] = static_cast<uint8_t>(v);
  const Tensor x = make_batch(every_value, 0, 1, norm);
  OCTET_CHECK(x.numel() == channels * 256, "make_batch gave {}", shape_str(x.shape()));
  std::vector<PixelTable> tables(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c)
    std::copy_n(x.data<float>() + c * 256, 256, tables[c].begin());
  return tables;
}

void check_data(const Dataset& train) {
  const Tensor& images = train.images;
  if (images.empty()) fail("train: data set '{}' is empty", train.source);
  if (images.dtype() != DType::kU8 || images.rank() != 4)
    fail("train: images of '{}' are {} {}, expected uint8 [N, C, H, W]", train.source,
         dtype_name(images.dtype()), shape_str(images.shape()));
  if (train.size() == 0) fail("train: data set '{}' is empty", train.source);
  if (images.numel() == 0)
    fail("train: images of '{}' have no pixels: {}", train.source, shape_str(images.shape()));
  if (static_cast<int64_t>(train.labels.size()) != train.size())
    fail("train: '{}' has {} images but {} labels", train.source, train.size(),
         train.labels.size());
  check_labels(train, kClasses);
}

// Rows [begin, begin + m) of `order` into the network input (x [m, ldx]) and `labels`.
void load_batch(const Dataset& train, const std::vector<PixelTable>& tables,
                const std::vector<int64_t>& order, int64_t begin, int64_t m, float* x, int64_t ldx,
                uint8_t* labels) {
  const int64_t channels = train.images.dim(1);
  const int64_t plane = train.images.dim(2) * train.images.dim(3);
  const uint8_t* pixels = train.images.data<uint8_t>();
  for (int64_t r = 0; r < m; ++r) {
    const int64_t index = order[begin + r];
    const uint8_t* src = pixels + index * channels * plane;
    float* dst = x + r * ldx;
    for (int64_t c = 0; c < channels; ++c) {
      const float* table = tables[c].data();
      for (int64_t q = 0; q < plane; ++q) dst[c * plane + q] = table[src[c * plane + q]];
    }
    labels[r] = train.labels[index];
  }
}

// Asks the cache for the images of rows [begin, begin + m) of `order`: a shuffled batch is ten
// random rows of a 47 MB array, each a string of cache misses that would otherwise stall
// load_batch(); issued one step ahead, they arrive while the step computes.
void prefetch_batch(const Dataset& train, const std::vector<int64_t>& order, int64_t begin,
                    int64_t m) {
  const int64_t image_bytes = train.images.numel() / train.size();
  const uint8_t* pixels = train.images.data<uint8_t>();
  constexpr int64_t kLine = 64;
  for (int64_t r = 0; r < m; ++r) {
    const uint8_t* image = pixels + order[begin + r] * image_bytes;
    for (int64_t offset = 0; offset < image_bytes; offset += kLine)
      __builtin_prefetch(image + offset);
    __builtin_prefetch(image + image_bytes - 1);
  }
}

// The progress bar's postfix: the running mean loss of the epoch, and which epoch if several.
std::string progress_text(int64_t epoch, int64_t epochs, double avg_loss) {
  if (epochs == 1) return fmt::format("loss {:.4f}", avg_loss);
  return fmt::format("epoch {}/{}, loss {:.4f}", epoch + 1, epochs, avg_loss);
}

// torch.optim.Adam gets lr as a Python double; the float flag 1e-3f is 1.00000005e-3. The
// shortest decimal that reads back as the same float ("0.001") recovers the number the user
// wrote, so the step sizes match PyTorch's to the last bit.
double lr_as_typed(float lr) {
  return std::stod(fmt::format("{}", lr));
}

}  // namespace

void validate_train_config(const TrainConfig& cfg) {
  for (size_t i = 0; i < cfg.hidden.size(); ++i) {
    if (cfg.hidden[i] <= 0)
      fail("--hidden: size {} at position {} must be > 0", cfg.hidden[i], i + 1);
    if (cfg.hidden[i] > kMaxHidden)
      fail("--hidden: size {} at position {} must be <= {}", cfg.hidden[i], i + 1, kMaxHidden);
  }
  if (cfg.epochs <= 0) fail("--epochs: {} must be > 0", cfg.epochs);
  if (cfg.batch <= 0) fail("--batch: {} must be > 0", cfg.batch);
  if (!std::isfinite(cfg.lr) || cfg.lr <= 0.0f)
    fail("--lr: {} must be a finite number > 0", cfg.lr);
}

TrainResult train_mlp(const Dataset& train, const Normalization& norm, const TrainConfig& cfg,
                      bool show_progress) {
  validate_train_config(cfg);
  check_data(train);
  const Shape chw{train.images.dim(1), train.images.dim(2), train.images.dim(3)};
  const std::vector<PixelTable> tables = pixel_tables(norm, chw[0]);

  const int64_t n = train.size();
  Rng rng(cfg.seed);
  train::Mlp mlp(chw[0] * chw[1] * chw[2], cfg.hidden, kClasses, std::min(cfg.batch, n), rng);
  train::AdamOptions adam_options;
  adam_options.lr = lr_as_typed(cfg.lr);
  train::Adam adam(static_cast<int64_t>(mlp.params().size()), adam_options);
  std::vector<uint8_t> labels(static_cast<size_t>(mlp.max_batch()));

  const int64_t steps_per_epoch = (n + cfg.batch - 1) / cfg.batch;
  ProgressBar bar(steps_per_epoch * cfg.epochs, "train", show_progress);
  TrainResult result;
  double loss_sum = 0.0;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t epoch = 0; epoch < cfg.epochs; ++epoch) {
    const std::vector<int64_t> order = shuffled_indices(n, rng);
    loss_sum = 0.0;
    int64_t epoch_steps = 0;
    for (int64_t begin = 0; begin < n; begin += cfg.batch) {
      const int64_t m = std::min(cfg.batch, n - begin);
      load_batch(train, tables, order, begin, m, mlp.input(), mlp.input_stride(), labels.data());
      if (begin + m < n)
        prefetch_batch(train, order, begin + m, std::min(cfg.batch, n - begin - m));
      mlp.forward(m);
      loss_sum +=
          train::softmax_cross_entropy(m, kClasses, mlp.logits(), mlp.logits_stride(),
                                       labels.data(), mlp.logits_grad(), mlp.logits_stride());
      mlp.backward();
      adam.step(mlp.params(), mlp.grads());
      ++result.steps;
      ++epoch_steps;
      if (bar.due()) {
        bar.update(1,
                   progress_text(epoch, cfg.epochs, loss_sum / static_cast<double>(epoch_steps)));
      } else {
        bar.update(1);
      }
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.final_avg_loss = loss_sum / static_cast<double>(steps_per_epoch);
  bar.close(progress_text(cfg.epochs - 1, cfg.epochs, result.final_avg_loss));
  result.graph = train::export_mlp_graph(mlp, chw, norm);
  return result;
}

}  // namespace octet
