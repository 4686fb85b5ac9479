// How the session handlers batch the calls that queue behind a busy database (ValidateToken and
// GetSession in one SELECT, Logout in one transaction): ARCHITECTURE.md, "Batching".
#ifndef SERVICES_AUTH_SESSION_SESSION_BATCH_OPTIONS_H_
#define SERVICES_AUTH_SESSION_SESSION_BATCH_OPTIONS_H_

namespace auth::service {

struct SessionBatchOptions {
  // Most calls one database round trip (or transaction) answers; 1 gives every call its own.
  int max_batch = 64;
  // Most batch tasks queued or running on the database executor at once (at least 1).
  int in_flight = 2;
  // Most calls waiting for a batch; more are refused with RESOURCE_EXHAUSTED, so a stalled
  // database under a flood of calls costs bounded memory.
  int queue = 4096;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_SESSION_BATCH_OPTIONS_H_
