// Adam against torch.optim.Adam, and its three update loops against each other.
#include "train/adam.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "octet/random.h"

namespace octet::train {
namespace {

// Expected values printed by PyTorch 1.13 (Debian python3-torch, CPU, float32):
//   p = torch.nn.Parameter(torch.tensor([0.5, -1.0, 0.25, 2.0, 0.0, -0.3, 1e-3, 3.0, 0.7]))
//   opt = torch.optim.Adam([p], lr=1e-3)
//   for g in kGrads: p.grad = torch.tensor(g); opt.step(); print("%.9g" % each p)
// then "%.9g" of opt.state[p]['exp_avg'] and ['exp_avg_sq']. Nine values: the 8-wide AVX2
// loop and its scalar tail both run.
constexpr float kStart[9] = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -0.3f, 1e-3f, 3.0f, 0.7f};
constexpr float kGrads[3][9] = {
    {0.1f, -0.2f, 0.0f, 1.5f, -3.0f, 1e-4f, 0.5f, -0.05f, 2.0f},
    {-0.3f, 0.2f, 0.01f, 1.0f, 2.0f, -1e-4f, 0.5f, 0.05f, -2.0f},
    {0.2f, 0.0f, -0.7f, 0.3f, 0.4f, 1e-3f, -0.5f, 0.0f, 1.0f},
};
constexpr float kTorchParams[3][9] = {
    {0.499000013f, -0.999000013f, 0.25f, 1.99899995f, 0.00100000005f, -0.30099991f, 1.16415322e-10f,
     3.00099993f, 0.699000001f},
    {0.499494195f, -0.999052644f, 0.249255866f, 1.99802959f, 0.00114452059f, -0.300947279f,
     -0.000999999931f, 3.00094724f, 0.699052632f},
    {0.49947542f, -0.999093354f, 0.249886408f, 1.99718475f, 0.00118505629f, -0.301574111f,
     -0.0012619925f, 3.00090647f, 0.698877931f},
};
constexpr float kTorchExpAvg[9] = {0.00109999918f, 0.00179999939f,  -0.0691f,
                                   0.241500005f,   -0.0230000075f,  9.91000052e-05f,
                                   0.0354999937f,  0.000449999847f, 0.0819999948f};
constexpr float kTorchExpAvgSq[9] = {0.00013989002f,  7.98800465e-05f, 0.00049009989f,
                                     0.00333450222f,  0.0131380092f,   1.01997022e-09f,
                                     0.000749250292f, 4.99250291e-06f, 0.00898800418f};

// PyTorch's kernels may fuse a multiply and an add (FMA) where octet does not, so the two can
// differ in the last bit of an operation: allow a few float ulp of the value, or of the terms
// that cancelled to give it (`scale`: updates of 1e-3 for parameters, g / 10 for exp_avg).
void expect_close(float want, float got, float scale, const char* what, int step, int i) {
  const float tolerance = 4e-7f * std::max(std::fabs(want), scale);
  EXPECT_NEAR(want, got, tolerance) << what << " after step " << step << " index " << i;
}

TEST(Adam, MatchesTorchOptimAdam) {
  std::vector<float> p(kStart, kStart + 9);
  Adam adam(9, AdamOptions{});
  for (int step = 0; step < 3; ++step) {
    adam.step(p, std::span<const float>(kGrads[step], 9));
    for (int i = 0; i < 9; ++i)
      expect_close(kTorchParams[step][i], p[i], 1e-3f, "param", step + 1, i);
  }
  EXPECT_EQ(adam.steps(), 3);
  for (int i = 0; i < 9; ++i) {
    expect_close(kTorchExpAvg[i], adam.first_moment().data<float>()[i], 0.03f, "exp_avg", 3, i);
    expect_close(kTorchExpAvgSq[i], adam.second_moment().data<float>()[i], 0.0f, "exp_avg_sq", 3,
                 i);
  }
}

TEST(Adam, FirstStepMovesEachParameterByLr) {
  // At t = 1, m / (sqrt(v) / sqrt(1 - beta2) + eps) = g / |g| up to eps: every parameter with a
  // gradient moves by lr against its sign, whatever the gradient's size.
  std::vector<float> p{1.0f, 1.0f, 1.0f};
  const std::vector<float> g{1e-3f, -50.0f, 0.0f};
  Adam adam(3, AdamOptions{.lr = 0.01});
  adam.step(p, g);
  EXPECT_NEAR(p[0], 0.99f, 1e-6f);
  EXPECT_NEAR(p[1], 1.01f, 1e-6f);
  EXPECT_EQ(p[2], 1.0f) << "a zero gradient leaves a fresh parameter unchanged";
}

TEST(Adam, ScalarsFollowTheBiasCorrection) {
  const AdamOptions options;
  const AdamScalars s1 = adam_scalars(options, 1);
  EXPECT_FLOAT_EQ(s1.neg_step_size, -1e-3f / 0.1f);
  EXPECT_FLOAT_EQ(s1.bias_correction2_sqrt, std::sqrt(0.001f));
  const AdamScalars s100 = adam_scalars(options, 100);
  EXPECT_FLOAT_EQ(s100.neg_step_size, static_cast<float>(-1e-3 / (1 - std::pow(0.9, 100))));
  EXPECT_EQ(s1.beta1, 0.9f);
  EXPECT_EQ(s1.one_minus_beta1, 0.1f);
  EXPECT_EQ(s1.eps, 1e-8f);
}

TEST(Adam, SimdLoopsAreBitIdenticalToScalar) {
  // 1 to 40 elements: every tail length of the 4- and 8-wide loops; gradients over many
  // magnitudes, zeros included.
  Rng rng(11);
  for (int64_t n = 1; n <= 40; ++n) {
    std::vector<float> p(n), g(n), m(n), v(n);
    for (int64_t i = 0; i < n; ++i) {
      p[i] = rng.uniform(-1, 1);
      g[i] = rng.below(5) == 0 ? 0.0f : rng.uniform(-1, 1) * std::ldexp(1.0f, -int(rng.below(30)));
      m[i] = rng.uniform(-0.1f, 0.1f);
      v[i] = rng.uniform(0, 0.01f);
    }
    const AdamScalars s = adam_scalars(AdamOptions{}, 1 + rng.below(1000));
    std::vector<float> p_ref = p, m_ref = m, v_ref = v;
    f32_adam_update__ref(n, p_ref.data(), g.data(), m_ref.data(), v_ref.data(), s);
    std::vector<float> p_sse = p, m_sse = m, v_sse = v;
    f32_adam_update__sse(n, p_sse.data(), g.data(), m_sse.data(), v_sse.data(), s);
    EXPECT_EQ(p_ref, p_sse) << "n=" << n;
    EXPECT_EQ(m_ref, m_sse) << "n=" << n;
    EXPECT_EQ(v_ref, v_sse) << "n=" << n;
    if (!adam_update_avx2_supported()) continue;
    std::vector<float> p_avx = p, m_avx = m, v_avx = v;
    f32_adam_update__avx2(n, p_avx.data(), g.data(), m_avx.data(), v_avx.data(), s);
    EXPECT_EQ(p_ref, p_avx) << "n=" << n;
    EXPECT_EQ(m_ref, m_avx) << "n=" << n;
    EXPECT_EQ(v_ref, v_avx) << "n=" << n;
  }
}

}  // namespace
}  // namespace octet::train
