// is_valid_utf8 and printable: what a hostile name in a file can do to a message.
#include "octet/text.h"

#include <gtest/gtest.h>

namespace octet {
namespace {

TEST(Text, Utf8ValidationFollowsRfc3629) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("fc1.weight"));
  EXPECT_TRUE(is_valid_utf8("poids_\xc3\xa9"));           // é
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));             // €
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));         // U+1F600
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3\x28"));                // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));                // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));            // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));            // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));        // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));                // truncated
}

TEST(Text, PrintableEscapesControlsAndInvalidBytesOnly) {
  EXPECT_EQ(printable("fc1"), "fc1");
  EXPECT_EQ(printable("poids_\xc3\xa9"), "poids_\xc3\xa9");
  EXPECT_EQ(printable("a\nb\tc"), "a\\x0ab\\x09c");
  EXPECT_EQ(printable("fc\xff\xfe"), "fc\\xff\\xfe");
  EXPECT_EQ(printable("\xc3\x28"), "\\xc3(");
  EXPECT_EQ(printable(std::string_view("a\0b", 3)), "a\\x00b");
}

}  // namespace
}  // namespace octet
