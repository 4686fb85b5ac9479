#include "tools/loadgen/stats.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace auth::loadgen {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<int64_t> OneToHundred() {
  std::vector<int64_t> values;
  for (int64_t i = 1; i <= 100; ++i) values.push_back(i);
  return values;
}

TEST(PercentileTest, NearestRankOnOneToHundred) {
  const std::vector<int64_t> values = OneToHundred();
  EXPECT_EQ(Percentile(values, 50), 50);
  EXPECT_EQ(Percentile(values, 90), 90);
  EXPECT_EQ(Percentile(values, 99), 99);
  EXPECT_EQ(Percentile(values, 99.5), 100);
  EXPECT_EQ(Percentile(values, 100), 100);
  EXPECT_EQ(Percentile(values, 0.5), 1);
}

TEST(PercentileTest, SmallAndEmptySets) {
  EXPECT_EQ(Percentile({}, 50), 0);
  EXPECT_EQ(Percentile({7}, 1), 7);
  EXPECT_EQ(Percentile({7}, 99), 7);
  // Ranks ceil(0.5 * 4) = 2 and ceil(0.99 * 4) = 4.
  EXPECT_EQ(Percentile({10, 20, 30, 40}, 50), 20);
  EXPECT_EQ(Percentile({10, 20, 30, 40}, 99), 40);
}

TEST(SummarizeLatenciesTest, SortsAndConvertsToMilliseconds) {
  std::vector<int64_t> latencies_us = OneToHundred();
  for (int64_t& value : latencies_us) value *= 1000;  // 1..100 ms
  std::reverse(latencies_us.begin(), latencies_us.end());
  const LatencySummary summary = SummarizeLatencies(latencies_us);
  EXPECT_THAT(summary.p50_ms, DoubleEq(50));
  EXPECT_THAT(summary.p90_ms, DoubleEq(90));
  EXPECT_THAT(summary.p99_ms, DoubleEq(99));
  EXPECT_THAT(summary.max_ms, DoubleEq(100));
}

TEST(RecorderTest, CountsOutcomesAndKeepsLatenciesOfSuccessesOnly) {
  Recorder recorder;
  recorder.Record(grpc::StatusCode::OK, true, absl::Microseconds(1500));
  recorder.Record(grpc::StatusCode::OK, true, absl::Microseconds(500));
  recorder.Record(grpc::StatusCode::OK, false, absl::Microseconds(900));
  recorder.Record(grpc::StatusCode::DEADLINE_EXCEEDED, false, absl::Seconds(2));
  recorder.Record(grpc::StatusCode::DEADLINE_EXCEEDED, true, absl::Seconds(2));
  recorder.RecordError("NOT_SENT");
  const Totals totals = recorder.Snapshot();
  EXPECT_EQ(totals.calls, 6);
  EXPECT_EQ(totals.ok, 2);
  EXPECT_EQ(totals.errors.at("DEADLINE_EXCEEDED"), 2);
  EXPECT_EQ(totals.errors.at(kBadResponse), 1);
  EXPECT_EQ(totals.errors.at("NOT_SENT"), 1);
  EXPECT_THAT(totals.ok_latencies_us, ElementsAre(1500, 500));
}

TEST(StatusCodeNameTest, CanonicalNames) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(42)), "CODE_42");
}

RunSummary ExampleSummary() {
  RunSummary summary;
  summary.scenario = "login";
  summary.mode = "closed";
  summary.concurrency = 64;
  summary.connections = 4;
  summary.warmup_s = 2;
  summary.duration_s = 4;
  summary.deadline_s = 5;
  summary.totals.calls = 12;
  summary.totals.ok = 10;
  summary.totals.errors["UNAVAILABLE"] = 2;
  for (int64_t ms = 1; ms <= 10; ++ms) summary.totals.ok_latencies_us.push_back(ms * 1000);
  return summary;
}

TEST(SummaryJsonTest, OneLineWithEveryField) {
  const std::string line = SummaryJson(ExampleSummary());
  EXPECT_THAT(line, Not(HasSubstr("\n")));
  const nlohmann::json json = nlohmann::json::parse(line);
  EXPECT_EQ(json["scenario"], "login");
  EXPECT_EQ(json["mode"], "closed");
  EXPECT_EQ(json["concurrency"], 64);
  EXPECT_EQ(json["connections"], 4);
  EXPECT_EQ(json["duration_s"], 4.0);
  EXPECT_EQ(json["calls"], 12);
  EXPECT_EQ(json["ok"], 10);
  EXPECT_EQ(json["errors"]["UNAVAILABLE"], 2);
  EXPECT_EQ(json["qps"], 2.5);  // 10 ok in 4 s
  EXPECT_EQ(json["latency_ms"]["p50"], 5.0);
  EXPECT_EQ(json["latency_ms"]["p90"], 9.0);
  EXPECT_EQ(json["latency_ms"]["p99"], 10.0);
  EXPECT_EQ(json["latency_ms"]["max"], 10.0);
  EXPECT_FALSE(json.contains("server"));
  EXPECT_FALSE(json.contains("client"));
  EXPECT_FALSE(json.contains("database"));
  EXPECT_FALSE(json.contains("cores"));
  EXPECT_FALSE(json.contains("label"));
  EXPECT_FALSE(json.contains("rate"));
  EXPECT_FALSE(json.contains("ran_dry"));
}

TEST(SummaryJsonTest, OptionalFields) {
  RunSummary summary = ExampleSummary();
  summary.label = "flood";
  summary.mode = "open";
  summary.rate = 500;
  summary.ran_dry = true;
  summary.server = ServerUsage{0.25, 3.0, 20480, 65536};
  summary.client_cpu_ms_per_call = 0.125;
  summary.database_cpu_ms_per_call = 0.5;
  summary.cores = CoreUse{1.9, 0.9, 0.3, 0.5};
  const nlohmann::json json = nlohmann::json::parse(SummaryJson(summary));
  EXPECT_EQ(json["label"], "flood");
  EXPECT_EQ(json["rate"], 500.0);
  EXPECT_EQ(json["ran_dry"], true);
  EXPECT_EQ(json["server"]["cpu_ms_per_call"], 0.25);
  EXPECT_EQ(json["server"]["rss_kib"], 20480);
  EXPECT_EQ(json["server"]["peak_rss_kib"], 65536);
  EXPECT_EQ(json["client"]["cpu_ms_per_call"], 0.125);
  EXPECT_EQ(json["database"]["cpu_ms_per_call"], 0.5);
  EXPECT_EQ(json["cores"]["busy"], 1.9);
  EXPECT_EQ(json["cores"]["server"], 0.9);
  EXPECT_EQ(json["cores"]["client"], 0.3);
  EXPECT_EQ(json["cores"]["database"], 0.5);
  EXPECT_EQ(json["cores"]["others"], 0.2);  // rounded: 1.9 - 0.9 - 0.3 - 0.5
}

TEST(SummaryJsonTest, EmptyRunHasZeroRateAndLatencies) {
  RunSummary summary;
  summary.scenario = "empty";
  summary.mode = "closed";
  const nlohmann::json json = nlohmann::json::parse(SummaryJson(summary));
  EXPECT_EQ(json["qps"], 0.0);
  EXPECT_EQ(json["latency_ms"]["p99"], 0.0);
  EXPECT_TRUE(json["errors"].is_object());
  EXPECT_TRUE(json["errors"].empty());
}

}  // namespace
}  // namespace auth::loadgen
