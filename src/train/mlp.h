// The trainable MLP (Linear + ReLU layers, none after the last): its parameters, forward and
// backward over a batch, and its export as an ONNX-shaped graph.
//
// Memory layout. All weights and biases live in one flat, aligned buffer, and the gradients in
// another with the same layout, so Adam updates every parameter in a single streaming pass.
// Layer l holds W [n_out, ld_in] (PyTorch's [out, in] order, each row padded with zeros from
// n_in to ld_in = padded(n_in)), then b [n_out] padded to a multiple of 8. Activations are
// [max_batch, padded(width)] with zero padding as well: the padding contract of
// dense_kernels.h, under which padded weights get a zero gradient and stay exactly 0.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "octet/data.h"
#include "octet/graph.h"
#include "octet/random.h"
#include "octet/tensor.h"
#include "train/dense_kernels.h"

namespace octet::train {

struct DenseLayer {
  int64_t n_in = 0;
  int64_t n_out = 0;
  int64_t ld_in = 0;          // padded(n_in): the row length of W and of the layer's input
  int64_t ld_out = 0;         // padded(n_out): the row length of the layer's output
  int64_t weight_offset = 0;  // of W in params() and grads()
  int64_t bias_offset = 0;    // of b
  bool relu = false;          // every layer but the last
};

class Mlp {
 public:
  // Layers n_in -> hidden[0] -> ... -> n_out, initialized like torch.nn.Linear: W and b
  // uniform in [-1/sqrt(n_in), 1/sqrt(n_in)) of each layer, drawn from `rng` layer by layer,
  // W row-major before b. Buffers hold batches of up to max_batch rows. Widths must be > 0
  // (checked by the caller; an invariant here).
  Mlp(int64_t n_in, const std::vector<int64_t>& hidden, int64_t n_out, int64_t max_batch, Rng& rng,
      const DenseKernels& kernels = dense_kernels());

  const std::vector<DenseLayer>& layers() const { return layers_; }
  int64_t n_in() const { return layers_.front().n_in; }
  int64_t n_out() const { return layers_.back().n_out; }
  int64_t max_batch() const { return max_batch_; }

  // The input batch [max_batch, input_stride()]: the caller writes the first n_in() floats of
  // each row it runs; the padding after them must stay 0.
  float* input() { return acts_.front().data<float>(); }
  int64_t input_stride() const { return layers_.front().ld_in; }

  // Runs rows [0, m) of input(), 0 < m <= max_batch.
  void forward(int64_t m);
  // The logits of the last forward(): [m, logits_stride()].
  const float* logits() const { return acts_.back().data<float>(); }
  int64_t logits_stride() const { return layers_.back().ld_out; }

  // dL/dlogits for the rows of the last forward(), [max_batch, logits_stride()], written by the
  // caller (the first n_out() columns) before backward().
  float* logits_grad() { return grad_outs_.back().data<float>(); }
  // The gradient of every parameter for the batch of the last forward(), from logits_grad();
  // overwrites grads(). No gradient is formed for the network input.
  void backward();

  std::span<float> params() { return params_.values<float>(); }
  std::span<const float> params() const { return params_.values<float>(); }
  std::span<const float> grads() const { return grads_.values<float>(); }
  // Element (j, k) of W and element j of b of layer l, in params().
  float& weight_at(size_t l, int64_t j, int64_t k);
  float& bias_at(size_t l, int64_t j);

  // Unpadded copies: W [n_out, n_in] and b [n_out] of layer l.
  Tensor weight(size_t l) const;
  Tensor bias(size_t l) const;

 private:
  const DenseKernels& kernels_;
  std::vector<DenseLayer> layers_;
  int64_t max_batch_ = 0;
  int64_t batch_ = 0;              // rows of the last forward()
  Tensor params_;                  // f32, the layout above
  Tensor grads_;                   // f32, the same layout
  std::vector<Tensor> acts_;       // [0]: input; [l + 1]: output of layer l (after its ReLU)
  std::vector<Tensor> grad_outs_;  // [l]: dL/d(output of layer l before its ReLU)
};

// The FP32 model as ONNX sees it: input "input" float [N, C, H, W] with chw = {C, H, W} and
// C * H * W == mlp.n_in(), a Flatten "flatten" (axis 1), then per layer K = 1, 2, ... a Gemm
// "fcK" (transB = 1; initializers "fcK.weight" [out, in] and "fcK.bias" [out]) and, but for
// the last, a Relu "reluK"; output "logits" float [N, n_out]; metadata octet.normalize.
Graph export_mlp_graph(const Mlp& mlp, const Shape& chw, const Normalization& norm);

}  // namespace octet::train
