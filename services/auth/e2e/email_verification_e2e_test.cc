// Email verification end to end: the real auth_server on a real MariaDB, mailing through a real
// SMTP server (aiosmtpd). Register mails a link, and a signed-in user can ask for a new one
// (SendEmailVerification); the link verifies the address once (GetSession's email_verified);
// --require_verified_email holds Login back until then, and only once the password checks out;
// a reset token is no verification token and the other way round; under --conceal_accounts a
// taken email is answered as a success and its owner told by mail.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/auth/e2e/mail_fixture.h"

namespace auth::service_testing {
namespace {

class EmailVerificationE2eTest : public MailE2eTest {
 protected:
  grpc::Status SendVerification(const std::string& access_token) {
    grpc::ClientContext context;
    if (!access_token.empty()) context.AddMetadata("authorization", "Bearer " + access_token);
    auth::v1::SendEmailVerificationResponse response;
    return account().SendEmailVerification(&context, {}, &response);
  }

  grpc::Status Verify(const std::string& token) {
    grpc::ClientContext context;
    auth::v1::VerifyEmailRequest request;
    request.set_token(token);
    auth::v1::VerifyEmailResponse response;
    return account().VerifyEmail(&context, request, &response);
  }

  // GetSession's email_verified for `access_token` (false, and a test failure, if it fails).
  bool EmailVerified(const std::string& access_token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + access_token);
    auth::v1::GetSessionResponse response;
    const grpc::Status status = stub_->GetSession(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.email_verified();
  }

  // The token of the link Register mailed to `email`.
  static std::string RegistrationToken(const std::string& email) {
    const std::vector<std::string> tokens = TokensMailedTo(email, "verify-email", 1);
    EXPECT_EQ(tokens.size(), 1u);
    return tokens.empty() ? std::string() : tokens.front();
  }
};

TEST_F(EmailVerificationE2eTest, RegisterMailsALinkThatVerifiesTheAddressOnce) {
  const std::string email = NewAccount("verify");
  const std::string token = RegistrationToken(email);
  const LoginResult login = Login(email, "");
  ASSERT_TRUE(login.status.ok());
  EXPECT_FALSE(EmailVerified(login.response.jwt_token()));

  EXPECT_TRUE(Verify(token).ok());
  EXPECT_TRUE(EmailVerified(login.response.jwt_token()));
  const grpc::Status again = Verify(token);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(again.error_message(), testing::HasSubstr("invalid, used or expired"));

  // Verified already: OK, and no new mail.
  EXPECT_TRUE(SendVerification(login.response.jwt_token()).ok());
  EXPECT_EQ(TokensMailedTo(email, "verify-email", 2, absl::Seconds(1)).size(), 1u);
}

TEST_F(EmailVerificationE2eTest, ANewLinkVoidsTheOlder) {
  const std::string email = NewAccount("newest");
  const std::string older = RegistrationToken(email);
  const LoginResult login = Login(email, "");
  ASSERT_TRUE(SendVerification(login.response.jwt_token()).ok());
  const std::vector<std::string> tokens = TokensMailedTo(email, "verify-email", 2);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(Verify(older).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Verify(tokens[1]).ok());
}

TEST_F(EmailVerificationE2eTest, RequiredVerificationHoldsLoginBackOnlyAfterThePassword) {
  RestartMailServer(MailFlags({"--require_verified_email"}));
  const std::string email = NewAccount("required");
  const LoginResult unverified = Login(email, "");
  EXPECT_EQ(unverified.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(unverified.status.error_message(), testing::HasSubstr("not verified"));
  EXPECT_TRUE(unverified.response.jwt_token().empty());
  EXPECT_TRUE(unverified.cookies.empty());
  // A wrong password learns nothing about verification.
  EXPECT_EQ(Login(email, "", "e2e-wrong-client-digest-000000").status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // The right password got a fresh link (the wrong one none), which voids Register's; links
  // need no session.
  const std::vector<std::string> tokens = TokensMailedTo(email, "verify-email", 2);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(TokensMailedTo(email, "verify-email", 3, absl::Seconds(1)).size(), 2u);
  EXPECT_EQ(Verify(tokens[0]).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A right password is settled as a success: six more tries are not throttled (the account's
  // limit is 5), and the links they mail stop at the account's 3 an hour.
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(Login(email, "").status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << i;
  }
  const std::vector<std::string> all = TokensMailedTo(email, "verify-email", 3);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(TokensMailedTo(email, "verify-email", 4, absl::Seconds(1)).size(), 3u);
  ASSERT_TRUE(Verify(all[2]).ok());
  EXPECT_TRUE(Login(email, "").status.ok());
}

TEST_F(EmailVerificationE2eTest, ConcealedRegisterOfATakenEmailMailsItsOwner) {
  const std::string email = NewAccount("taken");
  EXPECT_EQ(
      Register("other_" + std::to_string(absl::ToUnixMicros(absl::Now())), email, "").error_code(),
      grpc::StatusCode::ALREADY_EXISTS);
  RestartMailServer(MailFlags({"--conceal_accounts"}));
  const grpc::Status concealed =
      Register("other_" + std::to_string(absl::ToUnixMicros(absl::Now())), email, "");
  EXPECT_TRUE(concealed.ok()) << concealed.error_message();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  bool told = false;
  while (!told && absl::Now() < deadline) {
    absl::StatusOr<std::vector<std::string>> mails = smtp_->Mails();
    for (const std::string& mail : mails.ok() ? *mails : std::vector<std::string>()) {
      told = told || (absl::StrContains(mail, "\nTo: " + email + "\n") &&
                      absl::StrContains(mail, "Someone tried to sign up with your address"));
    }
    if (!told) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(told);
  // The owner's account is unchanged: the password still signs in.
  EXPECT_TRUE(Login(email, "").status.ok());
}

TEST_F(EmailVerificationE2eTest, TokensServeTheirOwnPurposeOnly) {
  const std::string email = NewAccount("purpose");
  const std::string verification = RegistrationToken(email);
  {
    grpc::ClientContext context;
    auth::v1::RequestPasswordResetRequest request;
    request.set_email(email);
    auth::v1::RequestPasswordResetResponse response;
    ASSERT_TRUE(account().RequestPasswordReset(&context, request, &response).ok());
  }
  const std::vector<std::string> resets = TokensMailedTo(email, "reset-password", 1);
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(Verify(resets[0]).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  {
    grpc::ClientContext context;
    auth::v1::ResetPasswordRequest request;
    request.set_token(verification);
    request.set_password_hash("e2e-reset-client-digest-1234567890");
    auth::v1::ResetPasswordResponse response;
    EXPECT_EQ(account().ResetPassword(&context, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // Each still works for its own purpose.
  EXPECT_TRUE(Verify(verification).ok());
}

TEST_F(EmailVerificationE2eTest, BadInputIsRefused) {
  EXPECT_EQ(SendVerification("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(SendVerification("not.a.jwt").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  for (const std::string& bad : {std::string(), std::string(42, 'A'), std::string(44, 'A'),
                                 std::string(42, 'A') + "+", std::string(5000, 'A')}) {
    EXPECT_EQ(Verify(bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.size();
  }
  EXPECT_EQ(Verify(std::string(43, 'A')).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Without a mail server, the signed-in request says so.
  RestartMailServer({});
  const std::string email = NewAccount("nomail");
  const LoginResult login = Login(email, "");
  ASSERT_TRUE(login.status.ok());
  EXPECT_EQ(SendVerification(login.response.jwt_token()).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace auth::service_testing
