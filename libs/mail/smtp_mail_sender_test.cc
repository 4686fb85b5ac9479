// SmtpMailSender against a real SMTP server (Debian's aiosmtpd, started by the test): what it
// delivers, what it refuses before sending anything, and how failures map to statuses.
#include "libs/mail/smtp_mail_sender.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mail/mail.h"
#include "libs/mail/testing/aiosmtpd_server.h"
#include "libs/testing/status_matchers.h"

namespace auth::mail {
namespace {

using ::auth::mail_testing::AiosmtpdServer;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kFrom[] = "no-reply@auth.example";

std::unique_ptr<SmtpMailSender> SenderFor(const std::string& url) {
  absl::StatusOr<std::unique_ptr<SmtpMailSender>> sender =
      SmtpMailSender::Create({.url = url, .from = kFrom, .timeout = absl::Seconds(10)});
  EXPECT_THAT(sender, IsOk());
  return sender.ok() ? std::move(sender).value() : nullptr;
}

class SmtpMailSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(smtp_, AiosmtpdServer::Start());
    sender_ = SenderFor(smtp_->url());
    ASSERT_NE(sender_, nullptr);
  }

  std::unique_ptr<AiosmtpdServer> smtp_;
  std::unique_ptr<SmtpMailSender> sender_;
};

TEST_F(SmtpMailSenderTest, DeliversAPlainTextMailWithItsHeaders) {
  const Mail mail{.to = "ada@example.org",
                  .subject = "Reset your password",
                  .body =
                      "Open this link:\nhttps://auth.example/reset-password#token=abc\n"
                      ".a line that starts with a dot\n.\nthe end\n"};
  ASSERT_THAT(sender_->Send(mail), IsOk());

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> mails, smtp_->WaitForMails(1, absl::Seconds(10)));
  ASSERT_EQ(mails.size(), 1u);
  const std::string& delivered = mails[0];
  EXPECT_THAT(delivered, ContainsRegex("Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} "
                                       "[0-9:]{8} \\+0000"));
  EXPECT_THAT(delivered, ContainsRegex("Message-ID: <[0-9a-f]{32}@auth\\.example>"));
  EXPECT_THAT(delivered, HasSubstr("From: no-reply@auth.example"));
  EXPECT_THAT(delivered, HasSubstr("To: ada@example.org"));
  EXPECT_THAT(delivered, HasSubstr("Subject: Reset your password"));
  EXPECT_THAT(delivered, HasSubstr("Content-Type: text/plain; charset=utf-8"));
  // The body arrives whole: the lone "." did not end DATA, the dotted line kept its one dot.
  EXPECT_THAT(delivered, HasSubstr("https://auth.example/reset-password#token=abc\n"
                                   ".a line that starts with a dot\n.\nthe end\n"));
}

TEST_F(SmtpMailSenderTest, EncodesANonAsciiSubject) {
  ASSERT_THAT(sender_->Send({.to = "ada@example.org", .subject = "Grüße", .body = "ä\n"}), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> mails, smtp_->WaitForMails(1, absl::Seconds(10)));
  EXPECT_THAT(mails[0], HasSubstr("Subject: =?UTF-8?B?R3LDvMOfZQ==?="));
}

TEST_F(SmtpMailSenderTest, RefusesHeaderInjectionAndSendsNothing) {
  const std::vector<Mail> attacks = {
      {.to = "ada@example.org", .subject = "Hi\r\nBcc: eve@example.org", .body = "x"},
      {.to = "ada@example.org", .subject = "Hi\nBcc: eve@example.org", .body = "x"},
      {.to = "ada@example.org\r\nBcc: eve@example.org", .subject = "Hi", .body = "x"},
      {.to = "ada@example.org>\r\nRCPT TO:<eve@example.org", .subject = "Hi", .body = "x"},
      {.to = "ada@example.org, eve@example.org", .subject = "Hi", .body = "x"},
  };
  for (const Mail& attack : attacks) {
    EXPECT_THAT(sender_->Send(attack), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  // A good mail after them is the only one the server ever got.
  ASSERT_THAT(sender_->Send({.to = "ada@example.org", .subject = "ok", .body = "x"}), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> mails, smtp_->WaitForMails(1, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(200));
  ASSERT_OK_AND_ASSIGN(mails, smtp_->Mails());
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_THAT(mails[0], Not(HasSubstr("eve@")));
}

TEST_F(SmtpMailSenderTest, AServerThatIsDownIsUnavailableAndTheErrorHasNoBody) {
  ASSERT_THAT(smtp_->Stop(), IsOk());
  const absl::Status status =
      sender_->Send({.to = "ada@example.org", .subject = "Hi", .body = "secret-link-123"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("secret-link-123")));
}

// smtp:// to a host that is not loopback by name needs STARTTLS, which aiosmtpd does not offer:
// the send fails (a settings problem) before any mail is handed over.
TEST_F(SmtpMailSenderTest, RequiresStartTlsForAServerThatIsNotLoopback) {
  char name[256] = {};
  ASSERT_EQ(gethostname(name, sizeof(name) - 1), 0);
  std::unique_ptr<SmtpMailSender> remote =
      SenderFor(absl::StrCat("smtp://", name, ":", smtp_->port()));
  ASSERT_NE(remote, nullptr);
  if (remote->loopback()) GTEST_SKIP() << "the host name is loopback";
  const absl::Status status = remote->Send({.to = "ada@example.org", .subject = "Hi", .body = "x"});
  if (absl::IsUnavailable(status)) GTEST_SKIP() << "the host name does not reach 127.0.0.1";
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> mails, smtp_->Mails());
  EXPECT_THAT(mails, IsEmpty());
}

TEST(SmtpMailSenderCreateTest, RefusesBadSettings) {
  EXPECT_THAT(SmtpMailSender::Create({.url = "http://mail.example.org", .from = kFrom}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SmtpMailSender::Create({.url = "not a url", .from = kFrom}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SmtpMailSender::Create({.url = "smtp://mail.example.org", .from = "a\r\nb@c.d"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SmtpMailSenderCreateTest, KnowsLoopbackHosts) {
  for (const char* url :
       {"smtp://localhost:25", "smtp://127.0.0.1:2525", "smtp://127.1.2.3", "smtp://[::1]:25"}) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SmtpMailSender> sender,
                         SmtpMailSender::Create({.url = url, .from = kFrom}));
    EXPECT_TRUE(sender->loopback()) << url;
  }
  for (const char* url :
       {"smtp://mail.example.org:587", "smtps://203.0.113.7", "smtp://[2001:db8::1]"}) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SmtpMailSender> sender,
                         SmtpMailSender::Create({.url = url, .from = kFrom}));
    EXPECT_FALSE(sender->loopback()) << url;
  }
}

}  // namespace
}  // namespace auth::mail
