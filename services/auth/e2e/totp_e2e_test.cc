// TOTP second factors end to end: the real auth_server on a real MariaDB, over gRPC and the
// HTTP front (Connect JSON), with every code computed independently by Debian's oathtool
// (liboath). Enrolment and confirmation (the confirmation's code is spent: it cannot sign in),
// Login's second_factor_required (a wrong password answers as before), CompleteLogin with codes
// (amr pwd+otp, a code works once, ±1 step accepted, ±2 refused), a ticket burnt by its fifth
// wrong code (and the account's login limit reached: the password step forgives nothing), a
// recovery code once, Regenerate voiding the old set, Disable, and the ticket from its cookie.
#include <cppconn/statement.h>
#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/crypto/sha256.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/subprocess.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/http_fixture.h"

namespace auth::service_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kWrongPassword[] = "e2e-wrong-client-digest-000000";
constexpr char kDeadTicket[] = "mfa ticket invalid or expired: log in again";

int64_t StepNow() { return absl::ToUnixSeconds(absl::Now()) / 30; }

// oathtool's code of `secret_base32` at `step` (its first second).
std::string OathtoolCode(const std::string& secret_base32, int64_t step) {
  static int runs = 0;
  test_util::SubprocessOptions options;
  options.argv = {"/usr/bin/oathtool", "--totp", "-b", absl::StrCat("--now=@", step * 30),
                  secret_base32};
  options.stdout_path = test_util::TestTempPath(absl::StrCat("oathtool-", ++runs));
  absl::StatusOr<test_util::ExitStatus> exit =
      test_util::Subprocess::Run(options, absl::Seconds(30));
  EXPECT_TRUE(exit.ok() && exit->ok()) << "oathtool failed";
  std::ifstream file(options.stdout_path);
  std::stringstream out;
  out << file.rdbuf();
  return std::string(absl::StripAsciiWhitespace(out.str()));
}

class TotpE2eTest : public HttpE2eTest {
 protected:
  void SetUp() override {
    const std::string key = test_util::TestTempPath("totp.key");
    std::ofstream(key) << "0123456789abcdef0123456789abcdef";
    ASSERT_EQ(chmod(key.c_str(), 0600), 0);
    StartServer(HttpFlags(
        {"--totp_secret_key_file=" + key, "--totp_issuer=E2E", "--audit_log=" + audit_path_}));
    // A sequence of codes must not straddle a step boundary that would move "now" past them:
    // with less than 10 s left in this step, start in the next one.
    const int64_t left = 30 - absl::ToUnixSeconds(absl::Now()) % 30;
    if (left < 10) absl::SleepFor(absl::Seconds(left) + absl::Milliseconds(200));
  }

  struct Account {
    int32_t user_id = 0;
    std::string email;
    std::string token;   // an access token of a session
    std::string secret;  // base32
    std::vector<std::string> recovery_codes;
    int64_t confirmed_step = 0;
  };

  std::unique_ptr<auth::v1::CredentialService::Stub> Credentials() {
    return auth::v1::CredentialService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }
  static void Bearer(grpc::ClientContext& context, const std::string& token) {
    context.AddMetadata("authorization", "Bearer " + token);
  }

  // Registers `name`, signs in with the password, enrols and confirms with the code of the
  // previous step (-1 is accepted).
  Account Enrolled(const std::string& name) {
    Account account;
    account.email = name + "@example.com";
    EXPECT_TRUE(Register(name, account.email, "").ok());
    const LoginResult login = Login(account.email, "");
    EXPECT_TRUE(login.status.ok()) << login.status.error_message();
    account.user_id = login.response.user_id();
    account.token = login.response.jwt_token();
    grpc::ClientContext begin_context;
    Bearer(begin_context, account.token);
    auth::v1::BeginTotpEnrollmentRequest begin;
    begin.set_password_hash(kPassword);
    auth::v1::BeginTotpEnrollmentResponse begun;
    const grpc::Status began = Credentials()->BeginTotpEnrollment(&begin_context, begin, &begun);
    EXPECT_TRUE(began.ok()) << began.error_message();
    EXPECT_THAT(begun.otpauth_uri(), StartsWith("otpauth://totp/E2E:" + name + "%40example.com"));
    EXPECT_THAT(begun.qr_svg(), StartsWith("<svg"));
    account.secret = begun.secret_base32();
    grpc::ClientContext confirm_context;
    Bearer(confirm_context, account.token);
    auth::v1::ConfirmTotpEnrollmentRequest confirm;
    account.confirmed_step = StepNow() - 1;
    confirm.set_code(OathtoolCode(account.secret, account.confirmed_step));
    auth::v1::ConfirmTotpEnrollmentResponse confirmed;
    const grpc::Status done =
        Credentials()->ConfirmTotpEnrollment(&confirm_context, confirm, &confirmed);
    EXPECT_TRUE(done.ok()) << done.error_message();
    account.recovery_codes.assign(confirmed.recovery_codes().begin(),
                                  confirmed.recovery_codes().end());
    EXPECT_EQ(account.recovery_codes.size(), 10u);
    return account;
  }

  // A ticket from Login's password step.
  std::string Ticket(const Account& account) {
    const LoginResult login = Login(account.email, "");
    EXPECT_TRUE(login.status.ok()) << login.status.error_message();
    EXPECT_TRUE(login.response.second_factor_required());
    EXPECT_EQ(login.response.jwt_token(), "");
    EXPECT_EQ(login.response.refresh_token(), "");
    return login.response.mfa_ticket();
  }

  struct Completed {
    grpc::Status status;
    auth::v1::CompleteLoginResponse response;
  };
  Completed Complete(const std::string& ticket, const std::string& totp_code,
                     const std::string& recovery_code = "") {
    grpc::ClientContext context;
    auth::v1::CompleteLoginRequest request;
    request.set_mfa_ticket(ticket);
    request.set_totp_code(totp_code);
    request.set_recovery_code(recovery_code);
    Completed completed;
    completed.status = stub_->CompleteLogin(&context, request, &completed.response);
    return completed;
  }

  std::vector<std::string> Amr(const std::string& token) {
    grpc::ClientContext context;
    Bearer(context, token);
    auth::v1::GetSessionResponse response;
    EXPECT_TRUE(stub_->GetSession(&context, auth::v1::GetSessionRequest(), &response).ok());
    return {response.amr().begin(), response.amr().end()};
  }

  const std::string audit_path_ = test_util::TestTempPath("totp-audit.log");

  // As if the account's last code had been used `steps` steps earlier than it was (the real
  // server's clock cannot be moved; its last used step can).
  void AgeLastUsedStep(int32_t user_id, int steps) {
    mysql::ConnectionPool pool(backend_->database().pool_options());
    const absl::Status aged = mysql::RunOnConnection(
        pool, "age totp", "", [&](mysql::Connection& connection) -> absl::Status {
          std::unique_ptr<sql::Statement> statement(connection.raw().createStatement());
          statement->execute(absl::StrCat("UPDATE user_totp SET last_used_step = last_used_step - ",
                                          steps, " WHERE user_id = ", user_id));
          return absl::OkStatus();
        });
    ASSERT_TRUE(aged.ok()) << aged;
  }
};

TEST_F(TotpE2eTest, CodesSignInOnceWithinOneStepEitherSide) {
  const Account account = Enrolled("totp_codes");
  EXPECT_EQ(Login(account.email, "", kWrongPassword).status.error_message(), "wrong password");
  std::string ticket = Ticket(account);
  EXPECT_EQ(ticket.size(), 43u);
  const int64_t now = StepNow();
  // The confirmation's code was spent by the confirmation.
  Completed replay = Complete(ticket, OathtoolCode(account.secret, account.confirmed_step));
  EXPECT_EQ(replay.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(replay.status.error_message(), "wrong code");
  // As if confirmed a minute ago: the previous step's code is then not a replay, and works.
  AgeLastUsedStep(account.user_id, 2);
  Completed previous = Complete(ticket, OathtoolCode(account.secret, now - 1));
  ASSERT_TRUE(previous.status.ok()) << previous.status.error_message();
  EXPECT_EQ(previous.response.user_id(), account.user_id);
  EXPECT_THAT(Amr(previous.response.jwt_token()), ElementsAre("pwd", "otp"));
  EXPECT_EQ(Complete(ticket, OathtoolCode(account.secret, now)).status.error_message(),
            kDeadTicket);

  ticket = Ticket(account);
  EXPECT_EQ(Complete(ticket, OathtoolCode(account.secret, now - 1)).status.error_message(),
            "wrong code");
  EXPECT_EQ(Complete(ticket, OathtoolCode(account.secret, now + 2)).status.error_message(),
            "wrong code");
  AgeLastUsedStep(account.user_id, 10);  // so that -2 could only fail for being two steps off
  EXPECT_EQ(Complete(ticket, OathtoolCode(account.secret, now - 2)).status.error_message(),
            "wrong code");
  const Completed next = Complete(ticket, OathtoolCode(account.secret, now + 1));
  ASSERT_TRUE(next.status.ok()) << next.status.error_message();
  EXPECT_THAT(Amr(next.response.jwt_token()), ElementsAre("pwd", "otp"));
  ticket = Ticket(account);
  EXPECT_EQ(Complete(ticket, OathtoolCode(account.secret, now + 1)).status.error_message(),
            "wrong code");
}

TEST_F(TotpE2eTest, FifthWrongCodeBurnsTheTicketAndTheAccountsLimitHolds) {
  const Account account = Enrolled("totp_burn");
  const std::string ticket = Ticket(account);
  const int64_t now = StepNow();
  const std::string right = OathtoolCode(account.secret, now);
  std::string wrong = "000000";
  for (int64_t step = now - 1; step <= now + 1; ++step) {
    while (wrong == OathtoolCode(account.secret, step)) wrong = "000001";
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Complete(ticket, wrong).status.error_message(), "wrong code") << i;
  }
  EXPECT_EQ(Complete(ticket, right).status.error_message(), kDeadTicket);
  // Five wrong codes are five failed logins of the account, which the password step did not
  // forgive: its own Login is now refused until the window ends.
  EXPECT_EQ(Login(account.email, "").status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(TotpE2eTest, RecoveryCodesWorkOnceRegenerateVoidsThemAndDisableEndsTheSecondStep) {
  const Account account = Enrolled("totp_recovery");
  std::string ticket = Ticket(account);
  const Completed first = Complete(ticket, "", account.recovery_codes[0]);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  EXPECT_THAT(Amr(first.response.jwt_token()), ElementsAre("pwd", "otp"));
  ticket = Ticket(account);
  EXPECT_EQ(Complete(ticket, "", account.recovery_codes[0]).status.error_message(), "wrong code");

  grpc::ClientContext regenerate_context;
  Bearer(regenerate_context, first.response.jwt_token());
  auth::v1::RegenerateRecoveryCodesRequest regenerate;
  regenerate.set_code(OathtoolCode(account.secret, StepNow()));
  auth::v1::RegenerateRecoveryCodesResponse regenerated;
  const grpc::Status status =
      Credentials()->RegenerateRecoveryCodes(&regenerate_context, regenerate, &regenerated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(regenerated.recovery_codes_size(), 10);
  EXPECT_EQ(Complete(ticket, "", account.recovery_codes[1]).status.error_message(), "wrong code");
  const Completed fresh = Complete(ticket, "", regenerated.recovery_codes(0));
  ASSERT_TRUE(fresh.status.ok()) << fresh.status.error_message();

  grpc::ClientContext disable_context;
  Bearer(disable_context, fresh.response.jwt_token());
  auth::v1::DisableTotpRequest disable;
  disable.set_password_hash(kPassword);
  disable.set_code(regenerated.recovery_codes(1));
  auth::v1::DisableTotpResponse disabled;
  const grpc::Status off = Credentials()->DisableTotp(&disable_context, disable, &disabled);
  ASSERT_TRUE(off.ok()) << off.error_message();
  const LoginResult login = Login(account.email, "");
  ASSERT_TRUE(login.status.ok());
  EXPECT_FALSE(login.response.second_factor_required());
  EXPECT_FALSE(login.response.jwt_token().empty());
  EXPECT_THAT(Amr(login.response.jwt_token()), ElementsAre("pwd"));
}

// The audit log names each TOTP event and holds no secret, code or ticket (nor a digest of one).
TEST_F(TotpE2eTest, AuditLogRecordsTheEventsAndNoSecret) {
  const Account account = Enrolled("totp_audit");
  const std::string ticket = Ticket(account);
  const std::string code = OathtoolCode(account.secret, StepNow());
  std::string wrong = code == "123456" ? "654321" : "123456";
  EXPECT_EQ(Complete(ticket, wrong).status.error_message(), "wrong code");
  ASSERT_TRUE(Complete(ticket, code).status.ok());
  const std::string second = Ticket(account);
  ASSERT_TRUE(Complete(second, "", account.recovery_codes[2]).status.ok());
  std::ifstream file(audit_path_);
  std::stringstream text;
  text << file.rdbuf();
  const std::string log = text.str();
  for (const char* event :
       {"totp_enrollment_begun", "totp_confirmed", "second_factor_required",
        "second_factor_failure", "second_factor_success", "recovery_code_used"}) {
    EXPECT_THAT(log, HasSubstr(absl::StrCat("\"event\":\"", event, "\"")));
  }
  // 6-digit codes as JSON strings: bare, they could match a timestamp's microseconds.
  std::vector<std::string> secrets = {
      account.secret,     ticket, second, crypto::Sha256Hex(ticket), "\"" + code + "\"",
      "\"" + wrong + "\""};
  for (const std::string& recovery : account.recovery_codes) secrets.push_back(recovery);
  for (const std::string& secret : secrets) {
    EXPECT_THAT(log, ::testing::Not(HasSubstr(secret))) << secret;
  }
}

// Over the HTTP front, as a page's script would: the ticket stays in its HttpOnly cookie.
TEST_F(TotpE2eTest, HttpCompleteLoginTakesTheTicketFromItsCookie) {
  const Account account = Enrolled("totp_http");
  const HttpReply login =
      PostJson("Login", {{"email", account.email}, {"passwordHash", kPassword}});
  ASSERT_EQ(login.status, 200) << login.body;
  const nlohmann::json body = nlohmann::json::parse(login.body);
  EXPECT_EQ(body["secondFactorRequired"], true);
  EXPECT_FALSE(body.contains("jwtToken"));
  const std::string ticket = login.Cookie("mfa-ticket");
  ASSERT_EQ(ticket, body["mfaTicket"]);
  EXPECT_EQ(login.Cookie("jwt-token"), "");
  const HttpReply done =
      PostJson("CompleteLogin", {{"totpCode", OathtoolCode(account.secret, StepNow())}},
               {{"Cookie", "mfa-ticket=" + ticket}});
  ASSERT_EQ(done.status, 200) << done.body;
  const nlohmann::json completed = nlohmann::json::parse(done.body);
  EXPECT_EQ(completed["userId"], account.user_id);
  EXPECT_FALSE(done.Cookie("jwt-token").empty());
  EXPECT_FALSE(done.Cookie("device").empty());  // as Login's success sets it
  EXPECT_THAT(Amr(completed["jwtToken"].get<std::string>()), ElementsAre("pwd", "otp"));
  bool ticket_expired = false;
  for (const std::string& cookie : done.cookies) {
    if (absl::StartsWith(cookie, "mfa-ticket=;")) ticket_expired = true;
  }
  EXPECT_TRUE(ticket_expired);
}

}  // namespace
}  // namespace auth::service_testing
