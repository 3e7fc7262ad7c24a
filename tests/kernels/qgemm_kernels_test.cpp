// Every qu8 x qc8w GEMM level the CPU runs (select_qgemm over supported_isas()) against the
// scalar reference kernels, bit for bit: edge shapes around the 4x16 tile and the 8-column
// block, primes, odd K, zero points at the limits, fused clamps, extreme operands, column
// ranges, and the threaded driver with 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <string>
#include <vector>

#include "kernels/qgemm_kernels.h"
#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"
#include "octet/random.h"
#include "octet/requant.h"
#include "octet/runtime.h"
#include "runtime/cpu_features.h"
#include "runtime/qgemm.h"

namespace octet::kernels {
namespace {

// kRandom7bit and kExtreme7bit keep every activation <= 127: the AVX2 kernel's vpmaddubsw path
// (docs/quantization.md section 12); kMixed7bit has one 128 in every fifth row, so some row
// tiles take that path and their neighbours the int16 one.
enum class Fill {
  kRandom,
  kExtremeNegative,
  kExtremePositive,
  kAlternating,
  kRandom7bit,
  kMixed7bit,
  kExtreme7bit
};

struct Problem {
  size_t m, n, k;
  int32_t zero_point_a;
  QGemmOutput out;
  std::vector<uint8_t> a;  // [m, k]
  std::vector<int8_t> w;   // [n, k]
  std::vector<int32_t> bias_q;
  std::vector<Requant> requant;
  std::vector<float> acc_scale;
};

Problem make_problem(size_t m, size_t n, size_t k, int32_t zero_point_a, const QGemmOutput& out,
                     Fill fill, Rng& rng) {
  Problem p{m, n, k, zero_point_a, out, std::vector<uint8_t>(m * k), std::vector<int8_t>(n * k),
            std::vector<int32_t>(n), std::vector<Requant>(n), std::vector<float>(n)};
  for (size_t i = 0; i < p.a.size(); ++i) {
    switch (fill) {
      case Fill::kRandom: p.a[i] = static_cast<uint8_t>(rng.below(256)); break;
      case Fill::kAlternating: p.a[i] = (i % 3 == 0) ? 0 : 255; break;
      case Fill::kRandom7bit: p.a[i] = static_cast<uint8_t>(rng.below(128)); break;
      case Fill::kMixed7bit:
        p.a[i] = (i % k == k / 2 && (i / k) % 5 == 2) ? 128 : static_cast<uint8_t>(rng.below(128));
        break;
      case Fill::kExtreme7bit: p.a[i] = 127; break;
      default: p.a[i] = 255;
    }
  }
  for (size_t i = 0; i < p.w.size(); ++i) {
    switch (fill) {
      case Fill::kRandom:
      case Fill::kRandom7bit:
      case Fill::kMixed7bit:
        p.w[i] = static_cast<int8_t>(static_cast<int>(rng.below(256)) - 128);
        break;
      case Fill::kExtremeNegative:
      case Fill::kExtreme7bit: p.w[i] = -128; break;
      case Fill::kExtremePositive: p.w[i] = 127; break;
      case Fill::kAlternating: p.w[i] = (i % 2 == 0) ? -128 : 127; break;
    }
  }
  // Per-channel multipliers from tiny (shift 62 with m0 != 0, and m0 = 0) to above 1 (small
  // shifts), so every branch of the rounding shift is taken.
  const double multipliers[] = {3e-10, 1e-12, 1e-5, 3e-4, 1.7e-3, 0.02, 0.5, 1.0, 3.0, 200.0};
  for (size_t j = 0; j < n; ++j) {
    const bool random = fill == Fill::kRandom || fill == Fill::kRandom7bit || fill == Fill::kMixed7bit;
    const double mult = random && j % 3 != 0
                            ? 1e-5 * (1.0 + static_cast<double>(rng.below(100000)))
                            : multipliers[j % std::size(multipliers)];
    p.requant[j] = requant_from_multiplier(mult, "test");
    p.bias_q[j] = static_cast<int32_t>(rng.below(200001)) - 100000;
    p.acc_scale[j] = static_cast<float>(mult) * 1e-3f;
  }
  return p;
}

std::string describe(const Problem& p, runtime::Isa isa) {
  return std::string(runtime::isa_name(isa)) + " M=" + std::to_string(p.m) +
         " N=" + std::to_string(p.n) + " K=" + std::to_string(p.k) +
         " za=" + std::to_string(p.zero_point_a) + " zo=" + std::to_string(p.out.zero_point) +
         " clamp=[" + std::to_string(p.out.min) + "," + std::to_string(p.out.max) + "]";
}

// Reference outputs straight from the unpacked reference kernels.
void reference(const Problem& p, std::vector<uint8_t>& c_u8, std::vector<float>& c_f32) {
  std::vector<int32_t> bias(p.n);
  qu8_qc8w_gemm_prepare(p.n, p.k, p.w.data(), p.bias_q.data(), p.zero_point_a, bias.data(), "test");
  c_u8.assign(p.m * p.n, 0);
  c_f32.assign(p.m * p.n, 0.0f);
  qu8_qc8w_gemm_minmax_fxp__ref(p.m, p.n, p.k, p.a.data(), p.k, p.w.data(), c_u8.data(), p.n,
                                {bias.data(), p.requant.data(), p.out.zero_point, p.out.min, p.out.max});
  qu8_f32_qc8w_gemm__ref(p.m, p.n, p.k, p.a.data(), p.k, p.w.data(), c_f32.data(), p.n,
                         {bias.data(), p.acc_scale.data()});
}

// Runs one level's kernels over columns [n_begin, N) and compares with the reference. A's rows
// are read `a_pad` bytes apart beyond K (filled with 0xEE, which must not be read).
void check_level(const Problem& p, runtime::Isa isa, size_t n_begin = 0, size_t a_pad = 0) {
  const runtime::PackedQGemm u8(p.n, p.k, p.w.data(), p.bias_q.data(), p.zero_point_a,
                                p.requant.data(), nullptr, "test");
  const runtime::PackedQGemm f32(p.n, p.k, p.w.data(), p.bias_q.data(), p.zero_point_a, nullptr,
                                 p.acc_scale.data(), "test");
  std::vector<uint8_t> want_u8;
  std::vector<float> want_f32;
  reference(p, want_u8, want_f32);
  const QGemmKernels& kernels = select_qgemm(isa);
  std::vector<uint16_t> scratch(qgemm_scratch_elems(p.k));
  // Output rows one wider than N, pre-filled, to catch writes outside [n_begin, N).
  const size_t c_stride = p.n + 1;
  std::vector<uint8_t> got_u8(p.m * c_stride, 0xA5);
  std::vector<float> got_f32(p.m * c_stride, -7.0f);
  const size_t a_stride = p.k + a_pad;
  std::vector<uint8_t> a(p.m * a_stride, 0xEE);
  for (size_t i = 0; i < p.m; ++i)
    std::copy(p.a.begin() + i * p.k, p.a.begin() + (i + 1) * p.k, a.begin() + i * a_stride);
  kernels.gemm_u8(p.m, n_begin, p.n, a.data(), a_stride, u8.weights(), got_u8.data(), c_stride,
                  p.out, scratch.data());
  kernels.gemm_f32(p.m, n_begin, p.n, a.data(), a_stride, f32.weights(), got_f32.data(), c_stride,
                   scratch.data());
  for (size_t i = 0; i < p.m; ++i) {
    for (size_t j = 0; j < c_stride; ++j) {
      const bool inside = j >= n_begin && j < p.n;
      const uint8_t expect_u8 = inside ? want_u8[i * p.n + j] : 0xA5;
      const float expect_f32 = inside ? want_f32[i * p.n + j] : -7.0f;
      ASSERT_EQ(got_u8[i * c_stride + j], expect_u8)
          << "uint8 output at [" << i << "][" << j << "], " << describe(p, isa)
          << " requant m0=" << (j < p.n ? p.requant[j].multiplier : 0)
          << " shift=" << (j < p.n ? p.requant[j].shift : 0);
      ASSERT_EQ(got_f32[i * c_stride + j], expect_f32)
          << "float output at [" << i << "][" << j << "], " << describe(p, isa);
    }
  }
}

TEST(QGemmKernels, EveryLevelMatchesReferenceOnEdgeShapes) {
  Rng rng(6);
  const size_t ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 13};
  const size_t ns[] = {1, 2, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 50};
  const size_t ks[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 61, 128};
  const int32_t zps[] = {0, 1, 127, 128, 255};
  const QGemmOutput outs[] = {{0, 0, 255}, {128, 0, 255}, {255, 0, 255}, {1, 1, 255}, {7, 7, 80}};
  size_t count = 0;
  for (runtime::Isa isa : runtime::supported_isas()) {
    for (size_t m : ms)
      for (size_t n : ns)
        for (size_t k : ks) {
          const int32_t za = zps[count % std::size(zps)];
          const QGemmOutput out = outs[(count / 3) % std::size(outs)];
          ++count;
          check_level(make_problem(m, n, k, za, out, Fill::kRandom, rng), isa);
          if (HasFatalFailure()) return;
        }
  }
}

// A's rows further apart than K (a conv reading an image in place), with K a multiple of 4 (the
// VNNI kernels then read A in place) and not.
TEST(QGemmKernels, EveryLevelReadsRowsWiderThanK) {
  Rng rng(7);
  size_t count = 0;
  for (runtime::Isa isa : runtime::supported_isas())
    for (size_t m : {1, 8, 9, 17})
      for (size_t k : {3, 16, 33, 64})
        for (size_t a_pad : {1, 4, 13}) {
          const QGemmOutput out{static_cast<int32_t>(count % 3) * 100, 0, 255};
          check_level(make_problem(m, 40, k, static_cast<int32_t>(count++ % 256), out,
                                   Fill::kRandom, rng),
                      isa, 0, a_pad);
          if (HasFatalFailure()) return;
        }
}

// The same shapes with activations in [0, 127] (the AVX2 vpmaddubsw path), and with a 128 in
// some rows (tiles of both paths in one call).
TEST(QGemmKernels, SevenBitActivationsMatchReferenceOnEdgeShapes) {
  Rng rng(10);
  const size_t ms[] = {1, 3, 4, 5, 8, 9, 13};
  const size_t ns[] = {1, 7, 8, 9, 16, 17, 33, 50};
  const size_t ks[] = {1, 2, 3, 4, 5, 7, 31, 32, 33, 35, 61, 128, 784};
  const int32_t zps[] = {0, 1, 64, 127};
  size_t count = 0;
  for (runtime::Isa isa : runtime::supported_isas())
    for (size_t m : ms)
      for (size_t n : ns)
        for (size_t k : ks) {
          const int32_t za = zps[count % std::size(zps)];
          const Fill fill = count % 2 == 0 ? Fill::kRandom7bit : Fill::kMixed7bit;
          ++count;
          check_level(make_problem(m, n, k, za, {5, 0, 255}, fill, rng), isa);
          if (HasFatalFailure()) return;
        }
}

// 255 x -128 (and 255 x 127) everywhere: a pair of such products is -65280, far outside int16,
// the case vpmaddubsw would saturate; the int32 sums must still be exact. 127 x -128 everywhere:
// the most negative pair the 7-bit path forms, -32512, just inside int16.
TEST(QGemmKernels, ExtremeOperandsAreExact) {
  Rng rng(7);
  for (runtime::Isa isa : runtime::supported_isas())
    for (Fill fill : {Fill::kExtremeNegative, Fill::kExtremePositive, Fill::kAlternating,
                      Fill::kExtreme7bit})
      for (size_t k : {size_t{1}, size_t{2}, size_t{33}, size_t{1000}})
        for (int32_t za : {0, 128, 255}) {
          check_level(make_problem(5, 19, k, za, {3, 0, 255}, fill, rng), isa);
          if (HasFatalFailure()) return;
        }
}

TEST(QGemmKernels, ColumnRangesWriteOnlyTheirColumns) {
  Rng rng(8);
  for (runtime::Isa isa : runtime::supported_isas())
    for (size_t n_begin : {size_t{8}, size_t{16}, size_t{24}}) {
      check_level(make_problem(6, 37, 45, 17, {2, 0, 255}, Fill::kRandom, rng), isa, n_begin);
      if (HasFatalFailure()) return;
    }
}

// The threaded driver splits rows (many rows) or columns (few rows, many columns); the bytes
// must not depend on the thread count.
TEST(QGemmKernels, ThreadCountDoesNotChangeResults) {
  Rng rng(9);
  const int saved = num_threads();
  for (runtime::Isa isa : runtime::supported_isas()) {
    for (auto [m, n, k] : {std::tuple<size_t, size_t, size_t>{301, 70, 300}, {5, 700, 400}}) {
      const Problem p = make_problem(m, n, k, 3, {9, 9, 255}, Fill::kRandom, rng);
      const runtime::PackedQGemm packed(p.n, p.k, p.w.data(), p.bias_q.data(), p.zero_point_a,
                                        p.requant.data(), nullptr, "test");
      std::vector<uint8_t> want, got(m * n);
      std::vector<float> unused;
      reference(p, want, unused);
      for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        std::fill(got.begin(), got.end(), 0);
        runtime::run_qgemm(packed, m, p.a.data(), k, got.data(), n, p.out, &select_qgemm(isa));
        ASSERT_EQ(got, want) << describe(p, isa) << " threads=" << threads;
      }
    }
  }
  set_num_threads(saved);
}

TEST(CpuFeatures, RefIsAlwaysSupportedAndUnknownLevelsAreRejected) {
  EXPECT_TRUE(runtime::isa_supported(runtime::Isa::kRef));
  EXPECT_EQ(runtime::supported_isas().front(), runtime::Isa::kRef);
  EXPECT_EQ(runtime::parse_isa("avx2"), runtime::Isa::kAvx2);
  EXPECT_THROW(runtime::parse_isa("sse9"), Error);
  // Each x86 level has a GEMM of its own (the VNNI ones: vpdpbusd over the 8c4 weights).
  EXPECT_STREQ(select_qgemm(runtime::Isa::kAvx2).name, "qu8_qc8w_gemm_4x16c2__avx2");
  EXPECT_STREQ(select_qgemm(runtime::Isa::kAvxVnni).name, "qu8_qc8w_gemm_4x16c4__avxvnni");
  EXPECT_STREQ(select_qgemm(runtime::Isa::kAvx512Vnni).name, "qu8_qc8w_gemm_8x32c4__avx512vnni");
  for (runtime::Isa isa : {runtime::Isa::kAvxVnni, runtime::Isa::kAvx512Vnni})
    if (!runtime::isa_supported(isa))
      std::printf("[ note ] level %s: not supported by this CPU, its kernel tests did not run\n",
                  std::string(runtime::isa_name(isa)).c_str());
}

}  // namespace
}  // namespace octet::kernels
