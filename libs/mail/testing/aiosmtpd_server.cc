// AiosmtpdServer; see aiosmtpd_server.h.
#include "libs/mail/testing/aiosmtpd_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/testing/subprocess.h"

namespace auth::mail_testing {
namespace {

// A port nothing listens on now (bound to 0, read, closed): aiosmtpd cannot report the port it
// got, so it is told one.
absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("bind: ", strerror(errno)));
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AiosmtpdServer>> AiosmtpdServer::CreateStopped() {
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();
  static std::atomic<int> counter{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string maildir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/aiosmtpd_", getpid(),
                                           "_", ++counter, "_maildir");
  std::error_code ignored;
  std::filesystem::remove_all(maildir, ignored);
  return std::unique_ptr<AiosmtpdServer>(new AiosmtpdServer(*port, maildir));
}

absl::StatusOr<std::unique_ptr<AiosmtpdServer>> AiosmtpdServer::Start() {
  absl::StatusOr<std::unique_ptr<AiosmtpdServer>> server = CreateStopped();
  if (!server.ok()) return server.status();
  if (absl::Status started = (*server)->Restart(); !started.ok()) return started;
  return server;
}

std::string AiosmtpdServer::url() const { return absl::StrCat("smtp://127.0.0.1:", port_); }

absl::Status AiosmtpdServer::Restart() {
  if (process_ != nullptr) return absl::FailedPreconditionError("aiosmtpd already runs");
  test_util::SubprocessOptions options;
  options.argv = {"/usr/bin/python3",
                  "-m",
                  "aiosmtpd",
                  "-n",
                  "-l",
                  absl::StrCat("127.0.0.1:", port_),
                  "-c",
                  "aiosmtpd.handlers.Mailbox",
                  maildir_};
  absl::StatusOr<std::unique_ptr<test_util::Subprocess>> process =
      test_util::Subprocess::Start(options);
  if (!process.ok()) return process.status();
  process_ = std::move(process).value();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!Accepts(port_)) {
    if (!process_->Running()) {
      process_.reset();
      return absl::InternalError("aiosmtpd exited (is python3-aiosmtpd installed?)");
    }
    if (absl::Now() > deadline) return absl::DeadlineExceededError("aiosmtpd did not listen");
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::OkStatus();
}

absl::Status AiosmtpdServer::Stop() {
  if (process_ == nullptr) return absl::OkStatus();
  absl::StatusOr<test_util::ExitStatus> stopped = process_->Stop(absl::Seconds(5));
  process_.reset();
  return stopped.ok() ? absl::OkStatus() : stopped.status();
}

absl::StatusOr<std::vector<std::string>> AiosmtpdServer::Mails() const {
  std::vector<std::filesystem::directory_entry> files;
  std::error_code error;
  for (const char* sub : {"/new", "/cur"}) {
    std::filesystem::directory_iterator it(maildir_ + sub, error);
    if (error) continue;  // not created yet: no mail
    for (const auto& entry : it) files.push_back(entry);
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.last_write_time() < b.last_write_time(); });
  std::vector<std::string> mails;
  for (const auto& file : files) {
    std::ifstream in(file.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    // aiosmtpd keeps the CRLFs of the SMTP data in places: LF everywhere is easier to match.
    mails.push_back(absl::StrReplaceAll(text.str(), {{"\r\n", "\n"}}));
  }
  return mails;
}

absl::StatusOr<std::vector<std::string>> AiosmtpdServer::WaitForMails(
    size_t count, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<std::vector<std::string>> mails = Mails();
    if (!mails.ok() || mails->size() >= count) return mails;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("aiosmtpd has ", mails->size(), " mails, not ", count));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace auth::mail_testing
