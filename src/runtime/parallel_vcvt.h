// Runs a quantize / dequantize vector kernel over a long vector on the runtime's threads, in
// fixed 64 Ki-element chunks (elementwise, so any split gives the same bytes).
#pragma once

#include <cstddef>

#include "kernels/ref/ref_kernels.h"
#include "runtime/thread_pool.h"

namespace octet::runtime {

template <class In, class Out>
void parallel_vcvt(void (*kernel)(size_t, const In*, Out*, const kernels::CvtParams&) noexcept,
                   size_t n, const In* x, Out* y, const kernels::CvtParams& params) {
  constexpr size_t kChunk = size_t{1} << 16;
  if (n <= 4 * kChunk) {
    kernel(n, x, y, params);
    return;
  }
  parallel_for((n + kChunk - 1) / kChunk, [&](size_t t) {
    const size_t begin = t * kChunk, count = n - begin < kChunk ? n - begin : kChunk;
    kernel(count, x + begin, y + begin, params);
  });
}

}  // namespace octet::runtime
