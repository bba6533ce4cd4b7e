// One supervised fine-tuning example: a system message, a user prompt and the
// answer a model should learn to write, with the family it belongs to (what
// the splitter keeps together) and where it came from.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace foundry::sft {

struct Example {
  std::string source;  // "session", "kd", "discover", "template" or "repair"
  std::string op;
  std::string family;  // "<op>/<template id>" (or "<op>/kd", "<op>/discover" for kernels of no template)
  std::string system;
  std::string user;
  std::string answer;  // always a kernel or template that passed its checks
  nlohmann::json meta = nlohmann::json::object();  // origin: file, record id, case, knobs, ...
};

// What one source yields: its examples, the inputs it read, and how many
// candidates it left out, by reason ("untrusted", "source_sha256", ...).
struct SourceResult {
  std::vector<Example> examples;
  std::vector<std::string> inputs;
  std::map<std::string, int64_t> skipped;
};

// Every file under `root` (recursively, in path order) whose name satisfies
// `match`; directories named "kernels" (a session's rendered sources) are not
// entered. Throws std::invalid_argument naming `flag` when root is not a directory.
std::vector<std::filesystem::path> find_files_under(const std::filesystem::path& root, const char* flag,
                                                    bool (*match)(const std::string& filename));

}  // namespace foundry::sft
