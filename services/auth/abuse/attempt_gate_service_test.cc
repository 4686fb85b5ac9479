// Unit tests of the abuse limits (AttemptGate) in AuthServiceImpl's Login, Register and
// RefreshToken, with a mocked AttemptLimiter (see testing/service_fixture.h): what is counted,
// that a refused attempt computes no hash and carries retry-after, and what a success settles.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::repository::Admission;
using ::auth::repository::AttemptLimit;
using ::auth::repository::AttemptSettlement;
using ::auth::token::IssuedToken;
using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Return;

// The keys a login of account 42 from 127.0.0.1 counts against (with the default limits, the
// (account, address) pair is not counted: it could never refuse before the account, see
// attempt_gate_test).
constexpr char kAccountKey[] = "login-account:42";
constexpr char kAddressKey[] = "login-address:127.0.0.1";

Admission Admitted() { return Admission{true, absl::ZeroDuration()}; }
Admission Refused(absl::Duration retry_after) { return Admission{false, retry_after}; }

auto Keys(const char* a) { return ElementsAre(Field(&AttemptLimit::key, a)); }
auto Keys(const char* a, const char* b) {
  return ElementsAre(Field(&AttemptLimit::key, a), Field(&AttemptLimit::key, b));
}

// The gate guards Login and Register, so what they reach is under test, the counters first: a
// refused login or registration computes no hash and stores nothing, and a failed login
// settles nothing.
class AttemptGateServiceTest : public ServiceTest {
 protected:
  AttemptGateServiceTest()
      : ServiceTest({Collaborator::kAttempts, Collaborator::kUsers, Collaborator::kHasher,
                     Collaborator::kIssuer, Collaborator::kRefreshTokens}) {}

  void SetUp() override {
    limit_attempts_ = true;
    ServiceTest::SetUp();
  }

  // Calls Login by email; returns the status and the retry-after trailer ("" if none).
  grpc::Status Login(std::string* retry_after = nullptr) {
    grpc::ClientContext context;
    auth::v1::LoginResponse response;
    grpc::Status status = stub_->Login(&context, LoginByEmail(), &response);
    if (retry_after != nullptr) *retry_after = RetryAfter(context);
    return status;
  }

  grpc::Status RegisterOnce(std::string* retry_after = nullptr) {
    grpc::ClientContext context;
    auth::v1::RegisterResponse response;
    grpc::Status status = stub_->Register(&context, ValidRegistration(), &response);
    if (retry_after != nullptr) *retry_after = RetryAfter(context);
    return status;
  }

  static std::string RetryAfter(const grpc::ClientContext& context) {
    auto it = context.GetServerTrailingMetadata().find("retry-after");
    if (it == context.GetServerTrailingMetadata().end()) return "";
    return std::string(it->second.data(), it->second.size());
  }

  // The password matches and a token is issued; the session is stored with `settlement`.
  void ExpectSuccessfulVerification(::testing::Matcher<const AttemptSettlement&> settlement = _,
                                    absl::Status stored = absl::OkStatus()) {
    EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
    EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
    EXPECT_CALL(issuer_, Issue(absl::string_view("42"), _))
        .WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
    EXPECT_CALL(refresh_tokens_, Create(_, settlement)).WillOnce(Return(stored));
  }
};

TEST_F(AttemptGateServiceTest, RefusedLoginComputesNoHashAndSaysWhenToRetry) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(attempts_, Admit(Keys(kAccountKey, kAddressKey), _))
      .WillOnce(Return(Refused(absl::Milliseconds(89500))));
  // No hasher expectation: the hasher is a StrictMock here, so Verify() would fail the test.
  std::string retry_after;
  grpc::Status status = Login(&retry_after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(retry_after, "90");
}

TEST_F(AttemptGateServiceTest, FailedLoginStaysCountedAndSettlesNothing) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(attempts_, Admit(Keys(kAccountKey, kAddressKey), _)).WillOnce(Return(Admitted()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(false));
  std::string retry_after;
  EXPECT_EQ(Login(&retry_after).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(retry_after, "");
}

TEST_F(AttemptGateServiceTest, SuccessfulLoginResetsTheAccountAndRefundsTheAddress) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(attempts_, Admit(Keys(kAccountKey, kAddressKey), _)).WillOnce(Return(Admitted()));
  // Settled in the session's transaction (Create), not by a statement of its own.
  EXPECT_CALL(attempts_, Settle(_)).Times(0);
  ExpectSuccessfulVerification(
      AllOf(Field(&AttemptSettlement::reset_keys, ElementsAre(kAccountKey)),
            Field(&AttemptSettlement::refund_keys, ElementsAre(kAddressKey))));
  grpc::Status status = Login();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// The settlement commits with the session or not at all: a login whose session could not be
// stored fails, and its attempt stays counted.
TEST_F(AttemptGateServiceTest, ALoginWhoseSessionIsNotStoredFailsAndStaysCounted) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(attempts_, Admit(_, _)).WillOnce(Return(Admitted()));
  EXPECT_CALL(attempts_, Settle(_)).Times(0);
  ExpectSuccessfulVerification(_, absl::UnavailableError("database unavailable"));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AttemptGateServiceTest, UnknownAccountCountsAgainstTheAddress) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(absl::NotFoundError("user not found")));
  EXPECT_CALL(attempts_, Admit(Keys(kAddressKey), _)).WillOnce(Return(Admitted()));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AttemptGateServiceTest, ExhaustedAddressHidesWhetherTheAccountExists) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(absl::NotFoundError("user not found")));
  EXPECT_CALL(attempts_, Admit(Keys(kAddressKey), _)).WillOnce(Return(Refused(absl::Seconds(600))));
  std::string retry_after;
  EXPECT_EQ(Login(&retry_after).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(retry_after, "600");
}

TEST_F(AttemptGateServiceTest, LoginFailsClosedWhenTheCountersAreUnreachable) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(attempts_, Admit(_, _)).WillOnce(Return(absl::UnavailableError("db down")));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AttemptGateServiceTest, LookupFailureIsNotCounted) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(absl::UnavailableError("db down")));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AttemptGateServiceTest, RefusedRegistrationComputesNoHash) {
  EXPECT_CALL(attempts_, Admit(Keys("register-address:127.0.0.1"), _))
      .WillOnce(Return(Refused(absl::Minutes(59))));
  std::string retry_after;
  EXPECT_EQ(RegisterOnce(&retry_after).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(retry_after, "3540");
}

TEST_F(AttemptGateServiceTest, AdmittedRegistrationIsHashedAndStored) {
  EXPECT_CALL(attempts_, Admit(Keys("register-address:127.0.0.1"), _)).WillOnce(Return(Admitted()));
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(kStoredHash));
  EXPECT_CALL(users_, Create(_)).WillOnce(Return(7));
  EXPECT_TRUE(RegisterOnce().ok());
}

TEST_F(AttemptGateServiceTest, RegistrationFailsClosedWhenTheCountersAreUnreachable) {
  EXPECT_CALL(attempts_, Admit(_, _)).WillOnce(Return(absl::UnavailableError("db down")));
  EXPECT_EQ(RegisterOnce().error_code(), grpc::StatusCode::UNAVAILABLE);
}

// The HTTP front forwards its client's address in kClientAddressMetadata over the in-process
// channel; a network caller sending the same metadata is still counted by its own address.
TEST_F(AttemptGateServiceTest, OnlyTheInProcessChannelMayNameTheHttpPeer) {
  EXPECT_CALL(users_, FindByEmail(_))
      .Times(2)
      .WillRepeatedly(Return(absl::NotFoundError("user not found")));
  EXPECT_CALL(attempts_, Admit(Keys(kAddressKey), _)).WillOnce(Return(Admitted()));
  EXPECT_CALL(attempts_, Admit(Keys("login-address:203.0.113.7"), _)).WillOnce(Return(Admitted()));
  {
    grpc::ClientContext forged;
    forged.AddMetadata(service::kClientAddressMetadata, "198.51.100.1");
    auth::v1::LoginResponse response;
    EXPECT_EQ(stub_->Login(&forged, LoginByEmail(), &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  std::unique_ptr<auth::v1::AuthService::Stub> in_process =
      auth::v1::AuthService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  grpc::ClientContext forwarded;
  forwarded.AddMetadata(service::kClientAddressMetadata, "203.0.113.7");
  auth::v1::LoginResponse response;
  EXPECT_EQ(in_process->Login(&forwarded, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AttemptGateServiceTest, LimitsSetToZeroAreNotConsulted) {
  StopServer();
  service::AuthServiceOptions options;
  options.abuse_limits.registrations_per_address = 0;
  options.abuse_limits.login_failures_per_account = 0;
  options.abuse_limits.login_failures_per_address = 0;
  StartServer(/*hashing_queue=*/16, options);
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(kStoredHash));
  EXPECT_CALL(users_, Create(_)).WillOnce(Return(7));
  EXPECT_TRUE(RegisterOnce().ok());
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(absl::NotFoundError("user not found")));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::NOT_FOUND);
}

// Past the refresh-failure limit, garbage is refused on the gRPC thread without the database;
// a token of the issued form is looked up (one read) and only an unused one is rotated, so a
// shared address's valid token still works and nothing is written for the rest.
TEST_F(AttemptGateServiceTest, PastTheRefreshLimitOnlyTokensOfTheIssuedFormAreLookedUp) {
  const std::string issued_form(43, 'A');
  const auto refresh = [this](const std::string& token, std::string* retry_after = nullptr) {
    grpc::ClientContext context;
    auth::v1::RefreshTokenRequest request;
    request.set_refresh_token(token);
    auth::v1::RefreshTokenResponse response;
    const grpc::StatusCode code = stub_->RefreshToken(&context, request, &response).error_code();
    if (retry_after != nullptr) *retry_after = RetryAfter(context);
    return code;
  };
  // The failure that uses up the limit: remembered by this replica.
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Return(absl::NotFoundError("refresh token not found")));
  EXPECT_CALL(attempts_, Admit(Keys("refresh-address:127.0.0.1"), _))
      .WillOnce(Return(Refused(absl::Minutes(10))));
  EXPECT_EQ(refresh("garbage"), grpc::StatusCode::UNAUTHENTICATED);

  // Garbage: no repository call at all (the StrictMock fails the test otherwise).
  std::string retry_after;
  EXPECT_EQ(refresh("more-garbage", &retry_after), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(retry_after.empty());
  // Of the issued form but not unused (made up, or replayed): one read, refused, no rotation.
  EXPECT_CALL(refresh_tokens_, IsUnused(_)).WillOnce(Return(false)).WillOnce(Return(true));
  EXPECT_EQ(refresh(issued_form, &retry_after), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(retry_after.empty());
  // Unused: rotated as from any address.
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Return(absl::UnavailableError("rotation reached")));
  EXPECT_EQ(refresh(issued_form), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace auth::service_testing
