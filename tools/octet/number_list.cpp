// Comma-separated number lists: std::from_chars on each item, whole item consumed.
#include "number_list.h"

#include <charconv>
#include <cmath>

#include "octet/error.h"

namespace octet::cli {

namespace {

// Flag text may hold anything (a shell passes bytes): messages quote it escaped and cut to 80.
std::string quoted(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < 80; ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    out += u >= 0x20 && u < 0x7f ? std::string(1, text[i]) : fmt::format("\\x{:02x}", u);
  }
  return text.size() > 80 ? out + "..." : out;
}

std::vector<std::string> split_commas(const std::string& text, const std::string& flag) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (item.empty())
      fail("{}: '{}' has an empty item; expected a comma-separated list", flag, quoted(text));
    items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

}  // namespace

std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag,
                                    int64_t min_value) {
  std::vector<int64_t> values;
  for (const auto& item : split_commas(text, flag)) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec == std::errc::result_out_of_range)
      fail("{}: '{}' does not fit in a 64-bit integer", flag, quoted(item));
    if (ec != std::errc() || end != item.data() + item.size())
      fail("{}: '{}' is not an integer", flag, quoted(item));
    if (v < min_value)
      fail("{}: value {} at position {} must be >= {}", flag, v, values.size() + 1, min_value);
    values.push_back(v);
  }
  return values;
}

std::vector<float> parse_float_list(const std::string& text, const std::string& flag) {
  std::vector<float> values;
  for (const auto& item : split_commas(text, flag)) {
    float v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size() || !std::isfinite(v))
      fail("{}: '{}' is not a finite number", flag, quoted(item));
    values.push_back(v);
  }
  return values;
}

}  // namespace octet::cli
