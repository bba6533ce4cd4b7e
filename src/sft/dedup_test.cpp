#include "sft/dedup.hpp"

#include <gtest/gtest.h>

namespace foundry::sft {
namespace {

Example ex(const std::string& source, const std::string& user, const std::string& answer, int tag) {
  return {source, "rmsnorm", "rmsnorm/t", "sys", user, answer, {{"tag", tag}}};
}

TEST(SftDedup, CodeIsComparedWithoutCommentsAndWithWhitespaceFolded) {
  EXPECT_EQ(normalise_code("int  a;   // one\n/* two\n lines */ int b;\n\n"), "int a; int b;");
  EXPECT_EQ(normalise_code("x=a/*c*/+b;"), "x=a +b;");
  EXPECT_EQ(normalise_code("const char* s = \"// kept\"; // gone"), "const char* s = \"// kept\";");
  EXPECT_EQ(normalise_code("char c = '/'; int d = 1 / 2;"), "char c = '/'; int d = 1 / 2;");
  EXPECT_EQ(normalise_text("  a\n\n b\t c  "), "a b c");
  EXPECT_NE(normalise_code("a + b"), normalise_code("a - b"));
}

TEST(SftDedup, TheFirstOfEachPromptAndAnswerIsKeptWhateverTheMetadata) {
  std::vector<Example> in{ex("session", "write it", "int a;", 1),
                          ex("kd", "write  it\n", "int a; // same code", 2),  // same content, other metadata
                          ex("session", "write it", "int b;", 3),               // another answer
                          ex("session", "write it too", "int a;", 4),           // another prompt
                          ex("discover", "write it", "/* x */ int   a;", 5)};
  std::map<std::string, int64_t> dropped;
  const auto out = deduplicate(in, dropped);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].meta["tag"], 1);
  EXPECT_EQ(out[1].meta["tag"], 3);
  EXPECT_EQ(out[2].meta["tag"], 4);
  EXPECT_EQ(dropped, (std::map<std::string, int64_t>{{"kd", 1}, {"discover", 1}}));
  Example other_system = in[0];
  other_system.system = "another system message";
  EXPECT_NE(content_key(other_system), content_key(in[0]));
}

}  // namespace
}  // namespace foundry::sft
