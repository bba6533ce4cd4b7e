#include "run/search_space.hpp"

#include <gtest/gtest.h>

using namespace foundry;
namespace fs = std::filesystem;

TEST(SearchSpace, PointsMapToKnobsAndBack) {
  const fs::path dir = fs::path(FOUNDRY_TEST_DIR) / "fixtures/fake_templates/rmsnorm/fake";
  auto plain = load_template(dir / "plain.cpp");
  auto tiled = load_template(dir / "tiled.cpp");
  SearchSpace space({&plain, &tiled});
  EXPECT_EQ(space.size(0), 1u);
  EXPECT_EQ(space.size(1), 24u);
  EXPECT_EQ(space.dims(1), (std::vector<int>{6, 4}));
  for (std::size_t flat = 0; flat < 24; ++flat) {
    Point p = space.at(1, flat);
    EXPECT_EQ(space.flat_index(p), flat);
    EXPECT_EQ(space.point("tiled", space.knobs(p)), p);
  }
  const Point p{1, 2, 3};
  EXPECT_EQ(space.knobs(p), (Knobs{{"A", 3}, {"B", 4}}));
  EXPECT_EQ(space.violated(p, {{"rows", 1}, {"cols", 12}}), "");
  EXPECT_EQ(space.violated(p, {{"rows", 1}, {"cols", 11}}), "A * B <= cols");
  EXPECT_FALSE(space.point("tiled", {{"A", 7}, {"B", 1}})) << "7 is not in A's domain";
  EXPECT_FALSE(space.point("nope", {}));
  EXPECT_EQ(space.point("plain", {}), (Point{0}));
  EXPECT_THROW(space.knobs({1, 6, 0}), std::out_of_range);
  EXPECT_THROW(space.knobs({2}), std::out_of_range);
  EXPECT_THROW(space.knobs({1, 0}), std::out_of_range);
}
