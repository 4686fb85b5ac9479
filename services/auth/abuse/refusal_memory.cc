// RefusalMemory; see refusal_memory.h.
#include "services/auth/abuse/refusal_memory.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace auth::service {

bool RefusalMemory::Remember(absl::string_view key, absl::Time until) {
  const absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = until_.find(key);
  if (it != until_.end()) {
    const bool was_refused = it->second > now;
    it->second = std::max(it->second, until);
    return !was_refused;
  }
  if (until_.size() >= capacity_) {
    absl::erase_if(until_, [now](const auto& entry) { return entry.second <= now; });
    if (until_.size() >= capacity_) return true;
  }
  until_.emplace(std::string(key), until);
  return true;
}

absl::Duration RefusalMemory::RefusedFor(absl::string_view key, absl::Time now) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = until_.find(key);
  if (it == until_.end() || it->second <= now) return absl::ZeroDuration();
  return it->second - now;
}

size_t RefusalMemory::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return until_.size();
}

}  // namespace auth::service
