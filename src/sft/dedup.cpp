#include "sft/dedup.hpp"

#include <cctype>
#include <set>

#include "core/hash.hpp"

namespace foundry::sft {

std::string normalise_text(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string normalise_code(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const char c = s[i];
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      const auto end = s.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 2;
      out += ' ';  // a comment separates tokens
      continue;
    }
    if (c == '"' || c == '\'') {
      out += c;
      ++i;
      while (i < n && s[i] != c && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n) out += s[i++];
        out += s[i++];
      }
      if (i < n) out += s[i++];
      continue;
    }
    out += c;
    ++i;
  }
  return normalise_text(out);
}

std::string content_key(const Example& e) {
  return sha256_hex(normalise_text(e.system) + '\x1f' + normalise_text(e.user) + '\x1f' + normalise_code(e.answer));
}

std::vector<Example> deduplicate(std::vector<Example> examples, std::map<std::string, int64_t>& dropped) {
  std::set<std::string> seen;
  std::vector<Example> out;
  out.reserve(examples.size());
  for (auto& e : examples) {
    if (!seen.insert(content_key(e)).second) {
      ++dropped[e.source];
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace foundry::sft
