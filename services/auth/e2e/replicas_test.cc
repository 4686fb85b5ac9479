// Multi-replica test: three auth_server processes on one database, as behind a load balancer.
// A token issued by one is accepted by the others, a logout on one is enforced by all, and
// the abuse limits are one limit across them, also under concurrent attempts. Prints its
// figures ("RELIABILITY replicas_...: ...").
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/auth/e2e/reliability_fixture.h"
#include "services/auth/testing/auth_test_client.h"

namespace auth::service_testing {
namespace {

constexpr int kReplicas = 3;
constexpr char kWrongPassword[] = "not-the-password-0123";

class ReplicasTest : public ReliabilityTest {
 protected:
  // Starts kReplicas servers on a database of this test's own, with `flags`.
  void StartReplicas(std::vector<std::string> flags) {
    database_name_ = FreshDatabase();
    for (int i = 0; i < kReplicas; ++i) {
      replicas_.push_back(StartReplica(flags, database_name_));
      ASSERT_NE(replicas_.back(), nullptr);
    }
  }
  auth::v1::AuthService::Stub& On(int i) { return *replicas_[i % kReplicas]->stub(); }

  // The retry-after trailer as seconds; -1 if absent or not a number.
  static int64_t Seconds(const std::string& retry_after) {
    int64_t seconds = -1;
    return absl::SimpleAtoi(retry_after, &seconds) ? seconds : -1;
  }

  std::string database_name_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

TEST_F(ReplicasTest, TokensAndLogoutsHoldOnEveryReplica) {
  StartReplicas({"--registrations_per_address=0"});
  ASSERT_TRUE(Register(On(0), "rita").ok());
  auth::v1::LoginResponse login;
  ASSERT_TRUE(Login(On(0), EmailOf("rita"), kPassword, &login).ok());
  int accepted = 0;
  for (int i = 0; i < kReplicas; ++i) {
    auth::v1::ValidateTokenResponse validated;
    const grpc::Status status = Validate(On(i), login.jwt_token(), &validated);
    EXPECT_TRUE(status.ok()) << "replica " << i << ": " << status.error_message();
    EXPECT_EQ(validated.user_id(), login.user_id());
    accepted += status.ok();
  }
  // Logout on replica 1 revokes the session everywhere.
  ASSERT_TRUE(Logout(On(1), login.user_id(), login.jwt_token()).ok());
  int refused_after_logout = 0;
  for (int i = 0; i < kReplicas; ++i) {
    const grpc::Status status = Validate(On(i), login.jwt_token());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "replica " << i;
    refused_after_logout += status.error_code() == grpc::StatusCode::UNAUTHENTICATED;
  }
  EXPECT_EQ(Logout(On(2), login.user_id(), login.jwt_token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  Report("replicas_tokens",
         absl::StrCat("replicas=", kReplicas, " token_accepted_by=", accepted,
                      " refused_after_logout_on_another=", refused_after_logout));
}

TEST_F(ReplicasTest, LoginFailuresCountOnceAcrossReplicasAndSuccessResets) {
  StartReplicas({"--registrations_per_address=0", "--login_failures_per_account=5"});
  ASSERT_TRUE(Register(On(0), "sam").ok());
  const std::string email = EmailOf("sam");
  // 4 failures on different replicas, then a success resets the account.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Login(On(i), email, kWrongPassword, nullptr).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  ASSERT_TRUE(Login(On(1), email, kPassword, nullptr).ok());
  // 5 more failures are allowed, round-robin; the 6th attempt is refused on every replica,
  // even with the right password, and says when to retry.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Login(On(i), email, kWrongPassword, nullptr).error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << i;
  }
  int refused = 0;
  for (int i = 0; i < kReplicas; ++i) {
    std::string retry_after;
    const grpc::Status status = Login(On(i), email, kPassword, nullptr, &retry_after);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << "replica " << i;
    EXPECT_GE(Seconds(retry_after), 1);
    EXPECT_LE(Seconds(retry_after), 15 * 60);
    refused += status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  Report("replicas_login_limit",
         absl::StrCat("replicas=", kReplicas, " limit=5 failures_then_success_reset=4+1",
                      " failures_admitted=5 refused_on_replicas=", refused));
}

TEST_F(ReplicasTest, ConcurrentGuessesAcrossReplicasAdmitExactlyTheLimit) {
  StartReplicas({"--registrations_per_address=0", "--login_failures_per_account=5"});
  ASSERT_TRUE(Register(On(0), "tom").ok());
  constexpr int kGuesses = 30;
  std::atomic<int> unauthenticated{0}, exhausted{0}, other{0};
  std::vector<std::thread> guessers;
  for (int g = 0; g < kGuesses; ++g) {
    guessers.emplace_back([&, g] {
      const grpc::Status status = Login(On(g), EmailOf("tom"), kWrongPassword, nullptr);
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
        ++unauthenticated;
      } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        ++exhausted;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& guesser : guessers) guesser.join();
  Report("replicas_concurrent_guesses",
         absl::StrCat("replicas=", kReplicas, " concurrent_wrong_passwords=", kGuesses,
                      " limit=5 hashed_and_refused_UNAUTHENTICATED=", unauthenticated.load(),
                      " refused_unhashed_RESOURCE_EXHAUSTED=", exhausted.load(),
                      " other=", other.load()));
  EXPECT_EQ(unauthenticated.load(), 5);
  EXPECT_EQ(exhausted.load(), kGuesses - 5);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(ReplicasTest, AddressLimitCountsUnknownAccountsOnEveryReplica) {
  StartReplicas({"--registrations_per_address=0", "--login_failures_per_address=6"});
  ASSERT_TRUE(Register(On(0), "uma").ok());
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(Login(On(i), EmailOf(absl::StrCat("nobody", i)), kPassword, nullptr).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << i;
  }
  // Probing is over for this address, whatever the account, on every replica.
  int refused = 0;
  for (int i = 0; i < kReplicas; ++i) {
    std::string retry_after;
    const grpc::Status status = Login(On(i), EmailOf("uma"), kPassword, nullptr, &retry_after);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << "replica " << i;
    EXPECT_GE(Seconds(retry_after), 1);
    refused += status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  Report("replicas_address_limit",
         absl::StrCat("replicas=", kReplicas, " limit=6 unknown_account_probes=6",
                      " refused_on_replicas=", refused));
}

TEST_F(ReplicasTest, RegistrationLimitIsOneLimitAcrossReplicas) {
  StartReplicas({"--registrations_per_address=4", "--registration_window=1h"});
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(Register(On(i), absl::StrCat("reg", i)).ok()) << i;
  }
  int refused = 0;
  for (int i = 0; i < kReplicas; ++i) {
    AuthTestClient client(On(i));
    const std::string name = absl::StrCat("late", i);
    const grpc::Status status = client.Register(name, EmailOf(name));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << "replica " << i;
    ASSERT_FALSE(client.last_retry_after().empty());
    const int64_t seconds = Seconds(client.last_retry_after());
    EXPECT_GT(seconds, 3500);
    EXPECT_LE(seconds, 3600);
    refused += status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  EXPECT_EQ(ReadUsers(database_name_).size(), 4u);
  Report("replicas_registration_limit",
         absl::StrCat("replicas=", kReplicas, " limit=4 admitted=4 refused_on_replicas=", refused,
                      " stored=", ReadUsers(database_name_).size()));
}

}  // namespace
}  // namespace auth::service_testing
