// AccountService.RequestPasswordReset and ResetPassword end to end: the real auth_server on a
// real MariaDB, sending through a real SMTP server (Debian's aiosmtpd) the test starts and reads
// the mails of. The link resets the password once and ends every session; an older link, a
// spent one, a foreign or malformed token are refused; an unknown address gets the same answer
// in the same time and no mail; a mail queued while the mail server is down arrives once it is
// back, across a restart of the auth server.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/mail_fixture.h"
#include "services/auth/testing/auth_server_process.h"

namespace auth::service_testing {
namespace {

constexpr char kNewPassword[] = "e2e-reset-client-digest-1234567890";

class PasswordResetE2eTest : public MailE2eTest {
 protected:
  grpc::Status RequestReset(const std::string& email) {
    grpc::ClientContext context;
    auth::v1::RequestPasswordResetRequest request;
    request.set_email(email);
    auth::v1::RequestPasswordResetResponse response;
    return account().RequestPasswordReset(&context, request, &response);
  }

  grpc::Status Reset(const std::string& token, const std::string& password = kNewPassword) {
    grpc::ClientContext context;
    auth::v1::ResetPasswordRequest request;
    request.set_token(token);
    request.set_password_hash(password);
    auth::v1::ResetPasswordResponse response;
    return account().ResetPassword(&context, request, &response);
  }

  static std::vector<std::string> TokensMailedTo(const std::string& email, size_t count,
                                                 absl::Duration wait = absl::Seconds(20)) {
    return MailE2eTest::TokensMailedTo(email, "reset-password", count, wait);
  }
};

TEST_F(PasswordResetE2eTest, LinkSetsThePasswordOnceAndEndsEverySession) {
  const std::string email = NewAccount("flow");
  const LoginResult before = Login(email, "");
  ASSERT_TRUE(before.status.ok());

  ASSERT_TRUE(RequestReset(email).ok());
  const std::vector<std::string> tokens = TokensMailedTo(email, 1);
  ASSERT_EQ(tokens.size(), 1u);

  // A bad new password is refused before the token is looked at: the link still works.
  EXPECT_EQ(Reset(tokens[0], "short").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Reset(tokens[0]).ok());

  EXPECT_EQ(Login(email, "").status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Login(email, "", kNewPassword).status.ok());
  EXPECT_EQ(Validate(before.response.jwt_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(Refresh(before.response.refresh_token()).ok());
  const grpc::Status again = Reset(tokens[0], "e2e-another-client-digest-000000");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(again.error_message(), testing::HasSubstr("invalid, used or expired"));
  EXPECT_TRUE(Login(email, "", kNewPassword).status.ok());
}

TEST_F(PasswordResetE2eTest, OnlyTheNewestOfTwoLinksWorks) {
  const std::string email = NewAccount("twice");
  ASSERT_TRUE(RequestReset(email).ok());
  ASSERT_EQ(TokensMailedTo(email, 1).size(), 1u);
  ASSERT_TRUE(RequestReset(email).ok());
  const std::vector<std::string> tokens = TokensMailedTo(email, 2);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(Reset(tokens[0]).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Reset(tokens[1]).ok());
}

TEST_F(PasswordResetE2eTest, UnknownAddressGetsTheSameAnswerInTheSameTimeAndNoMail) {
  const std::string known = NewAccount("known");
  const std::string unknown =
      absl::StrCat("nobody_", absl::ToUnixMicros(absl::Now()), "@example.org");
  // Over HTTP too: the same status and body.
  const HttpReply known_reply =
      http()
          .Post("/auth.v1.AccountService/RequestPasswordReset", "application/json",
                nlohmann::json{{"email", known}}.dump(), {})
          .value();
  const HttpReply unknown_reply =
      http()
          .Post("/auth.v1.AccountService/RequestPasswordReset", "application/json",
                nlohmann::json{{"email", unknown}}.dump(), {})
          .value();
  EXPECT_EQ(known_reply.status, 200);
  EXPECT_EQ(unknown_reply.status, known_reply.status);
  EXPECT_EQ(unknown_reply.body, known_reply.body);

  // Medians of 20 alternating calls each (the limits answer OK silently past 3 mails).
  std::vector<double> known_ms, unknown_ms;
  for (int i = 0; i < 20; ++i) {
    for (const bool is_known : {true, false}) {
      const absl::Time start = absl::Now();
      EXPECT_TRUE(RequestReset(is_known ? known : unknown).ok());
      (is_known ? known_ms : unknown_ms).push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    }
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  std::printf("RequestPasswordReset medians: known %.2f ms, unknown %.2f ms\n", median(known_ms),
              median(unknown_ms));
  EXPECT_LT(std::abs(median(known_ms) - median(unknown_ms)), 20.0);

  // The known account got its 3 mails an hour, the first its verification link at Register;
  // the unknown address none.
  EXPECT_EQ(TokensMailedTo(known, 2).size(), 2u);
  EXPECT_EQ(TokensMailedTo(known, 3, absl::Seconds(2)).size(), 2u);
  EXPECT_TRUE(TokensMailedTo(unknown, 1, absl::Seconds(1)).empty());
}

TEST_F(PasswordResetE2eTest, MailQueuedDuringAnOutageArrivesAfterARestart) {
  const std::string email = NewAccount("outage");
  ASSERT_THAT(smtp_->Stop(), test_util::IsOk());
  ASSERT_TRUE(RequestReset(email).ok());  // answered at once: nothing waits for SMTP
  absl::SleepFor(absl::Seconds(1));       // the dispatcher tries and fails
  RestartMailServer(MailFlags());
  ASSERT_THAT(smtp_->Restart(), test_util::IsOk());
  const std::vector<std::string> tokens = TokensMailedTo(email, 1);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(TokensMailedTo(email, 2, absl::Seconds(2)).size(), 1u) << "sent twice";
  EXPECT_TRUE(Reset(tokens[0]).ok());
}

TEST_F(PasswordResetE2eTest, TwoReplicasSendEachMailOnce) {
  std::vector<std::string> flags = backend_->Flags();
  for (const std::string& flag : HttpFlags(MailFlags())) flags.push_back(flag);
  absl::StatusOr<std::unique_ptr<AuthServerProcess>> second = AuthServerProcess::Start(flags);
  ASSERT_THAT(second, test_util::IsOk());
  auto second_account = auth::v1::AccountService::NewStub(
      grpc::CreateChannel((*second)->address(), grpc::InsecureChannelCredentials()));
  std::vector<std::string> emails;
  for (int i = 0; i < 8; ++i) emails.push_back(NewAccount("replicas"));
  // Queued while the mail server is down, half through each replica: both dispatchers fail,
  // then both find every mail due at once when it is back.
  ASSERT_THAT(smtp_->Stop(), test_util::IsOk());
  for (size_t i = 0; i < emails.size(); ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(RequestReset(emails[i]).ok());
      continue;
    }
    grpc::ClientContext context;
    auth::v1::RequestPasswordResetRequest request;
    request.set_email(emails[i]);
    auth::v1::RequestPasswordResetResponse response;
    ASSERT_TRUE(second_account->RequestPasswordReset(&context, request, &response).ok());
  }
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_THAT(smtp_->Restart(), test_util::IsOk());
  for (const std::string& email : emails) EXPECT_EQ(TokensMailedTo(email, 1).size(), 1u);
  absl::SleepFor(absl::Seconds(7));  // longer than a dispatcher's poll: a second send shows
  for (const std::string& email : emails) {
    EXPECT_EQ(TokensMailedTo(email, 2, absl::Milliseconds(1)).size(), 1u) << "sent twice";
  }
}

TEST_F(PasswordResetE2eTest, ExpiredLinkIsRefused) {
  RestartMailServer(MailFlags({"--password_reset_token_lifetime=2s"}));
  const std::string email = NewAccount("expired");
  ASSERT_TRUE(RequestReset(email).ok());
  const std::vector<std::string> tokens = TokensMailedTo(email, 1);
  ASSERT_EQ(tokens.size(), 1u);
  absl::SleepFor(absl::Milliseconds(2500));
  const grpc::Status status = Reset(tokens[0]);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), testing::HasSubstr("invalid, used or expired"));
  EXPECT_TRUE(Login(email, "").status.ok());  // the password is unchanged
}

TEST_F(PasswordResetE2eTest, BadInputIsRefusedAndChangesNothing) {
  const std::string email = NewAccount("bad");
  ASSERT_TRUE(RequestReset(email).ok());
  const std::vector<std::string> tokens = TokensMailedTo(email, 1);
  ASSERT_EQ(tokens.size(), 1u);
  const std::string token = tokens[0];
  for (const std::string& bad :
       {std::string(), token.substr(0, 42), token + "A", std::string(4096, 'A'),
        token.substr(0, 42) + "=", token.substr(0, 42) + "\n"}) {
    const grpc::Status status = Reset(bad);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.size();
    EXPECT_FALSE(absl::StrContains(status.error_message(), token));
  }
  // Well formed but nobody's: one message for every dead token.
  EXPECT_EQ(Reset(std::string(43, 'A')).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  for (const std::string& bad_email : {email + "\r\nBcc: victim@example.org", std::string("a@b"),
                                       std::string(300, 'a') + "@x.org", std::string()}) {
    EXPECT_EQ(RequestReset(bad_email).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext context;
    auth::v1::RequestPasswordResetRequest both;
    both.set_email(email);
    both.set_phone_number("+15550100");
    auth::v1::RequestPasswordResetResponse response;
    EXPECT_EQ(account().RequestPasswordReset(&context, both, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // The real link still works after all that.
  EXPECT_TRUE(Reset(token).ok());
  EXPECT_EQ(TokensMailedTo(email, 2, absl::Seconds(1)).size(), 1u);
}

TEST_F(PasswordResetE2eTest, WithoutAMailServerTheRequestSaysSo) {
  RestartMailServer({});
  const grpc::Status status = RequestReset(NewAccount("nomail"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), testing::HasSubstr("mail is not configured"));
}

}  // namespace
}  // namespace auth::service_testing
