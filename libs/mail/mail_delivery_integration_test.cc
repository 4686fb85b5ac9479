// The whole delivery path with real parts: the MySQL outbox on a private MariaDB, dispatchers
// with libcurl's SMTP sender, and a real SMTP server (aiosmtpd) that is down at first. Nothing
// is lost across the outage and a dispatcher restart, and two dispatchers on one outbox deliver
// each mail once.
#include <cppconn/prepared_statement.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mail/mail.h"
#include "libs/mail/mail_dispatcher.h"
#include "libs/mail/smtp_mail_sender.h"
#include "libs/mail/testing/aiosmtpd_server.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/testing/query.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/mail/mysql_mail_outbox.h"
#include "libs/repository/mysql/testing/migrated_mariadb_test.h"
#include "libs/testing/status_matchers.h"

namespace auth::mail {
namespace {

using ::auth::mail_testing::AiosmtpdServer;
using ::auth::mysql_repository::MysqlMailOutbox;
using ::auth::mysql_testing::QueryInt;
using ::auth::test_util::IsOk;

constexpr int kMails = 6;

// One replica's mail machinery: its outbox handle, SMTP sender and dispatcher.
struct Replica {
  Replica(mysql::ConnectionPool& pool, const std::string& smtp_url) : outbox(pool) {
    sender = SmtpMailSender::Create({.url = smtp_url,
                                     .from = "no-reply@auth.example",
                                     .connect_timeout = absl::Seconds(2),
                                     .timeout = absl::Seconds(5)})
                 .value();
    MailDispatcherOptions options;
    options.poll_interval = absl::Milliseconds(100);
    options.initial_backoff = absl::Milliseconds(200);
    options.max_backoff = absl::Milliseconds(400);
    options.max_attempts = 1000;  // the outage outlasts any small number
    options.lease = absl::Seconds(30);
    dispatcher = std::make_unique<MailDispatcher>(outbox, *sender, options);
  }

  MysqlMailOutbox outbox;
  std::unique_ptr<SmtpMailSender> sender;
  std::unique_ptr<MailDispatcher> dispatcher;
};

class MailDeliveryTest : public mysql_repository::MigratedMariadbTest {
 protected:
  void SetUp() override {
    MigratedMariadbTest::SetUp();
    ASSERT_THAT(
        mysql::RunOnConnection(*pool_, "empty outbox", "",
                               [](mysql::Connection& connection) {
                                 connection.Prepare("DELETE FROM mail_outbox").executeUpdate();
                                 return absl::OkStatus();
                               }),
        IsOk());
  }

  static bool WaitFor(const std::string& count_sql, int at_least) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (QueryInt(*pool_, count_sql) < at_least) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return true;
  }
};

TEST_F(MailDeliveryTest, AnOutageAndARestartLoseNothingAndTwoDispatchersSendEachMailOnce) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AiosmtpdServer> smtp, AiosmtpdServer::CreateStopped());

  // The mail server is down when the mails are enqueued; the first dispatcher tries them all.
  {
    Replica first(*pool_, smtp->url());
    for (int i = 0; i < kMails; ++i) {
      ASSERT_THAT(first.outbox.Enqueue({.to = absl::StrCat("user", i, "@example.org"),
                                        .subject = absl::StrCat("Mail ", i),
                                        .body = absl::StrCat("#token=secret", i, "\n")}),
                  IsOk());
    }
    first.dispatcher->Start();
    ASSERT_TRUE(WaitFor("SELECT COUNT(*) FROM mail_outbox WHERE attempts >= 2", kMails));
    first.dispatcher->Stop();  // the replica restarts: nothing of it survives but the table
  }
  EXPECT_EQ(QueryInt(*pool_, "SELECT COUNT(*) FROM mail_outbox WHERE state = 0"), kMails);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> none, smtp->Mails());
  EXPECT_TRUE(none.empty());

  // The server comes back; two replicas' dispatchers share the outbox.
  ASSERT_THAT(smtp->Restart(), IsOk());
  Replica second(*pool_, smtp->url());
  Replica third(*pool_, smtp->url());
  second.dispatcher->Start();
  third.dispatcher->Start();
  ASSERT_TRUE(WaitFor("SELECT COUNT(*) FROM mail_outbox WHERE state = 1", kMails));
  second.dispatcher->Stop();
  third.dispatcher->Stop();

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> mails,
                       smtp->WaitForMails(kMails, absl::Seconds(5)));
  EXPECT_EQ(mails.size(), static_cast<size_t>(kMails));  // none twice
  std::set<int> delivered;
  for (const std::string& text : mails) {
    for (int i = 0; i < kMails; ++i) {
      if (absl::StrContains(text, absl::StrCat("Subject: Mail ", i, "\n"))) delivered.insert(i);
    }
  }
  EXPECT_EQ(delivered.size(), static_cast<size_t>(kMails));
}

}  // namespace
}  // namespace auth::mail
