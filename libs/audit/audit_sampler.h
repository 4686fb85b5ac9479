// AuditSampler: at most a fixed number of audit events of one kind per second, for events an
// attacker can cause at line rate for free (a made-up access token is rejected on the gRPC
// thread, without the database). Unsampled, such a flood would write one line per call: disk
// and the reader's attention would go to the attacker, and real events would drown. Sampled,
// the log still shows that it happens, and how much (AuditEvent::suppressed).
//
//   AuditSampler sampler(/*per_second=*/10);
//   int64_t suppressed = 0;
//   if (sampler.Admit(absl::Now(), &suppressed)) {
//     audit_log->Record({.type = kTokenRejected, ..., .suppressed = suppressed});
//   }
//
// Thread-safe; one mutex, taken only when an event happens (never on a successful call).
#ifndef LIBS_AUDIT_AUDIT_SAMPLER_H_
#define LIBS_AUDIT_AUDIT_SAMPLER_H_

#include <cstdint>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace auth::audit {

class AuditSampler {
 public:
  // The default bound of the service's sampled events, per replica and event type: 10 lines
  // of about 200 bytes a second is 2 KB/s at most, whatever the flood.
  static constexpr int kDefaultPerSecond = 10;

  explicit AuditSampler(int per_second = kDefaultPerSecond) : per_second_(per_second) {}

  // Whether an event happening at `now` is recorded: the first `per_second` of each whole
  // second are. If so, `*suppressed` is set to the events left out since the last recorded one.
  bool Admit(absl::Time now, int64_t* suppressed);

 private:
  const int per_second_;
  // std::mutex, not absl::Mutex: Debian's libabsl is not built for ThreadSanitizer, which then
  // reports what it guards as races (and, with halt_on_error, stops the server).
  std::mutex mu_;
  int64_t second_ ABSL_GUARDED_BY(mu_) = -1;
  int admitted_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace auth::audit

#endif  // LIBS_AUDIT_AUDIT_SAMPLER_H_
