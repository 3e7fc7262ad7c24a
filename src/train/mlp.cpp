// The trainable MLP: layout, PyTorch-style initialization, forward, backward and graph export.
#include "train/mlp.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "octet/error.h"

namespace octet::train {

Mlp::Mlp(int64_t n_in, const std::vector<int64_t>& hidden, int64_t n_out, int64_t max_batch,
         Rng& rng, const DenseKernels& kernels)
    : kernels_(kernels), max_batch_(max_batch) {
  OCTET_CHECK(n_in > 0 && n_out > 0 && max_batch > 0, "MLP {} -> {} for batches of {}", n_in, n_out,
              max_batch);
  std::vector<int64_t> widths{n_in};
  widths.insert(widths.end(), hidden.begin(), hidden.end());
  widths.push_back(n_out);
  int64_t offset = 0;
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    OCTET_CHECK(widths[l + 1] > 0, "layer {} has width {}", l + 1, widths[l + 1]);
    DenseLayer layer;
    layer.n_in = widths[l];
    layer.n_out = widths[l + 1];
    layer.ld_in = padded(layer.n_in);
    layer.ld_out = padded(layer.n_out);
    layer.weight_offset = offset;
    layer.bias_offset = offset + layer.n_out * layer.ld_in;
    layer.relu = l + 2 < widths.size();
    offset = layer.bias_offset + padded(layer.n_out);
    layers_.push_back(layer);
  }
  params_ = Tensor(DType::kF32, {offset});
  grads_ = Tensor(DType::kF32, {offset});
  acts_.emplace_back(DType::kF32, Shape{max_batch, layers_.front().ld_in});
  for (const DenseLayer& layer : layers_) {
    acts_.emplace_back(DType::kF32, Shape{max_batch, layer.ld_out});
    grad_outs_.emplace_back(DType::kF32, Shape{max_batch, layer.ld_out});
  }

  // torch.nn.Linear.reset_parameters: kaiming_uniform_(a = sqrt(5)) gives the weight bound
  // sqrt(6 / ((1 + 5) * fan_in)) = 1 / sqrt(fan_in), the same as the bias bound.
  for (size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& layer = layers_[l];
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(layer.n_in)));
    for (int64_t j = 0; j < layer.n_out; ++j)
      for (int64_t k = 0; k < layer.n_in; ++k) weight_at(l, j, k) = rng.uniform(-bound, bound);
    for (int64_t j = 0; j < layer.n_out; ++j) bias_at(l, j) = rng.uniform(-bound, bound);
  }
}

float& Mlp::weight_at(size_t l, int64_t j, int64_t k) {
  const DenseLayer& layer = layers_.at(l);
  OCTET_DCHECK(0 <= j && j < layer.n_out && 0 <= k && k < layer.n_in);
  return params_.data<float>()[layer.weight_offset + j * layer.ld_in + k];
}

float& Mlp::bias_at(size_t l, int64_t j) {
  const DenseLayer& layer = layers_.at(l);
  OCTET_DCHECK(0 <= j && j < layer.n_out);
  return params_.data<float>()[layer.bias_offset + j];
}

void Mlp::forward(int64_t m) {
  OCTET_CHECK(0 < m && m <= max_batch_, "batch of {} rows, buffers hold {}", m, max_batch_);
  batch_ = m;
  const float* p = params_.data<float>();
  for (size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& layer = layers_[l];
    kernels_.forward(m, layer.n_out, layer.ld_in, acts_[l].data<float>(), layer.ld_in,
                     p + layer.weight_offset, p + layer.bias_offset, layer.relu,
                     acts_[l + 1].data<float>(), layer.ld_out);
  }
}

void Mlp::backward() {
  OCTET_CHECK(batch_ > 0, "backward() before forward()");
  const float* p = params_.data<float>();
  float* g = grads_.data<float>();
  for (size_t l = layers_.size(); l-- > 0;) {
    const DenseLayer& layer = layers_[l];
    const float* grad_out = grad_outs_[l].data<float>();
    kernels_.grad_weight(batch_, layer.n_out, layer.ld_in, grad_out, layer.ld_out,
                         acts_[l].data<float>(), layer.ld_in, g + layer.weight_offset,
                         g + layer.bias_offset);
    // The layer below ends in a ReLU whose output acts_[l] is, so its mask applies here.
    if (l > 0)
      kernels_.grad_input(batch_, layer.n_out, layer.ld_in, grad_out, layer.ld_out,
                          p + layer.weight_offset, acts_[l].data<float>(), layer.ld_in,
                          grad_outs_[l - 1].data<float>(), layer.ld_in);
  }
}

Tensor Mlp::weight(size_t l) const {
  const DenseLayer& layer = layers_.at(l);
  Tensor w(DType::kF32, {layer.n_out, layer.n_in});
  const float* src = params_.data<float>() + layer.weight_offset;
  float* dst = w.data<float>();
  for (int64_t j = 0; j < layer.n_out; ++j)
    std::copy(src + j * layer.ld_in, src + j * layer.ld_in + layer.n_in, dst + j * layer.n_in);
  return w;
}

Tensor Mlp::bias(size_t l) const {
  const DenseLayer& layer = layers_.at(l);
  const float* src = params_.data<float>() + layer.bias_offset;
  return Tensor::from<float>({layer.n_out}, std::span<const float>(src, layer.n_out));
}

Graph export_mlp_graph(const Mlp& mlp, const Shape& chw, const Normalization& norm) {
  OCTET_CHECK(chw.size() == 3 && chw[0] * chw[1] * chw[2] == mlp.n_in(), "input {} for {} inputs",
              shape_str(chw), mlp.n_in());
  Graph graph;
  graph.name = "octet_mlp";
  graph.opset = 13;
  graph.metadata[kNormalizeKey] = norm.to_string();
  graph.inputs.push_back({"input", DType::kF32, {-1, chw[0], chw[1], chw[2]}, {"N", "", "", ""}});
  graph.outputs.push_back({"logits", DType::kF32, {-1, mlp.n_out()}, {"N", ""}});

  Node flatten{"flatten", "Flatten", {"input"}, {"flatten_out"}, {}};
  flatten.attrs["axis"] = int64_t{1};
  graph.nodes.push_back(flatten);
  std::string x = "flatten_out";
  const auto& layers = mlp.layers();
  for (size_t l = 0; l < layers.size(); ++l) {
    const std::string k = std::to_string(l + 1);
    const std::string fc = "fc" + k;
    const bool last = l + 1 == layers.size();
    const std::string fc_out = last ? "logits" : fc + "_out";
    graph.initializers[fc + ".weight"] = mlp.weight(l);
    graph.initializers[fc + ".bias"] = mlp.bias(l);
    Node gemm{fc, "Gemm", {x, fc + ".weight", fc + ".bias"}, {fc_out}, {}};
    gemm.attrs["transB"] = int64_t{1};
    graph.nodes.push_back(gemm);
    x = fc_out;
    if (layers[l].relu) {
      graph.nodes.push_back({"relu" + k, "Relu", {x}, {"relu" + k + "_out"}, {}});
      x = "relu" + k + "_out";
    }
  }
  graph.validate("trained MLP");
  return graph;
}

}  // namespace octet::train
