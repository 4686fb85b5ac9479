// ConnectionPoolOptions: where a ConnectionPool connects, as whom, and its bounds and timeouts;
// and the syntax of its endpoint list.
//
//   ConnectionPoolOptions options;
//   options.endpoint = "tcp://db1:3306,tcp://db2:3306";  // in order of preference
//   options.user = "auth";
//   std::vector<std::string> nodes = SplitEndpoints(options.endpoint);
//
// Its own header so that the connection factory, which the pool depends on, can take it.
#ifndef LIBS_MYSQL_CONNECTION_POOL_OPTIONS_H_
#define LIBS_MYSQL_CONNECTION_POOL_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::mysql {

struct ConnectionPoolOptions {
  // "unix:///path/to/mysqld.sock" or "tcp://host:port", or a comma-separated list of them in
  // order of preference (the nodes of one replicated database).
  std::string endpoint;
  std::string user;
  std::string password;
  std::string database;
  // Most connections open at once (leased, idle or being opened).
  int size = 8;
  // Connector/C++ takes whole seconds; values below one second are rounded up.
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration read_timeout = absl::Seconds(15);
  absl::Duration write_timeout = absl::Seconds(15);
  // How long Acquire() waits for a connection when all `size` are leased.
  absl::Duration acquire_timeout = absl::Seconds(3);
  // An idle connection older than this is pinged before it is handed out.
  absl::Duration validate_after_idle = absl::Seconds(1);
  // How long an endpoint that failed is passed over before it is probed again.
  absl::Duration endpoint_retry_after = absl::Seconds(5);
  // Galera only (a no-op on other servers): the session's wsrep_sync_wait, a bit mask of the
  // statements that first wait until the node has applied every write-set committed anywhere
  // before them: 1 reads, 2 UPDATE/DELETE, 4 INSERT/REPLACE. 7 (all): an UPDATE that must find
  // a row written through another node (a logout's revocation after a failover) needs 2, and
  // an attempt counter's upsert needs 4. 0 leaves it off.
  int wsrep_sync_wait = 7;
  // RunOnConnection()/RunInTransaction() (transaction_runner.h) run a call at most this many times
  // when it hit a conflict (1213) or an unavailable node, pausing a random 0..retry_backoff*2^n
  // between runs.
  int max_attempts = 3;
  absl::Duration retry_backoff = absl::Milliseconds(5);
};

// The endpoints of a comma-separated list, in order, blanks trimmed and empty items dropped.
std::vector<std::string> SplitEndpoints(absl::string_view list);

// The same endpoints in one order every process derives alike (sorted), comma-separated. A pool
// with this order makes every replica write through the same node while it is up: on Galera,
// rows that many replicas write at once (a username being registered, attempt counters, a
// refresh token being rotated) are then serialised by that node's locks, not left to
// certification between nodes, which under contention was seen to acknowledge a few commits
// that did not persist (see docs/operations.md).
std::string CanonicalEndpointOrder(absl::string_view list);

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_CONNECTION_POOL_OPTIONS_H_
