// Connection and its statement cache; see connection.h.
#include "libs/mysql/connection.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "glog/logging.h"

namespace auth::mysql {

Connection::Connection(std::unique_ptr<sql::Connection> connection, int max_cached_statements)
    : connection_(std::move(connection)), max_cached_statements_(max_cached_statements) {
  CHECK(connection_ != nullptr);
}

Connection::~Connection() {
  // Statements first: each one's destructor tells the server to forget it, on its connection.
  overflow_.clear();
  statements_.clear();
}

sql::PreparedStatement& Connection::Prepare(absl::string_view sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) {
    // Client-side only: forgets the previous call's values, so that a parameter a caller
    // forgot to bind fails ("Value not set for all parameters") instead of reusing them.
    it->second->clearParameters();
    return *it->second;
  }
  std::unique_ptr<sql::PreparedStatement> statement(
      connection_->prepareStatement(std::string(sql)));
  ++prepared_;
  sql::PreparedStatement& prepared = *statement;
  if (static_cast<int>(statements_.size()) < max_cached_statements_) {
    statements_.emplace(sql, std::move(statement));
  } else {
    overflow_.push_back(std::move(statement));
  }
  return prepared;
}

void Connection::EndLease() {
  if (overflow_.empty()) return;
  // A bug, not load: the repositories use a fixed set of statements. Rare by construction (the
  // cache then refills from empty), so logging each time costs nothing.
  LOG(WARNING) << "more than " << max_cached_statements_
               << " different statements on one database connection; emptying its cache";
  overflow_.clear();
  statements_.clear();
}

void Connection::Close() {
  overflow_.clear();
  statements_.clear();
  try {
    connection_->close();
  } catch (const std::exception&) {
    // Closing a connection whose server is gone may fail; it is being dropped anyway.
  }
}

}  // namespace auth::mysql
