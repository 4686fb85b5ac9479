// FileAuditLog: the lines are whole JSON objects with the event's fields and no others, they
// append, concurrent writers never interleave (not even through a pipe, where a write larger
// than PIPE_BUF is not atomic), odd bytes keep a line one line, and an unopenable file is a
// clear error.
#include "libs/audit/file_audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/audit/audit_log.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace auth::audit {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::auth::test_util::TestTempPath;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The file's lines, each without its newline; the text must end with one.
std::vector<std::string> Lines(const std::string& text) {
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "the last line is not whole";
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  lines.pop_back();  // after the last newline
  return lines;
}

AuditEvent EveryField() {
  AuditEvent event;
  event.type = AuditEventType::kReuseDetected;
  event.user_id = 42;
  event.client_address = "2001:db8:1:2::/64";
  event.session_id = "jti-7";
  event.family_id = "jti-1";
  event.reason = "family_revoked";
  event.suppressed = 3;
  return event;
}

std::unique_ptr<FileAuditLog> OpenOrDie(const std::string& destination) {
  absl::StatusOr<std::unique_ptr<FileAuditLog>> log = FileAuditLog::Open(destination);
  EXPECT_THAT(log, IsOk());
  return log.ok() ? *std::move(log) : nullptr;
}

// The fields an event has, pinned: adding one to AuditEvent stops this from compiling, so a new
// field comes through here, where it is checked to be an identifier and never a secret (no
// password, digest, token, refresh token or hash of one).
TEST(AuditEventTest, HasOnlyIdentifierFields) {
  const AuditEvent event = EveryField();
  const auto& [type, user_id, client_address, session_id, family_id, reason, suppressed] = event;
  EXPECT_EQ(type, AuditEventType::kReuseDetected);
  EXPECT_EQ(user_id, 42);
  EXPECT_EQ(client_address, "2001:db8:1:2::/64");
  EXPECT_EQ(session_id, "jti-7");
  EXPECT_EQ(family_id, "jti-1");
  EXPECT_EQ(reason, "family_revoked");
  EXPECT_EQ(suppressed, 3);  // a count of events left out by sampling
}

TEST(AuditLineTest, IsOneJsonObjectWithTheTimeTheEventAndItsFieldsOnly) {
  const std::string line = AuditLine(EveryField(), absl::FromUnixMicros(1796375523511204));
  ASSERT_THAT(Lines(line), SizeIs(1));
  const nlohmann::json parsed = nlohmann::json::parse(line);
  std::set<std::string> keys;
  for (const auto& item : parsed.items()) keys.insert(item.key());
  EXPECT_EQ(keys, (std::set<std::string>{"time", "event", "user_id", "client_address", "session_id",
                                         "family_id", "reason", "suppressed"}));
  EXPECT_EQ(parsed["time"], "2026-12-04T09:12:03.511204Z");
  EXPECT_EQ(parsed["event"], "reuse_detected");
  EXPECT_EQ(parsed["user_id"], 42);
  EXPECT_EQ(parsed["client_address"], "2001:db8:1:2::/64");
  EXPECT_EQ(parsed["session_id"], "jti-7");
  EXPECT_EQ(parsed["family_id"], "jti-1");
  EXPECT_EQ(parsed["reason"], "family_revoked");
  EXPECT_EQ(parsed["suppressed"], 3);
  // The order is fixed: the time and the event lead, for a reader's eye.
  EXPECT_EQ(line,
            R"({"time":"2026-12-04T09:12:03.511204Z","event":"reuse_detected","user_id":42,)"
            R"("client_address":"2001:db8:1:2::/64","session_id":"jti-7","family_id":"jti-1",)"
            R"("reason":"family_revoked","suppressed":3})"
            "\n");
}

TEST(AuditLineTest, LeavesOutWhatTheEventDoesNotHave) {
  AuditEvent event;
  event.type = AuditEventType::kLimitHit;
  event.client_address = "203.0.113.7";
  event.reason = "registration";
  const nlohmann::json parsed = nlohmann::json::parse(AuditLine(event, absl::UnixEpoch()));
  EXPECT_EQ(parsed.size(), 4u) << parsed.dump();
  EXPECT_EQ(parsed["event"], "limit_hit");
  EXPECT_FALSE(parsed.contains("user_id"));
  EXPECT_FALSE(parsed.contains("session_id"));
}

TEST(AuditLineTest, NamesEveryEvent) {
  const std::set<std::string> names = {
      std::string(AuditEventName(AuditEventType::kRegister)),
      std::string(AuditEventName(AuditEventType::kLoginSuccess)),
      std::string(AuditEventName(AuditEventType::kLoginFailure)),
      std::string(AuditEventName(AuditEventType::kLoginRefused)),
      std::string(AuditEventName(AuditEventType::kLogout)),
      std::string(AuditEventName(AuditEventType::kRefresh)),
      std::string(AuditEventName(AuditEventType::kReuseDetected)),
      std::string(AuditEventName(AuditEventType::kLimitHit)),
      std::string(AuditEventName(AuditEventType::kLogoutDenied)),
      std::string(AuditEventName(AuditEventType::kTokenRejected)),
      std::string(AuditEventName(AuditEventType::kRefreshFailure)),
      std::string(AuditEventName(AuditEventType::kPasswordChanged)),
      std::string(AuditEventName(AuditEventType::kPasswordChangeRefused)),
      std::string(AuditEventName(AuditEventType::kPasswordResetRequested)),
      std::string(AuditEventName(AuditEventType::kPasswordReset)),
      std::string(AuditEventName(AuditEventType::kPasswordResetRefused)),
      std::string(AuditEventName(AuditEventType::kEmailVerificationSent)),
      std::string(AuditEventName(AuditEventType::kEmailVerified)),
      std::string(AuditEventName(AuditEventType::kEmailVerificationRefused)),
      std::string(AuditEventName(AuditEventType::kTakenEmailNotified)),
      std::string(AuditEventName(AuditEventType::kPasskeyRegistered)),
      std::string(AuditEventName(AuditEventType::kPasskeyRegistrationRefused)),
      std::string(AuditEventName(AuditEventType::kPasskeyUsed)),
      std::string(AuditEventName(AuditEventType::kPasskeyLoginFailure)),
      std::string(AuditEventName(AuditEventType::kPasskeyDeleted)),
      std::string(AuditEventName(AuditEventType::kPasskeyCloneSuspected))};
  EXPECT_EQ(names, (std::set<std::string>{"register",
                                          "login_success",
                                          "login_failure",
                                          "login_refused",
                                          "logout",
                                          "refresh",
                                          "reuse_detected",
                                          "limit_hit",
                                          "logout_denied",
                                          "token_rejected",
                                          "refresh_failure",
                                          "password_changed",
                                          "password_change_refused",
                                          "password_reset_requested",
                                          "password_reset",
                                          "password_reset_refused",
                                          "email_verification_sent",
                                          "email_verified",
                                          "email_verification_refused",
                                          "taken_email_notified",
                                          "passkey_registered",
                                          "passkey_registration_refused",
                                          "passkey_used",
                                          "passkey_login_failure",
                                          "passkey_deleted",
                                          "passkey_clone_suspected"}));
}

// The TOTP events' names, as docs/configuration.md lists them.
TEST(AuditEventNameTest, TotpEventsHaveTheirOwnNames) {
  const std::set<std::string> names = {
      std::string(AuditEventName(AuditEventType::kTotpEnrollmentBegun)),
      std::string(AuditEventName(AuditEventType::kTotpConfirmed)),
      std::string(AuditEventName(AuditEventType::kTotpDisabled)),
      std::string(AuditEventName(AuditEventType::kRecoveryCodesRegenerated)),
      std::string(AuditEventName(AuditEventType::kTotpChangeRefused)),
      std::string(AuditEventName(AuditEventType::kSecondFactorRequired)),
      std::string(AuditEventName(AuditEventType::kSecondFactorSuccess)),
      std::string(AuditEventName(AuditEventType::kSecondFactorFailure)),
      std::string(AuditEventName(AuditEventType::kRecoveryCodeUsed))};
  EXPECT_EQ(names,
            (std::set<std::string>{"totp_enrollment_begun", "totp_confirmed", "totp_disabled",
                                   "recovery_codes_regenerated", "totp_change_refused",
                                   "second_factor_required", "second_factor_success",
                                   "second_factor_failure", "recovery_code_used"}));
}

// A client address is whatever the peer string held: a newline or bytes that are not UTF-8
// must neither split the line nor stop it from being written.
TEST(AuditLineTest, OddBytesStayOnOneParseableLine) {
  AuditEvent event = EveryField();
  event.client_address = "evil\n{\"event\":\"login_success\"}\xff\xfe";
  const std::string line = AuditLine(event, absl::UnixEpoch());
  ASSERT_THAT(Lines(line), SizeIs(1));
  EXPECT_EQ(nlohmann::json::parse(line)["event"], "reuse_detected");
}

TEST(FileAuditLogTest, AppendsWholeLinesToTheFile) {
  const std::string path = TestTempPath("append.log");
  std::ofstream(path) << "an earlier line\n";
  std::unique_ptr<FileAuditLog> log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  log->Record(EveryField());
  AuditEvent logout;
  logout.type = AuditEventType::kLogout;
  logout.user_id = 7;
  log->Record(logout);

  const std::vector<std::string> lines = Lines(ReadAll(path));
  ASSERT_THAT(lines, SizeIs(3));
  EXPECT_EQ(lines[0], "an earlier line");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["event"], "reuse_detected");
  EXPECT_EQ(nlohmann::json::parse(lines[2])["event"], "logout");
  EXPECT_EQ(nlohmann::json::parse(lines[2])["user_id"], 7);
}

TEST(FileAuditLogTest, CreatesTheFileReadableByItsOwnerOnly) {
  const std::string path = TestTempPath("created.log");
  ASSERT_NE(OpenOrDie(path), nullptr);
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(FileAuditLogTest, WritesToStderr) {
  const std::string path = TestTempPath("stderr.log");
  const int saved = ::dup(STDERR_FILENO);
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(file, 0);
  ASSERT_GE(::dup2(file, STDERR_FILENO), 0);
  {
    std::unique_ptr<FileAuditLog> log = OpenOrDie(kStderrDestination);
    if (log != nullptr) log->Record(EveryField());
  }  // closing the log must not close stderr
  const bool still_open = ::fcntl(STDERR_FILENO, F_GETFD) != -1;
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(file);
  EXPECT_TRUE(still_open);
  const std::vector<std::string> lines = Lines(ReadAll(path));
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(nlohmann::json::parse(lines[0])["event"], "reuse_detected");
}

TEST(FileAuditLogTest, AFileThatCannotBeOpenedIsAnErrorNamingIt) {
  const std::string path = TestTempPath("no-such-dir/audit.log");
  absl::StatusOr<std::unique_ptr<FileAuditLog>> log = FileAuditLog::Open(path);
  EXPECT_THAT(log, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(log.status().message()), HasSubstr(path));
  EXPECT_THAT(FileAuditLog::Open(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Writes kThreads x kLinesEach events at once, each with a reason of its thread's letter that
// is longer than PIPE_BUF, and checks that every line read back is one whole event.
void RecordConcurrently(AuditLog& log) {
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 200;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&log, t] {
      AuditEvent event = EveryField();
      event.reason = std::string(3 * PIPE_BUF, static_cast<char>('a' + t));
      for (int i = 0; i < kLinesEach; ++i) log.Record(event);
    });
  }
  for (std::thread& writer : writers) writer.join();
}

void ExpectWholeLines(const std::string& text) {
  const std::vector<std::string> lines = Lines(text);
  ASSERT_THAT(lines, SizeIs(8 * 200));
  for (const std::string& line : lines) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << "not one JSON object: " << line.substr(0, 80);
    const std::string reason = parsed["reason"];
    ASSERT_EQ(reason.size(), 3u * PIPE_BUF);
    ASSERT_EQ(reason.find_first_not_of(reason[0]), std::string::npos) << "interleaved";
  }
}

TEST(FileAuditLogTest, ConcurrentWritersNeverInterleaveInAFile) {
  const std::string path = TestTempPath("concurrent.log");
  std::unique_ptr<FileAuditLog> log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  RecordConcurrently(*log);
  ExpectWholeLines(ReadAll(path));
}

// A pipe (stderr often is one) splits a write larger than PIPE_BUF whenever it fills, so only
// the log's own lock keeps the lines whole.
TEST(FileAuditLogTest, ConcurrentWritersNeverInterleaveInAPipe) {
  const std::string path = TestTempPath("audit.fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  // The reader first (non-blocking, so that opening waits for no writer), then blocking reads.
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  std::unique_ptr<FileAuditLog> log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  ::fcntl(reader, F_SETFL, ::fcntl(reader, F_GETFL) & ~O_NONBLOCK);
  std::string received;
  std::thread drain([&] {
    char buffer[1024];  // small reads keep the pipe full, so writes are split
    ssize_t n;
    while ((n = ::read(reader, buffer, sizeof(buffer))) > 0) received.append(buffer, n);
  });
  RecordConcurrently(*log);
  log.reset();  // closes the write end: the reader sees the end
  drain.join();
  ::close(reader);
  ExpectWholeLines(received);
}

}  // namespace
}  // namespace auth::audit
