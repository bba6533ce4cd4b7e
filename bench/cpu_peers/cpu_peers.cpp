// foundry_cpu_peers: the best foundry CPU variant of each (op, dtype, shape)
// in a session, timed side by side in one process against oneDNN and Eigen
// on the same inputs, with the same timed loop and cache flush, every output
// judged by the op contract. Prints a Markdown table on stdout.
//
// usage: foundry_cpu_peers SESSION_DIR [--regime prefill] [--ops OP...]
//        foundry_cpu_peers --list-ops     (ops with cpu templates and a peer)
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <tuple>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "backends/cpu/cpu_backend.hpp"
#include "backends/cpu/cpu_runtime.hpp"
#include "backends/host_buffers.hpp"
#include "backends/kernel_args.hpp"
#include "backends/timing.hpp"
#include "harness/evaluate.hpp"
#include "ops/registry.hpp"
#include "peers.hpp"
#include "templates/template.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace foundry;

// Ops, in registry order, that have cpu templates and at least one peer.
std::vector<std::string> ops_with_peers(const fs::path& template_root, const std::vector<peers::Library>& libs) {
  std::vector<std::string> with_templates;
  for (const auto& t : discover_templates(template_root))
    if (t.backend == "cpu") with_templates.push_back(t.op);
  std::vector<std::string> out;
  for (const auto& op : Registry::instance().ops()) {
    const bool templated = std::count(with_templates.begin(), with_templates.end(), op->name) > 0;
    const bool peered = std::any_of(libs.begin(), libs.end(), [&](const auto& l) { return l.has(op->name); });
    if (templated && peered) out.push_back(op->name);
  }
  return out;
}

double p50_of(const json& rec) { return rec["bench"]["latency_us"]["p50"].get<double>(); }

// The session's ok records of one regime with a latency, grouped by
// (op, dtype, shape) and sorted fastest first; groups in registry, dtype,
// shape order.
std::vector<std::vector<json>> load_groups(const fs::path& dir, const std::string& regime,
                                           const std::vector<std::string>& only_ops) {
  std::map<std::tuple<std::size_t, int, std::string>, std::vector<json>> groups;
  const auto& reg = Registry::instance().ops();
  std::ifstream in(dir / "attempts.ndjson");
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", (dir / "attempts.ndjson").string()));
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line, nullptr, false);
    if (r.is_discarded() || r.value("regime", "") != regime || r.value("status", "") != "ok") continue;
    if (!r["bench"].is_object() || !r["bench"]["latency_us"].is_object()) continue;
    const std::string op = r["op"];
    if (!only_ops.empty() && std::find(only_ops.begin(), only_ops.end(), op) == only_ops.end()) continue;
    const auto at = std::find_if(reg.begin(), reg.end(), [&](const auto& o) { return o->name == op; });
    const auto dt = parse_dtype(r["dtype"]);
    if (at == reg.end() || !dt) continue;
    groups[{static_cast<std::size_t>(at - reg.begin()), static_cast<int>(*dt), r["shape"].dump()}].push_back(r);
  }
  std::vector<std::vector<json>> out;
  for (auto& [key, recs] : groups) {
    std::stable_sort(recs.begin(), recs.end(), [](const json& a, const json& b) { return p50_of(a) < p50_of(b); });
    out.push_back(std::move(recs));
  }
  return out;
}

// The template flags of a record: its build.flags after the backend's base flags.
std::vector<std::string> template_flags_of(const json& rec) {
  const auto flags = rec["build"]["flags"].get<std::vector<std::string>>();
  const auto& base = CpuBackend::base_flags();
  std::vector<std::string> extra;
  if (flags.size() >= base.size() && std::equal(base.begin(), base.end(), flags.begin()))
    extra.assign(flags.begin() + static_cast<long>(base.size()), flags.end());
  else  // base flags changed since the session: keep whatever is not a base flag
    for (const auto& f : flags)
      if (std::find(base.begin(), base.end(), f) == base.end()) extra.push_back(f);
  return extra;
}

std::string shape_text(const OpContract& op, const Case& c) {
  std::vector<std::string> parts;
  for (const auto& s : op.size_symbols) parts.push_back(fmt::format("{}={}", s, op.dim(c, s)));
  std::string text = fmt::format("{}", fmt::join(parts, " "));
  if (!c.params.empty()) {
    std::vector<std::string> ps;
    for (const auto& [k, v] : c.params) ps.push_back(fmt::format("{}={:g}", k, v));
    text += fmt::format(" ({})", fmt::join(ps, ", "));
  }
  return text;
}

std::string knob_text(const json& knobs) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : knobs.items()) parts.push_back(fmt::format("{}={}", k, v.dump()));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// One side's measurement: a latency when it ran and passed the check,
// otherwise the word the table shows ("-", "unsupported", "wrong", "error").
struct Side {
  std::optional<double> p50;
  std::string word = "-";
  bool generic = false;  // the library ran its unoptimised reference code
  std::string note;      // what ran, for the notes under the table
  std::string cell() const {
    if (!p50) return word;
    return generic ? fmt::format("{:.1f} (generic)", *p50) : fmt::format("{:.1f}", *p50);
  }
};

// The inputs and float64 reference of one case, generated once and shared by
// every side.
struct CaseData {
  Case c;
  std::vector<HostBuffer> pristine, work;
  std::vector<std::vector<double>> ref;
};

CaseData make_case(const OpContract& op, const json& rec) {
  // The harness times test 0 of the record's case: seed derived from the record's input seed.
  CaseData d;
  d.c = Case{op.name, *parse_dtype(rec["dtype"]), rec["shape"].get<Shape>(), rec["params"].get<Params>(),
             test_seed(rec["input_seed"].get<uint64_t>(), 0), 0};
  d.pristine = op.allocate(d.c);
  op.generate(d.c, d.pristine);
  d.ref = op.reference(d.c, d.pristine);
  d.work = op.allocate(d.c);
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time a session's best foundry CPU variants against oneDNN and Eigen, side by side"};
  std::string session_dir, regime = "prefill", cxx, cache_root = default_cache_root().string();
  std::string template_root = default_template_root().string();
  std::vector<std::string> only_ops;
  bool list_ops = false;
  int rounds = 1;
  app.add_option("session_dir", session_dir, "session directory written by `foundry run`");
  app.add_option("--regime", regime, "shape regime to compare (prefill)");
  app.add_option("--ops", only_ops, "only these ops (default: every op in the session)");
  app.add_flag("--list-ops", list_ops, "print the ops that have cpu templates and a peer here, then exit");
  app.add_option("--rounds", rounds, "time every side this many times, alternating, keeping each side's best p50 (1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--cxx", cxx, "compiler the session used (default: $CXX, else c++)");
  app.add_option("--cache-dir", cache_root, "foundry compile cache root");
  app.add_option("--templates", template_root, "template root")->envname("FOUNDRY_TEMPLATES");
  CLI11_PARSE(app, argc, argv);

  const std::vector<peers::Library> libs{peers::onednn_library(), peers::eigen_library()};
  if (list_ops) {
    std::cout << fmt::format("{}\n", fmt::join(ops_with_peers(template_root, libs), " "));
    return 0;
  }
  if (session_dir.empty()) {
    std::cerr << "a session directory is required (or --list-ops)\n";
    return 2;
  }

  try {
    const fs::path dir = session_dir;
    json sj = json::parse(std::ifstream(dir / "session.json"), nullptr, false);
    if (!sj.is_object()) throw std::runtime_error(fmt::format("cannot read {}", (dir / "session.json").string()));
    const double copy_gbps = sj.value("copy_gbps", 0.0);
    const auto groups = load_groups(dir, regime, only_ops);
    if (groups.empty()) throw std::runtime_error(fmt::format("no ok {} records with a latency in {}", regime, session_dir));

    CpuBackend backend(cxx, cache_root);
    const int cores = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
    ThreadPool pool(cores);
    CacheFlusher flusher;
    const BenchConfig cfg;  // the defaults `foundry run` times with

    std::vector<std::string> rows, notes;
    int cache_hits = 0, compiles = 0;
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
      const auto& recs = groups[gi];
      const OpContract& op = Registry::instance().get(recs.front()["op"]);
      std::optional<CaseData> d;
      std::string label;
      // One timed loop over `run` on freshly prepared buffers, then the check.
      auto measure = [&](const std::function<void()>& run) {
        prepare_buffers(op, d->pristine, d->work);
        const LatencyStats st = time_cpu(run, cfg, flusher);
        return std::make_pair(st.p50, op.compare(d->c, d->work, d->ref));
      };

      // foundry: the fastest recorded variant that still builds, runs and
      // passes here; the next ones stand in if it does not (noted).
      Side fk;
      const json* chosen = nullptr;
      std::unique_ptr<CpuKernel> kernel;
      std::unique_ptr<KernelArgs> args;
      std::function<void()> foundry_run;
      for (std::size_t i = 0; i < recs.size() && i < 3 && !chosen; ++i) {
        const json& rec = recs[i];
        if (!d || d->c.params != rec["params"].get<Params>()) d = make_case(op, rec);
        label = fmt::format("{} {} {}", op.name, to_string(d->c.dtype), shape_text(op, d->c));
        const std::string id = rec["id"].get<std::string>().substr(0, 12);
        std::ifstream src_in(dir / rec["source_path"].get<std::string>());
        std::stringstream src;
        src << src_in.rdbuf();
        BuildResult br = backend.compile(src.str(), template_flags_of(rec));
        ++compiles;
        cache_hits += br.cache_hit;
        if (!br.ok) {
          notes.push_back(fmt::format("{}: foundry variant {} no longer compiles; skipped", label, id));
          continue;
        }
        try {
          kernel = std::make_unique<CpuKernel>(br.artifact);
        } catch (const std::exception& e) {
          notes.push_back(fmt::format("{}: foundry variant {} does not load: {}; skipped", label, id, e.what()));
          continue;
        }
        args = std::make_unique<KernelArgs>(op, host_pointers(d->work), d->c);
        const int64_t grid = rec["launch"]["grid"];
        const int threads = rec["launch"]["threads"];
        foundry_run = [&, grid, threads] { kernel->launch(pool, args->args.data(), grid, threads); };
        const auto [p50, cr] = measure(foundry_run);
        if (cr.status != Status::ok) {
          notes.push_back(fmt::format("{}: foundry variant {} fails here ({}); skipped", label, id, cr.detail));
          continue;
        }
        chosen = &rec;
        fk.p50 = p50;
        fk.note = fmt::format("{}: foundry {} ×{} threads, session p50 {:.1f} µs", label,
                              rec["template_id"].get<std::string>(), threads, p50_of(rec));
        if (i > 0) fk.note += fmt::format(" (rank {} in the session)", i + 1);
      }
      if (!chosen) {
        fk.word = "failed";
        chosen = &recs.front();
        if (d->c.params != (*chosen)["params"].get<Params>()) d = make_case(op, *chosen);
        label = fmt::format("{} {} {}", op.name, to_string(d->c.dtype), shape_text(op, d->c));
      }

      // Peers, bound to the same buffers, timed in the same loop.
      std::vector<Side> peer_sides(libs.size());
      std::vector<std::function<void()>> peer_runs(libs.size());
      for (std::size_t li = 0; li < libs.size(); ++li) {
        const auto& lib = libs[li];
        Side& s = peer_sides[li];
        if (!lib.has(op.name)) continue;
        try {
          prepare_buffers(op, d->pristine, d->work);
          const peers::Runner r = lib.prepare(peers::PeerContext{op, d->c, d->work, pool});
          s.generic = r.generic;
          const auto [p50, cr] = measure(r.run);
          if (cr.status == Status::ok) {
            s.p50 = p50;
            peer_runs[li] = r.run;
            s.note = fmt::format("{}: {} {}", label, lib.name, r.note);
          } else {
            s.word = "wrong";
            s.note = fmt::format("{}: {} output rejected: {} ({})", label, lib.name, cr.detail, r.note);
          }
        } catch (const peers::Unsupported& e) {
          s.word = "unsupported";
          s.note = fmt::format("{}: {} unsupported: {}", label, lib.name, e.what());
        } catch (const std::exception& e) {
          s.word = "error";
          s.note = fmt::format("{}: {} error: {}", label, lib.name, e.what());
        }
      }

      // Further rounds alternate the sides again; each keeps its best p50, so
      // a burst of load from elsewhere does not decide the comparison.
      auto again = [&](Side& s, const std::function<void()>& run) {
        if (!s.p50 || s.generic) return;  // reference code is far off; one round of it is enough
        const auto [p50, cr] = measure(run);
        if (cr.status != Status::ok) {
          s.p50.reset();
          s.word = "wrong";
          s.note += fmt::format("; output rejected in a later round: {}", cr.detail);
          return;
        }
        s.p50 = std::min(*s.p50, p50);
      };
      for (int round = 1; round < rounds; ++round) {
        again(fk, foundry_run);
        for (std::size_t li = 0; li < libs.size(); ++li) again(peer_sides[li], peer_runs[li]);
      }
      if (fk.p50) fk.note += fmt::format(", here {:.1f} µs", *fk.p50);
      for (const Side* s : {&fk, &peer_sides[0], &peer_sides[1]})
        if (!s->note.empty()) notes.push_back(s->note);

      std::optional<double> fastest;
      for (const auto& s : peer_sides)
        if (s.p50 && (!fastest || *s.p50 < *fastest)) fastest = s.p50;
      const Traffic t = op.traffic(d->c);
      const double gbps = fk.p50 ? t.bytes / (*fk.p50 * 1e-6) / 1e9 : 0;
      rows.push_back(fmt::format(
          "| {} | {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} |", op.name, to_string(d->c.dtype),
          shape_text(op, d->c), (*chosen)["template_id"].get<std::string>(), knob_text((*chosen)["knobs"]),
          fk.cell(), fk.p50 ? fmt::format("{:.1f}", gbps) : "-",
          fk.p50 && copy_gbps > 0 ? fmt::format("{:.0f}%", 100.0 * gbps / copy_gbps) : "-", peer_sides[0].cell(),
          peer_sides[1].cell(), fk.p50 && fastest ? fmt::format("{:.2f}×", *fastest / *fk.p50) : "-"));
      std::cerr << fmt::format("[{}/{}] {}: p50 µs foundry {}, {} {}, {} {}\n", gi + 1, groups.size(), label,
                               fk.cell(), libs[0].name, peer_sides[0].cell(), libs[1].name, peer_sides[1].cell());
    }

    std::cout << fmt::format("## foundry vs CPU peers ({} regime) — session {}\n\n", regime, session_dir);
    std::cout << fmt::format("device: {} · copy bandwidth (session.json): {:.1f} GB/s · compiler: {}\n\n",
                             sj.value("device", "?"), copy_gbps, sj.value("compiler", "?"));
    // The table is only about the session's device if it was timed there.
    if (sj.value("device", "") != backend.device_name())
      std::cout << fmt::format("**warning**: timed on {}, not the session's device\n\n", backend.device_name());
    if (sj.value("compiler", "") != backend.compiler_identity())
      std::cout << fmt::format("**warning**: variants rebuilt with {}, not the session's compiler\n\n",
                               backend.compiler_identity());
    std::cout << fmt::format(
        "threads: foundry: each variant's launch.threads (in the notes) on a ThreadPool of {} · {} · {}\n\n", cores,
        libs[1].describe(cores), libs[0].describe(cores));
    std::cout << fmt::format(
        "timing: one process, time_cpu with BenchConfig defaults (warm-up {}, {}–{} runs, stop at {:.1f}% RSE of "
        "the median or {:g} s), last-level cache flushed between runs, on the same inputs (test 0 of each record's "
        "case); p50 in µs{}. GB/s and % of copy are foundry's, from the op's traffic model. Every latency shown "
        "passed the op contract's compare(). foundry variants rebuilt through the compile cache: {} of {} hits.\n\n",
        cfg.warmup, cfg.min_repeats, cfg.max_repeats, 100 * cfg.target_rse, cfg.max_seconds,
        rounds > 1 ? fmt::format(", best of {} alternating rounds per side", rounds) : "", cache_hits, compiles);
    std::cout << "| op | dtype | shape | foundry best (template, knobs) | foundry p50 µs | GB/s | % of copy | "
                 "oneDNN p50 µs | Eigen p50 µs | foundry ÷ fastest peer |\n";
    std::cout << "|---|---|---|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : rows) std::cout << r << "\n";
    std::cout << "\nfoundry ÷ fastest peer = fastest peer p50 / foundry p50 (>1: foundry is faster). "
                 "'-': no peer in that library; 'unsupported': the library cannot run that op/dtype here; "
                 "'(generic)': oneDNN had only its unoptimised reference code for it on this CPU.\n\n"
                 "Notes:\n";
    for (const auto& n : notes) std::cout << "- " << n << "\n";
  } catch (const std::exception& e) {
    std::cerr << "foundry_cpu_peers: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
