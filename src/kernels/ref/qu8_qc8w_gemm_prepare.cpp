// Create-time preparation of the qu8 x qc8w GEMM: folds the activation zero point into the bias
// (docs/quantization.md eq. 10) and checks the int32 accumulator bound once, so the kernel can
// run without checks.
#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"

namespace octet::kernels {

void qu8_qc8w_gemm_prepare(size_t n, size_t k, const int8_t* w, const int32_t* bias_q,
                           int32_t zero_point_a, int32_t* bias_adjusted, const std::string& what) {
  // |a * w| <= 255 * 128 < 2^15, so K < 2^16 keeps the dot product below 2^31 in magnitude.
  if (k > kQGemmMaxK)
    fail("{}: reduction length K = {} is too long for int32 accumulation (must be < 2^16)", what,
         k);
  if (zero_point_a < 0 || zero_point_a > 255)
    fail("{}: activation zero point {} is outside [0, 255]", what, zero_point_a);
  constexpr int64_t kLimit = int64_t{1} << 31;
  for (size_t j = 0; j < n; ++j) {
    const int8_t* w_row = w + j * k;
    int64_t sum = 0, sum_abs = 0;  // |sum| <= 128 * K < 2^23
    for (size_t p = 0; p < k; ++p) {
      sum += w_row[p];
      sum_abs += w_row[p] < 0 ? -w_row[p] : w_row[p];
    }
    const int64_t adjusted =
        (bias_q != nullptr ? int64_t{bias_q[j]} : 0) - int64_t{zero_point_a} * sum;
    // Every partial sum the kernel forms is bias + a subset of a * w with 0 <= a <= 255.
    const int64_t bound = (adjusted < 0 ? -adjusted : adjusted) + 255 * sum_abs;
    if (bound >= kLimit)
      fail(
          "{}: output channel {}: bias {} with activation zero point {} and weight row sum |w| "
          "{} can overflow the int32 accumulator (|bias - zp * sum w| + 255 * sum |w| = {} >= "
          "2^31)",
          what, j, bias_q != nullptr ? bias_q[j] : 0, zero_point_a, sum_abs, bound);
    bias_adjusted[j] = static_cast<int32_t>(adjusted);
  }
}

}  // namespace octet::kernels
