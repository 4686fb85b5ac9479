// Unit tests of the audit events AuthServiceImpl records (see testing/service_fixture.h): each
// outcome records its one event where it is decided, naming the user, the client address, the
// session and family concerned and why, and nothing for what is not a security event.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "glog/logging.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/audit/audit_log.h"
#include "libs/audit/audit_sampler.h"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::audit::AuditEvent;
using ::auth::audit::AuditEventType;
using ::auth::repository::Admission;
using ::auth::repository::AttemptLimit;
using ::auth::repository::LogoutResults;
using ::auth::repository::RefreshToken;
using ::auth::repository::RefreshTokenRepository;
using ::auth::repository::RotationOutcome;
using ::auth::repository::TokenOwner;
using ::auth::token::IssuedToken;
using ::testing::_;
using ::testing::AllOf;
using ::testing::AllOfArray;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Return;

// Every call of these tests comes over loopback IPv4: the abuse limits' key of the client.
constexpr char kClient[] = "127.0.0.1";

// An event of `type` about `user_id` from kClient, for `reason` ("" for none).
auto EventIs(AuditEventType type, int64_t user_id, const std::string& reason) {
  return AllOf(Field(&AuditEvent::type, type), Field(&AuditEvent::user_id, user_id),
               Field(&AuditEvent::client_address, kClient), Field(&AuditEvent::reason, reason));
}

auto InSession(const std::string& session_id, const std::string& family_id) {
  return AllOf(Field(&AuditEvent::session_id, session_id),
               Field(&AuditEvent::family_id, family_id));
}

// A Rotate() that finds the presented token to be user 42's, of family-1, with `outcome`.
auto RotatedWith(RotationOutcome outcome) {
  return [outcome](absl::string_view, absl::Duration, const RefreshTokenRepository::GrantFn&,
                   TokenOwner* owner) -> absl::StatusOr<RotationOutcome> {
    *owner = {42, "family-1"};
    return outcome;
  };
}

// The server log's WARNING lines while it is alive (from whichever thread logs them).
class WarningCapture : public google::LogSink {
 public:
  WarningCapture() { google::AddLogSink(this); }
  ~WarningCapture() override { google::RemoveLogSink(this); }

  void send(google::LogSeverity severity, const char* /*full_filename*/,
            const char* /*base_filename*/, int /*line*/, const google::LogMessageTime& /*time*/,
            const char* message, size_t message_len) override {
    if (severity != google::GLOG_WARNING) return;
    std::lock_guard<std::mutex> lock(mu_);
    warnings_.emplace_back(message, message_len);
  }

  std::vector<std::string> warnings() {
    std::lock_guard<std::mutex> lock(mu_);
    return warnings_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> warnings_;  // guarded by mu_
};

// The audit log is under test (a StrictMock: an event recorded twice or where none belongs
// fails the test); the abuse limits are on and admit everything unless a test says otherwise.
class AuditEventsTest : public ServiceTest {
 protected:
  AuditEventsTest() : ServiceTest({Collaborator::kAuditLog}) {}

  void SetUp() override {
    limit_attempts_ = true;
    ON_CALL(attempts_, Admit(_, _)).WillByDefault(Return(Admission{true, absl::ZeroDuration()}));
    ServiceTest::SetUp();
  }

  grpc::Status Login() {
    grpc::ClientContext context;
    auth::v1::LoginResponse response;
    return stub_->Login(&context, LoginByEmail(), &response);
  }
};

TEST_F(AuditEventsTest, WrongPasswordIsALoginFailureOfTheUser) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser(42)));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(false));
  EXPECT_CALL(audit_log_, Record(AllOf(EventIs(AuditEventType::kLoginFailure, 42, "wrong_password"),
                                       InSession("", ""))));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuditEventsTest, UnknownAccountIsALoginFailureOfNoUser) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(absl::NotFoundError("user not found")));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kLoginFailure, 0, "unknown_account")));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuditEventsTest, LoginRefusedByALimitIsALimitHitAndARefusal) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser(42)));
  EXPECT_CALL(attempts_, Admit(_, _)).WillOnce(Return(Admission{false, absl::Seconds(60)}));
  InSequence order;  // the gate's count decides, then the login is refused
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kLimitHit, 42, "login")));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kLoginRefused, 42, "abuse_limit")));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(AuditEventsTest, LoginRefusedForWantOfCountersIsNoLimitHit) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser(42)));
  EXPECT_CALL(attempts_, Admit(_, _)).WillOnce(Return(absl::UnavailableError("db down")));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kLoginRefused, 42, "limiter_failed")));
  EXPECT_EQ(Login().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AuditEventsTest, RegistrationRefusedByALimitIsALimitHit) {
  EXPECT_CALL(attempts_, Admit(_, _)).WillOnce(Return(Admission{false, absl::Seconds(60)}));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kLimitHit, 0, "registration")));
  auth::v1::RegisterResponse response;
  EXPECT_EQ(Register(ValidRegistration(), &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(AuditEventsTest, RegistrationNamesTheNewUser) {
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(kStoredHash));
  EXPECT_CALL(users_, Create(_)).WillOnce(Return(7));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kRegister, 7, "")));
  auth::v1::RegisterResponse response;
  EXPECT_TRUE(Register(ValidRegistration(), &response).ok());
}

TEST_F(AuditEventsTest, LoginSuccessNamesTheSessionAndItsFamily) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser(42)));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42", "jti-9")}));
  EXPECT_CALL(refresh_tokens_, Create(_, _)).WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(audit_log_, Record(AllOf(EventIs(AuditEventType::kLoginSuccess, 42, ""),
                                       InSession("jti-9", "jti-9"))));
  EXPECT_TRUE(Login().ok());
}

TEST_F(AuditEventsTest, LogoutNamesTheSessionAndHowMuchEnded) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor("42", "jti-3")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(_)).WillOnce(Return(LogoutResults{{true}, 1}));
  EXPECT_CALL(audit_log_, Record(AllOf(EventIs(AuditEventType::kLogout, 42, "current_session"),
                                       InSession("jti-3", ""))));
  auth::v1::LogoutResponse response;
  EXPECT_TRUE(Logout(42, "authorization", std::string("Bearer ") + kToken, &response,
                     /*current_session_only=*/true)
                  .ok());
}

TEST_F(AuditEventsTest, RefreshNamesTheNewSessionAndTheFamily) {
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42", "jti-2")}));
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Invoke([](absl::string_view, absl::Duration,
                          const RefreshTokenRepository::GrantFn& grant,
                          TokenOwner*) -> absl::StatusOr<RotationOutcome> {
        RefreshToken presented;
        presented.family_id = "family-1";
        presented.family_started_at = absl::Now();
        presented.session_jti = "jti-1";
        presented.user_id = 42;
        if (absl::StatusOr<auth::repository::SessionGrant> next = grant(presented); !next.ok()) {
          return next.status();
        }
        return RotationOutcome::kRotated;
      }));
  EXPECT_CALL(audit_log_, Record(AllOf(EventIs(AuditEventType::kRefresh, 42, ""),
                                       InSession("jti-2", "family-1"))));
  auth::v1::RefreshTokenResponse response;
  const grpc::Status status = Refresh("presented-refresh-token", &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(AuditEventsTest, ReuseNamesTheUserAndTheRevokedFamily) {
  WarningCapture server_log;
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Invoke(RotatedWith(RotationOutcome::kReuseDetected)));
  EXPECT_CALL(audit_log_,
              Record(AllOf(EventIs(AuditEventType::kReuseDetected, 42, "family_revoked"),
                           InSession("", "family-1"))));
  auth::v1::RefreshTokenResponse response;
  EXPECT_EQ(Refresh("presented-refresh-token", &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // The server log's warning names them too, and not the token.
  EXPECT_THAT(server_log.warnings(), Contains(AllOfArray({HasSubstr("reuse"), HasSubstr("user 42"),
                                                          HasSubstr("family family-1")})));
  for (const std::string& warning : server_log.warnings()) {
    EXPECT_THAT(warning, Not(HasSubstr("presented-refresh-token")));
  }
}

TEST_F(AuditEventsTest, ReuseWithinTheGraceIsRecordedToo) {
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Invoke(RotatedWith(RotationOutcome::kReusedInGrace)));
  EXPECT_CALL(audit_log_, Record(AllOf(EventIs(AuditEventType::kReuseDetected, 42, "within_grace"),
                                       InSession("", "family-1"))));
  auth::v1::RefreshTokenResponse response;
  EXPECT_EQ(Refresh("presented-refresh-token", &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// A replayed token writes its family's revocation again: each replay counts as a failed
// refresh of its address, so the address limit bounds those writes.
TEST_F(AuditEventsTest, AReuseCountsAsAFailedRefreshOfItsAddress) {
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .Times(2)
      .WillRepeatedly(Invoke(RotatedWith(RotationOutcome::kReuseDetected)));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kReuseDetected, 42, "family_revoked")))
      .Times(2);
  EXPECT_CALL(
      attempts_,
      Admit(ElementsAre(Field(&AttemptLimit::key, std::string("refresh-address:") + kClient)), _))
      .Times(2)
      .WillRepeatedly(Return(Admission{true, absl::ZeroDuration()}));
  auth::v1::RefreshTokenResponse response;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Refresh("presented-refresh-token", &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(AuditEventsTest, LogoutWithAnotherUsersTokenIsDeniedNamingTheTokensUser) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor("42", "jti-3")));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kLogoutDenied, 42, "other_user")));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(7, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuditEventsTest, LogoutWithoutAValidTokenIsDenied) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _))
      .WillOnce(Return(absl::UnauthenticatedError("bad signature")));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kLogoutDenied, 0, "invalid_token")));
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kLogoutDenied, 0, "no_token")));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Logout(42, "x-unrelated", "nothing", &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// Made-up tokens cost an attacker nothing (rejected on the gRPC thread): their events are
// sampled, at most AuditSampler::kDefaultPerSecond a second, with the count left out.
TEST_F(AuditEventsTest, RejectedTokensAreRecordedSampled) {
  constexpr int kCalls = 50;
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _))
      .Times(kCalls)
      .WillRepeatedly(Return(absl::UnauthenticatedError("bad signature")));
  std::mutex mu;
  int recorded = 0;
  int64_t suppressed = 0;
  EXPECT_CALL(audit_log_, Record(EventIs(AuditEventType::kTokenRejected, 0, "invalid_token")))
      .WillRepeatedly(Invoke([&](const AuditEvent& event) {
        std::lock_guard<std::mutex> lock(mu);
        ++recorded;
        suppressed += event.suppressed;
      }));
  auth::v1::ValidateTokenResponse response;
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(Validate(kToken, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_GE(recorded, 1);
  // Within one second, or straddling two.
  EXPECT_LE(recorded, 2 * audit::AuditSampler::kDefaultPerSecond);
  EXPECT_LE(recorded + suppressed, kCalls);
}

// An unknown (expired, revoked) refresh token is a refresh_failure: bounded by the address
// limit, which it counts against, so it is not sampled.
TEST_F(AuditEventsTest, AnUnknownRefreshTokenIsARefreshFailure) {
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Return(absl::NotFoundError("refresh token not found")));
  EXPECT_CALL(
      audit_log_,
      Record(AllOf(EventIs(AuditEventType::kRefreshFailure, 0, "unknown_expired_or_revoked"),
                   InSession("", ""))));
  auth::v1::RefreshTokenResponse refreshed;
  EXPECT_EQ(Refresh("unknown-refresh-token", &refreshed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// Invalid input is no security event of anyone: nothing is recorded (the StrictMock fails the
// test otherwise).
TEST_F(AuditEventsTest, InvalidRequestsRecordNothing) {
  auth::v1::LoginRequest no_password = LoginByEmail();
  no_password.clear_password_hash();
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, no_password, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace auth::service_testing
