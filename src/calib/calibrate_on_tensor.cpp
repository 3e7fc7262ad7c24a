// Calibration over model inputs held in one tensor (a .npy file of float32 NCHW inputs).
#include <algorithm>
#include <cstring>

#include "octet/error.h"
#include "octet/progress.h"
#include "octet/quantize.h"

namespace octet {

namespace {

// Rows `indices[begin, end)` of float32 `inputs` [N, ...], copied into a new [end - begin, ...].
Tensor gather_rows(const Tensor& inputs, const std::vector<int64_t>& indices, size_t begin,
                   size_t end) {
  Shape shape = inputs.shape();
  shape[0] = static_cast<int64_t>(end - begin);
  Tensor batch(DType::kF32, shape);
  const int64_t row = inputs.numel() / inputs.dim(0);
  const float* src = inputs.data<float>();
  float* dst = batch.data<float>();
  for (size_t i = begin; i < end; ++i, dst += row)
    std::memcpy(dst, src + indices[i] * row, static_cast<size_t>(row) * sizeof(float));
  return batch;
}

}  // namespace

void calibrate_on_tensor(Calibrator& calib, const Tensor& inputs,
                         const std::vector<int64_t>& indices, int64_t batch, bool show_progress,
                         const std::string& source) {
  if (inputs.dtype() != DType::kF32 || inputs.rank() < 2) {
    fail("{}: calibration inputs are {} {}, expected float32 [N, ...] of rank >= 2", source,
         dtype_name(inputs.dtype()), shape_str(inputs.shape()));
  }
  if (indices.empty()) fail("{}: zero calibration samples", source);
  const int64_t n = inputs.dim(0);
  for (const int64_t i : indices) {
    if (i < 0 || i >= n) fail("{}: calibration sample index {} outside 0..{}", source, i, n - 1);
  }
  batch = std::max<int64_t>(1, batch);
  ProgressBar bar(static_cast<int64_t>(indices.size()), "calibrate", show_progress);
  for (size_t begin = 0; begin < indices.size(); begin += static_cast<size_t>(batch)) {
    const size_t end = std::min(indices.size(), begin + static_cast<size_t>(batch));
    try {
      calib.observe(gather_rows(inputs, indices, begin, end));
    } catch (const Error& e) {  // name the file: the calibrator only knows the batch
      fail("{}: calibrating on rows {}..{} of {}: {}", source, indices[begin], indices[end - 1],
           shape_str(inputs.shape()), e.what());
    }
    bar.update(static_cast<int64_t>(end - begin));
  }
  bar.close();
}

std::vector<Tensor> calibration_batches(const Tensor& inputs, const std::vector<int64_t>& indices,
                                        int64_t batch) {
  batch = std::max<int64_t>(1, batch);
  std::vector<Tensor> batches;
  for (size_t begin = 0; begin < indices.size(); begin += static_cast<size_t>(batch))
    batches.push_back(gather_rows(inputs, indices, begin,
                                  std::min(indices.size(), begin + static_cast<size_t>(batch))));
  return batches;
}

}  // namespace octet
