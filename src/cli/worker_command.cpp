// `foundry worker --backend B`: internal; serves one coordinator over pipes.
#include <memory>

#include "backends/backend_table.hpp"
#include "cli/command.hpp"
#include "harness/worker_process.hpp"

namespace foundry::cli {

Command worker_command() {
  return {"worker", "", [](CLI::App& sub) -> Handler {
            auto backend = std::make_shared<std::string>(kDefaultBackend);
            sub.add_option("--backend", *backend)->check(CLI::IsMember(backend_names()));
            auto guard = std::make_shared<bool>(false);
            sub.add_flag("--guard,!--no-guard", *guard, "resource limits are set from outside; file writes are refused");
            return [backend, guard] { return worker_main(*backend, *guard); };
          }};
}

}  // namespace foundry::cli
