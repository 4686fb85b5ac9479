// FileAuditLog: an AuditLog that appends one JSON object per event, one line each, to a file
// or to stderr (JSON lines: every line parses on its own, `jq` reads the file as it is).
//
//   absl::StatusOr<std::unique_ptr<FileAuditLog>> log = FileAuditLog::Open("/var/log/auth.audit");
//   if (!log.ok()) ...   // "--audit_log: cannot open /var/log/auth.audit: Permission denied"
//   (*log)->Record({.type = AuditEventType::kLogout, .user_id = 42, .session_id = "3f2a..."});
//
// writes
//
//   {"time":"2026-12-04T09:12:03.511204Z","event":"logout","user_id":42,"session_id":"3f2a..."}
//
// Fields in that order: time (UTC, microseconds), event, then user_id, client_address,
// session_id, family_id and reason when the event has them (audit_log.h).
//
// Each line is written whole by one write() under a mutex, so lines of concurrent callers never
// interleave; the file is opened with O_APPEND, so neither do the lines of several processes
// appending to one file (or a rotation by truncation). A failed write is reported in the
// server log (the first, then every 1000th) and the event is lost: the call that caused it is
// not failed for it.
#ifndef LIBS_AUDIT_FILE_AUDIT_LOG_H_
#define LIBS_AUDIT_FILE_AUDIT_LOG_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/audit/audit_log.h"

namespace auth::audit {

// The destination that means the process's standard error rather than a file.
inline constexpr char kStderrDestination[] = "stderr";

// The line FileAuditLog writes for `event` recorded at `time`, with its trailing newline.
std::string AuditLine(const AuditEvent& event, absl::Time time);

class FileAuditLog final : public AuditLog {
 public:
  // Appends to `destination`: kStderrDestination, or the path of a file, created (mode 0600:
  // the log names users and their addresses) if it does not exist. An error names the path
  // and why it cannot be opened.
  static absl::StatusOr<std::unique_ptr<FileAuditLog>> Open(const std::string& destination);

  FileAuditLog(const FileAuditLog&) = delete;
  FileAuditLog& operator=(const FileAuditLog&) = delete;
  ~FileAuditLog() override;

  void Record(const AuditEvent& event) override;

 private:
  FileAuditLog(int fd, bool owns_fd, std::string destination);

  const int fd_;
  const bool owns_fd_;  // false for stderr
  const std::string destination_;
  std::mutex mu_;              // one line at a time
  int64_t failed_writes_ = 0;  // guarded by mu_
};

}  // namespace auth::audit

#endif  // LIBS_AUDIT_FILE_AUDIT_LOG_H_
