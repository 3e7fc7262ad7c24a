// The abort path of OCTET_CHECK.
#include "octet/error.h"

#include <cstdio>
#include <cstdlib>

namespace octet::detail {

void check_failed(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "octet: internal error at %s:%d: check '%s' failed%s%s\n", file, line,
               condition, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

}  // namespace octet::detail
