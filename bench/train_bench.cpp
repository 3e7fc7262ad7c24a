// One epoch of the reference recipe (784-50-80-30-10, Adam lr 1e-3, batch 10, seed 433) over
// Fashion-MNIST train in one thread: items/s = optimizer steps per second, plus the loss and
// the test accuracy of the trained model. Compare with bench/train_torch.py (scripts/bench_train).
//
// Data: $OCTET_DATA_DIR, ./data/fashion-mnist or /usr/share/datasets/fashion-mnist, the first
// that exists; otherwise 60,000 synthetic images with Fashion-MNIST's share of zero pixels.
// Inputs are normalized with the train set's own mean and std, as train_torch.py does.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/random.h"
#include "octet/train.h"
#include "train/dense_kernels.h"

namespace {

namespace fs = std::filesystem;

struct BenchData {
  octet::Dataset train;
  octet::Dataset test;  // empty for synthetic data
  octet::Normalization norm;
  std::string label;
};

fs::path find_data_dir() {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("OCTET_DATA_DIR")) candidates.emplace_back(dir);
  candidates.emplace_back("data/fashion-mnist");
  candidates.emplace_back("/usr/share/datasets/fashion-mnist");
  for (const fs::path& dir : candidates)
    if (fs::exists(dir / "train-images-idx3-ubyte.gz") ||
        fs::exists(dir / "train-images-idx3-ubyte"))
      return dir;
  return {};
}

octet::Dataset synthetic_set(int64_t n) {
  octet::Dataset d;
  d.source = "synthetic";
  d.images = octet::Tensor(octet::DType::kU8, {n, 1, 28, 28});
  octet::Rng rng(1);
  uint8_t* px = d.images.data<uint8_t>();
  for (int64_t i = 0; i < n * 784; ++i)
    px[i] = rng.below(2) == 0 ? 0 : static_cast<uint8_t>(rng.below(256));  // about half are 0
  for (int64_t i = 0; i < n; ++i) d.labels.push_back(static_cast<uint8_t>(rng.below(10)));
  return d;
}

const BenchData& bench_data() {
  static const BenchData data = [] {
    BenchData d;
    const fs::path dir = find_data_dir();
    if (dir.empty()) {
      d.train = synthetic_set(60000);
      d.label = "synthetic 60000x1x28x28";
    } else {
      d.train = octet::load_idx_dataset(dir, octet::Split::kTrain);
      d.test = octet::load_idx_dataset(dir, octet::Split::kTest);
      d.label = dir.string();
    }
    d.norm = octet::compute_normalization(d.train.images);
    return d;
  }();
  return data;
}

// Test accuracy of the trained graph: make_batch's inputs through the graph's Gemm weights with
// the dense forward kernel (ReLU between layers), in batches of 500.
double test_accuracy(const octet::Graph& graph, const BenchData& data) {
  using octet::train::padded;
  struct Layer {
    int64_t n_in, n_out;
    std::vector<float> w;  // [n_out, padded(n_in)]
    const float* b;
  };
  std::vector<Layer> layers;
  for (int k = 1;; ++k) {
    const octet::Tensor* w = graph.initializer("fc" + std::to_string(k) + ".weight");
    if (w == nullptr) break;
    Layer layer{w->dim(1),
                w->dim(0),
                {},
                graph.initializer("fc" + std::to_string(k) + ".bias")->data<float>()};
    layer.w.assign(static_cast<size_t>(layer.n_out * padded(layer.n_in)), 0.0f);
    for (int64_t j = 0; j < layer.n_out; ++j)
      std::copy_n(w->data<float>() + j * layer.n_in, layer.n_in,
                  layer.w.begin() + j * padded(layer.n_in));
    layers.push_back(std::move(layer));
  }
  const auto& kernels = octet::train::dense_kernels();
  int64_t correct = 0;
  constexpr int64_t kBatch = 500;
  for (int64_t begin = 0; begin < data.test.size(); begin += kBatch) {
    const int64_t m = std::min(kBatch, data.test.size() - begin);
    const octet::Tensor x = octet::make_batch(data.test.images, begin, begin + m, data.norm);
    std::vector<float> act(static_cast<size_t>(m * padded(layers[0].n_in)), 0.0f);
    for (int64_t i = 0; i < m; ++i)
      std::copy_n(x.data<float>() + i * layers[0].n_in, layers[0].n_in,
                  act.begin() + i * padded(layers[0].n_in));
    for (size_t l = 0; l < layers.size(); ++l) {
      const Layer& layer = layers[l];
      std::vector<float> out(static_cast<size_t>(m * padded(layer.n_out)), 0.0f);
      kernels.forward(m, layer.n_out, padded(layer.n_in), act.data(), padded(layer.n_in),
                      layer.w.data(), layer.b, l + 1 < layers.size(), out.data(),
                      padded(layer.n_out));
      act = std::move(out);
    }
    const int64_t classes = layers.back().n_out, ld = padded(classes);
    for (int64_t i = 0; i < m; ++i) {
      const float* z = act.data() + i * ld;
      correct += std::max_element(z, z + classes) - z == data.test.labels[begin + i];
    }
  }
  return static_cast<double>(correct) / static_cast<double>(data.test.size());
}

void BM_TrainEpoch(benchmark::State& state) {
  const BenchData& data = bench_data();
  const octet::TrainConfig cfg;  // the reference recipe
  int64_t steps = 0;
  octet::TrainResult result;
  for (auto _ : state) {
    result = octet::train_mlp(data.train, data.norm, cfg, /*show_progress=*/false);
    state.SetIterationTime(result.seconds);
    steps += result.steps;
  }
  state.SetItemsProcessed(steps);
  state.counters["epoch_s"] = result.seconds;
  state.counters["loss"] = result.final_avg_loss;
  if (data.test.size() > 0) state.counters["test_acc"] = test_accuracy(result.graph, data);
  state.SetLabel(data.label + " isa=" + octet::train::dense_kernels().isa);
}
BENCHMARK(BM_TrainEpoch)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
