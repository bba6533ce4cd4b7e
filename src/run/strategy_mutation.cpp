#include "run/strategy_mutation.hpp"

#include <algorithm>
#include <stdexcept>

namespace foundry {

std::optional<Point> step_from(const Point& p, const SearchLog& log, SeededStream& draws) {
  auto adjacent = log.fresh_neighbours(p, true);
  auto any = log.fresh_neighbours(p, false);
  const bool near = !adjacent.empty() && (any.size() == adjacent.size() || draws.below(3) < 2);
  const auto& pool = near ? adjacent : any;
  if (pool.empty()) return std::nullopt;
  return pool[draws.below(pool.size())];
}

void MutationModel::breed(Brood& brood) {
  const auto elites = brood.log().elites(kElites);
  const std::size_t local = elites.empty() ? 0 : kGeneration - 1;
  std::size_t idle = 0;  // elites in a row with no fresh neighbour
  for (std::size_t i = 0; brood.size() < local && idle < elites.size(); ++i) {
    auto p = step_from(elites[i % elites.size()].point, brood.log(), brood.draws());
    if (p && brood.add(*p)) {
      idle = 0;
    } else {
      ++idle;
    }
  }
  brood.fill_random(kGeneration);
}

// Everything mutation knows is the case's log.
nlohmann::json MutationModel::save() const { return nlohmann::json::object(); }

void MutationModel::load(const nlohmann::json& state) {
  if (!state.is_object()) throw std::runtime_error("mutation: saved state is not an object");
}

}  // namespace foundry
