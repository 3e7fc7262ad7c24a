// GOP/s of octet's int8 GEMM (packed weights, fused requantization to uint8) on the reference
// MLP's layer shapes and a 1024^3 square, next to oneDNN's int8 matmul (u8 x s8 -> u8 with the
// same per-channel output scales and source zero point) when oneDNN was found, in the same run.
// Run by scripts/bench_kernels, which also prints the machine's peak. One thread unless
// OCTET_BENCH_THREADS says otherwise (oneDNN's OpenMP follows OMP_NUM_THREADS).
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstdlib>
#include <vector>

#include "octet/random.h"
#include "octet/requant.h"
#include "octet/runtime.h"
#include "runtime/qgemm.h"

#ifdef OCTET_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {

struct Operands {
  std::vector<uint8_t> a;  // [M, K]
  std::vector<int8_t> w;   // [N, K]
  std::vector<int32_t> bias;
  std::vector<octet::Requant> requant;
  std::vector<float> scale_out;  // the same multipliers as float, for oneDNN
};

Operands make_operands(size_t m, size_t n, size_t k) {
  octet::Rng rng(42);
  Operands o;
  o.a.resize(m * k);
  o.w.resize(n * k);
  for (auto& v : o.a) v = static_cast<uint8_t>(rng.below(256));
  for (auto& v : o.w) v = static_cast<int8_t>(static_cast<int>(rng.below(256)) - 128);
  for (size_t j = 0; j < n; ++j) {
    const double mult = 1e-4 * (1.0 + static_cast<double>(rng.below(100)) / 100.0);
    o.requant.push_back(octet::requant_from_multiplier(mult, "bench"));
    o.scale_out.push_back(static_cast<float>(mult));
    o.bias.push_back(static_cast<int32_t>(rng.below(2001)) - 1000);
  }
  return o;
}

int bench_threads() {
  const char* env = std::getenv("OCTET_BENCH_THREADS");
  return env != nullptr ? std::atoi(env) : 1;
}

void set_counters(benchmark::State& state, size_t m, size_t n, size_t k) {
  state.counters["GOP/s"] = benchmark::Counter(2.0 * static_cast<double>(m * n * k) * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

void BM_octet_qgemm(benchmark::State& state) {
  const auto m = static_cast<size_t>(state.range(0)), n = static_cast<size_t>(state.range(1)),
             k = static_cast<size_t>(state.range(2));
  octet::set_num_threads(bench_threads());
  const Operands o = make_operands(m, n, k);
  const octet::runtime::PackedQGemm packed(n, k, o.w.data(), o.bias.data(), 3, o.requant.data(),
                                           nullptr, "bench");
  std::vector<uint8_t> c(m * n);
  for (auto _ : state) {
    octet::runtime::run_qgemm(packed, m, o.a.data(), k, c.data(), n, {5, 5, 255});
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(octet::runtime::qgemm_kernels().name);
  set_counters(state, m, n, k);
}

#ifdef OCTET_HAVE_DNNL
void BM_onednn_matmul(benchmark::State& state) {
  using namespace dnnl;
  const auto m = static_cast<int64_t>(state.range(0)), n = static_cast<int64_t>(state.range(1)),
             k = static_cast<int64_t>(state.range(2));
  const Operands o = make_operands(static_cast<size_t>(m), static_cast<size_t>(n),
                                   static_cast<size_t>(k));
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  using dt = memory::data_type;
  const memory::desc a_md({m, k}, dt::u8, memory::format_tag::ab);
  const memory::desc w_any({k, n}, dt::s8, memory::format_tag::any);  // let oneDNN pack
  const memory::desc w_md({k, n}, dt::s8, memory::format_tag::ba);    // [N, K] as given
  const memory::desc b_md({1, n}, dt::s32, memory::format_tag::ab);
  const memory::desc c_md({m, n}, dt::u8, memory::format_tag::ab);
  primitive_attr attr;
  attr.set_output_scales(1 << 1, o.scale_out);
  attr.set_zero_points(DNNL_ARG_SRC, 0, {3});
  attr.set_zero_points(DNNL_ARG_DST, 0, {5});
  const matmul::primitive_desc pd(matmul::desc(a_md, w_any, b_md, c_md), attr, eng);
  memory a_mem(a_md, eng, const_cast<uint8_t*>(o.a.data()));
  memory w_user(w_md, eng, const_cast<int8_t*>(o.w.data()));
  memory w_mem(pd.weights_desc(), eng);
  reorder(w_user, w_mem).execute(s, w_user, w_mem);  // packing, once, outside the timing
  // oneDNN's bias is added after the output scale; keep it zero-free of meaning (same cost).
  std::vector<int32_t> bias(static_cast<size_t>(n), 0);
  memory b_mem(b_md, eng, bias.data());
  std::vector<uint8_t> c(static_cast<size_t>(m * n));
  memory c_mem(c_md, eng, c.data());
  const matmul prim(pd);
  for (auto _ : state) {
    prim.execute(s, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, w_mem}, {DNNL_ARG_BIAS, b_mem},
                     {DNNL_ARG_DST, c_mem}});
    s.wait();
    benchmark::DoNotOptimize(c.data());
  }
  set_counters(state, static_cast<size_t>(m), static_cast<size_t>(n), static_cast<size_t>(k));
}
#endif

// The core clock: a chain of dependent 1-cycle adds, 4 per loop trip (the loop counter runs
// beside it), so adds per second = cycles per second.
void BM_clock(benchmark::State& state) {
  constexpr int64_t kTrips = 1 << 20;
  for (auto _ : state) {
    uint64_t x = 0;
    for (int64_t i = 0; i < kTrips; ++i)
      asm volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    benchmark::DoNotOptimize(x);
  }
  state.counters["GHz"] = benchmark::Counter(4.0 * kTrips * 1e-9,
                                             benchmark::Counter::kIsIterationInvariantRate);
}

// The int8 multiply-add throughput the AVX2 kernels are built on, measured: 12 independent
// vpmaddwd + vpaddd chains (16 int16 products summed into int32 pairs each = 32 ops).
__attribute__((target("avx2"))) void BM_avx2_vpmaddwd_peak(benchmark::State& state) {
  constexpr int64_t kTrips = 1 << 16;
  for (auto _ : state) {
    __m256i acc[12];
    for (auto& v : acc) v = _mm256_setzero_si256();
    __m256i x = _mm256_set1_epi16(3), y = _mm256_set1_epi16(5);
    for (int64_t i = 0; i < kTrips; ++i) {
      asm volatile("" : "+x"(x), "+x"(y));  // keep the products from being hoisted
      // Unrolled, so the accumulators live in registers (a loop over the array kept them in
      // memory, and the store-to-load chain then measured latency, not throughput).
#pragma GCC unroll 12
      for (auto& v : acc) v = _mm256_add_epi32(v, _mm256_madd_epi16(x, y));
    }
    __m256i sum = acc[0];
    for (int i = 1; i < 12; ++i) sum = _mm256_add_epi32(sum, acc[i]);
    alignas(32) int32_t out[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), sum);
    benchmark::DoNotOptimize(out[0]);
  }
  state.counters["GOP/s"] = benchmark::Counter(12.0 * 32.0 * kTrips * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

// The same for AVX-512 VNNI: 16 independent zmm vpdpbusd chains (64 u8 x s8 products summed
// into int32 quads each = 128 ops). Reports an error on a CPU without it.
__attribute__((target("avx512f,avx512vnni"))) void BM_avx512vnni_vpdpbusd_peak(
    benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512vnni")) {
    state.SkipWithError("this CPU has no AVX-512 VNNI");
    return;
  }
  constexpr int64_t kTrips = 1 << 16;
  for (auto _ : state) {
    __m512i acc[16];
    for (auto& v : acc) v = _mm512_setzero_si512();
    __m512i x = _mm512_set1_epi8(3), y = _mm512_set1_epi8(5);
    for (int64_t i = 0; i < kTrips; ++i) {
      asm volatile("" : "+v"(x), "+v"(y));
#pragma GCC unroll 16
      for (auto& v : acc) v = _mm512_dpbusd_epi32(v, x, y);
    }
    __m512i sum = acc[0];
    for (int i = 1; i < 16; ++i) sum = _mm512_add_epi32(sum, acc[i]);
    alignas(64) int32_t out[16];
    _mm512_store_si512(out, sum);
    benchmark::DoNotOptimize(out[0]);
  }
  state.counters["GOP/s"] = benchmark::Counter(16.0 * 128.0 * kTrips * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_clock);
BENCHMARK(BM_avx2_vpmaddwd_peak);
BENCHMARK(BM_avx512vnni_vpdpbusd_peak);

// {M, N, K}: the reference MLP 784-50-80-30-10 at batch 1, 10, 10000, and a large square.
void shapes(benchmark::internal::Benchmark* b) {
  for (int64_t m : {1, 10, 10000})
    for (auto [n, k] : {std::pair<int64_t, int64_t>{50, 784}, {80, 50}, {30, 80}, {10, 30}})
      b->Args({m, n, k});
  b->Args({1024, 1024, 1024});
}

BENCHMARK(BM_octet_qgemm)->Apply(shapes)->UseRealTime();
#ifdef OCTET_HAVE_DNNL
BENCHMARK(BM_onednn_matmul)->Apply(shapes)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
