#include "run/search_space.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace foundry {

SearchSpace::SearchSpace(std::vector<const KernelTemplate*> templates) : templates_(std::move(templates)) {}

std::vector<int> SearchSpace::dims(std::size_t t) const {
  std::vector<int> d;
  for (const auto& k : tmpl(t).knobs) d.push_back(static_cast<int>(k.domain.size()));
  return d;
}

std::size_t SearchSpace::size(std::size_t t) const {
  std::size_t n = 1;
  for (int d : dims(t)) n *= static_cast<std::size_t>(d);
  return n;
}

Point SearchSpace::at(std::size_t t, std::size_t flat) const {
  const auto d = dims(t);
  Point p(1 + d.size());
  p[0] = static_cast<int>(t);
  for (std::size_t k = d.size(); k-- > 0;) {
    p[1 + k] = static_cast<int>(flat % static_cast<std::size_t>(d[k]));
    flat /= static_cast<std::size_t>(d[k]);
  }
  return p;
}

std::size_t SearchSpace::flat_index(const Point& p) const {
  validate(p);
  const auto d = dims(static_cast<std::size_t>(p[0]));
  std::size_t flat = 0;
  for (std::size_t k = 0; k < d.size(); ++k) flat = flat * static_cast<std::size_t>(d[k]) + static_cast<std::size_t>(p[1 + k]);
  return flat;
}

void SearchSpace::validate(const Point& p) const {
  if (p.empty() || p[0] < 0 || static_cast<std::size_t>(p[0]) >= templates_.size())
    throw std::out_of_range(fmt::format("point: template index {} outside 0..{}", p.empty() ? -1 : p[0], templates_.size()));
  const auto d = dims(static_cast<std::size_t>(p[0]));
  if (p.size() != 1 + d.size())
    throw std::out_of_range(fmt::format("point: template {} has {} knobs, the point {}", tmpl(p[0]).id, d.size(), p.size() - 1));
  for (std::size_t k = 0; k < d.size(); ++k)
    if (p[1 + k] < 0 || p[1 + k] >= d[k])
      throw std::out_of_range(fmt::format("point: knob {} of {}: value index {} outside 0..{}", tmpl(p[0]).knobs[k].name,
                                          tmpl(p[0]).id, p[1 + k], d[k]));
}

const KernelTemplate& SearchSpace::tmpl_of(const Point& p) const {
  validate(p);
  return tmpl(static_cast<std::size_t>(p[0]));
}

Knobs SearchSpace::knobs(const Point& p) const {
  const KernelTemplate& t = tmpl_of(p);
  Knobs k;
  for (std::size_t i = 0; i < t.knobs.size(); ++i) k[t.knobs[i].name] = t.knobs[i].domain[static_cast<std::size_t>(p[1 + i])];
  return k;
}

std::optional<Point> SearchSpace::point(const std::string& template_id, const Knobs& knobs) const {
  for (std::size_t t = 0; t < templates_.size(); ++t) {
    const KernelTemplate& tp = tmpl(t);
    if (tp.id != template_id || tp.knobs.size() != knobs.size()) continue;
    Point p{static_cast<int>(t)};
    for (const auto& k : tp.knobs) {
      auto it = knobs.find(k.name);
      if (it == knobs.end()) return std::nullopt;
      int idx = -1;
      for (std::size_t v = 0; v < k.domain.size(); ++v)
        if (k.domain[v] == it->second) idx = static_cast<int>(v);
      if (idx < 0) return std::nullopt;
      p.push_back(idx);
    }
    return p;
  }
  return std::nullopt;
}

std::string SearchSpace::violated(const Point& p, const Shape& shape) const {
  return violated_constraint(tmpl_of(p), shape, knobs(p));
}

}  // namespace foundry
