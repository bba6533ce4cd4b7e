#include "sft/prompt.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ops/registry.hpp"

namespace foundry::sft {
namespace {

TEST(SftPrompt, TheContractTextCarriesMathSignatureBuffersToleranceAndTargetOfEveryOpAndBackend) {
  for (const auto& op : Registry::instance().ops())
    for (const auto& row : backend_table())
      for (std::optional<DType> dtype : {std::optional<DType>{}, std::optional<DType>{DType::bf16}}) {
        const std::string text = contract_text(*op, row, dtype);
        SCOPED_TRACE(op->name + " " + row.name);
        EXPECT_NE(text.find(op->math), std::string::npos);
        EXPECT_NE(text.find(row.language), std::string::npos);
        EXPECT_NE(text.find(row.prelude), std::string::npos);
        const std::string sig = kernel_signature(*op, row);
        EXPECT_EQ(sig.rfind(row.kernel_form, 0), 0u);
        EXPECT_NE(text.find(sig), std::string::npos);
        for (const auto& b : op->buffers) {
          EXPECT_NE(sig.find(" " + b.name), std::string::npos) << b.name;
          EXPECT_NE(text.find(fmt::format("- {}: ", b.name)), std::string::npos) << b.name;
          if (b.role != Role::in && dtype) {
            const Tolerance t = op->tolerance(*dtype, b);
            if (t.atol != 0 || t.rtol != 0)
              EXPECT_NE(text.find(fmt::format("{} * rms(ref) + {} * |ref|", t.atol, t.rtol)), std::string::npos) << b.name;
          }
        }
        for (const auto& s : op->size_symbols) EXPECT_NE(sig.find("int64_t " + s), std::string::npos) << s;
        for (const auto& p : op->params) EXPECT_NE(sig.find(" " + p.name), std::string::npos) << p.name;
        EXPECT_NE(text.find(dtype ? "Dtype: bf16" : "Dtypes: "), std::string::npos);
      }
}

TEST(SftPrompt, KernelBodyIsTheRenderedTemplateBetweenThePreludeAndTheEntryPoint) {
  const auto templates = discover_templates(FOUNDRY_SOURCE_DIR "/templates");
  const KernelTemplate* t = find_template(templates, "rmsnorm", "cpu", "rmsnorm_rowloop");
  ASSERT_NE(t, nullptr);
  const Knobs knobs{{"ROWS_PER_BLOCK", 2}, {"UNROLL", 4}, {"THREADS", 1}, {"FAST_MATH", 0}};
  const std::string body = render(*t, knobs);
  const std::string unit =
      backend_row("cpu").make_backend({})->assemble(Registry::instance().get("rmsnorm"), DType::f16, body);
  const std::string got = kernel_body(unit);
  EXPECT_LT(got.size(), unit.size() / 2);
  EXPECT_NE(body.find(got), std::string::npos);  // the body, trimmed
  EXPECT_EQ(got.find("foundry_launch"), std::string::npos);
  EXPECT_EQ(kernel_body("  int x;\n"), "int x;");  // no markers: the source as it is
}

TEST(SftPrompt, AVariantPromptNamesItsCaseTemplateKnobsLaunchAndWhetherItIsTheFastest) {
  const auto templates = discover_templates(FOUNDRY_SOURCE_DIR "/templates");
  KernelTask t;
  t.op = &Registry::instance().get("softmax");
  t.backend = &backend_row("cpu");
  t.dtype = DType::f16;
  t.shape = {{"rows", 7}, {"cols", 1031}};
  t.launch = Launch{4, 2, 0};
  t.template_id = "softmax_threepass";
  t.tmpl = find_template(templates, "softmax", "cpu", t.template_id);
  ASSERT_NE(t.tmpl, nullptr);
  t.knobs = {{"ROWS_PER_BLOCK", 2}, {"UNROLL", 1}, {"THREADS", 2}, {"FAST_MATH", 1}, {"STORE_EXP", 0}};
  std::string p = variant_prompt(t);
  for (const char* want : {"Dtype: f16", "cols=1031, rows=7", "grid 4 blocks, 2 threads", "grid = cdiv(rows, ROWS_PER_BLOCK)",
                           "template `softmax_threepass`", "FAST_MATH=1", "-ffast-math", "STORE_EXP=0"})
    EXPECT_NE(p.find(want), std::string::npos) << want << "\n" << p;
  EXPECT_EQ(p.find("fastest"), std::string::npos);
  t.fastest = true;
  EXPECT_NE(variant_prompt(t).find("the fastest correct variant recorded for this case"), std::string::npos);
  const std::string r = repair_prompt(t, {{"UNROLL", 8}}, "int broken;", "mismatch", "y[3]: 2 where the reference is 1");
  for (const char* want : {"status mismatch", "UNROLL=8", "int broken;", "y[3]: 2 where the reference is 1", "STORE_EXP=0"})
    EXPECT_NE(r.find(want), std::string::npos) << want;
}

TEST(SftPrompt, ATemplatePromptAsksForTheFrontMatterOfTheTemplateItNames) {
  const auto templates = discover_templates(FOUNDRY_SOURCE_DIR "/templates");
  const KernelTemplate* t = find_template(templates, "rope", "cuda", "rope_table");
  ASSERT_NE(t, nullptr);
  const std::string p = template_prompt(Registry::instance().get("rope"), backend_row("cuda"), *t);
  for (const std::string& want : {std::string("Template `rope_table`"), t->summary, std::string("front matter"),
                                  std::string("Dtypes: f32, f16, bf16"), backend_row("cuda").language})
    EXPECT_NE(p.find(want), std::string::npos) << want;
}

}  // namespace
}  // namespace foundry::sft
