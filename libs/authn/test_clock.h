// FakeClock: a settable, thread-safe clock for the tests of libs/authn.
#ifndef LIBS_AUTHN_TEST_CLOCK_H_
#define LIBS_AUTHN_TEST_CLOCK_H_

#include <mutex>

#include "absl/time/time.h"
#include "libs/token/jwt.h"

namespace auth::authn_testing {

class FakeClock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000)) : now_(start) {}

  absl::Time Now() const {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }
  // A Clock reading this object, which must outlive it.
  auth::token::Clock AsClock() const {
    return [this] { return Now(); };
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

}  // namespace auth::authn_testing

#endif  // LIBS_AUTHN_TEST_CLOCK_H_
