// Packing of the qu8 x qc8w GEMM weights (once, at load) and the threaded run.
//
// Threads split the output into tasks of whole row tiles (or, when there are too few rows,
// whole 16-column blocks); each output element is computed by the same kernel code on the same
// inputs whatever the split, so results are bit-identical for any thread count. Small problems
// run on the calling thread: waking a worker costs more than a batch-1 layer.
#include "runtime/qgemm.h"

#include <algorithm>

#include "kernels/ref/ref_kernels.h"
#include "octet/runtime.h"
#include "runtime/thread_pool.h"

namespace octet::runtime {

PackedQGemm::PackedQGemm(size_t n, size_t k, const int8_t* w, const int32_t* bias_q,
                         int32_t zero_point_a, const Requant* requant, const float* acc_scale,
                         const std::string& what) {
  const size_t k_pairs = (k + 1) / 2, k_quads = (k + 3) / 4;
  const size_t n_blocks = (n + 7) / 8;
  const size_t n_padded = (n_blocks + kernels::kQGemmPadBlocks) * 8;
  w_rows_.assign(w, w + n * k);
  bias_.assign(n_padded, 0);
  kernels::qu8_qc8w_gemm_prepare(n, k, w, bias_q, zero_point_a, bias_.data(), what);
  // [n_blocks][k_pairs][8 columns][2 K values], sign-extended to int16, zero-padded.
  w_8c2_.assign(n_blocks * k_pairs * 16, 0);
  for (size_t j = 0; j < n; ++j)
    for (size_t p = 0; p < k; ++p)
      w_8c2_[((j / 8) * k_pairs + p / 2) * 16 + (j % 8) * 2 + p % 2] = w[j * k + p];
  // [n_blocks + pad][k_quads][8 columns][4 K values] as int8, zero-padded: the VNNI kernels and
  // the 7-bit-activation (vpmaddubsw) path of the AVX2 kernel, docs/quantization.md section 12.
  // The blocks start on a 64-byte line (the vector holds 63 spare bytes), so no 32-byte load of
  // the kernels straddles two cache lines: a large allocation from malloc is only 16-aligned,
  // and split loads cost the 1024^3 AVX-512 GEMM about 5%.
  w_8c4_.assign((n_blocks + kernels::kQGemmPadBlocks) * k_quads * 32 + 63, 0);
  const size_t line_skip = (64 - reinterpret_cast<uintptr_t>(w_8c4_.data()) % 64) % 64;
  int8_t* w_8c4 = w_8c4_.data() + line_skip;
  for (size_t j = 0; j < n; ++j)
    for (size_t p = 0; p < k; ++p)
      w_8c4[((j / 8) * k_quads + p / 4) * 32 + (j % 8) * 4 + p % 4] = w[j * k + p];
  multiplier_.assign(n_padded, 0);
  shift_.assign(n_padded, kRequantMaxShift);
  scale_.assign(n_padded, 0.0f);
  if (requant != nullptr) {
    requant_.assign(requant, requant + n);
    for (size_t j = 0; j < n; ++j) {
      multiplier_[j] = requant[j].multiplier;
      shift_[j] = requant[j].shift;
    }
  }
  if (acc_scale != nullptr) std::copy(acc_scale, acc_scale + n, scale_.begin());
  view_ = {n,
           k,
           k_pairs,
           n_blocks,
           k_quads,
           w_rows_.data(),
           w_8c2_.data(),
           w_8c4,
           bias_.data(),
           requant_.empty() ? nullptr : requant_.data(),
           multiplier_.data(),
           shift_.data(),
           scale_.data()};
}

const kernels::QGemmKernels& qgemm_kernels() {
  static const kernels::QGemmKernels& chosen = kernels::select_qgemm(active_isa());
  return chosen;
}

namespace {

// Below this many multiply-adds a layer runs on one thread.
constexpr size_t kMinParallelMacs = size_t{1} << 18;

// This thread's kernel scratch, grown on demand and kept: a batch-1 layer should not pay an
// allocation per call.
uint16_t* thread_scratch(size_t elems) {
  thread_local std::vector<uint16_t> scratch;
  if (scratch.size() < elems) scratch.resize(elems);
  return scratch.data();
}

// Calls run(m0, m1, n0, n1, scratch) over a split of [0, m) x [0, n) into tasks.
template <class Run>
void split_gemm(const kernels::QGemmWeights& w, size_t m, size_t tile_rows, const Run& run) {
  const size_t threads = static_cast<size_t>(num_threads());
  const size_t macs = m * w.n * w.k;
  const size_t scratch_elems = kernels::qgemm_scratch_elems(w.k);
  if (threads <= 1 || macs < kMinParallelMacs) {
    run(0, m, 0, w.n, thread_scratch(scratch_elems));
    return;
  }
  const size_t row_tiles = (m + tile_rows - 1) / tile_rows;
  const size_t col_blocks = (w.n + 15) / 16;
  if (row_tiles >= 2 * threads || row_tiles >= col_blocks) {
    // Rows: a few tasks per thread so uneven progress evens out.
    const size_t tasks = std::min(row_tiles, 4 * threads);
    const size_t tiles_per_task = (row_tiles + tasks - 1) / tasks;
    parallel_for(tasks, [&](size_t t) {
      const size_t m0 = std::min(m, t * tiles_per_task * tile_rows);
      const size_t m1 = std::min(m, (t + 1) * tiles_per_task * tile_rows);
      if (m0 >= m1) return;
      run(m0, m1, 0, w.n, thread_scratch(scratch_elems));
    });
  } else {
    const size_t tasks = std::min(col_blocks, 4 * threads);
    const size_t blocks_per_task = (col_blocks + tasks - 1) / tasks;
    parallel_for(tasks, [&](size_t t) {
      const size_t n0 = std::min(w.n, t * blocks_per_task * 16);
      const size_t n1 = std::min(w.n, (t + 1) * blocks_per_task * 16);
      if (n0 >= n1) return;
      run(0, m, n0, n1, thread_scratch(scratch_elems));
    });
  }
}

}  // namespace

void run_qgemm(const PackedQGemm& packed, size_t m, const uint8_t* a, size_t a_stride, uint8_t* c,
               size_t c_stride, const kernels::QGemmOutput& out,
               const kernels::QGemmKernels* kernels) {
  const kernels::QGemmKernels& k = kernels != nullptr ? *kernels : qgemm_kernels();
  const kernels::QGemmWeights& w = packed.weights();
  split_gemm(w, m, k.tile_rows, [&](size_t m0, size_t m1, size_t n0, size_t n1, uint16_t* s) {
    k.gemm_u8(m1 - m0, n0, n1, a + m0 * a_stride, a_stride, w, c + m0 * c_stride, c_stride, out, s);
  });
}

void run_qgemm_f32(const PackedQGemm& packed, size_t m, const uint8_t* a, size_t a_stride,
                   float* c, size_t c_stride, const kernels::QGemmKernels* kernels) {
  const kernels::QGemmKernels& k = kernels != nullptr ? *kernels : qgemm_kernels();
  const kernels::QGemmWeights& w = packed.weights();
  split_gemm(w, m, k.tile_rows, [&](size_t m0, size_t m1, size_t n0, size_t n1, uint16_t* s) {
    k.gemm_f32(m1 - m0, n0, n1, a + m0 * a_stride, a_stride, w, c + m0 * c_stride, c_stride, s);
  });
}

}  // namespace octet::runtime
