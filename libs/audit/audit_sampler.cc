// AuditSampler; see audit_sampler.h.
#include "libs/audit/audit_sampler.h"

#include <cstdint>
#include <mutex>

namespace auth::audit {

bool AuditSampler::Admit(absl::Time now, int64_t* suppressed) {
  const int64_t second = absl::ToUnixSeconds(now);
  std::lock_guard<std::mutex> lock(mu_);
  if (second != second_) {
    second_ = second;
    admitted_ = 0;
  }
  if (admitted_ >= per_second_) {
    ++suppressed_;
    return false;
  }
  ++admitted_;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace auth::audit
