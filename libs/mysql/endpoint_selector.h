// EndpointSelector: the failover state of a ConnectionPool over several endpoints (the nodes of
// one replicated database, in order of preference): which endpoints are failing, when each is
// due for a probe, and so where a new connection goes.
//
//   EndpointSelector selector(/*count=*/3, /*retry_after=*/absl::Seconds(5));
//   for (int endpoint : selector.ConnectOrder(absl::Now())) {
//     if (Connect(endpoint)) { selector.NoteSuccess(endpoint); break; }
//     selector.NoteFailure(endpoint, absl::Now());
//   }
//
// A failing endpoint is passed over for `retry_after`; then the next caller that asks for an
// order (or a failback target) claims the probe, and the others keep passing it over until the
// probe's outcome is noted or another `retry_after` has passed. Plain state with no lock and no
// clock of its own: the pool calls it under its mutex and passes the time in, which keeps it
// testable without sleeping.
#ifndef LIBS_MYSQL_ENDPOINT_SELECTOR_H_
#define LIBS_MYSQL_ENDPOINT_SELECTOR_H_

#include <vector>

#include "absl/time/time.h"

namespace auth::mysql {

class EndpointSelector {
 public:
  // `count` endpoints (at least one), indexed 0..count-1 in order of preference.
  EndpointSelector(int count, absl::Duration retry_after);

  int count() const { return static_cast<int>(health_.size()); }

  // The endpoints to try for a new connection: those not failing, or due for a probe (which
  // this claims), in order of preference; then the failing ones, as a last resort.
  std::vector<int> ConnectOrder(absl::Time now);
  // An endpoint preferred to `endpoint` that is not failing, or due for a probe (which this
  // claims); -1 if there is none. A connection to `endpoint` should move there.
  int FailbackTarget(int endpoint, absl::Time now);

  // Whether `endpoint`'s last connect or connection failed.
  bool IsFailing(int endpoint) const { return health_[endpoint].failing; }
  // Whether some endpoint is not failing.
  bool AnyHealthy() const;

  // A connect to `endpoint` succeeded: it is preferred again.
  void NoteSuccess(int endpoint);
  // A connect to `endpoint` failed, or its node was found unusable: it is passed over until
  // `now + retry_after`.
  void NoteFailure(int endpoint, absl::Time now);

 private:
  struct Health {
    bool failing = false;
    absl::Time retry_at = absl::InfinitePast();  // when failing: when to probe it again
  };

  const absl::Duration retry_after_;
  std::vector<Health> health_;
};

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_ENDPOINT_SELECTOR_H_
