// DatabaseHealthMonitor: keeps the server's gRPC health status in step with its database. A
// background thread probes the database every period; the first failed probe reports
// NOT_SERVING, the first good one after it SERVING again, so that a load balancer stops sending
// calls that could only fail with UNAVAILABLE, and sends them again once they can succeed.
//
//   DatabaseHealthMonitor monitor([&pool] { return PingDatabase(pool); },
//                                 [health](bool serving) { health->SetServingStatus(serving); },
//                                 absl::Seconds(1));
//   monitor.Start();
//   ...
//   monitor.Stop();  // before the server reports NOT_SERVING for its shutdown: no probe may
//                    // report SERVING after that
//
// PingDatabase() is the probe AuthServer uses: one "SELECT 1" on a connection of a pool.
#ifndef SERVICES_AUTH_SERVER_DATABASE_HEALTH_H_
#define SERVICES_AUTH_SERVER_DATABASE_HEALTH_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/mysql/connection_pool.h"

namespace auth::service {

// OK if a connection of `pool` answers "SELECT 1", trying a second (fresh) connection if the
// first fails; kUnavailable (naming no secret) otherwise. Blocks for at most twice the pool's
// connect, acquire and read timeouts.
absl::Status PingDatabase(mysql::ConnectionPool& pool);

class DatabaseHealthMonitor {
 public:
  // Whether the database answered; OK means it can serve.
  using Probe = std::function<absl::Status()>;
  // Called on the monitor's thread when the verdict changes (never twice in a row alike).
  using Report = std::function<void(bool serving)>;

  // Starts out serving (the server was built against a reachable database). `period` > 0.
  DatabaseHealthMonitor(Probe probe, Report report, absl::Duration period);
  ~DatabaseHealthMonitor();  // Stop()

  DatabaseHealthMonitor(const DatabaseHealthMonitor&) = delete;
  DatabaseHealthMonitor& operator=(const DatabaseHealthMonitor&) = delete;

  // Starts probing, the first probe one period from now. At most once.
  void Start();
  // Stops probing and waits for a probe under way to finish; `report` is not called after it
  // returns. Idempotent.
  void Stop();

 private:
  void Run();

  const Probe probe_;
  const Report report_;
  const absl::Duration period_;
  // std::mutex rather than absl::Mutex: ThreadSanitizer cannot see Debian's uninstrumented absl.
  std::mutex mu_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SERVER_DATABASE_HEALTH_H_
