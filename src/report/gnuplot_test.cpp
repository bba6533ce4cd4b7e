#include "report/gnuplot.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "report_helpers.hpp"

namespace foundry::report {
namespace {

TEST(ReportGnuplot, DrawsEachSpecAsAnInlineSvgWithIdsOfItsOwn) {
  const auto dir = foundry_test::scratch_dir("plots");
  const std::vector<PlotSpec> specs{
      {"one", "first <plot>", "$d << EOD\n1 2\n2 3\nEOD\nplot $d using 1:2 with points title \"a_b\"\n"},
      {"two", "second", "plot x * x title \"x\"\n"}};
  const auto plots = render_svg(specs, dir);
  ASSERT_EQ(plots.size(), 2u);
  for (const auto& p : plots) {
    EXPECT_EQ(p.svg.rfind("<svg", 0), 0u) << "no XML prolog inside a page";
    EXPECT_EQ(p.svg.find("id='gp"), std::string::npos) << "gnuplot's ids prefixed";
    EXPECT_NE(p.svg.find("id='" + p.name + "-gp"), std::string::npos);
    EXPECT_NE(p.svg.find("gnuplot_plot_1"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(dir / (p.name + ".svg")));
  }
  EXPECT_NE(plots[0].svg.find("<title>first &lt;plot&gt;</title>"), std::string::npos);
  EXPECT_NE(plots[0].svg.find("a_b"), std::string::npos) << "no enhanced text: underscores stay";
}

TEST(ReportGnuplot, AMissingOrFailingGnuplotIsAnErrorNamingIt) {
  const auto dir = foundry_test::scratch_dir("plots");
  const std::vector<PlotSpec> bad{{"bad", "bad", "plot $nothing using 1:2\n"}};
  try {
    render_svg(bad, dir);
    ADD_FAILURE() << "an undefined data block drew";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot"), std::string::npos) << e.what();
  }
  setenv("FOUNDRY_GNUPLOT", "/nonexistent/gnuplot", 1);
  try {
    render_svg({{"x", "x", "plot x\n"}}, dir);
    ADD_FAILURE() << "a missing gnuplot drew";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/gnuplot"), std::string::npos) << e.what();
  }
  unsetenv("FOUNDRY_GNUPLOT");
}

}  // namespace
}  // namespace foundry::report
