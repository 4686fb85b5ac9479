// Unit tests of Login's second-factor branch and CompleteLogin through AuthServiceImpl over
// mocks: a TOTP account's right password gets a ticket (body and cookie), no session, and
// settles its attempt without resetting any counter; a wrong password answers as before; a
// code is counted as a login attempt of the account before it is checked; a right code opens a
// session that spends the ticket and the step (or recovery code) with amr pwd+otp; a wrong code
// counts on the ticket and stores nothing.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/audit/audit_log.h"
#include "libs/crypto/sha256.h"
#include "libs/otp/recovery_codes.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/second_factor_repository.h"
#include "libs/token/token.h"
#include "services/auth/mfa/totp_test_support.h"

namespace auth::service_testing {
namespace {

using ::auth::audit::AuditEvent;
using ::auth::audit::AuditEventType;
using ::auth::repository::Admission;
using ::auth::repository::AttemptLimit;
using ::auth::repository::AttemptSettlement;
using ::auth::repository::NewMfaTicket;
using ::auth::repository::SessionGrant;
using ::auth::token::IssuedToken;
using ::testing::_;
using ::testing::AllOf;
using ::testing::AnyNumber;
using ::testing::Contains;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Return;
using ::testing::SaveArg;

constexpr char kTicket[] = "the-ticket-login-handed-out-0123456789abcd";

MATCHER_P(CountsKey, key, "") {
  for (const AttemptLimit& limit : arg) {
    if (limit.key == key) return true;
  }
  return false;
}

class CompleteLoginTest : public TotpServiceTest {
 protected:
  CompleteLoginTest()
      : TotpServiceTest({Collaborator::kUsers, Collaborator::kHasher, Collaborator::kIssuer,
                         Collaborator::kRefreshTokens, Collaborator::kSecondFactors,
                         Collaborator::kAttempts}) {
    limit_attempts_ = true;
  }

  struct Answer {
    grpc::Status status;
    std::vector<std::string> cookies;
  };

  template <typename Response>
  static std::vector<std::string> Cookies(const grpc::ClientContext& context) {
    std::vector<std::string> cookies;
    auto range = context.GetServerInitialMetadata().equal_range("set-cookie");
    for (auto it = range.first; it != range.second; ++it) {
      cookies.emplace_back(it->second.data(), it->second.size());
    }
    return cookies;
  }

  Answer Login(auth::v1::LoginResponse* response) {
    grpc::ClientContext context;
    Answer answer;
    answer.status = stub_->Login(&context, LoginByEmail(), response);
    answer.cookies = Cookies<auth::v1::LoginResponse>(context);
    return answer;
  }

  Answer Complete(const auth::v1::CompleteLoginRequest& request,
                  auth::v1::CompleteLoginResponse* response, const std::string& cookie = "") {
    grpc::ClientContext context;
    if (!cookie.empty()) context.AddMetadata("cookie", cookie);
    Answer answer;
    answer.status = stub_->CompleteLogin(&context, request, response);
    answer.cookies = Cookies<auth::v1::CompleteLoginResponse>(context);
    return answer;
  }

  static auth::v1::CompleteLoginRequest WithTotp(const std::string& code) {
    auth::v1::CompleteLoginRequest request;
    request.set_mfa_ticket(kTicket);
    request.set_totp_code(code);
    return request;
  }

  // The ticket's digest, kept alive for the matchers that hold a view of it.
  static const std::string& TicketDigest() {
    static const std::string* const digest = new std::string(crypto::Sha256Hex(kTicket));
    return *digest;
  }

  // The ticket is live and the code's attempt is admitted against the account.
  void ExpectLiveTicketAndAdmission() {
    EXPECT_CALL(second_factors_, FindLiveMfaTicket(absl::string_view(TicketDigest())))
        .WillOnce(Return(42));
    EXPECT_CALL(attempts_, Admit(CountsKey("login-account:42"), _))
        .WillOnce(Return(Admission{true, absl::ZeroDuration()}));
  }
};

TEST_F(CompleteLoginTest, RightPasswordOfATotpAccountGetsATicketAndNoSession) {
  repository::User user = StoredUser();
  user.totp_enabled = true;
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(user));
  EXPECT_CALL(attempts_, Admit(CountsKey("login-account:42"), _))
      .WillOnce(Return(Admission{true, absl::ZeroDuration()}));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  NewMfaTicket stored;
  EXPECT_CALL(second_factors_, CreateMfaTicket(_))
      .WillOnce(DoAll(SaveArg<0>(&stored), Return(absl::OkStatus())));
  // The password step takes its attempt back and forgives nothing.
  EXPECT_CALL(attempts_,
              Settle(AllOf(Field(&AttemptSettlement::reset_keys, IsEmpty()),
                           Field(&AttemptSettlement::refund_keys, Contains("login-account:42")))))
      .WillOnce(Return(absl::OkStatus()));
  auth::v1::LoginResponse response;
  const Answer answer = Login(&response);
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_TRUE(response.second_factor_required());
  EXPECT_EQ(response.mfa_ticket().size(), 43u);
  EXPECT_EQ(response.jwt_token(), "");
  EXPECT_EQ(response.refresh_token(), "");
  EXPECT_EQ(response.user_id(), 0);
  EXPECT_EQ(stored.user_id, 42);
  EXPECT_EQ(stored.ticket_hash, crypto::Sha256Hex(response.mfa_ticket()));
  EXPECT_NEAR(absl::ToDoubleSeconds(stored.expires_at - absl::Now()), 300, 5);
  EXPECT_THAT(answer.cookies, ElementsAre(AllOf(HasSubstr("mfa-ticket=" + response.mfa_ticket()),
                                                HasSubstr("Path=/auth.v1.AuthService/"),
                                                HasSubstr("Max-Age=300"), HasSubstr("HttpOnly"))));
}

TEST_F(CompleteLoginTest, WrongPasswordOfATotpAccountAnswersAsBefore) {
  repository::User user = StoredUser();
  user.totp_enabled = true;
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(user));
  EXPECT_CALL(attempts_, Admit(_, _)).WillOnce(Return(Admission{true, absl::ZeroDuration()}));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(false));
  auth::v1::LoginResponse response;
  const Answer answer = Login(&response);
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(answer.status.error_message(), "wrong password");
  EXPECT_THAT(answer.cookies, IsEmpty());
}

TEST_F(CompleteLoginTest, MalformedRequestsLookNothingUp) {
  auth::v1::CompleteLoginResponse response;
  auth::v1::CompleteLoginRequest request = WithTotp("123456");
  request.clear_mfa_ticket();
  EXPECT_EQ(Complete(request, &response).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request = WithTotp("123456");
  request.set_recovery_code("abcd-0123-efgh");
  EXPECT_EQ(Complete(request, &response).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.clear_totp_code();
  request.clear_recovery_code();
  EXPECT_EQ(Complete(request, &response).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Complete(WithTotp("12345"), &response).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CompleteLoginTest, DeadTicketIsUnauthenticatedAndCountsNothing) {
  EXPECT_CALL(second_factors_, FindLiveMfaTicket(_)).WillOnce(Return(absl::NotFoundError("no")));
  auth::v1::CompleteLoginResponse response;
  const Answer answer = Complete(WithTotp(CodeAt(0)), &response);
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(answer.status.error_message(), "mfa ticket invalid or expired: log in again");
}

TEST_F(CompleteLoginTest, RightCodeOpensASessionSpendingTicketAndStepWithPwdOtp) {
  ExpectLiveTicketAndAdmission();
  const int64_t step = StepNow();
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(true, step - 1)));
  EXPECT_CALL(issuer_, Issue(absl::string_view("42"), ElementsAre("pwd", "otp")))
      .WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  SessionGrant grant;
  AttemptSettlement settlement;
  EXPECT_CALL(refresh_tokens_, Create(_, _))
      .WillOnce(DoAll(SaveArg<0>(&grant), SaveArg<1>(&settlement), Return(absl::OkStatus())));
  auth::v1::CompleteLoginResponse response;
  const Answer answer = Complete(WithTotp(CodeOf(step)), &response);
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.jwt_token(), kToken);
  EXPECT_EQ(grant.spend.mfa_ticket_hash, crypto::Sha256Hex(kTicket));
  EXPECT_EQ(grant.spend.totp_step, step);
  EXPECT_EQ(grant.refresh_token.amr, (std::vector<std::string>{"pwd", "otp"}));
  // The whole sign-in succeeded: now the account's failures are forgiven.
  EXPECT_THAT(settlement.reset_keys, Contains("login-account:42"));
  EXPECT_THAT(answer.cookies, Contains(AllOf(HasSubstr("mfa-ticket=;"), HasSubstr("Max-Age=0"))));
  EXPECT_THAT(answer.cookies, Contains(HasSubstr("jwt-token=")));
}

TEST_F(CompleteLoginTest, WrongOrReplayedCodeCountsOnTheTicketAndStoresNothing) {
  const int64_t step = StepNow();
  for (const std::string& code : {WrongCode(), CodeOf(step)}) {
    ExpectLiveTicketAndAdmission();
    EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(true, step)));
    EXPECT_CALL(second_factors_, CountMfaTicketFailure(absl::string_view(TicketDigest())))
        .WillOnce(Return(false));
    auth::v1::CompleteLoginResponse response;
    const Answer answer = Complete(WithTotp(code), &response);
    EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(answer.status.error_message(), "wrong code");
    EXPECT_EQ(response.jwt_token(), "");
  }
}

TEST_F(CompleteLoginTest, CodesOfTheAccountPastItsLimitAreRefusedUnchecked) {
  EXPECT_CALL(second_factors_, FindLiveMfaTicket(_)).WillOnce(Return(42));
  EXPECT_CALL(attempts_, Admit(CountsKey("login-account:42"), _))
      .WillOnce(Return(Admission{false, absl::Minutes(3)}));
  auth::v1::CompleteLoginResponse response;
  EXPECT_EQ(Complete(WithTotp(CodeAt(0)), &response).status.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(CompleteLoginTest, RecoveryCodeIsSpentByItsDigestAndARefusedOneIsAWrongCode) {
  auth::v1::CompleteLoginRequest request;
  request.set_mfa_ticket(kTicket);
  request.set_recovery_code("ABCD O123 EFGH");
  ExpectLiveTicketAndAdmission();
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  EXPECT_CALL(refresh_tokens_, Create(Field(&SessionGrant::spend,
                                            Field(&repository::CredentialSpend::recovery_code_hash,
                                                  otp::RecoveryCodeDigest(42, "abcd0123efgh"))),
                                      _))
      .WillOnce(Return(absl::AbortedError("credential already used")));
  EXPECT_CALL(second_factors_, CountMfaTicketFailure(_)).WillOnce(Return(true));
  EXPECT_CALL(audit_log_, Record(_)).Times(AnyNumber());
  EXPECT_CALL(audit_log_,
              Record(AllOf(Field(&AuditEvent::type, AuditEventType::kSecondFactorFailure),
                           Field(&AuditEvent::reason, "wrong_recovery_code,ticket_burnt"))));
  auth::v1::CompleteLoginResponse response;
  EXPECT_EQ(Complete(request, &response).status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CompleteLoginTest, TicketMayComeFromItsCookie) {
  ExpectLiveTicketAndAdmission();
  const int64_t step = StepNow();
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(true)));
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  EXPECT_CALL(refresh_tokens_, Create(_, _)).WillOnce(Return(absl::OkStatus()));
  auth::v1::CompleteLoginRequest request = WithTotp(CodeOf(step));
  request.clear_mfa_ticket();
  auth::v1::CompleteLoginResponse response;
  const Answer answer =
      Complete(request, &response, std::string("theme=dark; mfa-ticket=") + kTicket);
  EXPECT_TRUE(answer.status.ok()) << answer.status.error_message();
}

}  // namespace
}  // namespace auth::service_testing
