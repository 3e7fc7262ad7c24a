// Text from files in messages and JSON: UTF-8 validation and a one-line, printable form.
#pragma once

#include <string>
#include <string_view>

namespace octet {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` as one printable line: valid UTF-8 is kept, control characters (including newlines) and
// bytes that are not part of a valid UTF-8 sequence become \xNN. Used for names quoted in error
// messages, so that a hostile name can neither break the one-line message nor the terminal.
std::string printable(std::string_view s);

}  // namespace octet
