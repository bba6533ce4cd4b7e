// foundry: the subcommands of cli/command.cpp's table, behind one parser.
#include <signal.h>

#include <iostream>
#include <map>
#include <memory>

#include "cli/command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"foundry: manufactures kernel variants, checks them against float64 references, benchmarks them"};
  app.require_subcommand(1);
  // A bad command line is one line naming the flag, like every other error.
  app.failure_message([](const CLI::App*, const CLI::Error& e) { return std::string("foundry: error: ") + e.what() + "\n"; });
  // A file that may not grow (a full disk, a file-size limit) fails its write
  // with EFBIG, which the run reports, instead of killing the process.
  signal(SIGXFSZ, SIG_IGN);
  app.set_version_flag("--version", FOUNDRY_VERSION);
  for (int i = 0; i < argc; ++i) foundry::cli::invocation() += (i ? " " : "") + std::string(argv[i]);
  std::map<const CLI::App*, foundry::cli::Handler> handlers;
  for (const auto& c : foundry::cli::command_table()) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    if (c.help.empty()) sub->group("");
    handlers[sub] = c.setup(*sub);
  }
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (const auto& c : foundry::cli::command_table()) {
      found |= c.name == argv[1];
      if (!c.help.empty()) known += (known.empty() ? "" : ", ") + c.name;
    }
    if (!found) {
      std::cerr << "foundry: error: unknown command '" << argv[1] << "' (" << known << ")\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const auto& [sub, handler] : handlers)
      if (sub->parsed()) return handler();
  } catch (const std::exception& e) {
    std::cerr << "foundry: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
