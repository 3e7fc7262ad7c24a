// Calibration over a data set, in batches.
#include <algorithm>

#include "octet/error.h"
#include "octet/progress.h"
#include "octet/quantize.h"

namespace octet {

void calibrate_on(Calibrator& calib, const Dataset& data, const std::vector<int64_t>& indices,
                  const Normalization& norm, int64_t batch, bool show_progress) {
  if (indices.empty()) fail("{}: zero calibration samples", data.source);
  batch = std::max<int64_t>(1, batch);
  ProgressBar bar(static_cast<int64_t>(indices.size()), "calibrate", show_progress);
  for (size_t begin = 0; begin < indices.size(); begin += static_cast<size_t>(batch)) {
    const size_t end = std::min(indices.size(), begin + static_cast<size_t>(batch));
    const std::vector<int64_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(begin),
                                     indices.begin() + static_cast<std::ptrdiff_t>(end));
    calib.observe(make_batch(data.images, chunk, norm));
    bar.update(static_cast<int64_t>(end - begin));
  }
  bar.close();
}

std::vector<Tensor> calibration_batches(const Dataset& data, const std::vector<int64_t>& indices,
                                        const Normalization& norm, int64_t batch) {
  batch = std::max<int64_t>(1, batch);
  std::vector<Tensor> batches;
  for (size_t begin = 0; begin < indices.size(); begin += static_cast<size_t>(batch)) {
    const size_t end = std::min(indices.size(), begin + static_cast<size_t>(batch));
    batches.push_back(make_batch(data.images,
                                 std::vector<int64_t>(indices.begin() + static_cast<std::ptrdiff_t>(begin),
                                                      indices.begin() + static_cast<std::ptrdiff_t>(end)),
                                 norm));
  }
  return batches;
}

}  // namespace octet
