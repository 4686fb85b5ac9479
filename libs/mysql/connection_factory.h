// ConnectionFactory: opens the connections of a ConnectionPool, one factory per endpoint. The
// real one uses Connector/C++'s MySQL driver and prepares each new session (UTC; on Galera,
// a ready node and wsrep_sync_wait); tests substitute one that returns mocks.
//
//   std::unique_ptr<ConnectionFactory> factory =
//       NewMysqlConnectionFactory(options, "tcp://db1:3306");
//   absl::StatusOr<std::unique_ptr<sql::Connection>> connection = factory->Connect();
#ifndef LIBS_MYSQL_CONNECTION_FACTORY_H_
#define LIBS_MYSQL_CONNECTION_FACTORY_H_

#include <cppconn/connection.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/mysql/connection_pool_options.h"

namespace auth::mysql {

// Opens connections. The pool owns one; tests substitute a fake to return mocks.
class ConnectionFactory {
 public:
  virtual ~ConnectionFactory() = default;

  // A new connection, ready for queries (UTC session time zone, autocommit).
  // kUnavailable if the server cannot be reached, kInternal for anything else.
  virtual absl::StatusOr<std::unique_ptr<sql::Connection>> Connect() = 0;
};

// The real factory: Connector/C++'s MySQL driver, configured from `options`, connecting to
// `endpoint` (one of the list in `options.endpoint`).
std::unique_ptr<ConnectionFactory> NewMysqlConnectionFactory(const ConnectionPoolOptions& options,
                                                             const std::string& endpoint);

// Prepares a new connection's session: UTC time zone, and on a Galera node, checks that the
// node is ready (kUnavailable if not) and sets wsrep_sync_wait. Used by the real factory;
// exposed for tests.
absl::Status PrepareSession(sql::Connection& connection, int wsrep_sync_wait);

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_CONNECTION_FACTORY_H_
