// Fuzz target: NumPy .npy files (src/data/npy.cpp).
#include <cmath>

#include "fuzz_targets.h"
#include "octet/error.h"
#include "octet/npy.h"

namespace octet::fuzz {

int npy(const uint8_t* data, size_t size) {
  const auto file = scratch_file({reinterpret_cast<const char*>(data), size}, ".npy");
  try {
    const Tensor t = read_npy(file);
    // What read_npy promises: rank >= 1, no empty dimension, finite floats.
    OCTET_CHECK(t.rank() >= 1 && t.numel() >= 1);
    if (t.dtype() == DType::kF32)
      for (float v : t.values<float>()) OCTET_CHECK(std::isfinite(v));
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace octet::fuzz
