// CallDeadline: a client's timeout is clamped to --max_call_duration before any arithmetic, so
// no header value can overflow the deadline (grpc-timeout allows 99999999 hours).
#include "services/auth/http/rpc_bridge.h"

#include <chrono>
#include <optional>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/auth/http/connect_protocol.h"
#include "services/auth/http/grpc_web_protocol.h"

namespace auth::http {
namespace {

constexpr absl::Duration kMaxCallDuration = absl::Seconds(10);

TEST(CallDeadlineTest, TheLargestTimeoutsAClientCanSendEndWithinTheMaxCallDuration) {
  const auto now = std::chrono::system_clock::now();
  const auto bound = now + std::chrono::seconds(10);
  const std::optional<absl::Duration> grpc_web = ParseGrpcTimeout("99999999H");
  const std::optional<absl::Duration> connect = ParseConnectTimeout("9999999999");
  ASSERT_TRUE(grpc_web.has_value());
  ASSERT_TRUE(connect.has_value());
  for (const absl::Duration timeout : {*grpc_web, *connect, absl::InfiniteDuration()}) {
    const auto deadline = CallDeadline(now, timeout, kMaxCallDuration);
    // Overflowed arithmetic would land anywhere, typically before `now`.
    EXPECT_EQ(deadline, bound) << timeout;
  }
}

TEST(CallDeadlineTest, AShorterTimeoutIsKept) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(CallDeadline(now, absl::Milliseconds(250), kMaxCallDuration),
            now + std::chrono::milliseconds(250));
  EXPECT_EQ(CallDeadline(now, *ParseGrpcTimeout("1500u"), kMaxCallDuration),
            now + std::chrono::microseconds(1500));
}

}  // namespace
}  // namespace auth::http
