// MailDispatcher with a mocked outbox and sender: what it records after each kind of send
// outcome, the backoff, giving up, the lease, its thread, and that no log line has a body.
#include "libs/mail/mail_dispatcher.h"

#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mail/mail.h"
#include "libs/mail/mail_sender_mock.h"
#include "libs/repository/mail_outbox.h"
#include "libs/repository/mail_outbox_mock.h"
#include "libs/testing/notification.h"
#include "libs/testing/status_matchers.h"

namespace auth::mail {
namespace {

using ::auth::repository::ClaimedMail;
using ::auth::repository::MockMailOutbox;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::InSequence;
using ::testing::Not;
using ::testing::Return;
using ::testing::StrictMock;

constexpr char kSecretBody[] = "https://auth.example/reset-password#token=SECRET123";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

ClaimedMail Claimed(int64_t id, int attempts) {
  return ClaimedMail{.id = id,
                     .claim = "c",
                     .attempts = attempts,
                     .mail = {.to = "ada@example.org", .subject = "Reset", .body = kSecretBody}};
}

// Every log line written while it is alive.
class LogCapture : public google::LogSink {
 public:
  LogCapture() { google::AddLogSink(this); }
  ~LogCapture() override { google::RemoveLogSink(this); }
  void send(google::LogSeverity, const char*, const char*, int, const google::LogMessageTime&,
            const char* message, size_t message_len) override {
    std::lock_guard<std::mutex> lock(mutex_);
    text_.append(message, message_len).append("\n");
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

class MailDispatcherTest : public ::testing::Test {
 protected:
  MailDispatcherOptions Options() {
    MailDispatcherOptions options;
    options.max_attempts = 4;
    options.initial_backoff = absl::Seconds(30);
    options.max_backoff = absl::Minutes(10);
    options.clock = [this] { return now_; };
    return options;
  }

  StrictMock<MockMailOutbox> outbox_;
  StrictMock<MockMailSender> sender_;
  absl::Time now_ = kNow;
};

TEST_F(MailDispatcherTest, MarksASentMailSent) {
  MailDispatcher dispatcher(outbox_, sender_, Options());
  EXPECT_CALL(outbox_, ClaimDue(5, absl::Minutes(5)))
      .WillOnce(Return(std::vector<ClaimedMail>{Claimed(7, 1)}));
  EXPECT_CALL(sender_, Send(Field(&Mail::body, kSecretBody))).WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(outbox_, MarkSent(Field(&ClaimedMail::id, 7))).WillOnce(Return(absl::OkStatus()));
  ASSERT_OK_AND_ASSIGN(DispatchResult result, dispatcher.DispatchOnce());
  EXPECT_EQ(result.sent, 1);
}

TEST_F(MailDispatcherTest, ReschedulesATransientFailureWithExponentialBackoff) {
  MailDispatcher dispatcher(outbox_, sender_, Options());
  EXPECT_CALL(outbox_, ClaimDue(_, _))
      .WillOnce(Return(std::vector<ClaimedMail>{Claimed(1, 1), Claimed(2, 2), Claimed(3, 3)}));
  EXPECT_CALL(sender_, Send(_))
      .Times(3)
      .WillRepeatedly(Return(absl::UnavailableError("smtp: connection refused")));
  EXPECT_CALL(outbox_, Reschedule(Field(&ClaimedMail::id, 1), kNow + absl::Seconds(30)))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(outbox_, Reschedule(Field(&ClaimedMail::id, 2), kNow + absl::Seconds(60)))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(outbox_, Reschedule(Field(&ClaimedMail::id, 3), kNow + absl::Seconds(120)))
      .WillOnce(Return(absl::OkStatus()));
  ASSERT_OK_AND_ASSIGN(DispatchResult result, dispatcher.DispatchOnce());
  EXPECT_EQ(result.rescheduled, 3);
}

TEST_F(MailDispatcherTest, BackoffDoublesUpToItsCap) {
  const MailDispatcherOptions options = Options();
  EXPECT_EQ(MailDispatcher::Backoff(options, 1), absl::Seconds(30));
  EXPECT_EQ(MailDispatcher::Backoff(options, 4), absl::Seconds(240));
  EXPECT_EQ(MailDispatcher::Backoff(options, 5), absl::Seconds(480));
  EXPECT_EQ(MailDispatcher::Backoff(options, 6), absl::Minutes(10));
  EXPECT_EQ(MailDispatcher::Backoff(options, 1000), absl::Minutes(10));
}

TEST_F(MailDispatcherTest, GivesUpAfterTheLastAttemptAndKeepsTheMail) {
  MailDispatcher dispatcher(outbox_, sender_, Options());
  EXPECT_CALL(outbox_, ClaimDue(_, _)).WillOnce(Return(std::vector<ClaimedMail>{Claimed(9, 4)}));
  EXPECT_CALL(sender_, Send(_)).WillOnce(Return(absl::UnavailableError("smtp: timeout")));
  EXPECT_CALL(outbox_, MarkFailed(Field(&ClaimedMail::id, 9))).WillOnce(Return(absl::OkStatus()));
  ASSERT_OK_AND_ASSIGN(DispatchResult result, dispatcher.DispatchOnce());
  EXPECT_EQ(result.failed, 1);
}

TEST_F(MailDispatcherTest, AMailThatCanNeverBeSentFailsAtOnce) {
  MailDispatcher dispatcher(outbox_, sender_, Options());
  EXPECT_CALL(outbox_, ClaimDue(_, _)).WillOnce(Return(std::vector<ClaimedMail>{Claimed(4, 1)}));
  EXPECT_CALL(sender_, Send(_)).WillOnce(Return(absl::InvalidArgumentError("smtp: reply 550")));
  EXPECT_CALL(outbox_, MarkFailed(Field(&ClaimedMail::id, 4))).WillOnce(Return(absl::OkStatus()));
  ASSERT_OK_AND_ASSIGN(DispatchResult result, dispatcher.DispatchOnce());
  EXPECT_EQ(result.failed, 1);
}

// Refused settings (login, TLS) are the operator's to fix: the mails wait for it.
TEST_F(MailDispatcherTest, RefusedSettingsAreRetried) {
  MailDispatcher dispatcher(outbox_, sender_, Options());
  EXPECT_CALL(outbox_, ClaimDue(_, _)).WillOnce(Return(std::vector<ClaimedMail>{Claimed(4, 1)}));
  EXPECT_CALL(sender_, Send(_)).WillOnce(Return(absl::FailedPreconditionError("login denied")));
  EXPECT_CALL(outbox_, Reschedule(Field(&ClaimedMail::id, 4), _))
      .WillOnce(Return(absl::OkStatus()));
  ASSERT_OK_AND_ASSIGN(DispatchResult result, dispatcher.DispatchOnce());
  EXPECT_EQ(result.rescheduled, 1);
}

TEST_F(MailDispatcherTest, AFailedClaimSendsNothing) {
  MailDispatcher dispatcher(outbox_, sender_, Options());
  EXPECT_CALL(outbox_, ClaimDue(_, _)).WillOnce(Return(absl::UnavailableError("database down")));
  EXPECT_THAT(dispatcher.DispatchOnce(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(MailDispatcherTest, DoesNotSendAMailWhoseLeaseEndedBeforeItsTurn) {
  MailDispatcher dispatcher(outbox_, sender_, Options());
  InSequence in_order;
  EXPECT_CALL(outbox_, ClaimDue(_, _))
      .WillOnce(Return(std::vector<ClaimedMail>{Claimed(1, 1), Claimed(2, 1)}));
  EXPECT_CALL(sender_, Send(_)).WillOnce([this](const Mail&) {
    now_ += absl::Minutes(6);  // a slow server: the batch's lease (5 min) ends meanwhile
    return absl::OkStatus();
  });
  EXPECT_CALL(outbox_, MarkSent(Field(&ClaimedMail::id, 1))).WillOnce(Return(absl::OkStatus()));
  ASSERT_OK_AND_ASSIGN(DispatchResult result, dispatcher.DispatchOnce());
  EXPECT_EQ(result.sent, 1);
  EXPECT_EQ(result.skipped, 1);
}

TEST_F(MailDispatcherTest, NoLogLineHasTheBodyOrTheRecipient) {
  LogCapture logs;
  MailDispatcher dispatcher(outbox_, sender_, Options());
  EXPECT_CALL(outbox_, ClaimDue(_, _))
      .WillOnce(Return(std::vector<ClaimedMail>{Claimed(1, 1), Claimed(2, 4), Claimed(3, 1)}));
  EXPECT_CALL(sender_, Send(_))
      .WillOnce(Return(absl::UnavailableError("smtp: down")))
      .WillOnce(Return(absl::UnavailableError("smtp: down")))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(outbox_, Reschedule(_, _)).WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(outbox_, MarkFailed(_)).WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(outbox_, MarkSent(_)).WillOnce(Return(absl::AbortedError("lease lost")));
  ASSERT_THAT(dispatcher.DispatchOnce(), IsOk());
  const std::string text = logs.text();
  EXPECT_THAT(text, HasSubstr("mail 1 attempt 1 of 4 failed"));
  EXPECT_THAT(text, HasSubstr("mail 2 given up"));
  EXPECT_THAT(text, Not(HasSubstr("SECRET123")));
  EXPECT_THAT(text, Not(HasSubstr("ada@")));
}

TEST_F(MailDispatcherTest, ItsThreadPollsAndWakesUpAtOnceWhenWoken) {
  MailDispatcherOptions options = Options();
  options.poll_interval = absl::Hours(1);  // only Wake() can make a second pass happen
  test_util::Notification first_pass;
  test_util::Notification second_pass;
  EXPECT_CALL(outbox_, ClaimDue(_, _))
      .WillOnce([&](int, absl::Duration) {
        first_pass.Notify();
        return std::vector<ClaimedMail>();
      })
      .WillOnce([&](int, absl::Duration) {
        second_pass.Notify();
        return std::vector<ClaimedMail>();
      });
  MailDispatcher dispatcher(outbox_, sender_, options);
  dispatcher.Start();
  ASSERT_TRUE(first_pass.WaitForNotificationWithTimeout(absl::Seconds(10)));
  dispatcher.Wake();
  ASSERT_TRUE(second_pass.WaitForNotificationWithTimeout(absl::Seconds(10)));
  dispatcher.Stop();  // returns although the interval is an hour
}

}  // namespace
}  // namespace auth::mail
