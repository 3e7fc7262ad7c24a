// Fuzz target: the CLI's comma-separated number lists (tools/octet/number_list.cpp) and the
// octet.normalize text that --mean/--std override (Normalization::parse).
#include <string>

#include "fuzz_targets.h"
#include "number_list.h"
#include "octet/data.h"
#include "octet/error.h"

namespace octet::fuzz {

int number_list(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (int64_t v : cli::parse_int_list(text, "--hidden", 1)) OCTET_CHECK(v >= 1);
  } catch (const Error&) {
  }
  try {
    cli::parse_float_list(text, "--mean");
  } catch (const Error&) {
  }
  try {
    const Normalization n = Normalization::parse(text, "--mean/--std");
    // The format is documented to round-trip through to_string.
    const Normalization back = Normalization::parse(n.to_string(), "round trip");
    OCTET_CHECK(back.mean == n.mean && back.std == n.std, "{} does not round-trip",
                n.to_string());
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace octet::fuzz
