// NoopAuditLog: an AuditLog that records nothing, for servers run with --audit_log= (empty)
// and for code given no audit log.
#ifndef LIBS_AUDIT_NOOP_AUDIT_LOG_H_
#define LIBS_AUDIT_NOOP_AUDIT_LOG_H_

#include "libs/audit/audit_log.h"

namespace auth::audit {

class NoopAuditLog final : public AuditLog {
 public:
  // A shared instance; it has no state, so any number of users may share it.
  static NoopAuditLog& Get() {
    static NoopAuditLog* const instance = new NoopAuditLog();
    return *instance;
  }

  void Record(const AuditEvent&) override {}
};

}  // namespace auth::audit

#endif  // LIBS_AUDIT_NOOP_AUDIT_LOG_H_
