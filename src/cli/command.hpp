// The foundry command line as a table: one row per subcommand (name, help,
// and a setup that declares its options and returns its handler), one file
// per command. A new command is one file and one row in command.cpp.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace foundry::cli {

using Handler = std::function<int()>;

struct Command {
  std::string name;
  std::string help;  // empty: internal, not listed in --help
  // Declares the subcommand's options on `sub`; the handler runs when it is chosen.
  std::function<Handler(CLI::App& sub)> setup;
};

const std::vector<Command>& command_table();

// The rows, one per file.
Command list_command();
Command run_command();
Command render_command();
Command worker_command();
Command nvrtc_worker_command();
Command simulate_command();
Command export_kt_command();
Command report_command();
Command export_command();
Command export_sft_command();

// The whole invocation as typed; main sets it, `run` records it in session.json.
std::string& invocation();

// NAME=VALUE arguments of `flag` as numbers; throws naming the flag and the bad argument.
std::map<std::string, double> name_value_pairs(const std::vector<std::string>& args, const char* flag);

// A seed: digits only, 0 .. 2^64-1 (a negative number would wrap around silently).
const CLI::Validator& unsigned_integer();

// A number of at least 0 (`positive`: above 0), refused in one short line
// (CLI11's own number checks print a 300-digit range).
CLI::Validator non_negative_number(bool positive = false);

// --templates DIR (or $FOUNDRY_TEMPLATES), defaulting to the installed or source tree's templates/.
void add_template_option(CLI::App& sub, std::filesystem::path& root);

}  // namespace foundry::cli
