// Comma-separated number lists given on the command line (--hidden, --batch, --mean, --std).
// Kept apart from CLI11 so that the fuzz target tests/fuzz/number_list_fuzz.cpp can call it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace octet::cli {

// "50,80,30" -> {50, 80, 30}; throws octet::Error naming `flag` on empty items, non-numbers,
// values that do not fit in int64 or values below `min_value`.
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag,
                                    int64_t min_value);
// "0.1307" or "0.485,0.456,0.406" -> floats; throws octet::Error naming `flag` on empty items,
// non-numbers and values that are not finite float32 (out of range or nan/inf).
std::vector<float> parse_float_list(const std::string& text, const std::string& flag);

}  // namespace octet::cli
