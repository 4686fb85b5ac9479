// The fixture of the end-to-end tests of mailed links (password_reset_e2e_test,
// email_verification_e2e_test): HttpE2eTest's real auth_server, sending through a real SMTP
// server (Debian's aiosmtpd, one per suite) whose Maildir the tests read the links from.
#ifndef SERVICES_AUTH_E2E_MAIL_FIXTURE_H_
#define SERVICES_AUTH_E2E_MAIL_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "libs/mail/testing/aiosmtpd_server.h"
#include "services/auth/e2e/http_fixture.h"

namespace auth::service_testing {

class MailE2eTest : public HttpE2eTest {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // A server with MailFlags().
  void SetUp() override;

  // The mail flags: the suite's SMTP server, links to http://localhost:8080, a 1 s retry, no
  // limit on reset requests per address (every test calls from 127.0.0.1), then `extra`.
  static std::vector<std::string> MailFlags(const std::vector<std::string>& extra = {});
  // Restarts the server with HttpFlags(flags) (and forgets the old server's stub).
  void RestartMailServer(const std::vector<std::string>& flags);

  // Registers an account with a unique email (`tag` in it) and returns the email.
  std::string NewAccount(const std::string& tag);

  auth::v1::AccountService::Stub& account();

  // The tokens of the links to `path` ("reset-password", "verify-email") in the mails to
  // `email`, oldest first, once there are `count`; after `wait`, what there is.
  static std::vector<std::string> TokensMailedTo(const std::string& email, const std::string& path,
                                                 size_t count,
                                                 absl::Duration wait = absl::Seconds(20));

  inline static mail_testing::AiosmtpdServer* smtp_ = nullptr;

 private:
  std::unique_ptr<auth::v1::AccountService::Stub> account_;
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_E2E_MAIL_FIXTURE_H_
