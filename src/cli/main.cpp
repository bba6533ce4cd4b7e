// foundry command line: list, run (and the internal worker).
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "backends/backend_table.hpp"
#include "harness/worker_process.hpp"
#include "ops/registry.hpp"
#include "run/run.hpp"
#include "templates/template.hpp"

using namespace foundry;
using nlohmann::json;

namespace {

// Which backends can compile and run here, and why not.
int cmd_list_backends(bool as_json) {
  std::vector<std::pair<std::string, BackendAvailability>> all;
  for (const auto& row : backend_table()) {
    BackendAvailability a = row.availability();
    if (a.run && a.device.empty()) a.device = row.summary;
    all.emplace_back(row.name, a);
  }
  if (as_json) {
    json arr = json::array();
    for (const auto& [name, a] : all)
      arr.push_back({{"name", name}, {"compile", a.compile}, {"usable", a.run},
                     {"device", a.device}, {"why_not", a.run ? json() : json(a.why)}});
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  for (const auto& [name, a] : all) {
    const char* state = a.run ? "usable" : a.compile ? "compile-only" : "unavailable";
    std::cout << fmt::format("{:<5} {:<13} {}\n", name, state, a.run ? a.device : a.why);
  }
  return 0;
}

int cmd_list(bool as_json, const std::filesystem::path& root) {
  auto templates = discover_templates(root);
  const std::vector<std::string> backends = backend_names();
  json arr = json::array();
  for (const auto& op : Registry::instance().ops()) {
    json t = json::object();
    for (const auto& b : backends) {
      t[b] = json::array();
      for (const auto& tp : templates)
        if (tp.op == op->name && tp.backend == b) t[b].push_back(tp.id);
    }
    arr.push_back({{"name", op->name}, {"kernel_class", to_string(op->kernel_class)},
                   {"class_name", class_description(op->kernel_class)}, {"stage", op->stage},
                   {"summary", op->summary}, {"templates", t}});
  }
  if (as_json) {
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<14} {:<18} {:<6} {}\n", "op", "class", "stage", "templates");
  for (const auto& o : arr) {
    std::vector<std::string> parts;
    for (const auto& b : backends) {
      const auto& ids = o["templates"][b];
      parts.push_back(ids.empty() ? fmt::format("{}: none yet", b)
                                  : fmt::format("{}: {}", b, fmt::join(ids.get<std::vector<std::string>>(), ", ")));
    }
    std::cout << fmt::format("{:<14} {:<18} {:<6} {}\n", o["name"].get<std::string>(),
                             fmt::format("{} ({})", o["kernel_class"].get<std::string>(), o["class_name"].get<std::string>()),
                             o["stage"].get<int>(), fmt::join(parts, "; "));
  }
  std::cout << fmt::format("{} ops registered\n", arr.size());
  return 0;
}

// A template's full translation unit as the backend compiles it. With
// --macros every {{KNOB}} stays a bare identifier, so another tuner can
// supply the knobs as preprocessor definitions (-DKNOB=value).
int cmd_render(const std::filesystem::path& root, const std::string& backend_name, const std::string& id,
               const std::string& dtype_name, const std::vector<std::string>& knob_args, bool macros,
               const std::string& arch) {
  auto templates = discover_templates(root);
  const KernelTemplate* t = nullptr;
  for (const auto& tp : templates)
    if (tp.id == id && tp.backend == backend_name) t = &tp;
  if (!t) throw std::invalid_argument(fmt::format("--template {}: no {} template with that id under {}", id, backend_name, root.string()));
  const OpContract& op = Registry::instance().get(t->op);
  auto dtype = parse_dtype(dtype_name);
  if (!dtype) throw std::invalid_argument(fmt::format("--dtype {}: expected f32, f16 or bf16", dtype_name));
  std::string body;
  if (macros) {
    body = render_macros(*t);
  } else {
    Knobs knobs;
    for (const auto& k : t->knobs) knobs[k.name] = k.domain.front();
    for (const auto& a : knob_args) {
      auto eq = a.find('=');
      if (eq == std::string::npos || !t->knob(a.substr(0, eq)))
        throw std::invalid_argument(fmt::format("--knob {}: expected NAME=VALUE with a knob of {}", a, id));
      knobs[a.substr(0, eq)] = std::stoll(a.substr(eq + 1));
    }
    body = render(*t, knobs);
  }
  const BackendRow& row = backend_row(backend_name);
  BackendOptions opts;
  if (!row.render_arch.empty()) opts.arch = arch.empty() ? row.render_arch : arch;  // the others ignore --arch
  std::cout << row.make_backend(opts)->assemble(op, *dtype, body);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"foundry: manufactures kernel variants, checks them against float64 references, benchmarks them"};
  app.require_subcommand(1);
  app.set_version_flag("--version", FOUNDRY_VERSION);
  std::string template_root = default_template_root().string();
  auto add_template_option = [&](CLI::App* sub) {
    sub->add_option("--templates", template_root, "template root (templates/<op>/<backend>/<id>.<ext>)")
        ->envname("FOUNDRY_TEMPLATES");
  };

  auto* list = app.add_subcommand("list", "list every op with its class, curriculum stage and templates per backend");
  bool list_json = false;
  list->add_flag("--json", list_json, "print a JSON array");
  bool list_backends = false;
  list->add_flag("--backends", list_backends, "which backends can compile and run here, and why not");
  add_template_option(list);

  auto* runc = app.add_subcommand("run", "generate, check and benchmark kernel variants into a session");
  RunConfig cfg;
  add_template_option(runc);
  std::vector<std::string> shapes{"all"};
  std::vector<std::string> dtypes{"f32", "f16", "bf16"};
  std::string session_dir;
  std::string cache_root = default_cache_root().string();
  double bench_timeout = cfg.limits.phase_s;
  runc->add_option("--ops", cfg.ops, "ops to run (default: every op with templates for the backend)")->delimiter(',');
  runc->add_option("-n,--n", cfg.per_op, "variants per op")->check(CLI::PositiveNumber);
  runc->add_option("--backend", cfg.backend, "backend")->check(CLI::IsMember(backend_names()));
  runc->add_option("--workers", cfg.workers, "worker processes that check and benchmark")->check(CLI::Range(1, 256));
  runc->add_option("--jobs", cfg.jobs, "parallel compiles (default: number of cores)")->check(CLI::NonNegativeNumber);
  runc->add_option("--mode", cfg.mode, "sampler")->check(CLI::IsMember({"random"}));
  runc->add_option("--seed", cfg.seed, "sampler and input seed");
  runc->add_option("--shapes", shapes, "shape regimes: decode, prefill, odd or all")
      ->delimiter(',')
      ->check(CLI::IsMember({"decode", "prefill", "odd", "all"}));
  runc->add_option("--dtypes", dtypes, "dtypes: f32 f16 bf16")->delimiter(',')->check(CLI::IsMember({"f32", "f16", "bf16"}));
  runc->add_option("--session-dir", session_dir,
                   "session directory (created; an existing one is resumed; default runs/<date>-<time>)");
  runc->add_option("--correctness-tests", cfg.correctness_tests, "seeds each variant is checked on")->check(CLI::Range(1, 64));
  runc->add_option("--warmup", cfg.bench.warmup, "untimed runs before timing")->check(CLI::Range(0, 10000));
  runc->add_option("--repeats", cfg.bench.max_repeats, "maximum timed runs (stops earlier once the median is stable)")
      ->check(CLI::Range(1, 1000000));
  runc->add_option("--bench-timeout", bench_timeout, "seconds a variant may take in each of its check and bench phases before it is killed as a hang")
      ->check(CLI::PositiveNumber);
  runc->add_option("--cxx", cfg.cxx, "host C++ compiler for the cpu backend (default: $CXX or c++)");
  runc->add_option("--cache-dir", cache_root, "compile cache and measured ceilings")->envname("FOUNDRY_CACHE_DIR");
  runc->add_flag("--compile-only", cfg.compile_only,
                 "build every sampled variant and record its resources (status compiled), run none");
  runc->add_option("--arch", cfg.arch, "cuda: GPU architecture to compile for, e.g. sm_90 (default: the GPU's)");
  runc->add_flag("--host-checks", cfg.host_checks,
                 "cuda: copy outputs back and check them on the host, also where the GPU would check them");
  bool no_flush = false;
  runc->add_flag("--no-flush", no_flush, "do not evict the cache between timed runs");

  auto* renderc = app.add_subcommand("render", "print a template's translation unit as the backend compiles it");
  add_template_option(renderc);
  std::string r_backend = kDefaultBackend, r_id, r_dtype = "f32", r_arch;
  std::vector<std::string> r_knobs;
  bool r_macros = false;
  renderc->add_option("--backend", r_backend, "backend")->check(CLI::IsMember(backend_names()));
  renderc->add_option("--template", r_id, "template id")->required();
  renderc->add_option("--dtype", r_dtype, "f32, f16 or bf16");
  renderc->add_option("--knob", r_knobs, "NAME=VALUE (default: each knob's first value)");
  renderc->add_flag("--macros", r_macros, "leave knobs as bare identifiers for -DKNOB=value");
  renderc->add_option("--arch", r_arch, "cuda: architecture named in the source header");

  auto* worker = app.add_subcommand("worker", "");  // internal: serves a coordinator over pipes
  worker->group("");
  std::string worker_backend = kDefaultBackend;
  worker->add_option("--backend", worker_backend);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*worker) return worker_main(worker_backend);
    if (*renderc) return cmd_render(template_root, r_backend, r_id, r_dtype, r_knobs, r_macros, r_arch);
    if (*list) return list_backends ? cmd_list_backends(list_json) : cmd_list(list_json, template_root);
    if (*runc) {
      cfg.template_root = template_root;
      if (session_dir.empty()) {
        const std::time_t now = std::time(nullptr);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
        session_dir = std::string("runs/") + stamp;
      }
      cfg.session_dir = session_dir;
      cfg.cache_root = cache_root;
      cfg.limits.phase_s = bench_timeout;
      cfg.workers_given = runc->count("--workers") > 0;
      cfg.bench.flush_cache = !no_flush;
      cfg.bench.min_repeats = std::min(cfg.bench.min_repeats, cfg.bench.max_repeats);
      for (const auto& s : shapes) {
        if (s == "all") {
          cfg.regimes = all_regimes();
          break;
        }
        cfg.regimes.push_back(*parse_regime(s));
      }
      for (const auto& d : dtypes) cfg.dtypes.push_back(*parse_dtype(d));
      cfg.progress_tty = isatty(2);
      for (int i = 0; i < argc; ++i) cfg.command_line += (i ? " " : "") + std::string(argv[i]);
      RunSummary s = run(cfg);
      std::vector<std::string> st;
      for (const auto& [k, v] : s.by_status) st.push_back(fmt::format("{}={}", k, v));
      std::cout << fmt::format("session {}: {} planned, {} already recorded, {} recorded now ({})\n",
                               cfg.session_dir.string(), s.planned, s.skipped, s.recorded, fmt::join(st, ", "));
      if (s.recorded > 0)
        std::cout << fmt::format("time: {:.1f} s ({:.2f} variants/s): compile {:.1f} s, check and bench {:.1f} s\n",
                                 s.total_s, s.recorded / s.total_s, s.compile_s, s.evaluate_s);
      std::cout << fmt::format("attempts: {}\n", (cfg.session_dir / "attempts.ndjson").string());
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "foundry: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
