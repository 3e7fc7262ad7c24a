// Overflow-checked integer arithmetic for sizes that come from files (shapes, element and byte
// counts): a hostile header must produce an error, never a wrapped-around small allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace octet {

// a * b, or nullopt when the product does not fit in int64 (either sign).
constexpr std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// a + b, or nullopt on overflow.
constexpr std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// The product of `dims`, all >= 0, or nullopt when a dimension is negative or the product
// passes `limit` (>= 0) at any step. An empty list is 1 (a scalar). A zero dimension makes the
// product 0, but the dimensions after it are still checked to be non-negative.
constexpr std::optional<int64_t> checked_product(std::span<const int64_t> dims, int64_t limit) {
  bool has_zero = false;
  for (int64_t d : dims) {
    if (d < 0) return std::nullopt;
    has_zero = has_zero || d == 0;
  }
  if (has_zero) return 0;  // [2^40, 2^40, 0] holds no element, whatever the other dims say
  int64_t n = 1;
  for (int64_t d : dims) {
    const std::optional<int64_t> next = checked_mul(n, d);
    if (!next || *next > limit) return std::nullopt;
    n = *next;
  }
  return n;
}

}  // namespace octet
