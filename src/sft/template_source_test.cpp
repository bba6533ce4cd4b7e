#include "sft/template_source.hpp"

#include <gtest/gtest.h>

#include "cli_helpers.hpp"

namespace foundry::sft {
namespace {

TEST(SftTemplateSource, EveryTemplateAsksForItselfAndIsAnsweredByItsFile) {
  const auto templates = discover_templates(FOUNDRY_SOURCE_DIR "/templates");
  const auto r = template_examples(templates);
  ASSERT_EQ(r.examples.size(), templates.size());
  for (std::size_t i = 0; i < templates.size(); ++i) {
    const auto& t = templates[i];
    const auto& e = r.examples[i];
    SCOPED_TRACE(t.id);
    EXPECT_EQ(e.source, "template");
    EXPECT_EQ(e.family, t.op + "/" + t.id);
    std::string file = foundry_test::read_file(t.path);
    while (!file.empty() && file.back() == '\n') file.pop_back();
    EXPECT_EQ(e.answer, file);
    EXPECT_NE(e.user.find("Template `" + t.id + "`"), std::string::npos);
    EXPECT_NE(e.user.find("backend `" + t.backend + "`"), std::string::npos);
    EXPECT_EQ(r.inputs[i], t.op + "/" + t.backend + "/" + t.path.filename().string());
  }
}

}  // namespace
}  // namespace foundry::sft
