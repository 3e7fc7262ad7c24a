// A data set made of chosen images of another (a held-out set, a shard).
#include <fmt/format.h>

#include <cstring>

#include "octet/data.h"
#include "octet/error.h"

namespace octet {

Dataset dataset_subset(const Dataset& data, const std::vector<int64_t>& indices) {
  const int64_t n = data.size();
  Shape shape = data.images.shape();
  shape.at(0) = static_cast<int64_t>(indices.size());
  Dataset out;
  out.images = Tensor(data.images.dtype(), shape);
  const size_t row_bytes = n == 0 ? 0 : data.images.nbytes() / static_cast<size_t>(n);
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t k = indices[i];
    if (k < 0 || k >= n) fail("{}: image index {} is outside [0, {})", data.source, k, n);
    std::memcpy(out.images.raw() + i * row_bytes,
                data.images.raw() + static_cast<size_t>(k) * row_bytes, row_bytes);
    if (!data.labels.empty()) out.labels.push_back(data.labels.at(static_cast<size_t>(k)));
  }
  out.source = fmt::format("{} ({} of {} images)", data.source, indices.size(), n);
  out.labels_source = data.labels_source;
  return out;
}

}  // namespace octet
