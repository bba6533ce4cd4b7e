// Numbers read from JSON another process or an older file wrote. An integer
// field must hold an integer that fits its type: nlohmann's get<int>() of a
// float casts it, which truncates 2.5 and is undefined for 1e300.
#pragma once
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace foundry {

// j as T; an integral T takes only an integer within its range, else throws
// std::runtime_error saying what it found.
template <class T>
T json_get(const nlohmann::json& j) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (j.is_number_unsigned() && std::in_range<T>(j.get<uint64_t>())) return static_cast<T>(j.get<uint64_t>());
    if (j.is_number_integer() && !j.is_number_unsigned() && std::in_range<T>(j.get<int64_t>()))
      return static_cast<T>(j.get<int64_t>());
    const std::string found = j.dump();
    throw std::runtime_error("expected an integer of its range, found " + found.substr(0, 40));
  } else {
    return j.get<T>();
  }
}

// An object of names to T (a shape, knobs, params).
template <class Map>
Map json_get_map(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("expected an object, found " + j.dump().substr(0, 40));
  Map m;
  for (const auto& [k, v] : j.items()) m[k] = json_get<typename Map::mapped_type>(v);
  return m;
}

}  // namespace foundry
