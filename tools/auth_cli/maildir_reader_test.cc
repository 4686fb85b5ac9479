// maildir_reader: mails as SMTP senders encode them and aiosmtpd stores them, written by the test
// into a temporary Maildir (new/ and cur/), newest first, malformed files skipped with a warning.
#include "tools/auth_cli/maildir_reader.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::cli {
namespace {

namespace fs = std::filesystem;
using ::auth::test_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kToken[] = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg";
const std::string kLink = absl::StrCat("http://localhost:8080/reset-password#token=", kToken);

// What SmtpMailSender sends (8bit, CRLF), as aiosmtpd stores it: its X- headers after the
// sender's, the line ends of the body turned to LF.
std::string ResetMail(absl::string_view to, absl::string_view date) {
  return absl::StrCat("Date: ", date,
                      "\r\nMessage-ID: <0123456789abcdef@localhost>\r\nFrom: auth@localhost\r\n"
                      "To: ",
                      to,
                      "\r\nSubject: Reset your password\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\nX-Peer: ('127.0.0.1', 40000)\r\n"
                      "X-MailFrom: auth@localhost\r\nX-RcptTo: ",
                      to, "\r\n\r\nSomeone asked to reset the password of your account.\n",
                      "Open this link within 30 minutes to choose a new one:\n", kLink,
                      "\n\nIf it was not you, ignore this mail.\n");
}

TEST(ParseMailTest, ReadsTheHeadersBodyAndLinkOfAnEightBitMail) {
  ASSERT_OK_AND_ASSIGN(
      ReadMail mail, ParseMail(ResetMail("alice@example.com", "Mon, 07 Dec 2026 23:00:00 +0000")));
  EXPECT_EQ(mail.from, "auth@localhost");
  EXPECT_EQ(mail.to, "alice@example.com");
  EXPECT_EQ(mail.subject, "Reset your password");
  EXPECT_EQ(mail.date, "Mon, 07 Dec 2026 23:00:00 +0000");
  EXPECT_THAT(mail.body, HasSubstr("within 30 minutes"));
  EXPECT_THAT(mail.links, ElementsAre(kLink));
}

TEST(ParseMailTest, DecodesQuotedPrintableWithASoftBreakInsideTheLink) {
  // A QP encoder breaks lines at 76 characters with "=" and writes "=" itself as "=3D".
  const std::string mail_text = absl::StrCat(
      "From: auth@localhost\nTo: bob@example.com\nSubject: =?utf-8?q?R=C3=A9initialiser?=\n"
      "Content-Transfer-Encoding: Quoted-Printable\n\nCaf=C3=A9: ",
      "http://localhost:8080/reset-password#token=3D", std::string(kToken).substr(0, 10), "=\n",
      std::string(kToken).substr(10), "\nend=\n");
  ASSERT_OK_AND_ASSIGN(ReadMail mail, ParseMail(mail_text));
  EXPECT_EQ(mail.subject, "R\xC3\xA9initialiser");
  EXPECT_EQ(mail.body, absl::StrCat("Caf\xC3\xA9: ", kLink, "\nend"));
  EXPECT_THAT(mail.links, ElementsAre(kLink));
}

TEST(ParseMailTest, DecodesBase64BodiesAndEncodedWordsAndUnfoldsHeaders) {
  const std::string body = absl::StrCat("Hello \xC3\xA9,\r\nyour link: ", kLink, ".\r\n");
  std::string encoded;
  absl::Base64Escape(body, &encoded);
  encoded.insert(40, "\r\n");  // base64 bodies come in lines
  const std::string mail_text = absl::StrCat(
      "from: Auth <auth@localhost>\r\nTO: carol@example.com,\r\n\tdave@example.com\r\n"
      "Subject: =?UTF-8?B?w6l0w6k=?= =?UTF-8?Q?_d=C3=A9j=C3=A0?= vu\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n",
      encoded, "\r\n");
  ASSERT_OK_AND_ASSIGN(ReadMail mail, ParseMail(mail_text));
  EXPECT_EQ(mail.from, "Auth <auth@localhost>");
  EXPECT_EQ(mail.to, "carol@example.com, dave@example.com");
  EXPECT_EQ(mail.subject, "\xC3\xA9t\xC3\xA9 d\xC3\xA9j\xC3\xA0 vu");
  EXPECT_EQ(mail.body, absl::StrCat("Hello \xC3\xA9,\nyour link: ", kLink, ".\n"));
  EXPECT_THAT(mail.links, ElementsAre(kLink));  // without the full stop
}

TEST(ParseMailTest, RefusesWhatIsNoMail) {
  EXPECT_THAT(ParseMail(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(ParseMail("\n \n"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMail("just some text\nwith lines\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("header line 1")));
  EXPECT_THAT(ParseMail(" folded: first\n\nbody"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMail("Subject: x\nContent-Transfer-Encoding: base64\n\n!!not base64!!\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64")));
  // Headers and no body is a mail.
  EXPECT_THAT(ParseMail("Subject: only headers\n"), ::auth::test_util::IsOk());
}

TEST(FindLinksTest, StopsAtDelimitersAndDropsTrailingPunctuationAndRepeats) {
  EXPECT_THAT(
      FindLinks("see <https://a.example/x?y=1>, (http://b.example/p_(q)) and "
                "\"http://c.example/\"; http://b.example/p_(q)! https:// http"),
      ElementsAre("https://a.example/x?y=1", "http://b.example/p_(q)", "http://c.example/"));
  EXPECT_THAT(FindLinks("no link here, httpx://x"), IsEmpty());
}

TEST(NamesRecipientTest, MatchesAddressesCaseInsensitively) {
  EXPECT_TRUE(NamesRecipient("alice@example.com", "Alice@Example.com"));
  EXPECT_TRUE(
      NamesRecipient("Bob <bob@example.com>, Alice <alice@example.com>", "alice@example.com"));
  EXPECT_FALSE(NamesRecipient("xalice@example.com", "alice@example.com"));
  EXPECT_FALSE(NamesRecipient("", "alice@example.com"));
}

TEST(FormatMailTest, PrintsTheLinksAloneOnTheirLinesAndNoControlCharacters) {
  ReadMail mail;
  mail.path = "/m/new/1";
  mail.from = "auth@localhost";
  mail.to = "alice@example.com";
  mail.subject = "Reset \x1b[31myour password";
  mail.date = "Mon, 07 Dec 2026 23:00:00 +0000";
  mail.body = absl::StrCat("Open ", kLink, " now.\nOr ", kLink, "\n");
  mail.links = {kLink};
  EXPECT_EQ(FormatMail(mail), absl::StrCat("From: auth@localhost\nTo: alice@example.com\n"
                                           "Subject: Reset  [31myour password\n"
                                           "Date: Mon, 07 Dec 2026 23:00:00 +0000\n"
                                           "File: /m/new/1\n\n"
                                           "Open [link 1] now.\nOr [link 1]\n\nLinks:\n",
                                           kLink, "\n"));
}

class MaildirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    maildir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/maildir_",
                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(maildir_);
    for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(maildir_ + "/" + sub);
  }

  // Writes `text` to <maildir>/<sub>/<name> with a modification time `age_seconds` ago.
  void Write(const std::string& sub, const std::string& name, const std::string& text,
             int age_seconds) {
    const fs::path path = fs::path(maildir_) / sub / name;
    std::ofstream(path, std::ios::binary) << text;
    fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::seconds(age_seconds));
  }

  std::string maildir_;
};

TEST_F(MaildirTest, ListsNewAndCurNewestFirstAndSkipsMalformedFilesWithAWarning) {
  Write("cur", "1796680000.M1P1Q1.host:2,S", ResetMail("old@example.com", "d1"), 300);
  Write("new", "1796680100.M2P1Q1.host", ResetMail("mid@example.com", "d2"), 200);
  Write("new", "1796680150.M3P1Q1.host", "this is not a mail\n", 150);
  Write("new", "1796680200.M4P1Q1.host", ResetMail("new@example.com", "d3"), 100);
  Write("new", ".hidden", ResetMail("hidden@example.com", "d4"), 0);
  Write("tmp", "1796680300.M5P1Q1.host", ResetMail("partial@example.com", "d5"), 0);

  ASSERT_OK_AND_ASSIGN(MaildirListing latest, ReadLatestMails(maildir_, 1, ""));
  ASSERT_THAT(latest.mails, SizeIs(1));
  EXPECT_EQ(latest.mails[0].to, "new@example.com");
  EXPECT_EQ(latest.mails[0].path, maildir_ + "/new/1796680200.M4P1Q1.host");
  EXPECT_THAT(latest.warnings, IsEmpty());  // the malformed one is older: never read

  ASSERT_OK_AND_ASSIGN(MaildirListing all, ReadLatestMails(maildir_, 10, ""));
  ASSERT_THAT(all.mails, SizeIs(3));
  EXPECT_EQ(all.mails[0].to, "new@example.com");
  EXPECT_EQ(all.mails[1].to, "mid@example.com");
  EXPECT_EQ(all.mails[2].to, "old@example.com");
  EXPECT_THAT(all.mails[2].links, ElementsAre(kLink));
  ASSERT_THAT(all.warnings, SizeIs(1));
  EXPECT_THAT(all.warnings[0], HasSubstr("skipping " + maildir_ + "/new/1796680150.M3P1Q1.host"));
  EXPECT_THAT(all.warnings[0], HasSubstr("not `Name: value`"));

  ASSERT_OK_AND_ASSIGN(MaildirListing to_old, ReadLatestMails(maildir_, 10, "OLD@example.com"));
  ASSERT_THAT(to_old.mails, SizeIs(1));
  EXPECT_EQ(to_old.mails[0].date, "d1");
}

TEST_F(MaildirTest, AnEmptyMaildirHasNoMailAndNoWarning) {
  ASSERT_OK_AND_ASSIGN(MaildirListing listing, ReadLatestMails(maildir_, 5, ""));
  EXPECT_THAT(listing.mails, IsEmpty());
  EXPECT_THAT(listing.warnings, IsEmpty());
}

TEST_F(MaildirTest, AMissingMaildirOrAFolderThatIsNoneIsNotFound) {
  EXPECT_THAT(ReadLatestMails(maildir_ + "/absent", 1, ""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no Maildir at")));
  fs::create_directories(maildir_ + "/plain");
  EXPECT_THAT(ReadLatestMails(maildir_ + "/plain", 1, ""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no new/ or cur/")));
  EXPECT_THAT(ReadLatestMails(maildir_, 1, ""), Not(StatusIs(absl::StatusCode::kNotFound)));
}

}  // namespace
}  // namespace auth::cli
