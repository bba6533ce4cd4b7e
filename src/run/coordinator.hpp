// `foundry run`: the coordinator, as a loop of steps in the manner of a tuning
// runner. It selects the ops and their search spaces, opens the session and
// restores every case search, then repeats: ask each search for proposals,
// materialise them (render + assemble into candidates), compile in a thread
// pool, evaluate in worker processes grouped by case, record, tell the
// outcomes back. It is the only writer of the session log. A failure inside a
// compile or evaluation becomes a harness_error record and the run goes on; a
// failure of the run itself (the log cannot be written) stops it with a
// message, keeping every record already appended.
#pragma once
#include <atomic>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "harness/eval_channel.hpp"
#include "harness/sanitizer_run.hpp"
#include "run/case_search.hpp"
#include "run/progress.hpp"
#include "run/record.hpp"
#include "run/run_config.hpp"
#include "run/session.hpp"

namespace foundry {

// What the loop runs on: a backend that compiles, facts of its row, and the
// channels that evaluate. From the backend table in a real run; fakes in tests.
struct RunServices {
  std::unique_ptr<Backend> backend;
  std::string timer;                                          // what latencies are measured with
  std::function<double(const std::string& device)> copy_gbps;  // measured copy bandwidth
  double floor_margin = 0;  // the suspect floor's margin over it (0: no floor)
  std::function<std::unique_ptr<EvalChannel>(int device)> make_channel;
  // Runs one request's checks under a sanitizer tool (--sanitize); unset where there is none.
  std::function<SanitizerOutcome(const std::string& tool, const EvalRequest&, const WorkerLimits&)> sanitize;
};

// A real run's services: the configured backend's row, worker processes of this executable.
RunServices backend_services(const RunConfig& cfg);

// One proposal made concrete.
struct Planned {
  CaseSearch* search = nullptr;
  Proposal proposal;
  Candidate candidate;
  const KernelTemplate* tmpl = nullptr;
  std::string violated;  // the constraint it breaks at the case's shape
  std::string error;     // why it could not be materialised (a harness_error)
  std::string injected;  // a deliberately broken twin (--inject-faults): how it was broken; never told
};

// A built candidate waiting for evaluation.
struct Job {
  Planned* planned = nullptr;
  std::string source_path;
  BuildResult build;
  Launch launch;
};

class Coordinator {
 public:
  Coordinator(RunConfig cfg, RunServices services);
  ~Coordinator();
  RunSummary run();

  // The steps, in the order run() takes them.
  void select();
  // The cases select() chose, op by op in schedule order, with their budgets.
  std::vector<ScheduledCase> cases() const;
  void open_session();
  std::vector<Planned> ask();
  Planned materialise(CaseSearch& search, const Proposal& p) const;
  // The proposal's broken twin, for a share --inject-faults of proposals
  // (deterministic in seed, case and seq): a compile error or an entry point
  // that skips the last block. Recorded with strategy "injected", never told.
  std::optional<Planned> injected_twin(const Planned& p) const;
  std::optional<Job> compile(Planned& p);
  // `next`: the case this channel is asked for after this one, built ahead where the worker can.
  void evaluate(Job& job, EvalChannel& channel, const CaseHint& next = {});
  void record(Planned& p, RecordInputs in);
  void tell();
  // After the search: the best trusted variants of each case searched are
  // checked again on fresh seeds (--confirm) and under the backend's
  // sanitizers (--sanitize); outcomes go to confirmations.ndjson.
  void confirm();

  const Session& session() const { return *session_; }

 private:
  struct OpSearch {
    const OpContract* op = nullptr;
    std::unique_ptr<SearchSpace> space;
    std::vector<std::unique_ptr<CaseSearch>> cases;
  };
  // Compiles and evaluates one round, in chunks (overlapped where the backend says so).
  void process(std::vector<Planned>& round);
  std::vector<Job> compile_chunk(std::vector<Planned>& round, std::size_t b0, std::size_t b1);
  // `after`: the case its channels are asked for once this chunk's cases are done.
  void evaluate_chunk(std::vector<Job>& jobs, const CaseHint& after);
  // Runs step() for one candidate; an exception becomes its harness_error record,
  // and one while recording that stops the run.
  void guarded(Planned& p, const std::function<void()>& step, const std::optional<Launch>& launch = std::nullopt,
               const BuildResult* build = nullptr);
  void save_searches();
  // The request that judges a built variant on a case (`seed`: its base input seed).
  EvalRequest eval_request(const std::string& op, DType dtype, const Shape& shape, const Params& params, uint64_t seed,
                           const BuildResult& build, const Launch& launch) const;
  // One confirmation of a record: its checks on `seed`, in a worker or under `tool`.
  Confirmation confirm_one(const Record& r, const std::string& check, uint64_t seed, const CaseHint& next = {});
  // The confirm pass's fresh-seed case after case key `after` ("": its first),
  // in the order confirm() takes them; none when hints are off or none is left.
  CaseHint confirm_case_after(const std::string& after) const;
  // Whether requests carry the next case (the backend's workers build it while
  // the device runs the current one).
  bool hints() const { return svc_.backend->overlaps_compile() && !cfg_.compile_only; }
  CaseHint hint_of(const Candidate& c) const {
    return {c.op, c.dtype, c.shape, c.params, c.input_seed, cfg_.correctness_tests};
  }
  // The case a record's fresh-seed checks run on (the confirm pass's seed).
  CaseHint fresh_case(const Record& r) const {
    return {r.op, r.dtype, r.shape, r.params, confirm_seed(r.input_seed, 0), cfg_.correctness_tests};
  }
  // Curriculum: whether an op's stage is open, and opening the next once every
  // op of the highest open stage has its share of correct variants.
  bool unlocked(const OpContract& op) const { return op.stage <= stage_; }
  void maybe_unlock();
  std::string run_flags() const;

  RunConfig cfg_;
  RunServices svc_;
  std::vector<KernelTemplate> templates_;
  std::vector<OpSearch> ops_;
  std::unique_ptr<Session> session_;
  nlohmann::json session_json_;
  nlohmann::json search_state_;
  RecordContext rctx_;
  std::string checker_;  // the backend's worker-side check artifact
  std::string ref_cache_;        // the reference cache's directory ("": none)
  uint64_t ref_cache_bytes_ = 0;  // and its cap
  std::vector<std::unique_ptr<EvalChannel>> channels_;
  std::unique_ptr<Progress> progress_;
  RunSummary summary_;
  int jobs_ = 1;
  int stage_ = 0;                                         // highest open stage
  std::map<std::string, std::pair<int, int>> tally_;      // op -> (attempts, ok) in the session

  std::mutex mu_;  // guards outcomes_ and summary_ counts
  std::vector<std::pair<CaseSearch*, Outcome>> outcomes_;
  std::atomic<bool> stop_{false};
  std::exception_ptr stop_error_;
};

// Builds the backend's services and runs the loop. Throws std::invalid_argument
// / std::runtime_error with a message naming the bad op, flag, file or directory.
RunSummary run(const RunConfig& cfg);
// The cases such a run would cover (its select() step alone): nothing is
// compiled, run or written.
std::vector<ScheduledCase> planned_cases(const RunConfig& cfg);

}  // namespace foundry
