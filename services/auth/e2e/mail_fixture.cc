// MailE2eTest; see mail_fixture.h.
#include "services/auth/e2e/mail_fixture.h"

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::service_testing {

void MailE2eTest::SetUpTestSuite() {
  HttpE2eTest::SetUpTestSuite();
  absl::StatusOr<std::unique_ptr<mail_testing::AiosmtpdServer>> smtp =
      mail_testing::AiosmtpdServer::Start();
  ASSERT_THAT(smtp, test_util::IsOk());
  smtp_ = smtp->release();
}

void MailE2eTest::TearDownTestSuite() {
  delete smtp_;
  smtp_ = nullptr;
  HttpE2eTest::TearDownTestSuite();
}

void MailE2eTest::SetUp() {
  ASSERT_NE(smtp_, nullptr);
  StartServer(HttpFlags(MailFlags()));
}

std::vector<std::string> MailE2eTest::MailFlags(const std::vector<std::string>& extra) {
  std::vector<std::string> flags = {"--smtp_url=" + smtp_->url(), "--smtp_from=auth@example.org",
                                    "--public_base_url=http://localhost:8080",
                                    "--mail_retry_backoff=1s", "--mail_requests_per_address=0"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

void MailE2eTest::RestartMailServer(const std::vector<std::string>& flags) {
  RestartServer(HttpFlags(flags));
  account_.reset();  // the new server listens on another port
}

std::string MailE2eTest::NewAccount(const std::string& tag) {
  static int n = 0;
  const std::string name = absl::StrCat(tag, "_", absl::ToUnixMicros(absl::Now()), n++);
  const std::string email = name + "@example.org";
  EXPECT_TRUE(Register(name, email, "").ok());
  return email;
}

auth::v1::AccountService::Stub& MailE2eTest::account() {
  if (account_ == nullptr) {
    account_ = auth::v1::AccountService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }
  return *account_;
}

std::vector<std::string> MailE2eTest::TokensMailedTo(const std::string& email,
                                                     const std::string& path, size_t count,
                                                     absl::Duration wait) {
  std::vector<std::string> tokens;
  const absl::Time deadline = absl::Now() + wait;
  const std::regex link("http://localhost:8080/" + path + "#token=([A-Za-z0-9_-]{43})\n");
  do {
    tokens.clear();
    absl::StatusOr<std::vector<std::string>> mails = smtp_->Mails();
    if (mails.ok()) {
      for (const std::string& mail : *mails) {
        if (!absl::StrContains(mail, "\nTo: " + email + "\n")) continue;
        std::smatch match;
        if (std::regex_search(mail, match, link)) tokens.push_back(match[1]);
      }
    }
    if (tokens.size() >= count) return tokens;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < deadline);
  return tokens;
}

}  // namespace auth::service_testing
