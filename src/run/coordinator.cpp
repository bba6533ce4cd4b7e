#include "run/coordinator.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/backend_table.hpp"
#include "harness/worker_process.hpp"
#include "ops/registry.hpp"
#include "run/strategy_coverage.hpp"

namespace foundry {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot locate the foundry executable for worker processes");
  return p.string();
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

RunServices backend_services(const RunConfig& cfg) {
  const BackendRow& row = backend_row(cfg.backend);
  RunServices s;
  s.backend = row.make_backend(BackendOptions{cfg.cxx, cfg.arch, cfg.cache_root});
  s.backend->compile_in_processes(self_exe());
  s.timer = row.timer;
  s.copy_gbps = [&row, root = cfg.cache_root](const std::string& device) { return row.copy_gbps(root, device); };
  s.floor_margin = row.floor_margin;
  s.make_channel = [exe = self_exe(), backend = cfg.backend](int device) -> std::unique_ptr<EvalChannel> {
    return std::make_unique<WorkerProcess>(exe, backend, device);
  };
  if (cfg.sanitize && !s.backend->sanitizer_tools().empty())
    if (std::string tool = find_compute_sanitizer(); !tool.empty())
      s.sanitize = [tool, exe = self_exe(), backend = cfg.backend](const std::string& check, const EvalRequest& req,
                                                                  const WorkerLimits& limits) {
        return run_sanitized(tool, check, exe, backend, 0, req, limits);
      };
  return s;
}

RunSummary run(const RunConfig& cfg) { return Coordinator(cfg, backend_services(cfg)).run(); }

std::vector<ScheduledCase> planned_cases(const RunConfig& cfg) {
  Coordinator c(cfg, backend_services(cfg));
  c.select();
  return c.cases();
}

std::vector<ScheduledCase> Coordinator::cases() const {
  std::vector<ScheduledCase> out;
  for (const auto& s : ops_)
    for (const auto& cs : s.cases) out.push_back(cs->scheduled());
  return out;
}

Coordinator::Coordinator(RunConfig cfg, RunServices services) : cfg_(std::move(cfg)), svc_(std::move(services)) {}

Coordinator::~Coordinator() = default;

void Coordinator::select() {
  if (cfg_.budget.per_op < 1) throw std::invalid_argument(fmt::format("--n {}: must be at least 1", cfg_.budget.per_op));
  if (cfg_.budget.per_case < 0)
    throw std::invalid_argument(fmt::format("--n-per-case {}: must be at least 1", cfg_.budget.per_case));
  if (cfg_.workers < 1) throw std::invalid_argument(fmt::format("--workers {}: must be at least 1", cfg_.workers));
  if (cfg_.correctness_tests < 1)
    throw std::invalid_argument(fmt::format("--correctness-tests {}: must be at least 1", cfg_.correctness_tests));
  const StrategyRow& strategy = strategy_row(cfg_.mode);
  check_strategy_options(cfg_.strategy_options);
  const auto& reg = Registry::instance();
  for (const auto& o : cfg_.ops) reg.get(o);  // unknown op -> error naming it

  const Backend& backend = *svc_.backend;
  templates_ = discover_templates(cfg_.template_root);
  std::map<std::string, std::vector<const KernelTemplate*>> by_op;
  for (const auto& t : templates_)
    if (t.backend == backend.name()) by_op[t.op].push_back(&t);
  for (const auto& [op, ts] : by_op)
    if (!reg.find(op))
      throw std::runtime_error(fmt::format("templates for unknown op '{}' under {}", op, cfg_.template_root.string()));
  std::vector<const OpContract*> ops;
  if (cfg_.ops.empty()) {
    for (const auto& o : reg.ops())
      if (by_op.count(o->name)) ops.push_back(o.get());
  } else {
    for (const auto& o : cfg_.ops) {
      if (!by_op.count(o)) throw std::invalid_argument(fmt::format("op '{}' has no {} templates yet", o, backend.name()));
      ops.push_back(&reg.get(o));
    }
  }
  // Curriculum: --stage caps the stages; --auto-curriculum opens them one by one.
  const Curriculum& cur = cfg_.curriculum;
  if (cur.stage < 0) throw std::invalid_argument(fmt::format("--stage {}: must be at least 1", cur.stage));
  if (cur.unlock_share < 0 || cur.unlock_share > 1)
    throw std::invalid_argument(fmt::format("--unlock-share {}: must be in [0, 1]", cur.unlock_share));
  if (!(cfg_.inject_faults >= 0 && cfg_.inject_faults <= 1))
    throw std::invalid_argument(fmt::format("--inject-faults {}: must be in [0, 1]", cfg_.inject_faults));
  if (cur.unlock_attempts < 1)
    throw std::invalid_argument(fmt::format("--unlock-attempts {}: must be at least 1", cur.unlock_attempts));
  if (cur.stage > 0) {
    std::vector<const OpContract*> kept;
    for (const OpContract* op : ops) {
      if (op->stage <= cur.stage) kept.push_back(op);
      else if (!cfg_.ops.empty())
        throw std::invalid_argument(fmt::format("--ops {}: it is in stage {}, beyond --stage {}", op->name, op->stage, cur.stage));
    }
    if (kept.empty()) throw std::invalid_argument(fmt::format("--stage {}: no op with {} templates in stages up to it", cur.stage, backend.name()));
    ops = std::move(kept);
  }
  stage_ = 0;
  for (const OpContract* op : ops) stage_ = cur.automatic ? (stage_ == 0 ? op->stage : std::min(stage_, op->stage)) : std::max(stage_, op->stage);
  ops_.clear();
  for (const OpContract* op : ops) {
    OpSearch s;
    s.op = op;
    s.space = std::make_unique<SearchSpace>(by_op[op->name]);
    for (const auto& sc : schedule_cases(*op, backend, cfg_.regimes, cfg_.dtypes, cfg_.seed, cfg_.budget, cfg_.cases))
      s.cases.push_back(std::make_unique<CaseSearch>(sc, *s.space, strategy, cfg_.seed, cfg_.strategy_options));
    if (s.cases.empty() && !(cfg_.cases.shape.empty() && cfg_.cases.params.empty()))
      throw std::invalid_argument(fmt::format("--shape/--param: no case of {} has those values (see its shapes with --shapes)", op->name));
    ops_.push_back(std::move(s));
  }
  backend.require_runnable(cfg_.compile_only);
  if (cfg_.confirm_top < 0) throw std::invalid_argument(fmt::format("--confirm {}: must be at least 0", cfg_.confirm_top));
  if (cfg_.sanitize) {
    if (backend.sanitizer_tools().empty())
      throw std::invalid_argument(fmt::format("--sanitize: the {} backend has no sanitizer to run (its checks run with "
                                              "guard pages after every buffer)", backend.name()));
    if (cfg_.compile_only) throw std::invalid_argument("--sanitize: runs kernels; not with --compile-only");
    if (!svc_.sanitize)
      throw std::invalid_argument("--sanitize: compute-sanitizer not found on PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin");
  }
}

std::string Coordinator::run_flags() const {
  std::string f = fmt::format("--backend {} --seed {} --correctness-tests {} --warmup {} --repeats {} --bench-timeout {}",
                              cfg_.backend, cfg_.seed, cfg_.correctness_tests, cfg_.bench.warmup, cfg_.bench.max_repeats,
                              cfg_.limits.phase_s);
  if (!cfg_.bench.flush_cache) f += " --no-flush";
  if (cfg_.host_checks) f += " --host-checks";
  if (cfg_.compile_only) f += " --compile-only";
  if (!cfg_.arch.empty()) f += " --arch " + cfg_.arch;
  return f;
}

void Coordinator::open_session() {
  const Backend& backend = *svc_.backend;
  session_ = std::make_unique<Session>(cfg_.session_dir);
  if (!cfg_.compile_only) checker_ = backend.checker_artifact();
  // The reference cache, where asked for; not for guarded workers: their filter refuses file writes.
  if (cfg_.ref_cache_gib > 0 && !cfg_.cache_root.empty() && !(cfg_.limits.guard && backend_row(backend.name()).guard_workers)) {
    ref_cache_ = (cfg_.cache_root / backend.name() / "references").string();
    ref_cache_bytes_ = static_cast<uint64_t>(cfg_.ref_cache_gib * static_cast<double>(uint64_t{1} << 30));
  }

  RecordEnv env;
  env.device = backend.device_name();
  env.compiler = backend.compiler_identity();
  if (!cfg_.compile_only && svc_.copy_gbps) env.copy_gbps = svc_.copy_gbps(env.device);
  env.run_seed = cfg_.seed;
  rctx_ = RecordContext{env, svc_.timer, backend.render_flags(), run_flags(), cfg_.mode};
  // The floor holds for runs from a flushed cache only.
  if (cfg_.bench.flush_cache) rctx_.floor_margin = svc_.floor_margin;

  // Every case search continues from the saved state, checked against the log.
  search_state_ = session_->read_json("search_state.json");
  if (!search_state_.is_object()) search_state_ = json{{"schema", 1}, {"strategies", json::object()}};
  std::map<std::string, std::vector<Outcome>> logged;  // op + case key -> outcomes of this strategy
  for (const Record& r : session_->records()) {
    if (r.strategy.name != cfg_.mode) continue;
    logged[r.op + "\n" + r.case_key()].push_back(Outcome{r.strategy.seq, {}, r.status, r.cost()});
  }
  const json& mine = search_state_["strategies"].contains(cfg_.mode) ? search_state_["strategies"][cfg_.mode] : json();
  for (auto& s : ops_) {
    // Points of the logged outcomes, by id: the records hold template and knobs.
    std::map<std::string, Point> points;
    for (const Record& r : session_->records())
      if (r.op == s.op->name && r.strategy.name == cfg_.mode)
        if (auto p = s.space->point(r.template_id, r.knobs)) points[r.case_key() + "\n" + std::to_string(r.strategy.seq)] = *p;
    for (auto& cs : s.cases) {
      const std::string& key = cs->scheduled().spec.key;
      std::vector<Outcome> outs;
      for (auto& o : logged[s.op->name + "\n" + key]) {
        auto it = points.find(key + "\n" + std::to_string(o.seq));
        if (it == points.end()) continue;  // its template or knob value is gone
        o.point = it->second;
        outs.push_back(o);
      }
      json saved;
      if (mine.is_object() && mine.contains(s.op->name) && mine[s.op->name].contains(key)) saved = mine[s.op->name][key];
      if (saved.is_null() && outs.empty()) continue;  // a fresh search
      (cs->restore(saved, std::move(outs)) ? summary_.searches_restored : summary_.searches_rebuilt)++;
    }
  }

  for (const Record& r : session_->records()) {
    if (r.strategy.name == "injected") continue;
    auto& [attempts, ok] = tally_[r.op];
    ++attempts;
    ok += r.status == Status::ok;
  }
  if (cfg_.curriculum.automatic) maybe_unlock();  // a resumed run opens what its log already earned

  // session.json keeps the first run's header and appends each run's config.
  json sj = session_->read_json("session.json");
  if (!sj.is_object()) sj = json{{"created", now_iso()}, {"runs", json::array()}};
  sj["foundry_version"] = FOUNDRY_VERSION;
  sj["record_schema"] = kRecordSchema;
  sj["backend"] = backend.name();
  sj["device"] = env.device;
  sj["compiler"] = env.compiler;
  sj["copy_gbps"] = env.copy_gbps;
  std::vector<std::string> regime_names, dtype_names, op_names;
  for (auto r : cfg_.regimes) regime_names.push_back(to_string(r));
  for (auto d : cfg_.dtypes) dtype_names.push_back(to_string(d));
  for (const auto& s : ops_) op_names.push_back(s.op->name);
  sj["runs"].push_back({{"command", cfg_.command_line}, {"ops", op_names}, {"n_per_op", cfg_.budget.per_op},
                        {"n_per_case", cfg_.budget.per_case > 0 ? json(cfg_.budget.per_case) : json()},
                        {"mode", cfg_.mode},
                        {"strategy_options", {{"cem_generation", cfg_.strategy_options.cem_generation},
                                              {"cem_elite", cfg_.strategy_options.cem_elite},
                                              {"cem_smoothing", cfg_.strategy_options.cem_smoothing},
                                              {"cem_floor", cfg_.strategy_options.cem_floor}}},
                        {"seed", cfg_.seed}, {"shapes", regime_names}, {"dtypes", dtype_names},
                        {"correctness_tests", cfg_.correctness_tests}, {"warmup", cfg_.bench.warmup},
                        {"compile_only", cfg_.compile_only}, {"host_checks", cfg_.host_checks},
                        {"max_repeats", cfg_.bench.max_repeats}, {"workers", cfg_.workers},
                        {"searches", {{"restored", summary_.searches_restored}, {"rebuilt", summary_.searches_rebuilt}}},
                        {"curriculum", {{"stage", cfg_.curriculum.stage > 0 ? json(cfg_.curriculum.stage) : json()},
                                        {"automatic", cfg_.curriculum.automatic},
                                        {"unlock_share", cfg_.curriculum.unlock_share},
                                        {"unlock_attempts", cfg_.curriculum.unlock_attempts},
                                        {"unlocked", json::array()}}}});
  session_->write_json("session.json", sj);
  session_json_ = std::move(sj);
}

void Coordinator::save_searches() {
  json& mine = search_state_["strategies"][cfg_.mode];
  for (const auto& s : ops_)
    for (const auto& cs : s.cases)
      if (cs->told() > 0 || cs->unasked() < cs->scheduled().budget) mine[s.op->name][cs->scheduled().spec.key] = cs->save();
  session_->write_json("search_state.json", search_state_);
}

Planned Coordinator::materialise(CaseSearch& search, const Proposal& p) const {
  Planned pl;
  pl.search = &search;
  pl.proposal = p;
  const CaseSpec& cs = search.scheduled().spec;
  Candidate& c = pl.candidate;
  c.op = cs.op;
  c.backend = svc_.backend->name();
  c.dtype = cs.dtype;
  c.regime = cs.regime;
  c.shape = cs.shape;
  c.params = cs.params;
  c.input_seed = cs.input_seed;
  try {
    pl.tmpl = &search.space().tmpl_of(p.point);
    c.template_id = pl.tmpl->id;
    c.knobs = search.space().knobs(p.point);
    pl.violated = violated_constraint(*pl.tmpl, c.shape, c.knobs);
    c.source = svc_.backend->assemble(Registry::instance().get(c.op), c.dtype, render(*pl.tmpl, c.knobs));
  } catch (const std::exception& e) {
    pl.error = fmt::format("materialising {} {}: {}", c.op, c.template_id, e.what());
    c.source.clear();
  }
  finalize_identity(c);
  return pl;
}

std::optional<Planned> Coordinator::injected_twin(const Planned& p) const {
  if (cfg_.inject_faults <= 0 || !p.error.empty() || !p.violated.empty()) return std::nullopt;
  SeededStream draws(cfg_.seed, "inject/" + p.search->scheduled().spec.key + "/" + std::to_string(p.proposal.seq));
  constexpr std::size_t kScale = 1u << 20;
  if (static_cast<double>(draws.below(kScale)) >= cfg_.inject_faults * kScale) return std::nullopt;
  Planned twin = p;
  const Candidate& c = p.candidate;
  if (draws.below(2) == 0) {
    twin.injected = "compile_error";
    twin.candidate.source = c.source + "\n#error \"foundry: injected compile error (--inject-faults)\"\n";
  } else {
    twin.injected = "skip_last_block";
    twin.candidate.source = svc_.backend->assemble(Registry::instance().get(c.op), c.dtype, render(*p.tmpl, c.knobs),
                                                   Backend::Entry::skip_last_block);
  }
  finalize_identity(twin.candidate);
  return twin;
}

std::vector<Planned> Coordinator::ask() {
  std::vector<Planned> round;
  for (auto& s : ops_) {
    if (!unlocked(*s.op)) continue;
    for (auto& cs : s.cases)
      for (const Proposal& p : cs->ask()) {
        Planned pl = materialise(*cs, p);
        ++summary_.planned;
        // Already in the log (another seed's case, an earlier strategy): its outcome is told, nothing is redone.
        if (auto r = session_->find(pl.candidate.id)) {
          ++summary_.skipped;
          std::lock_guard lk(mu_);
          outcomes_.emplace_back(cs.get(), Outcome{p.seq, p.point, r->status, r->cost()});
          continue;
        }
        std::optional<Planned> twin = injected_twin(pl);
        round.push_back(std::move(pl));
        if (twin && !session_->recorded(twin->candidate.id)) round.push_back(std::move(*twin));
      }
  }
  return round;
}

void Coordinator::record(Planned& p, RecordInputs in) {
  in.candidate = &p.candidate;
  in.seq = p.proposal.seq;
  Record r = make_record(Registry::instance().get(p.candidate.op), in, rctx_);
  if (!p.injected.empty()) r.strategy.name = "injected";
  const bool appended = session_->append(r);
  std::lock_guard lk(mu_);
  if (p.injected.empty()) outcomes_.emplace_back(p.search, Outcome{p.proposal.seq, p.proposal.point, r.status, r.cost()});
  if (!appended) return;
  ++summary_.recorded;
  ++summary_.by_status[to_string(r.status)];
  if (progress_) progress_->add(r);
  if (!p.injected.empty()) return;  // the curriculum counts what the strategies proposed
  auto& [attempts, ok] = tally_[r.op];
  ++attempts;
  ok += r.status == Status::ok;
}

void Coordinator::maybe_unlock() {
  const Curriculum& cur = cfg_.curriculum;
  for (;;) {
    int next = 0;
    for (const auto& s : ops_)
      if (s.op->stage > stage_ && (next == 0 || s.op->stage < next)) next = s.op->stage;
    if (next == 0) {
      summary_.locked.clear();
      return;
    }
    std::vector<std::string> short_of;
    json ops = json::object();
    {
      std::lock_guard lk(mu_);
      for (const auto& s : ops_) {
        if (s.op->stage != stage_) continue;
        const auto [attempts, ok] = tally_[s.op->name];
        ops[s.op->name] = {{"attempts", attempts}, {"ok", ok}};
        if (attempts < cur.unlock_attempts || ok < cur.unlock_share * attempts)
          short_of.push_back(fmt::format("{} {}/{} ok", s.op->name, ok, attempts));
      }
    }
    if (!short_of.empty()) {
      summary_.locked = fmt::format("stage {} stays locked: {} (each op of stage {} needs {:.0f}% correct over at least {} attempts)",
                                    next, fmt::join(short_of, ", "), stage_, 100 * cur.unlock_share, cur.unlock_attempts);
      return;
    }
    stage_ = next;
    if (!session_json_.is_null())
      session_json_["runs"].back()["curriculum"]["unlocked"].push_back(
          {{"stage", stage_}, {"after_records", session_->recorded_count()}, {"by", ops}, {"ts", now_iso()}});
    if (progress_) progress_->set_note(fmt::format("stage {}", stage_));
    std::fprintf(stderr, "%scurriculum: stage %d unlocked (%s)\n", cfg_.progress_tty ? "\r\033[K" : "", stage_, ops.dump().c_str());
  }
}

void Coordinator::tell() {
  std::vector<std::pair<CaseSearch*, Outcome>> outs;
  {
    std::lock_guard lk(mu_);
    outs.swap(outcomes_);
  }
  std::map<CaseSearch*, std::vector<Outcome>> by_search;
  for (auto& [s, o] : outs) by_search[s].push_back(std::move(o));
  for (auto& [s, o] : by_search) s->tell(o);
  save_searches();
  if (cfg_.curriculum.automatic) maybe_unlock();
}

void Coordinator::guarded(Planned& p, const std::function<void()>& step, const std::optional<Launch>& launch,
                          const BuildResult* build) {
  if (stop_) return;
  try {
    step();
  } catch (const std::exception& e) {
    try {
      RecordInputs in;
      in.status = Status::harness_error;
      in.error = e.what();
      in.launch = launch;
      in.build = build;
      in.source_path = p.candidate.source.empty() ? "" : fmt::format("kernels/{}.{}", p.candidate.source_sha256,
                                                                       svc_.backend->source_extension());
      record(p, in);
    } catch (...) {
      std::lock_guard lk(mu_);
      if (!stop_error_) stop_error_ = std::current_exception();
      stop_ = true;
    }
  }
}

std::optional<Job> Coordinator::compile(Planned& p) {
  const Backend& backend = *svc_.backend;
  const Candidate& c = p.candidate;
  RecordInputs in;
  if (!p.error.empty()) {
    in.status = Status::harness_error;
    in.error = p.error;
    record(p, in);
    return std::nullopt;
  }
  in.source_path = session_->write_kernel(c.source_sha256, backend.source_extension(), c.source);
  if (!p.violated.empty()) {
    in.status = Status::invalid_knobs;
    in.error = "constraint violated: " + p.violated;
    record(p, in);
    return std::nullopt;
  }
  Launch launch;
  try {
    const auto syms = expression_symbols(c.shape, c.knobs);
    const auto& geo = p.tmpl->launch;
    launch.grid = eval_int(geo.count("grid") ? geo.at("grid") : "1", syms);
    launch.threads = static_cast<int>(eval_int(geo.count("threads") ? geo.at("threads") : "1", syms));
    launch.smem = geo.count("smem") ? eval_int(geo.at("smem"), syms) : 0;
    launch = backend.effective_launch(launch);
  } catch (const std::exception& e) {
    in.status = Status::launch_error;
    in.error = e.what();
    record(p, in);
    return std::nullopt;
  }
  in.launch = launch;
  Job job{&p, in.source_path, backend.compile(c.source, template_flags(*p.tmpl, c.knobs)), launch};
  in.build = &job.build;
  if (!job.build.ok) {
    in.status = job.build.status;
    in.error = "compilation failed";
  } else if (std::string over = backend.launch_limit(launch, job.build); !over.empty()) {
    in.status = Status::resource_limit;
    in.error = over;
  } else if (cfg_.compile_only) {
    in.status = Status::compiled;
  } else {
    return job;
  }
  record(p, in);
  return std::nullopt;
}

EvalRequest Coordinator::eval_request(const std::string& op, DType dtype, const Shape& shape, const Params& params,
                                      uint64_t seed, const BuildResult& build, const Launch& launch) const {
  EvalRequest req;
  req.op = op;
  req.dtype = dtype;
  req.shape = shape;
  req.params = params;
  req.seed = seed;
  req.artifact = build.artifact.string();
  req.grid = launch.grid;
  req.threads = launch.threads;
  req.smem = launch.smem;
  req.n_tests = cfg_.correctness_tests;
  req.bench = cfg_.bench;
  req.checker = checker_;
  req.host_checks = cfg_.host_checks;
  req.ref_cache = ref_cache_;
  req.ref_cache_bytes = ref_cache_bytes_;
  return req;
}

void Coordinator::evaluate(Job& job, EvalChannel& channel, const CaseHint& next) {
  const Candidate& c = job.planned->candidate;
  EvalRequest req = eval_request(c.op, c.dtype, c.shape, c.params, c.input_seed, job.build, job.launch);
  req.next = next;
  const EvalResult er = channel.evaluate(req, cfg_.limits);
  RecordInputs in;
  in.source_path = job.source_path;
  in.status = er.status;
  in.error = er.error;
  in.launch = job.launch;
  in.build = &job.build;
  in.eval = &er;
  record(*job.planned, in);
}

std::vector<Job> Coordinator::compile_chunk(std::vector<Planned>& round, std::size_t b0, std::size_t b1) {
  std::vector<Job> built;
  std::mutex bmu;
  std::atomic<std::size_t> next{b0};
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (std::size_t i = next++; i < b1 && !stop_; i = next++) {
      Planned& p = round[i];
      guarded(p, [&] {
        if (auto job = compile(p)) {
          std::lock_guard lk(bmu);
          built.push_back(std::move(*job));
        }
      });
    }
  };
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs_; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  // Back in plan order, so candidates of one case stay together.
  std::sort(built.begin(), built.end(), [](const Job& a, const Job& b) { return a.planned < b.planned; });
  std::lock_guard lk(mu_);
  summary_.compile_s += seconds_since(t0);
  return built;
}

void Coordinator::evaluate_chunk(std::vector<Job>& jobs, const CaseHint& after) {
  const auto t0 = std::chrono::steady_clock::now();
  // Grouped by case: a worker builds each case's inputs and reference once.
  // Groups in plan order (jobs are): the next chunk starts with the case this
  // one ends with, which its worker still holds.
  std::map<std::string, std::size_t> group_of;
  std::deque<std::vector<Job*>> queue;
  for (auto& j : jobs) {
    const auto [it, fresh] = group_of.emplace(case_key(j.planned->candidate), queue.size());
    if (fresh) queue.emplace_back();
    queue[it->second].push_back(&j);
  }
  std::mutex qmu;
  // While a case runs, its worker builds the next one's inputs and
  // references: the next group's case, or after the last, `after`.
  auto worker = [&](EvalChannel& ch) {
    for (;;) {
      std::vector<Job*> g;
      CaseHint next;
      {
        std::lock_guard lk(qmu);
        if (queue.empty() || stop_) return;
        g = std::move(queue.front());
        queue.pop_front();
        if (hints()) next = queue.empty() ? after : hint_of(queue.front().front()->planned->candidate);
      }
      for (Job* j : g) guarded(*j->planned, [&] { evaluate(*j, ch, next); }, j->launch, &j->build);
    }
  };
  std::vector<std::thread> threads;
  for (auto& ch : channels_) threads.emplace_back(worker, std::ref(*ch));
  for (auto& t : threads) t.join();
  summary_.evaluate_s += seconds_since(t0);
}

void Coordinator::process(std::vector<Planned>& round) {
  // cpu: compile, then time with nothing else running. Where the backend
  // overlaps, the next chunk compiles on the host while the device evaluates
  // this one; chunks are then one round of compiles each, so the device
  // starts early and waits at most one round at the end.
  const bool overlap = svc_.backend->overlaps_compile() && !cfg_.compile_only;
  const std::size_t batch = static_cast<std::size_t>(overlap ? std::max(1, jobs_) : std::max(16, 4 * jobs_));
  std::vector<std::size_t> bounds{0};
  for (std::size_t b = batch;; b += batch) {
    bounds.push_back(std::min(b, round.size()));
    if (b >= round.size()) break;
  }
  // The first case of the round after chunk k's cases, or the confirm pass's first.
  auto after_chunk = [&](std::size_t k) {
    if (!hints()) return CaseHint{};
    std::set<std::string> here;
    for (std::size_t i = bounds[k - 1]; i < bounds[k]; ++i) here.insert(case_key(round[i].candidate));
    for (std::size_t i = bounds[k]; i < round.size(); ++i)
      if (!here.count(case_key(round[i].candidate))) return hint_of(round[i].candidate);
    return confirm_case_after("");
  };
  // The first case's inputs and references are built while its variants
  // compile (a failure there comes back with the case's first request).
  std::future<void> first_case;
  if (hints() && !channels_.empty() && !round.empty()) {
    const Candidate& c = round.front().candidate;
    EvalRequest req = eval_request(c.op, c.dtype, c.shape, c.params, c.input_seed, BuildResult{}, Launch{});
    req.prepare_only = true;
    first_case = std::async(std::launch::async, [this, req] {
      try {
        channels_.front()->evaluate(req, cfg_.limits);
      } catch (...) {
      }
    });
  }
  std::vector<Job> current = compile_chunk(round, bounds[0], bounds[1]);
  if (first_case.valid()) first_case.wait();
  for (std::size_t k = 1; k < bounds.size() && !stop_; ++k) {
    const bool more = k + 1 < bounds.size();
    std::future<std::vector<Job>> next;
    if (more && overlap)
      next = std::async(std::launch::async, [&, k] { return compile_chunk(round, bounds[k], bounds[k + 1]); });
    if (!current.empty()) evaluate_chunk(current, after_chunk(k));
    tell();
    if (!more) break;
    current = overlap ? next.get() : compile_chunk(round, bounds[k], bounds[k + 1]);
  }
  tell();
}

RunSummary Coordinator::run() {
  select();
  open_session();
  const int64_t cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  jobs_ = cfg_.jobs > 0 ? cfg_.jobs : static_cast<int>(cores);
  int total = 0;
  for (const auto& s : ops_)
    for (const auto& cs : s.cases) total += std::max(0, cs->scheduled().budget - cs->told());
  progress_ = std::make_unique<Progress>(total, cfg_.progress_tty);
  if (cfg_.curriculum.automatic) progress_->set_note(fmt::format("stage {}", stage_));
  if (!cfg_.compile_only)
    for (int device : svc_.backend->worker_devices(cfg_.workers, cfg_.workers_given))
      channels_.push_back(svc_.make_channel(device));
  // Workers start now: a cuda worker creates its device context while the first variants compile.
  for (auto& ch : channels_) ch->prepare(cfg_.limits);

  tell();  // outcomes caught up while restoring
  for (;;) {
    std::vector<Planned> round = ask();
    if (round.empty()) {
      tell();
      // Done unless reused outcomes freed budget for more proposals.
      bool more = false;
      for (const auto& s : ops_)
        if (unlocked(*s.op))
          for (const auto& cs : s.cases) more |= cs->unasked() > 0 && !cs->exhausted();
      if (!more) break;
      continue;
    }
    save_searches();  // what is in flight survives a kill
    process(round);
    if (stop_) break;
  }
  progress_->finish();
  summary_.total_s = progress_->seconds();
  if (!stop_) confirm();
  // Reference-cache entries still being written are finished, not lost.
  if (cfg_.ref_cache_gib > 0)
    for (auto& ch : channels_) ch->end(120);
  summary_.stage = stage_;
  for (const auto& s : ops_)
    for (const auto& cs : s.cases) {
      if (cs->points_told().empty()) continue;
      PairCoverage c;
      for (const auto& t : pairwise_coverage(ValidPoints(*s.space, cs->scheduled().spec.shape), cs->points_told())) c += t;
      summary_.pairs_covered += c.covered;
      summary_.pairs_total += c.total;
    }

  json& entry = session_json_["runs"].back();
  entry["recorded"] = summary_.recorded;
  entry["skipped"] = summary_.skipped;
  entry["by_status"] = summary_.by_status;
  if (cfg_.curriculum.automatic) {
    entry["curriculum"]["reached"] = stage_;
    entry["curriculum"]["locked"] = summary_.locked.empty() ? json() : json(summary_.locked);
  }
  entry["seconds"] = {{"compile", summary_.compile_s}, {"evaluate", summary_.evaluate_s}, {"total", summary_.total_s}};
  entry["pair_coverage"] = {{"covered", summary_.pairs_covered}, {"total", summary_.pairs_total}};
  entry["confirm"] = {{"top", cfg_.confirm_top}, {"repeats", cfg_.confirm_repeats}, {"sanitize", cfg_.sanitize},
                      {"checks", summary_.confirm_checks}, {"confirmed", summary_.confirmed},
                      {"unconfirmed", summary_.unconfirmed}, {"sanitizer", summary_.sanitizer},
                      {"nondeterministic", summary_.nondeterministic}, {"seconds", summary_.confirm_s}};
  if (stop_) {
    std::string why = "unknown failure";
    try {
      std::rethrow_exception(stop_error_);
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
    }
    entry["stopped"] = why;
    try {
      session_->write_json("session.json", session_json_);
    } catch (...) {
    }
    throw std::runtime_error(fmt::format("run stopped: {}; the {} records appended before are kept in {}", why,
                                         session_->recorded_count(), cfg_.session_dir.string()));
  }
  session_->write_json("session.json", session_json_);
  return summary_;
}

}  // namespace foundry
