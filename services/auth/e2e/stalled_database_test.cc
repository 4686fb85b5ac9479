// Fault test: the database hangs (SIGSTOP of mariadbd) under a flood of ValidateToken calls,
// then carries on (SIGCONT). The batcher's queue is bounded (--database_batch_queue), so the
// server's memory stays bounded; every caller is answered within its deadline with
// RESOURCE_EXHAUSTED (queue full), DEADLINE_EXCEEDED (waited in vain) or UNAVAILABLE (the
// database read timed out); the server stays up and serves again once the database does.
// Prints its figures ("RELIABILITY stalled_database: ...").
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/e2e/async_calls.h"
#include "services/auth/e2e/reliability_fixture.h"

namespace auth::service_testing {
namespace {

constexpr int kBatchQueue = 256;                     // --database_batch_queue
constexpr int kOutstanding = 2000;                   // flood calls in flight at once
constexpr absl::Duration kFlood = absl::Seconds(6);  // how long the flood lasts
constexpr absl::Duration kCallDeadline = absl::Seconds(1);
// Scheduling noise allowed on top of a deadline before a call counts as hung.
constexpr absl::Duration kSlack = absl::Milliseconds(500);
// Growth of the server's resident memory the flood may cause; without a cap the queue grows
// by kOutstanding calls every kCallDeadline for as long as the database hangs.
constexpr int64_t kMaxRssGrowthKib = 192 * 1024;

// The resident set of process `pid` in KiB (VmRSS of /proc/<pid>/status); -1 if unreadable.
int64_t ResidentKib(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, "VmRSS:")) continue;
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, " kB");
    int64_t kib = -1;
    return absl::SimpleAtoi(rest, &kib) ? kib : -1;
  }
  return -1;
}

// ValidateToken calls sent without waiting for answers, at most kOutstanding at once.
class Flood {
 public:
  Flood(auth::v1::AuthService::Stub& stub, std::string token)
      : stub_(stub), token_(std::move(token)) {}

  // Sends calls until `until`, then waits for every answer (each has a deadline).
  void Run(absl::Time until) {
    while (absl::Now() < until) {
      calls_.WaitForRoom();
      auth::v1::ValidateTokenRequest request;
      request.set_token(token_);
      calls_.Send<auth::v1::ValidateTokenRequest, auth::v1::ValidateTokenResponse>(
          std::move(request), kCallDeadline,
          [this](grpc::ClientContext* context, const auth::v1::ValidateTokenRequest* request,
                 auth::v1::ValidateTokenResponse* response,
                 std::function<void(grpc::Status)> done) {
            stub_.async()->ValidateToken(context, request, response, std::move(done));
          });
    }
    answered_all_ = calls_.WaitForAll(kCallDeadline + kSlack * 4);
  }

  const Tally& tally() const { return calls_.tally(); }
  bool answered_all() const { return answered_all_; }

 private:
  auth::v1::AuthService::Stub& stub_;
  const std::string token_;
  AsyncCalls calls_{kOutstanding};
  bool answered_all_ = false;
};

TEST_F(ReliabilityTest, StalledDatabaseUnderValidateFloodStaysBoundedAndRecovers) {
  std::unique_ptr<AuthServerProcess> server =
      StartServer({absl::StrCat("--database_batch_queue=", kBatchQueue)});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<auth::v1::AuthService::Stub> stub = server->NewStub();
  ASSERT_TRUE(Register(*stub, "flooded").ok());
  auth::v1::LoginResponse login;
  ASSERT_TRUE(Login(*stub, EmailOf("flooded"), kPassword, &login).ok());
  ASSERT_TRUE(Validate(*stub, login.jwt_token()).ok());

  const pid_t pid = server->process().pid();
  const int64_t baseline_kib = ResidentKib(pid);
  ASSERT_GT(baseline_kib, 0);
  std::atomic<int64_t> peak_kib{baseline_kib};
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling.load()) {
      const int64_t kib = ResidentKib(pid);
      if (kib > peak_kib.load()) peak_kib = kib;
      absl::SleepFor(absl::Milliseconds(50));
    }
  });

  ASSERT_THAT(backend_->database().Pause(), auth::test_util::IsOk());
  Flood flood(*stub, login.jwt_token());
  flood.Run(absl::Now() + kFlood);
  sampling = false;
  sampler.join();
  const bool server_up = server->Running();

  ASSERT_THAT(backend_->database().Resume(), auth::test_util::IsOk());
  const absl::Time resumed = absl::Now();
  bool recovered = false;
  while (!recovered && absl::Now() < resumed + absl::Seconds(30)) {
    recovered = Validate(*stub, login.jwt_token()).ok();
    if (!recovered) absl::SleepFor(absl::Milliseconds(100));
  }
  const int64_t recovery_ms = absl::ToInt64Milliseconds(absl::Now() - resumed);

  const Tally& tally = flood.tally();
  Report("stalled_database",
         absl::StrCat("ValidateToken{", tally.Summary(),
                      "} slowest_ms=", absl::ToInt64Milliseconds(tally.slowest()),
                      " flood_s=", absl::ToInt64Seconds(kFlood), " in_flight=", kOutstanding,
                      " batch_queue=", kBatchQueue, " rss_baseline_kib=", baseline_kib,
                      " rss_peak_kib=", peak_kib.load(), " server_up=", server_up,
                      " recovery_ms=", recovery_ms));

  EXPECT_TRUE(server_up) << "auth_server exited";
  EXPECT_TRUE(flood.answered_all()) << "calls still unanswered after their deadline";
  EXPECT_EQ(
      tally.CountOtherThan({grpc::StatusCode::RESOURCE_EXHAUSTED,
                            grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::UNAVAILABLE}),
      0)
      << tally.Summary();
  // The cap was reached: callers were refused at once rather than queued without bound.
  EXPECT_GT(tally.count(grpc::StatusCode::RESOURCE_EXHAUSTED), 0) << tally.Summary();
  EXPECT_LE(tally.slowest(), kCallDeadline + kSlack);
  // Under a sanitizer RSS measures the sanitizer (ASan keeps freed memory in quarantine, TSan
  // its shadow), not the queue; the refusals above are what prove the cap there.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  EXPECT_LE(peak_kib.load() - baseline_kib, kMaxRssGrowthKib);
#endif
  EXPECT_TRUE(recovered) << "no ValidateToken succeeded within 30 s of SIGCONT";
}

}  // namespace
}  // namespace auth::service_testing
