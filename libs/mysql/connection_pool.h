// ConnectionPool: a bounded, thread-safe pool of MySQL Connector/C++ connections to one
// server, or to the nodes of a replicated cluster (Galera) with failover between them.
//
//   ConnectionPool pool({.endpoint = "unix:///run/mysqld/mysqld.sock", .user = "auth",
//                        .password = secret, .database = "auth", .size = 8});
//   absl::StatusOr<PooledConnection> connection = pool.Acquire();  // kUnavailable if down
//   if (!connection.ok()) return connection.status();
//   sql::PreparedStatement& statement = connection->connection().Prepare("SELECT 1");
//
// (Repositories go through RunOnConnection() and friends in transaction_runner.h instead.) Each
// connection keeps the statements prepared on it (see connection.h); they stay with it while
// it is idle and leased, and are closed with it when it is discarded.
//
// The pool never hangs: connecting is bounded by `connect_timeout`, waiting for a free
// connection by `acquire_timeout`, and either failure is kUnavailable. Connections that sat
// idle for a while (or that were idle when another connection broke) are pinged before they
// are handed out, so after a server restart stale connections are replaced transparently.
//
// Several endpoints ("tcp://db1:3306,tcp://db2:3306,tcp://db3:3306") are listed in order of
// preference. New connections go to the first endpoint that is not known to be failing; an
// endpoint that refused a connection, or whose connection was found unusable
// (PooledConnection::MarkNodeUnavailable), is passed over for `endpoint_retry_after`, after
// which one connect probes it again; once it answers, connections move back to it as they are
// handed out. When every endpoint is failing, all are tried in order anyway. (That state is
// an EndpointSelector's: endpoint_selector.h.)
//
// On a Galera node (detected at connect: wsrep_on) a connection is accepted only if the node
// is ready (wsrep_ready), and its session gets `wsrep_sync_wait`, so that its statements see
// every write the cluster committed before them (read-your-writes across nodes).
#ifndef LIBS_MYSQL_CONNECTION_POOL_H_
#define LIBS_MYSQL_CONNECTION_POOL_H_

#include <cppconn/connection.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/connection_factory.h"
#include "libs/mysql/connection_pool_options.h"
#include "libs/mysql/endpoint_selector.h"

namespace auth::mysql {

class ConnectionPool;

// A connection leased from a ConnectionPool; returns it to the pool when destroyed.
// Move-only. Must not outlive its pool.
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  // The Connector/C++ connection (uncached statements; see connection() for cached ones).
  sql::Connection& operator*() const { return connection_->raw(); }
  sql::Connection* operator->() const { return &connection_->raw(); }
  // The leased connection with its prepared-statement cache.
  Connection& connection() const { return *connection_; }

  // The connection failed in a way that may have broken it (the server went away):
  // the pool closes it instead of reusing it.
  void MarkBroken() { broken_ = true; }
  // The node behind the connection cannot serve (gone, or a Galera node that is not ready):
  // the connection is closed, and the pool passes its endpoint over for a while.
  void MarkNodeUnavailable() { broken_ = node_unavailable_ = true; }
  // Which endpoint (index into the pool's list) the connection goes to.
  int endpoint_index() const { return endpoint_; }

 private:
  friend class ConnectionPool;
  PooledConnection(ConnectionPool* pool, std::unique_ptr<Connection> connection, int endpoint);
  void Return();

  ConnectionPool* pool_;
  std::unique_ptr<Connection> connection_;
  int endpoint_ = 0;
  bool broken_ = false;
  bool node_unavailable_ = false;
};

// What a ConnectionPool is doing, at one instant (for monitoring: see Stats()).
struct ConnectionPoolStats {
  // Connections open: idle, leased, or being opened.
  int open = 0;
  // Connections leased or being opened (open minus idle).
  int in_use = 0;
  // Acquire() calls waiting for a connection to free up.
  int waiting = 0;
  // Since the pool was made: connects that failed, Acquire() calls that timed out, and
  // connections found dead or returned broken.
  int64_t errors = 0;
};

class ConnectionPool {
 public:
  // A pool of real MySQL connections to the endpoints of `options.endpoint`.
  explicit ConnectionPool(ConnectionPoolOptions options);
  // A pool whose connections come from `factory`, as one endpoint (tests).
  ConnectionPool(ConnectionPoolOptions options, std::unique_ptr<ConnectionFactory> factory);
  // A pool whose connections come from `factories`, one per endpoint in order of preference
  // (tests). Must not be empty.
  ConnectionPool(ConnectionPoolOptions options,
                 std::vector<std::unique_ptr<ConnectionFactory>> factories);
  // Closes the idle connections. Every PooledConnection must have been destroyed.
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A live connection: an idle one (pinged if it is suspect) or a new one. kUnavailable if
  // no endpoint can be reached or no connection frees up within `acquire_timeout`.
  absl::StatusOr<PooledConnection> Acquire();

  // Every connection idle now is pinged before its next lease, however fresh. For a caller
  // that learnt otherwise that the database went away or came back (a restart leaves every
  // pooled connection dead, and an autocommit write that fails on one cannot be run again:
  // it may have committed).
  void DistrustIdleConnections();

  const ConnectionPoolOptions& options() const { return options_; }
  int endpoint_count() const { return static_cast<int>(endpoints_.size()); }

  // A consistent snapshot, for metrics; takes the pool's lock briefly.
  ConnectionPoolStats Stats() const;

  // Connections currently open (idle, leased or being opened).
  int OpenCountForTest() const;
  // Connections waiting in the pool.
  int IdleCountForTest() const;

 private:
  friend class PooledConnection;

  struct IdleConnection {
    std::unique_ptr<Connection> connection;
    int endpoint;
    absl::Time returned_at;
  };

  // Called by PooledConnection when it is destroyed.
  void Release(std::unique_ptr<Connection> connection, int endpoint, bool broken,
               bool node_unavailable);
  // Opens a connection (with an empty statement cache), trying the endpoints in `order`; on
  // success `*endpoint` is the one that answered. Records each outcome. Called without mu_.
  absl::StatusOr<std::unique_ptr<Connection>> Connect(const std::vector<int>& order, int* endpoint);
  // Closes a connection the pool has given up on, its statements first, outside the lock.
  // Static: it may run after the lease that triggered it has let the pool go.
  static void Discard(std::unique_ptr<Connection> connection);

  const ConnectionPoolOptions options_;
  const std::vector<std::unique_ptr<ConnectionFactory>> endpoints_;

  // std::mutex rather than absl::Mutex: Debian's libabsl is not built with ThreadSanitizer, which
  // then cannot see absl's synchronisation and reports every access it guards as a race.
  mutable std::mutex mu_;
  std::condition_variable freed_;     // notified when a connection is returned or a slot opens up
  std::vector<IdleConnection> idle_;  // guarded by mu_; most recently used last
  EndpointSelector selector_;         // guarded by mu_; which endpoints are failing
  int open_ = 0;                      // guarded by mu_
  int waiting_ = 0;                   // guarded by mu_; Acquire() calls blocked in freed_
  int64_t errors_ = 0;                // guarded by mu_; see ConnectionPoolStats::errors
  // Guarded by mu_. Idle connections returned at or before this instant are pinged before
  // reuse: another connection broke (the server may have restarted), so they may be dead too.
  absl::Time suspect_before_ = absl::InfinitePast();
};

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_CONNECTION_POOL_H_
