// FileAuditLog: formatting and whole-line writes; see file_audit_log.h.
#include "libs/audit/file_audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "nlohmann/json.hpp"

namespace auth::audit {
namespace {

// Report the first failed write and then every this many.
constexpr int64_t kReportEveryFailedWrites = 1000;

}  // namespace

std::string AuditLine(const AuditEvent& event, absl::Time time) {
  // Ordered: a reader's eye finds the time and the event first on every line.
  nlohmann::ordered_json line;
  line["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
  line["event"] = std::string(AuditEventName(event.type));
  if (event.user_id != 0) line["user_id"] = event.user_id;
  if (!event.client_address.empty()) line["client_address"] = event.client_address;
  if (!event.session_id.empty()) line["session_id"] = event.session_id;
  if (!event.family_id.empty()) line["family_id"] = event.family_id;
  if (!event.reason.empty()) line["reason"] = event.reason;
  if (event.suppressed != 0) line["suppressed"] = event.suppressed;
  // A client address is whatever the peer string held: bytes that are not UTF-8 are replaced
  // rather than thrown on, and control characters are escaped, so a line stays one line.
  std::string text = line.dump(/*indent=*/-1, /*indent_char=*/' ', /*ensure_ascii=*/false,
                               nlohmann::ordered_json::error_handler_t::replace);
  text.push_back('\n');
  return text;
}

absl::StatusOr<std::unique_ptr<FileAuditLog>> FileAuditLog::Open(const std::string& destination) {
  if (destination == kStderrDestination) {
    return std::unique_ptr<FileAuditLog>(
        new FileAuditLog(STDERR_FILENO, /*owns_fd=*/false, destination));
  }
  if (destination.empty()) return absl::InvalidArgumentError("no audit log file named");
  const int fd = ::open(destination.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open ", destination, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<FileAuditLog>(new FileAuditLog(fd, /*owns_fd=*/true, destination));
}

FileAuditLog::FileAuditLog(int fd, bool owns_fd, std::string destination)
    : fd_(fd), owns_fd_(owns_fd), destination_(std::move(destination)) {}

FileAuditLog::~FileAuditLog() {
  if (owns_fd_) ::close(fd_);
}

void FileAuditLog::Record(const AuditEvent& event) {
  const std::string line = AuditLine(event, absl::Now());
  std::lock_guard<std::mutex> lock(mu_);
  size_t written = 0;
  // One write() in practice; the loop only finishes a partial write (a full pipe, a signal),
  // still under the lock, so that no other line can land inside this one.
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      if (failed_writes_++ % kReportEveryFailedWrites == 0) {
        LOG(ERROR) << "audit log " << destination_ << ": write failed (" << failed_writes_
                   << " so far), events are lost: " << std::strerror(error);
      }
      return;
    }
    written += static_cast<size_t>(n);
  }
}

}  // namespace auth::audit
