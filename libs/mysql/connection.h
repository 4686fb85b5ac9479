// Connection: one database connection as a ConnectionPool keeps it, the Connector/C++
// connection together with the statements prepared on it, so that a statement is prepared
// once per connection instead of once per call.
//
//   // In a RunOnConnection()/RunQuery()/RunInTransaction() callback (transaction_runner.h):
//   sql::PreparedStatement& select = connection.Prepare("SELECT ... WHERE jti = ?");
//   select.setString(1, jti);
//   std::unique_ptr<sql::ResultSet> rows(select.executeQuery());  // closed before the next use
//
// Without the cache every statement costs three exchanges with the server (COM_STMT_PREPARE,
// COM_STMT_EXECUTE, COM_STMT_CLOSE) and a parse; with it, one execute.
//
// A statement belongs to the connection it was prepared on: the server knows it by a number
// that means nothing on another connection. So the cache is owned by the Connection that owns
// the sql::Connection, never outlives it (the statements are destroyed first), and a
// connection that is replaced (broken, dead, pool destroyed) takes its statements with it.
// Nobody may call sql::Connection::reconnect() on raw(): the server would forget the
// statements while the cache still held them.
//
// Not thread-safe: one lease uses it at a time, and the pool's lock orders the handovers.
#ifndef LIBS_MYSQL_CONNECTION_H_
#define LIBS_MYSQL_CONNECTION_H_

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace auth::mysql {

class Connection {
 public:
  // A connection only ever runs the fixed set of SQL texts of the repositories (a few dozen);
  // the bound keeps a bug (SQL built from varying input) from growing the cache without limit.
  static constexpr int kDefaultMaxCachedStatements = 64;

  // Takes ownership of `connection` (not null).
  explicit Connection(std::unique_ptr<sql::Connection> connection,
                      int max_cached_statements = kDefaultMaxCachedStatements);
  // Destroys the statements, then the connection. Does not call close(): see Close().
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The prepared statement for `sql` on this connection, with no parameter bound: prepared
  // the first time, reused afterwards. Throws sql::SQLException if the server refuses to
  // prepare it (nothing is cached then). The reference stays valid until the lease ends
  // (EndLease()), even if later calls find the cache full. A server error while executing it
  // (a duplicate key, say) leaves it usable; a ResultSet from it must be destroyed before it
  // is executed again.
  sql::PreparedStatement& Prepare(absl::string_view sql);

  // The Connector/C++ connection, for transactions and one-off statements (migrations).
  sql::Connection& raw() const { return *connection_; }

  // How many statements are cached.
  int cached_statements() const { return static_cast<int>(statements_.size()); }
  // How many statements were prepared on this connection through Prepare(), cached or not.
  int64_t prepared_statements() const { return prepared_; }

  // Called by the pool when a lease ends: drops the statements that did not fit in the cache
  // and, if there were any, empties the cache (eviction by clearing: a working set that
  // outgrew it gets a fresh start, rather than paying for tracking use order).
  void EndLease();

  // Destroys the statements, then closes the connection, ignoring errors (its server may be
  // gone). For a connection the pool gives up on.
  void Close();

 private:
  const std::unique_ptr<sql::Connection> connection_;
  const int max_cached_statements_;
  // Declared after connection_, so destroyed before it even without the destructor's help.
  absl::flat_hash_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  // Prepared while the cache was full; kept until the lease ends.
  std::vector<std::unique_ptr<sql::PreparedStatement>> overflow_;
  int64_t prepared_ = 0;
};

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_CONNECTION_H_
