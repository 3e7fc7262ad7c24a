// octet::Error for bad input, OCTET_CHECK for broken invariants (bugs).
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace octet {

// Thrown for bad input: a malformed file, an unsupported op, a bad flag, bad data.
// The message says what was being done, where, the bad value and the rule it broke.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Formats the message and throws octet::Error.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

namespace detail {
[[noreturn]] void check_failed(const char* file, int line, const char* condition,
                               const std::string& detail);
}  // namespace detail

}  // namespace octet

// Always-on invariant check: a failure is a bug in octet, so it prints and aborts.
#define OCTET_CHECK(cond, ...)                                                         \
  do {                                                                                 \
    if (!(cond)) ::octet::detail::check_failed(__FILE__, __LINE__, #cond,              \
                                               ::fmt::format("" __VA_ARGS__));         \
  } while (0)

#ifdef NDEBUG
#define OCTET_DCHECK(cond, ...) \
  do {                          \
  } while (0)
#else
#define OCTET_DCHECK(cond, ...) OCTET_CHECK(cond, __VA_ARGS__)
#endif
