// RefusalMemory: refusals the shared attempt counters decided, remembered by this replica until
// they end, so that a flood from a refused key is answered without asking the database again.
//
//   RefusalMemory memory;
//   memory.Remember("refresh-address:203.0.113.7", absl::Now() + absl::Minutes(10));
//   if (memory.RefusedFor(key, absl::Now()) > absl::ZeroDuration()) ...  // refuse, no database
//
// Bounded: past `capacity` keys, ended refusals are dropped, and if every one is still running
// the new one is not remembered (the database still refuses it; only the shortcut is lost).
// Thread-safe.
#ifndef SERVICES_AUTH_ABUSE_REFUSAL_MEMORY_H_
#define SERVICES_AUTH_ABUSE_REFUSAL_MEMORY_H_

#include <cstddef>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::service {

class RefusalMemory {
 public:
  explicit RefusalMemory(size_t capacity = 65536) : capacity_(capacity) {}

  // Remembers that `key` is refused until `until` (a later refusal of it extends the memory).
  // True if it was not refused before (so that a caller records a refusal once, not per call).
  bool Remember(absl::string_view key, absl::Time until);

  // How long `key` is still refused at `now`; zero if it is not (or no longer) remembered.
  absl::Duration RefusedFor(absl::string_view key, absl::Time now) const;

  // Keys remembered, ended refusals included until they are dropped.
  size_t size() const;

 private:
  const size_t capacity_;
  // std::mutex, not absl::Mutex: Debian's libabsl is not built for ThreadSanitizer.
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> until_ ABSL_GUARDED_BY(mu_);
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_ABUSE_REFUSAL_MEMORY_H_
