// The strategy seam: how the knobs of one case are searched. A strategy sees
// only the space's coordinates and the costs of what it proposed (latency in
// microseconds; +inf for a variant that failed), never templates or files, so
// each is written once for every op, knob type and backend. Strategies are
// rows of one table, chosen by `foundry run --mode NAME`.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/search_space.hpp"

namespace foundry {

struct Proposal {
  uint64_t seq = 0;  // the strategy's own count of proposals in this case, from 0
  Point point;
};

struct Outcome {
  uint64_t seq = 0;
  Point point;
  Status status = Status::ok;
  double cost = std::numeric_limits<double>::infinity();  // p50 latency (us) of a correct variant
};

// Settings of the strategies that have any (`foundry run --cem-...`).
struct StrategyOptions {
  int cem_generation = 10;     // points sampled per generation
  double cem_elite = 0.3;      // share of a generation's size kept as elites, in (0, 1)
  double cem_smoothing = 0.8;  // weight of the elites' frequencies in an update, in (0, 1]
  double cem_floor = 0.02;     // least probability of any template or knob value, in [0, 0.5)
};

// Throws std::invalid_argument naming the flag, e.g. "--cem-elite 1.5: must be in (0, 1)".
void check_strategy_options(const StrategyOptions& o);

// What a strategy is built with: the space, the case's shape (for the
// constraints), and a stream name that makes its draws deterministic in
// (seed, op, case).
struct StrategyContext {
  const SearchSpace* space = nullptr;
  Shape shape;
  uint64_t seed = 1;
  std::string stream;  // op and case key
  // The op-wide number of the case's first variant: strategies that take
  // templates in turn start there, so an op's budget covers its templates
  // even when it has fewer cases than templates.
  int first = 0;
  StrategyOptions options;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Up to n new proposals, numbered on from the last. An adaptive strategy
  // may return fewer, or none while its proposals are in flight (it waits for
  // their outcomes); none with nothing in flight means the space is
  // exhausted. To resume exactly, a strategy's proposals may depend only on
  // its seed and on outcomes taken in seq order, never on how tells were
  // grouped (update once a whole generation is told, in seq order).
  virtual std::vector<Proposal> ask(std::size_t n) = 0;
  // Results, in any order. Also takes outcomes of proposals this instance
  // never made (a state rebuilt by replaying the log) and advances past them.
  virtual void tell(const std::vector<Outcome>& outcomes) = 0;
  // Everything needed to continue exactly where it stands.
  virtual nlohmann::json save() const = 0;
  // Throws std::runtime_error when the state is not one of this strategy's.
  virtual void load(const nlohmann::json& state) = 0;
};

struct StrategyRow {
  std::string name;
  std::string help;
  std::function<std::unique_ptr<Strategy>(const StrategyContext&)> make;
};

const std::vector<StrategyRow>& strategy_table();
// Throws std::invalid_argument("--mode X: unknown strategy (random, ...)").
const StrategyRow& strategy_row(const std::string& name);
std::vector<std::string> strategy_names();

}  // namespace foundry
