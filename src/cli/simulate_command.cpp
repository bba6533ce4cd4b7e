// `foundry simulate SESSION`: replays strategies against the session's fully
// recorded cases, compiling and running nothing, and prints how many
// evaluations each needs to come near the best recorded variant and its
// standardised score against random search.
#include <algorithm>
#include <iostream>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "run/session.hpp"
#include "run/simulate.hpp"
#include "templates/template.hpp"

namespace foundry::cli {

namespace {

using nlohmann::json;

struct SimulateOptions {
  std::filesystem::path session;
  std::filesystem::path templates;
  std::vector<std::string> strategies;
  std::string op;
  std::string template_id;
  int budget = 200;
  int repeats = 20;
  uint64_t seed = 1;
  bool as_json = false;
};

std::string cell(const StrategyScore& s, int x, int budget) {
  const Quartiles& q = s.within[x];
  auto n = [&](double v) { return v > budget ? fmt::format(">{}", budget) : fmt::format("{:.0f}", v); };
  return fmt::format("{} [{}-{}]", n(q.median), n(q.q1), n(q.q3));
}

int simulate_main(const SimulateOptions& o) {
  const auto records = read_session_records(o.session);
  if (records.empty()) throw std::invalid_argument(fmt::format("{}: the session holds no records", o.session.string()));
  std::vector<std::string> strategies = o.strategies.empty() ? strategy_names() : o.strategies;
  const std::vector<std::string> known = strategy_names();
  for (const auto& s : strategies)
    if (std::find(known.begin(), known.end(), s) == known.end())
      throw std::invalid_argument(fmt::format("--strategy {}: unknown strategy ({})", s, fmt::join(known, ", ")));
  std::set<std::string> ops;
  for (const auto& r : records)
    if (o.op.empty() || r.op == o.op) ops.insert(r.op);
  if (ops.empty()) throw std::invalid_argument(fmt::format("--op {}: the session has no records of it", o.op));
  const std::string backend = records.front().backend;
  const auto templates = discover_templates(o.templates);

  json out = json::array();
  int complete = 0;
  for (const auto& op : ops) {
    std::vector<const KernelTemplate*> ts;
    for (const auto& t : templates)
      if (t.op == op && t.backend == backend && (o.template_id.empty() || t.id == o.template_id)) ts.push_back(&t);
    if (ts.empty()) {
      if (!o.template_id.empty() && !o.op.empty())
        throw std::invalid_argument(fmt::format("--template {}: no {} template of {} under {}", o.template_id, backend, op, o.templates.string()));
      continue;
    }
    const SearchSpace space(ts);
    for (const RecordedCase& c : recorded_cases(records, space, op)) {
      if (!c.complete()) {
        if (!o.as_json)
          std::cout << fmt::format("skipped {} {}: {} of its {} valid points recorded\n", op, c.key, c.recorded, c.valid);
        continue;
      }
      ++complete;
      json jc{{"op", op}, {"case", json::parse(c.key)}, {"valid", c.valid}, {"best_us", c.best()}, {"worst_us", worst_correct(c)},
              {"templates", o.template_id.empty() ? json("all") : json(o.template_id)},
              {"random_expectation", random_expectation(c, o.budget)}, {"strategies", json::array()}};
      if (!o.as_json)
        std::cout << fmt::format("\n{} {} ({} valid points, best {:.3f} us), budget {}, {} repeats\n{:<10} {:>16} {:>16} {:>16} {:>7}\n",
                                 op, c.key, c.valid, c.best(), o.budget, o.repeats, "strategy", "evals to 1%", "to 3%", "to 5%", "score");
      for (const auto& name : strategies) {
        std::vector<std::vector<double>> traces;
        for (int r = 0; r < o.repeats; ++r)
          traces.push_back(replay(strategy_row(name), c, space, o.seed + static_cast<uint64_t>(r), o.budget));
        const StrategyScore s = score(name, traces, c, o.budget);
        json within = json::object();
        for (int x = 0; x < 3; ++x)
          within[std::to_string(x == 0 ? 1 : x == 1 ? 3 : 5)] = {{"q1", s.within[x].q1}, {"median", s.within[x].median},
                                                                 {"q3", s.within[x].q3}, {"reached", s.reached[x]}};
        jc["strategies"].push_back({{"name", name}, {"within_pct", within}, {"score", s.score}, {"repeats", s.repeats}});
        if (!o.as_json)
          std::cout << fmt::format("{:<10} {:>16} {:>16} {:>16} {:>7.3f}\n", name, cell(s, 0, o.budget), cell(s, 1, o.budget),
                                   cell(s, 2, o.budget), s.score);
      }
      out.push_back(std::move(jc));
    }
  }
  if (o.as_json) std::cout << out.dump(2) << "\n";
  if (complete == 0)
    throw std::invalid_argument(fmt::format("{}: no case has every valid point recorded (record one exhaustively with --n-per-case)",
                                            o.session.string()));
  return 0;
}

}  // namespace

Command simulate_command() {
  return {"simulate", "replay strategies against a session's fully recorded cases (nothing is compiled or run)",
          [](CLI::App& sub) -> Handler {
            auto o = std::make_shared<SimulateOptions>();
            sub.add_option("session", o->session, "session directory")->required();
            add_template_option(sub, o->templates);
            sub.add_option("--strategy", o->strategies, "strategies to replay (default: every one)")->delimiter(',');
            sub.add_option("--budget", o->budget, "evaluations per replay")->check(CLI::Range(1, 1000000));
            sub.add_option("--repeats", o->repeats, "replays per strategy, seeds seed..seed+repeats-1")->check(CLI::Range(1, 100000));
            sub.add_option("--seed", o->seed, "first replay's seed")->check(unsigned_integer());
            sub.add_option("--op", o->op, "only this op's cases");
            sub.add_option("--template", o->template_id, "a space of this template alone (as Kernel Tuner tunes one kernel)");
            sub.add_flag("--json", o->as_json, "print JSON (with random search's exact expectation per evaluation)");
            return [o] { return simulate_main(*o); };
          }};
}

}  // namespace foundry::cli
