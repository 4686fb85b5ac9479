// ExpiredRowSweeper: deletes the rows of `sessions`, `refresh_tokens`, `attempt_counters` and
// `account_tokens` that have expired (and passkey ceremonies, `webauthn_ceremonies`), and the
// outbox's mails sent over an hour ago (their bodies hold links) or given up over a week ago, so
// the tables do not grow forever. An expired row already counts as gone everywhere (every read and
// revocation filters on expires_at); deleting it only frees space.
//
//   ExpiredRowSweeper sweeper(pool, {.batch_size = 1000, .max_rows_per_run = 100000});
//   sweeper.Start(absl::Minutes(10));  // a background thread sweeps every 10 minutes
//   ...
//   sweeper.Stop();                     // before the pool is destroyed
//
// Only one replica sweeps at a time: a run first takes the MariaDB named lock 'auth_sweeper'
// (GET_LOCK with no wait) on the connection it leases for the run, and skips the run if another
// connection holds it. The lock dies with its connection, so a replica that crashes mid-run
// never blocks the others. On Galera, GET_LOCK is local to the node (MariaDB's Galera
// limitations), so replicas on different nodes may sweep at once: harmless, because the
// deletes are idempotent and batched, at worst twice the (small) work. (AuthServer sends its
// sweeper's connection to the node every replica writes contended rows through, so that this
// happens only while that node fails over.) Some MariaDB releases refuse GET_LOCK on a Galera
// node altogether (MDEV-30473: error 1235); there the sweeper sweeps without the lock.
//
// Each batch is its own autocommit "DELETE ... WHERE expires_at < ? ORDER BY expires_at
// LIMIT batch_size" over the expires_at index, so no statement holds locks on more than
// batch_size rows, and live rows are never touched. A run stops after max_rows_per_run rows
// (the next run continues), so it never keeps the connection long.
#ifndef LIBS_REPOSITORY_MYSQL_MAINTENANCE_EXPIRED_ROW_SWEEPER_H_
#define LIBS_REPOSITORY_MYSQL_MAINTENANCE_EXPIRED_ROW_SWEEPER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mysql/connection_pool.h"

namespace auth::mysql_repository {

// How long the outbox keeps a mail once sent, and once given up.
inline constexpr absl::Duration kSentMailRetention = absl::Hours(1);
inline constexpr absl::Duration kFailedMailRetention = absl::Hours(24 * 7);

struct ExpiredRowSweeperOptions {
  int64_t batch_size = 1000;          // rows one DELETE removes at most; > 0
  int64_t max_rows_per_run = 100000;  // rows one run removes at most, over all tables; > 0
};

// What one run did.
struct SweepResult {
  bool swept = false;  // false: another connection held the lock, nothing was done
  int64_t sessions_deleted = 0;
  int64_t refresh_tokens_deleted = 0;
  int64_t attempt_counters_deleted = 0;
  int64_t account_tokens_deleted = 0;       // expired links' tokens
  int64_t mfa_tickets_deleted = 0;          // expired MFA tickets (spent or not)
  int64_t mails_deleted = 0;                // outbox rows sent (or given up) long enough ago
  int64_t webauthn_ceremonies_deleted = 0;  // expired passkey ceremonies
  int64_t batches = 0;                      // DELETE statements run
  absl::Duration longest_batch;  // the slowest of them: about how long it held its row locks
};

class ExpiredRowSweeper {
 public:
  // The name of the MariaDB lock that one sweeping connection holds.
  static constexpr char kLockName[] = "auth_sweeper";

  // `pool` must outlive the sweeper. `clock` says what "expired" means, as the repositories'.
  ExpiredRowSweeper(
      mysql::ConnectionPool& pool, ExpiredRowSweeperOptions options,
      std::function<absl::Time()> clock = [] { return absl::Now(); });
  ~ExpiredRowSweeper();  // Stop()

  ExpiredRowSweeper(const ExpiredRowSweeper&) = delete;
  ExpiredRowSweeper& operator=(const ExpiredRowSweeper&) = delete;

  // One run, on the calling thread: takes the lock (or returns swept = false at once), deletes
  // expired rows in batches, releases the lock. kUnavailable/kInternal if the database failed
  // (the lock is released with the connection then).
  absl::StatusOr<SweepResult> SweepOnce();

  // Runs SweepOnce() every `period` (> 0) on a thread of its own, the first one a period from
  // now; a failed run is logged and the next one tries again. At most once.
  void Start(absl::Duration period);
  // Stops the thread, waiting for a run under way. Idempotent.
  void Stop();

 private:
  void Run(absl::Duration period);

  mysql::ConnectionPool& pool_;
  const ExpiredRowSweeperOptions options_;
  const std::function<absl::Time()> clock_;
  // std::mutex rather than absl::Mutex: ThreadSanitizer cannot see Debian's uninstrumented absl.
  std::mutex mu_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
  std::atomic<bool> warned_unsupported_{false};  // said once that GET_LOCK is refused
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_MAINTENANCE_EXPIRED_ROW_SWEEPER_H_
