#include "tools/loadgen/stats.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace auth::loadgen {

std::string StatusCodeName(grpc::StatusCode code) {
  // gRPC's codes are abseil's, number for number, so abseil's names serve.
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? "CODE_" + std::to_string(static_cast<int>(code)) : name;
}

int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  const size_t index = static_cast<size_t>(std::clamp(rank, 1.0, double(sorted.size()))) - 1;
  return sorted[index];
}

LatencySummary SummarizeLatencies(std::vector<int64_t> latencies_us) {
  std::sort(latencies_us.begin(), latencies_us.end());
  LatencySummary summary;
  summary.p50_ms = Percentile(latencies_us, 50) / 1000.0;
  summary.p90_ms = Percentile(latencies_us, 90) / 1000.0;
  summary.p99_ms = Percentile(latencies_us, 99) / 1000.0;
  summary.max_ms = latencies_us.empty() ? 0 : latencies_us.back() / 1000.0;
  return summary;
}

void Recorder::Record(grpc::StatusCode code, bool well_formed, absl::Duration latency) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++totals_.calls;
  if (code != grpc::StatusCode::OK) {
    ++totals_.errors[StatusCodeName(code)];
  } else if (!well_formed) {
    ++totals_.errors[kBadResponse];
  } else {
    ++totals_.ok;
    totals_.ok_latencies_us.push_back(absl::ToInt64Microseconds(latency));
  }
}

void Recorder::RecordError(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++totals_.calls;
  ++totals_.errors[key];
}

Totals Recorder::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return totals_;
}

namespace {

// Rounds to 3 decimals so the line stays readable.
double Round3(double value) { return std::round(value * 1000.0) / 1000.0; }

}  // namespace

std::string SummaryJson(const RunSummary& summary) {
  nlohmann::ordered_json json;
  json["scenario"] = summary.scenario;
  if (!summary.label.empty()) json["label"] = summary.label;
  json["mode"] = summary.mode;
  json["concurrency"] = summary.concurrency;
  json["connections"] = summary.connections;
  if (summary.mode == "open") json["rate"] = summary.rate;
  json["warmup_s"] = Round3(summary.warmup_s);
  json["duration_s"] = Round3(summary.duration_s);
  json["deadline_s"] = Round3(summary.deadline_s);
  json["calls"] = summary.totals.calls;
  json["ok"] = summary.totals.ok;
  json["errors"] = nlohmann::ordered_json::object();
  for (const auto& [code, count] : summary.totals.errors) json["errors"][code] = count;
  json["qps"] = summary.duration_s > 0
                    ? Round3(static_cast<double>(summary.totals.ok) / summary.duration_s)
                    : 0.0;
  const LatencySummary latency = SummarizeLatencies(summary.totals.ok_latencies_us);
  json["latency_ms"] = {{"p50", Round3(latency.p50_ms)},
                        {"p90", Round3(latency.p90_ms)},
                        {"p99", Round3(latency.p99_ms)},
                        {"max", Round3(latency.max_ms)}};
  if (summary.ran_dry) json["ran_dry"] = true;
  if (summary.server.has_value()) {
    const ServerUsage& server = *summary.server;
    json["server"] = {{"cpu_ms_per_call", Round3(server.cpu_ms_per_call)},
                      {"cpu_s", Round3(server.cpu_seconds)},
                      {"rss_kib", server.rss_kib},
                      {"peak_rss_kib", server.peak_rss_kib}};
  }
  if (summary.client_cpu_ms_per_call.has_value()) {
    json["client"] = {{"cpu_ms_per_call", Round3(*summary.client_cpu_ms_per_call)}};
  }
  if (summary.database_cpu_ms_per_call.has_value()) {
    json["database"] = {{"cpu_ms_per_call", Round3(*summary.database_cpu_ms_per_call)}};
  }
  if (!summary.database_per_call.empty()) {
    nlohmann::ordered_json per_call;
    for (const auto& [name, value] : summary.database_per_call) per_call[name] = Round3(value);
    json["database"]["per_call"] = per_call;
  }
  if (summary.cores.has_value()) {
    const CoreUse& cores = *summary.cores;
    json["cores"] = {{"busy", Round3(cores.busy)},
                     {"server", Round3(cores.server)},
                     {"client", Round3(cores.client)},
                     {"database", Round3(cores.database)},
                     {"others", Round3(cores.others())}};
  }
  return json.dump();
}

}  // namespace auth::loadgen
