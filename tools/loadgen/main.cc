// loadgen: load generator for auth.v1.AuthService on this machine (loopback only).
//
//   loadgen --target=127.0.0.1:50051 --scenario=login --concurrency=64 --connections=4
//       --warmup=2s --duration=10s [--server_pid=PID]
//   loadgen --scenario=empty --target=127.0.0.1:PORT_OF_EMPTY_SERVER
//   loadgen --scenario=login --calls=1000 --concurrency=1000 --deadline=2s --label=flood
//   loadgen --scenario=hash_floor
//
// Closed loop by default (--concurrency calls always in flight); --rate=N runs an open loop at
// N calls/s; --calls=N sends exactly N calls (a burst when --concurrency=N). Prints one JSON
// line per run on stdout (see stats.h); progress goes to stderr. With --server_pid it also
// reports the server's CPU per call and RSS over the measurement window. With --check it exits 1
// if any call ended with a status not in --allowed_codes or a wrong answer, or none succeeded.
// Scenarios: see scenarios.h. Every run is bounded in time and stops by itself.

#include <sys/types.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/version/version.h"
#include "tools/loadgen/connections.h"
#include "tools/loadgen/database_status.h"
#include "tools/loadgen/driver.h"
#include "tools/loadgen/hash_floor.h"
#include "tools/loadgen/proc_stats.h"
#include "tools/loadgen/scenarios.h"
#include "tools/loadgen/second_factor_scenarios.h"
#include "tools/loadgen/stats.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server address; loopback only.");
ABSL_FLAG(std::string, scenario, "login",
          "register, login, logout, validate, mixed, empty, complete_login, passkey_login, or "
          "hash_floor.");
ABSL_FLAG(int, concurrency, 64, "Calls in flight (closed loop); the cap on them (open loop).");
ABSL_FLAG(int, connections, 4, "gRPC channels, each its own TCP connection.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "Unmeasured warm-up.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "Measurement window (at most 10m).");
ABSL_FLAG(double, rate, 0, "Open loop: calls per second. 0: closed loop.");
ABSL_FLAG(int64_t, calls, 0, "Send exactly this many calls, all recorded, no warm-up.");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "Deadline of each call.");
ABSL_FLAG(int, users, 128, "Users (and tokens) the scenario prepares.");
ABSL_FLAG(int, prepare_concurrency, 64, "Calls in flight while preparing.");
ABSL_FLAG(int, server_pid, 0, "The server's pid, to report its CPU per call and RSS.");
ABSL_FLAG(int, database_pid, 0, "The database server's pid, to report its CPU per call.");
ABSL_FLAG(std::string, database_status_command, "",
          "A shell command printing the database's counters as \"Name<TAB>Value\" lines (e.g. "
          "mariadb -N -B -e 'SHOW GLOBAL STATUS ...'), run at the window's edges: their "
          "deltas per call are reported under database.per_call.");
ABSL_FLAG(std::string, webauthn_rp_id, "localhost",
          "passkey_login: the server's --webauthn_rp_id, which the assertions are made for.");
ABSL_FLAG(std::string, webauthn_origin, "http://localhost:8080",
          "passkey_login: an origin of the server's --webauthn_origins.");
ABSL_FLAG(std::string, label, "", "A name for this run, copied into the summary.");
ABSL_FLAG(bool, check, false, "Exit 1 on a status not in --allowed_codes or a wrong answer.");
ABSL_FLAG(std::vector<std::string>, allowed_codes, {"OK"}, "Status codes --check accepts.");
ABSL_FLAG(int, argon2_memory_kib, 19456, "hash_floor: Argon2id memory (KiB), as the server's.");
ABSL_FLAG(int, argon2_iterations, 2, "hash_floor: Argon2id time cost, as the server's.");
ABSL_FLAG(int, argon2_parallelism, 1, "hash_floor: Argon2id lanes, as the server's.");
ABSL_FLAG(int, hashes, 20, "hash_floor: hashes to time per thread.");

namespace auth::loadgen {
namespace {

int Fail(absl::string_view message) {
  std::cerr << "loadgen: " << message << "\n";
  return 2;
}

absl::Status CheckBounds() {
  auto in = [](auto value, auto low, auto high) { return value >= low && value <= high; };
  if (!in(absl::GetFlag(FLAGS_concurrency), 1, 10000)) {
    return absl::InvalidArgumentError("--concurrency must be in [1, 10000]");
  }
  if (!in(absl::GetFlag(FLAGS_connections), 1, 64)) {
    return absl::InvalidArgumentError("--connections must be in [1, 64]");
  }
  if (!in(absl::GetFlag(FLAGS_duration), absl::Milliseconds(100), absl::Minutes(10)) ||
      !in(absl::GetFlag(FLAGS_warmup), absl::ZeroDuration(), absl::Minutes(1)) ||
      !in(absl::GetFlag(FLAGS_deadline), absl::Milliseconds(1), absl::Minutes(1))) {
    return absl::InvalidArgumentError(
        "--duration must be in [100ms, 10m], --warmup in [0, 1m], --deadline in [1ms, 1m]");
  }
  if (!in(absl::GetFlag(FLAGS_rate), 0.0, 1e6) || !in(absl::GetFlag(FLAGS_calls), 0, 1000000) ||
      !in(absl::GetFlag(FLAGS_users), 1, 1000000)) {
    return absl::InvalidArgumentError(
        "--rate must be in [0, 1e6], --calls in [0, 1e6], --users in [1, 1e6]");
  }
  if (absl::GetFlag(FLAGS_rate) > 0 && absl::GetFlag(FLAGS_calls) > 0) {
    return absl::InvalidArgumentError("--rate and --calls do not go together");
  }
  return absl::OkStatus();
}

int RunHashFloor() {
  hashing::Argon2Params params;
  params.memory_kib = absl::GetFlag(FLAGS_argon2_memory_kib);
  params.iterations = absl::GetFlag(FLAGS_argon2_iterations);
  params.parallelism = absl::GetFlag(FLAGS_argon2_parallelism);
  absl::StatusOr<HashFloor> floor = MeasureHashFloor(params, absl::GetFlag(FLAGS_hashes));
  if (!floor.ok()) return Fail(floor.status().ToString());
  std::cout << HashFloorJson(*floor) << std::endl;
  return 0;
}

// Exit status of --check: 0 if every call ended in an allowed way and one at least succeeded.
int CheckAnswers(const Totals& totals) {
  const std::vector<std::string> allowed_list = absl::GetFlag(FLAGS_allowed_codes);
  const std::set<std::string> allowed(allowed_list.begin(), allowed_list.end());
  int status = 0;
  if (totals.ok == 0) {
    std::cerr << "loadgen: check failed: no call succeeded\n";
    status = 1;
  }
  for (const auto& [code, count] : totals.errors) {
    if (allowed.count(code) == 0) {
      std::cerr << "loadgen: check failed: " << count << " calls ended " << code << "\n";
      status = 1;
    }
  }
  return status;
}

int Main() {
  const std::string scenario_name = absl::GetFlag(FLAGS_scenario);
  if (absl::Status bounds = CheckBounds(); !bounds.ok()) return Fail(bounds.message());
  if (scenario_name == "hash_floor") return RunHashFloor();

  const std::string target = absl::GetFlag(FLAGS_target);
  absl::StatusOr<std::unique_ptr<Connections>> connections =
      Connections::Open(target, absl::GetFlag(FLAGS_connections), absl::Seconds(10));
  if (!connections.ok()) return Fail(connections.status().message());

  ScenarioOptions scenario_options;
  scenario_options.name = scenario_name;
  scenario_options.users = absl::GetFlag(FLAGS_users);
  scenario_options.prepare_concurrency = absl::GetFlag(FLAGS_prepare_concurrency);
  // Unique per run, so runs against one database never collide: time and pid.
  scenario_options.run_id =
      absl::StrCat(absl::ToUnixMicros(absl::Now()) % 100000000000, "x", getpid());
  const bool second_factor = scenario_name == "complete_login" || scenario_name == "passkey_login";
  absl::StatusOr<std::unique_ptr<Scenario>> scenario =
      second_factor ? MakeSecondFactorScenario(scenario_options,
                                               {absl::GetFlag(FLAGS_webauthn_rp_id),
                                                absl::GetFlag(FLAGS_webauthn_origin)},
                                               **connections)
                    : MakeScenario(scenario_options, **connections);
  if (!scenario.ok()) return Fail(scenario.status().message());
  if (absl::Status prepared = (*scenario)->Prepare(); !prepared.ok()) {
    return Fail(prepared.message());
  }

  LoadOptions load;
  load.concurrency = absl::GetFlag(FLAGS_concurrency);
  load.warmup = absl::GetFlag(FLAGS_warmup);
  load.duration = absl::GetFlag(FLAGS_duration);
  load.rate = absl::GetFlag(FLAGS_rate);
  load.total_calls = absl::GetFlag(FLAGS_calls);
  load.deadline = absl::GetFlag(FLAGS_deadline);
  const pid_t server_pid = absl::GetFlag(FLAGS_server_pid);
  const pid_t database_pid = absl::GetFlag(FLAGS_database_pid);
  // Samples at the window's edges: the server and database (if known), this process, and the
  // whole machine.
  struct Samples {
    std::optional<ProcessSample> server, client, database;
    std::optional<MachineSample> machine;
    std::optional<StatusCounters> database_counters;
  };
  Samples before;
  Samples after;
  const std::string status_command = absl::GetFlag(FLAGS_database_status_command);
  auto sample = [server_pid, database_pid, &status_command](Samples& samples) {
    auto process = [](pid_t pid, std::optional<ProcessSample>& into) {
      if (pid <= 0) return;
      if (absl::StatusOr<ProcessSample> s = SampleProcess(pid); s.ok()) into = *s;
    };
    process(server_pid, samples.server);
    process(getpid(), samples.client);
    process(database_pid, samples.database);
    if (absl::StatusOr<MachineSample> s = SampleMachine(); s.ok()) samples.machine = *s;
    if (status_command.empty()) return;
    absl::StatusOr<StatusCounters> counters = ReadStatusCounters(status_command);
    if (counters.ok()) {
      samples.database_counters = *std::move(counters);
    } else {
      std::cerr << "loadgen: " << counters.status().message() << "\n";
    }
  };
  load.on_window_start = [&] {
    if (server_pid > 0) {
      if (absl::Status reset = ResetPeakRss(server_pid); !reset.ok()) {
        std::cerr << "loadgen: " << reset.message() << " (peak RSS covers the whole life)\n";
      }
    }
    sample(before);
  };
  load.on_window_end = [&] { sample(after); };
  const LoadResult result = RunLoad(**scenario, load);

  RunSummary summary;
  summary.scenario = scenario_name;
  summary.label = absl::GetFlag(FLAGS_label);
  summary.mode = load.total_calls > 0 ? "burst" : load.rate > 0 ? "open" : "closed";
  summary.concurrency = load.concurrency;
  summary.connections = (*connections)->size();
  summary.rate = load.rate;
  summary.warmup_s = load.total_calls > 0 ? 0 : absl::ToDoubleSeconds(load.warmup);
  summary.duration_s = absl::ToDoubleSeconds(result.window);
  summary.deadline_s = absl::ToDoubleSeconds(load.deadline);
  summary.ran_dry = result.ran_dry;
  summary.totals = result.totals;
  const double calls = static_cast<double>(result.totals.calls);
  if (before.server.has_value() && after.server.has_value()) {
    ServerUsage server;
    server.cpu_seconds = after.server->cpu_seconds - before.server->cpu_seconds;
    server.cpu_ms_per_call = calls > 0 ? server.cpu_seconds * 1000.0 / calls : 0;
    server.rss_kib = after.server->rss_kib;
    server.peak_rss_kib = after.server->peak_rss_kib;
    summary.server = server;
  }
  auto cpu_seconds = [](const std::optional<ProcessSample>& from,
                        const std::optional<ProcessSample>& to) -> std::optional<double> {
    if (!from.has_value() || !to.has_value()) return std::nullopt;
    return to->cpu_seconds - from->cpu_seconds;
  };
  const std::optional<double> client_s = cpu_seconds(before.client, after.client);
  const std::optional<double> database_s = cpu_seconds(before.database, after.database);
  if (client_s.has_value() && calls > 0) summary.client_cpu_ms_per_call = *client_s * 1e3 / calls;
  if (database_s.has_value() && calls > 0) {
    summary.database_cpu_ms_per_call = *database_s * 1e3 / calls;
  }
  if (before.database_counters.has_value() && after.database_counters.has_value()) {
    summary.database_per_call =
        PerCall(*before.database_counters, *after.database_counters, result.totals.calls);
  }
  // Core shares need the samples to bracket the window, which a burst's or a dry run's do not.
  const double window_s = absl::ToDoubleSeconds(result.window);
  if (before.machine.has_value() && after.machine.has_value() && window_s > 0 && !result.ran_dry &&
      load.total_calls == 0) {
    CoreUse cores;
    cores.busy = (after.machine->busy_seconds - before.machine->busy_seconds) / window_s;
    cores.server = summary.server.has_value() ? summary.server->cpu_seconds / window_s : 0;
    cores.client = client_s.value_or(0) / window_s;
    cores.database = database_s.value_or(0) / window_s;
    summary.cores = cores;
  }
  std::cout << SummaryJson(summary) << std::endl;
  return absl::GetFlag(FLAGS_check) ? CheckAnswers(result.totals) : 0;
}

}  // namespace
}  // namespace auth::loadgen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Load generator for auth.v1.AuthService on this machine. See tools/loadgen/main.cc.");
  auth::version::InstallVersionFlag(argv[0]);
  absl::ParseCommandLine(argc, argv);
  return auth::loadgen::Main();
}
