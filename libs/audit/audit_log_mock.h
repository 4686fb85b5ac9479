// MockAuditLog: a gMock AuditLog, for tests that check which events code under test records.
//
//   StrictMock<MockAuditLog> audit_log;
//   EXPECT_CALL(audit_log, Record(Field(&AuditEvent::type, AuditEventType::kLoginFailure)));
#ifndef LIBS_AUDIT_AUDIT_LOG_MOCK_H_
#define LIBS_AUDIT_AUDIT_LOG_MOCK_H_

#include "gmock/gmock.h"
#include "libs/audit/audit_log.h"

namespace auth::audit {

class MockAuditLog : public AuditLog {
 public:
  MOCK_METHOD(void, Record, (const AuditEvent& event), (override));
};

}  // namespace auth::audit

#endif  // LIBS_AUDIT_AUDIT_LOG_MOCK_H_
