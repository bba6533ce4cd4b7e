// `foundry worker --backend B`: internal; serves one coordinator over pipes.
#include <memory>

#include "backends/backend_table.hpp"
#include "cli/command.hpp"
#include "harness/worker_process.hpp"

namespace foundry::cli {

Command worker_command() {
  return {"worker", "", [](CLI::App& sub) -> Handler {
            auto backend = std::make_shared<std::string>(kDefaultBackend);
            sub.add_option("--backend", *backend);
            return [backend] { return worker_main(*backend); };
          }};
}

}  // namespace foundry::cli
