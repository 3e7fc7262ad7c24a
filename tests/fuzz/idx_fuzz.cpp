// Fuzz target: IDX image and label files (src/data/idx.cpp, src/data/gzip_file.cpp).
#include "fuzz_targets.h"
#include "octet/data.h"
#include "octet/error.h"

namespace octet::fuzz {

int idx(const uint8_t* data, size_t size) {
  const auto file = scratch_file({reinterpret_cast<const char*>(data), size}, ".idx");
  try {
    const Tensor images = read_idx_images(file);
    OCTET_CHECK(images.rank() == 4 && images.dtype() == DType::kU8);
  } catch (const Error&) {
  }
  try {
    const std::vector<uint8_t> labels = read_idx_labels(file);
    OCTET_CHECK(!labels.empty());
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace octet::fuzz
