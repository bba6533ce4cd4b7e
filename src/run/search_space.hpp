// The search space of one op on one backend: the op's templates and, for each,
// the cartesian product of its knob domains. Strategies see only coordinates:
// a point is (template index, one value index per knob of that template), so a
// strategy is written once for every knob type. The space maps a point to the
// template and knob values it stands for, and knows the constraints.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "templates/template.hpp"

namespace foundry {

// coords[0]: template index; coords[1 + k]: value index of the template's knob k.
using Point = std::vector<int>;

class SearchSpace {
 public:
  explicit SearchSpace(std::vector<const KernelTemplate*> templates);

  std::size_t templates() const { return templates_.size(); }
  const KernelTemplate& tmpl(std::size_t t) const { return *templates_.at(t); }
  // Domain size of each knob of template t, in front-matter order.
  std::vector<int> dims(std::size_t t) const;
  // Number of points of template t (product of its dims).
  std::size_t size(std::size_t t) const;
  // The point of template t at mixed-radix index `flat` (first knob slowest).
  Point at(std::size_t t, std::size_t flat) const;
  std::size_t flat_index(const Point& p) const;

  // Throws std::out_of_range naming the bad coordinate.
  const KernelTemplate& tmpl_of(const Point& p) const;
  Knobs knobs(const Point& p) const;
  // The point of a template id and its knob values, when the space holds them.
  std::optional<Point> point(const std::string& template_id, const Knobs& knobs) const;
  // The first constraint the point breaks at this shape, or "" when none.
  std::string violated(const Point& p, const Shape& shape) const;

 private:
  void validate(const Point& p) const;
  std::vector<const KernelTemplate*> templates_;
};

}  // namespace foundry
