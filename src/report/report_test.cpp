#include "report/report.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "report_helpers.hpp"

namespace foundry::report {
namespace {

namespace fs = std::filesystem;
using foundry_test::foundry_cmd;
using foundry_test::read_file;

// Chromium (Debian's `chromium`, or $FOUNDRY_CHROMIUM); empty when there is none.
std::string find_chromium() {
  if (const char* env = std::getenv("FOUNDRY_CHROMIUM"); env && *env) return env;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
      if (!d.empty() && access((fs::path(d) / name).c_str(), X_OK) == 0) return (fs::path(d) / name).string();
  return "";
}

TEST(ReportCommand, WritesCoverageParetoAndAPageFromARealSession) {
  const auto& s = foundry_test::real_session();
  const auto r = foundry_cmd({"report", s.dir.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto printed = nlohmann::json::parse(r.output);
  EXPECT_EQ(printed["out"], (s.dir / "report").string()) << "one session: SESSION/report";
  const auto records = foundry_test::read_records(s.dir);
  EXPECT_EQ(printed["records"], records.size());

  const auto cov = nlohmann::json::parse(read_file(s.dir / "report" / "coverage.json"));
  EXPECT_EQ(cov["records"], records.size());
  int trusted = 0;
  std::map<std::string, int> per_op;
  for (const auto& rec : records) {
    ++per_op[rec["op"]];
    trusted += rec["status"] == "ok" && rec["labels"].empty();
  }
  EXPECT_EQ(cov["trusted_ok"], trusted);
  ASSERT_EQ(cov["coverage"]["op"].size(), per_op.size());
  for (const auto& row : cov["coverage"]["op"]) EXPECT_EQ(row["attempts"], per_op[row["value"]]) << row.dump();
  for (const char* dim : {"op", "kernel_class", "dtype", "regime", "case", "template", "knob"})
    EXPECT_FALSE(cov["coverage"][dim].empty()) << dim;
  // Each case's best is its fastest trusted record, and the speed-up is over the plain template's best.
  bool some_speedup = false;
  for (const auto& b : cov["best_per_case"]) {
    if (b["best"].is_null()) continue;
    double fastest = 1e300, plain = 1e300;
    for (const auto& rec : records) {
      if (rec["op"] != b["op"] || rec["shape"] != b["shape"] || rec["params"] != b["params"] || rec["status"] != "ok" ||
          !rec["labels"].empty())
        continue;
      const double p50 = rec["bench"]["latency_us"]["p50"];
      fastest = std::min(fastest, p50);
      if (rec["template_id"] == b["plain_template"]) plain = std::min(plain, p50);
    }
    EXPECT_DOUBLE_EQ(b["best"]["latency_us"].get<double>(), fastest) << b.dump();
    if (plain < 1e300) {
      some_speedup = true;
      EXPECT_DOUBLE_EQ(b["speedup_vs_plain"].get<double>(), plain / fastest) << b.dump();
    } else {
      EXPECT_TRUE(b["speedup_vs_plain"].is_null());
      EXPECT_TRUE(b["speedup_note"].is_string()) << "says why there is none";
    }
  }
  EXPECT_TRUE(some_speedup) << "the random strategy proposes each template of a case first, the plain one included";

  const auto pareto = nlohmann::json::parse(read_file(s.dir / "report" / "pareto.json"));
  ASSERT_FALSE(pareto["fronts"].empty());
  std::set<std::string> front_cases;
  for (const auto& f : pareto["fronts"]) {
    EXPECT_TRUE(front_cases.insert(f["case"].get<std::string>()).second) << "one front per case";
    EXPECT_GE(f["front_size"].get<int>(), 1);
  }
  ASSERT_EQ(pareto["rooflines"].size(), 1u);
  EXPECT_GT(pareto["rooflines"][0]["copy_gbps"].get<double>(), 0) << "the measured copy bandwidth";
  EXPECT_NE(read_file(s.dir / "report" / "coverage.md").find("## Best variant per case"), std::string::npos);
}

TEST(ReportCommand, ThePageIsSelfContainedAndDrawsEveryPlotInHeadlessChromium) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (Debian: apt-get install chromium; `make deps` does)";
  const auto& s = foundry_test::real_session();
  const fs::path out = foundry_test::scratch_dir("page");
  const auto r = foundry_cmd({"report", s.dir.string(), "--out", (out / "report").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path page = out / "report" / "report.html";
  const std::string html = read_file(page);
  // Nothing fetched: no external script, style, image or link; plots inline.
  std::smatch m;
  EXPECT_FALSE(std::regex_search(html, m, std::regex(R"((src|href)\s*=\s*["'](?!#))"))) << m.str();
  EXPECT_EQ(html.find("<link"), std::string::npos);
  const auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = html.find(needle); at != std::string::npos; at = html.find(needle, at + 1)) ++n;
    return n;
  };
  const std::size_t figures = count("<figure class=\"plot\"");
  EXPECT_GE(figures, 4u) << "outcomes, bandwidth, roofline and at least one Pareto front";
  EXPECT_EQ(count("<svg"), figures);

  // Chromium runs the page's script (which checks each figure drew marks) and
  // dumps the DOM; its console would show any script error.
  const std::string profile = (out / "chromium-profile").string();
  const auto dom = foundry::run_process({chromium, "--headless", "--disable-gpu", "--no-sandbox", "--user-data-dir=" + profile,
                                         "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + page.string()},
                                        120);
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  EXPECT_EQ(dom.output.find(":CONSOLE"), std::string::npos) << "the page logged to the console:\n" << dom.output;
  EXPECT_EQ(dom.output.find("Uncaught"), std::string::npos) << dom.output;
  EXPECT_NE(dom.output.find("data-plot-check=\"ok\""), std::string::npos) << "a plot drew nothing:\n"
                                                                           << dom.output.substr(dom.output.find("plot-check"), 300);
  EXPECT_NE(dom.output.find(fmt::format("data-plots=\"{}\"", figures)), std::string::npos);

  // A screenshot of the top of the page: something rendered (a blank page compresses to a few KB).
  const fs::path shot = out / "report.png";
  const auto ss = foundry::run_process({chromium, "--headless", "--disable-gpu", "--no-sandbox", "--user-data-dir=" + profile,
                                        "--window-size=1280,2400", "--screenshot=" + shot.string(), "file://" + page.string()},
                                       120);
  ASSERT_EQ(ss.exit_code, 0) << ss.output;
  ASSERT_TRUE(fs::exists(shot)) << ss.output;
  EXPECT_GT(fs::file_size(shot), 40000u);
}

TEST(ReportCommand, ThePageCheckFailsAPlotWithoutMarks) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (Debian: apt-get install chromium; `make deps` does)";
  const auto& s = foundry_test::real_session();
  const fs::path out = foundry_test::scratch_dir("empty");
  ASSERT_EQ(foundry_cmd({"report", s.dir.string(), "--out", out.string()}).exit_code, 0);
  // Empty the series of the first figure: the page must notice.
  std::string html = read_file(out / "report.html");
  const auto fig = html.find("<figure class=\"plot\"");
  const auto end = html.find("</figure>", fig);
  std::string part = html.substr(fig, end - fig);
  part = std::regex_replace(part, std::regex("<(path|use|rect|polygon|polyline|circle)[^>]*>"), "");
  html.replace(fig, end - fig, part);
  std::ofstream(out / "emptied.html") << html;
  const auto dom = foundry::run_process({chromium, "--headless", "--disable-gpu", "--no-sandbox",
                                         "--user-data-dir=" + (out / "profile").string(), "--dump-dom",
                                         "file://" + (out / "emptied.html").string()},
                                        120);
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  EXPECT_NE(dom.output.find("data-plot-check=\"failed\""), std::string::npos);
  EXPECT_NE(dom.output.find("plots that drew nothing: fig-status"), std::string::npos);
}

TEST(ReportCommand, BadInputGetsOneLineNamingTheFlagOrFile) {
  const auto& s = foundry_test::real_session();
  const fs::path d = foundry_test::scratch_dir("bad");
  const auto missing = foundry_cmd({"report", (d / "nope").string()});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("nope: no such directory"), std::string::npos) << missing.output;
  const auto two = foundry_cmd({"report", s.dir.string(), foundry_test::overlapping_session().dir.string()});
  EXPECT_NE(two.exit_code, 0);
  EXPECT_NE(two.output.find("--out: required"), std::string::npos) << two.output;
  std::ofstream(d / "file") << "x";
  const auto out = foundry_cmd({"report", s.dir.string(), "--out", (d / "file" / "sub").string()});
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.output.find("--out"), std::string::npos) << out.output;
  const auto peak = foundry_cmd({"report", s.dir.string(), "--peak-gflops", "-3"});
  EXPECT_NE(peak.exit_code, 0);
  EXPECT_NE(peak.output.find("--peak-gflops"), std::string::npos) << peak.output;
  for (const auto* res : {&missing, &two, &out})
    EXPECT_EQ(std::count(res->output.begin(), res->output.end(), '\n'), 1) << res->output;
}

TEST(ReportCommand, MergedSessionsCountEachRecordOnce) {
  const auto& a = foundry_test::real_session();
  const auto& b = foundry_test::overlapping_session();
  const fs::path out = foundry_test::scratch_dir("merged");
  const auto r = foundry_cmd({"report", a.dir.string(), b.dir.string(), "--out", out.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> ids;
  std::size_t all = 0;
  for (const auto* s : {&a, &b})
    for (const auto& rec : foundry_test::read_records(s->dir)) ids.insert(rec["id"].get<std::string>()), ++all;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["records"], ids.size());
  EXPECT_EQ(j["duplicates"], all - ids.size());
  const auto cov = nlohmann::json::parse(read_file(out / "coverage.json"));
  int attempts = 0;
  for (const auto& row : cov["coverage"]["op"]) attempts += row["attempts"].get<int>();
  EXPECT_EQ(attempts, static_cast<int>(ids.size()));
}

}  // namespace
}  // namespace foundry::report
