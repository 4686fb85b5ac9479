// The Connector/C++ connection factory and the session set-up of new connections; see
// connection_factory.h.
#include "libs/mysql/connection_factory.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <mysql_driver.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "libs/mysql/connection_pool_options.h"
#include "libs/mysql/errors.h"

namespace auth::mysql {
namespace {

// Connector/C++ takes timeouts as whole seconds; zero would mean "no timeout".
int WholeSeconds(absl::Duration d) {
  return std::max(1, static_cast<int>(std::ceil(absl::ToDoubleSeconds(d))));
}

class MysqlConnectionFactory : public ConnectionFactory {
 public:
  MysqlConnectionFactory(const ConnectionPoolOptions& options, std::string endpoint)
      : options_(options), endpoint_(std::move(endpoint)) {}

  absl::StatusOr<std::unique_ptr<sql::Connection>> Connect() override {
    sql::ConnectOptionsMap properties;
    properties["hostName"] = endpoint_;
    properties["userName"] = options_.user;
    properties["password"] = options_.password;
    properties["schema"] = options_.database;
    properties["OPT_CONNECT_TIMEOUT"] = WholeSeconds(options_.connect_timeout);
    properties["OPT_READ_TIMEOUT"] = WholeSeconds(options_.read_timeout);
    properties["OPT_WRITE_TIMEOUT"] = WholeSeconds(options_.write_timeout);
    properties["OPT_CHARSET_NAME"] = "utf8mb4";
    // The pool replaces broken connections itself; a silent reconnect would lose session
    // state (the time zone) behind its back.
    properties["OPT_RECONNECT"] = false;
    properties["CLIENT_MULTI_STATEMENTS"] = false;
    try {
      std::unique_ptr<sql::Connection> connection(Driver()->connect(properties));
      connection->setAutoCommit(true);
      if (absl::Status prepared = PrepareSession(*connection, options_.wsrep_sync_wait);
          !prepared.ok()) {
        LOG(WARNING) << "connect: " << endpoint_ << ": " << prepared;
        return prepared;
      }
      return connection;
    } catch (const sql::SQLException& e) {
      // Unreachable server: kUnavailable; bad credentials or schema: kInternal.
      return SqlErrorToStatus(e, "connect");
    } catch (const std::exception& e) {
      LOG(WARNING) << "connect: " << e.what();
      return absl::InternalError("database error");
    }
  }

 private:
  // The driver singleton; creating it is not thread-safe, a function-local static is.
  static sql::Driver* Driver() {
    static sql::Driver* const driver = sql::mysql::get_mysql_driver_instance();
    return driver;
  }

  const ConnectionPoolOptions options_;
  const std::string endpoint_;
};

// Runs a statement that returns one (name, value) row, as SHOW VARIABLES LIKE does; "" if it
// returns none (the server does not know the variable).
std::string ShowValue(sql::Connection& connection, const char* statement) {
  std::unique_ptr<sql::PreparedStatement> show(connection.prepareStatement(statement));
  std::unique_ptr<sql::ResultSet> rows(show->executeQuery());
  if (!rows->next()) return "";
  return std::string(rows->getString(2));
}

}  // namespace

std::unique_ptr<ConnectionFactory> NewMysqlConnectionFactory(const ConnectionPoolOptions& options,
                                                             const std::string& endpoint) {
  return std::make_unique<MysqlConnectionFactory>(options, endpoint);
}

absl::Status PrepareSession(sql::Connection& connection, int wsrep_sync_wait) {
  // TIMESTAMP columns are converted through the session time zone; pin it to UTC.
  std::unique_ptr<sql::PreparedStatement> set_time_zone(
      connection.prepareStatement("SET time_zone = '+00:00'"));
  set_time_zone->execute();
  // SHOW rather than SELECT @@wsrep_on: servers without Galera (MySQL, TiDB) return no row
  // instead of an error.
  if (ShowValue(connection, "SHOW VARIABLES LIKE 'wsrep_on'") != "ON") return absl::OkStatus();
  // A joining node, or one cut off from the primary component, accepts connections but
  // refuses queries (1047): not a node to hand out.
  if (ShowValue(connection, "SHOW GLOBAL STATUS LIKE 'wsrep_ready'") != "ON") {
    return absl::UnavailableError("database node not ready");
  }
  if (wsrep_sync_wait > 0) {
    std::unique_ptr<sql::PreparedStatement> sync_wait(connection.prepareStatement(
        absl::StrCat("SET SESSION wsrep_sync_wait = ", wsrep_sync_wait)));
    sync_wait->execute();
  }
  return absl::OkStatus();
}

}  // namespace auth::mysql
