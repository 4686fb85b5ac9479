// MysqlMailOutbox on a private MariaDB: enqueue (alone and inside a caller's transaction),
// claims with leases, settling only by the claim's holder, and concurrent claimers that never
// get one mail twice.
#include <cppconn/prepared_statement.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mail/mail.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/testing/query.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mail_outbox.h"
#include "libs/repository/mysql/mail/mysql_mail_outbox.h"
#include "libs/repository/mysql/mail/outbox_statements.h"
#include "libs/repository/mysql/testing/migrated_mariadb_test.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::QueryInt;
using ::auth::repository::ClaimedMail;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::IsEmpty;
using ::testing::SizeIs;

mail::Mail MailTo(int n) {
  return mail::Mail{.to = absl::StrCat("user", n, "@example.org"),
                    .subject = absl::StrCat("Mail ", n),
                    .body = absl::StrCat("Grüße, link #token=secret", n, "\n.\nend\n")};
}

class MysqlMailOutboxTest : public MigratedMariadbTest {
 protected:
  void SetUp() override {
    MigratedMariadbTest::SetUp();
    // Every test starts from an empty outbox: a claim takes whatever is due.
    ASSERT_THAT(
        mysql::RunOnConnection(*pool_, "empty outbox", "",
                               [](mysql::Connection& connection) {
                                 connection.Prepare("DELETE FROM mail_outbox").executeUpdate();
                                 return absl::OkStatus();
                               }),
        IsOk());
  }

  // An outbox whose clock is the real one moved by `offset_`.
  std::unique_ptr<MysqlMailOutbox> Outbox() {
    return std::make_unique<MysqlMailOutbox>(*pool_, [this] { return absl::Now() + offset(); });
  }
  absl::Duration offset() {
    std::lock_guard<std::mutex> lock(mutex_);
    return offset_;
  }
  void Advance(absl::Duration by) {
    std::lock_guard<std::mutex> lock(mutex_);
    offset_ += by;
  }

  std::mutex mutex_;
  absl::Duration offset_;
};

TEST_F(MysqlMailOutboxTest, EnqueuedMailIsClaimedOnceWithItsTextIntact) {
  std::unique_ptr<MysqlMailOutbox> outbox = Outbox();
  ASSERT_OK_AND_ASSIGN(int64_t id, outbox->Enqueue(MailTo(1)));
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimedMail> claimed, outbox->ClaimDue(10, absl::Minutes(2)));
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].id, id);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[0].mail.to, MailTo(1).to);
  EXPECT_EQ(claimed[0].mail.subject, MailTo(1).subject);
  EXPECT_EQ(claimed[0].mail.body, MailTo(1).body);
  // Leased: nobody else gets it.
  EXPECT_THAT(Outbox()->ClaimDue(10, absl::Minutes(2)), test_util::IsOkAndHolds(IsEmpty()));
  ASSERT_THAT(outbox->MarkSent(claimed[0]), IsOk());
  Advance(absl::Hours(1));
  EXPECT_THAT(outbox->ClaimDue(10, absl::Minutes(2)), test_util::IsOkAndHolds(IsEmpty()));
  EXPECT_EQ(QueryInt(*pool_, absl::StrCat("SELECT state FROM mail_outbox WHERE id = ", id)), 1);
}

TEST_F(MysqlMailOutboxTest, RefusesAMailWithAHeaderInjectionAndStoresNothing) {
  mail::Mail mail = MailTo(2);
  mail.subject = "Hi\r\nBcc: eve@example.org";
  EXPECT_THAT(Outbox()->Enqueue(mail), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(QueryInt(*pool_, "SELECT COUNT(*) FROM mail_outbox"), 0);
}

TEST_F(MysqlMailOutboxTest, AMailWrittenInACallersTransactionCommitsOrRollsBackWithIt) {
  const absl::Status rolled_back = mysql::RunInTransaction(
      *pool_, "token and mail", "", [&](mysql::Connection& connection) -> absl::Status {
        InsertOutboxMail(connection, MailTo(3), absl::Now());
        return absl::AbortedError("the token could not be stored");
      });
  EXPECT_THAT(rolled_back, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(QueryInt(*pool_, "SELECT COUNT(*) FROM mail_outbox"), 0);

  ASSERT_THAT(mysql::RunInTransaction(*pool_, "token and mail", "",
                                      [&](mysql::Connection& connection) -> absl::Status {
                                        InsertOutboxMail(connection, MailTo(4), absl::Now());
                                        return absl::OkStatus();
                                      }),
              IsOk());
  EXPECT_THAT(Outbox()->ClaimDue(10, absl::Minutes(1)), test_util::IsOkAndHolds(SizeIs(1)));
}

TEST_F(MysqlMailOutboxTest, AnExpiredLeaseLetsAnotherClaimTakeItAndTheFirstCannotSettle) {
  std::unique_ptr<MysqlMailOutbox> first = Outbox();
  ASSERT_THAT(first->Enqueue(MailTo(5)), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimedMail> lost, first->ClaimDue(10, absl::Minutes(1)));
  ASSERT_THAT(lost, SizeIs(1));
  Advance(absl::Minutes(2));
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimedMail> taken, Outbox()->ClaimDue(10, absl::Minutes(1)));
  ASSERT_THAT(taken, SizeIs(1));
  EXPECT_EQ(taken[0].attempts, 2);
  EXPECT_THAT(first->MarkSent(lost[0]), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(first->MarkFailed(lost[0]), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(Outbox()->MarkSent(taken[0]), IsOk());
}

TEST_F(MysqlMailOutboxTest, ARescheduledMailIsDueAgainOnlyAtItsTime) {
  std::unique_ptr<MysqlMailOutbox> outbox = Outbox();
  ASSERT_THAT(outbox->Enqueue(MailTo(6)), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimedMail> claimed, outbox->ClaimDue(10, absl::Seconds(5)));
  ASSERT_THAT(claimed, SizeIs(1));
  ASSERT_THAT(outbox->Reschedule(claimed[0], absl::Now() + offset() + absl::Minutes(10)), IsOk());
  Advance(absl::Minutes(9));
  EXPECT_THAT(outbox->ClaimDue(10, absl::Seconds(5)), test_util::IsOkAndHolds(IsEmpty()));
  Advance(absl::Minutes(2));
  ASSERT_OK_AND_ASSIGN(claimed, outbox->ClaimDue(10, absl::Seconds(5)));
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].attempts, 2);
  // Given up: kept, failed, never claimed again.
  ASSERT_THAT(outbox->MarkFailed(claimed[0]), IsOk());
  Advance(absl::Hours(24));
  EXPECT_THAT(outbox->ClaimDue(10, absl::Seconds(5)), test_util::IsOkAndHolds(IsEmpty()));
  EXPECT_EQ(QueryInt(*pool_, "SELECT COUNT(*) FROM mail_outbox WHERE state = 2 AND attempts = 2"),
            1);
}

TEST_F(MysqlMailOutboxTest, ConcurrentClaimersNeverGetOneMailTwice) {
  constexpr int kMails = 60;
  std::unique_ptr<MysqlMailOutbox> outbox = Outbox();
  for (int i = 0; i < kMails; ++i) ASSERT_THAT(outbox->Enqueue(MailTo(100 + i)), IsOk());
  std::mutex mutex;
  std::multiset<int64_t> seen;
  std::atomic<int> errors{0};
  std::vector<std::thread> claimers;
  for (int t = 0; t < 4; ++t) {
    claimers.emplace_back([&] {
      std::unique_ptr<MysqlMailOutbox> mine = Outbox();
      for (;;) {
        absl::StatusOr<std::vector<ClaimedMail>> claimed = mine->ClaimDue(3, absl::Minutes(5));
        if (!claimed.ok()) {
          ++errors;
          return;
        }
        if (claimed->empty()) return;
        for (const ClaimedMail& mail : *claimed) {
          std::lock_guard<std::mutex> lock(mutex);
          seen.insert(mail.id);
        }
      }
    });
  }
  for (std::thread& claimer : claimers) claimer.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMails));
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), static_cast<size_t>(kMails));
}

}  // namespace
}  // namespace auth::mysql_repository
