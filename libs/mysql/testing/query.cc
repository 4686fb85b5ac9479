// QueryInt; see query.h.
#include "libs/mysql/testing/query.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/mysql/connection_pool.h"

namespace auth::mysql_testing {

int64_t QueryInt(mysql::ConnectionPool& pool, const std::string& sql) {
  absl::StatusOr<mysql::PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return -1;
  try {
    std::unique_ptr<sql::PreparedStatement> select((*connection)->prepareStatement(sql));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    return rows->next() ? rows->getInt64(1) : -1;
  } catch (const std::exception&) {
    connection->MarkBroken();
    return -1;
  }
}

}  // namespace auth::mysql_testing
