// ValidateMail()/ValidateAddress(): what may reach a header or an SMTP command.
#include "libs/mail/mail.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::mail {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

Mail Valid() {
  return Mail{.to = "ada@example.org", .subject = "Reset your password", .body = "a\nb\n"};
}

TEST(ValidateMailTest, AcceptsAPlainMail) { EXPECT_THAT(ValidateMail(Valid()), IsOk()); }

TEST(ValidateMailTest, RefusesLineBreaksAndControlsInTheSubject) {
  for (const std::string& subject : std::vector<std::string>{
           "Hi\r\nBcc: eve@example.org", "Hi\nBcc: x@y.z", "Hi\rX", std::string("Hi\0X", 4),
           "Hi\tthere", std::string(256, 'x'), std::string()}) {
    Mail mail = Valid();
    mail.subject = subject;
    EXPECT_THAT(ValidateMail(mail), StatusIs(absl::StatusCode::kInvalidArgument)) << subject;
  }
}

TEST(ValidateMailTest, RefusesAnythingButOneBareAddressAsRecipient) {
  for (const std::string& to : std::vector<std::string>{
           "ada@example.org\r\nRCPT TO:<eve@example.org>", "ada@example.org\nBcc: eve@x.org",
           "Ada <ada@example.org>", "ada@example.org, eve@example.org", "ada@example.org>",
           "<ada@example.org", "ada example.org", "ada", "@example.org", "ada@", "a@b@c",
           "\"a\"@b.c", std::string(250, 'a') + "@x.org", std::string("a@b\0c", 5)}) {
    Mail mail = Valid();
    mail.to = to;
    const absl::Status status = ValidateMail(mail);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << to;
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("example"))) << "names the address";
  }
}

TEST(ValidateMailTest, AcceptsLongAndUnicodeBodiesUpTo64KiB) {
  Mail mail = Valid();
  mail.body = std::string(kMaxBodyBytes, 'x');
  EXPECT_THAT(ValidateMail(mail), IsOk());
  mail.body += "x";
  EXPECT_THAT(ValidateMail(mail), StatusIs(absl::StatusCode::kInvalidArgument));
  mail.body = "Grüße\r\n.\r\n";
  EXPECT_THAT(ValidateMail(mail), IsOk());
}

}  // namespace
}  // namespace auth::mail
