// The attempt counters' settling statement; see attempt_counter_statements.h. Keys only ever
// travel as bound parameters.
#include "libs/repository/mysql/attempts/attempt_counter_statements.h"

#include <cppconn/prepared_statement.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/in_list.h"

namespace auth::mysql_repository {

namespace {

// The expiry a reset gives a counter: long past, so the next attempt starts a new window.
constexpr char kEndedWindow[] = "1970-01-02 00:00:00";

}  // namespace

absl::Status CheckAttemptKey(const std::string& key) {
  if (key.empty() || key.size() > kMaxAttemptKeyBytes) {
    return absl::InvalidArgumentError("attempt key must be 1-160 bytes");
  }
  return absl::OkStatus();
}

absl::Status CheckAttemptSettlement(const repository::AttemptSettlement& settlement) {
  for (const std::string& key : settlement.reset_keys) {
    if (absl::Status s = CheckAttemptKey(key); !s.ok()) return s;
  }
  for (const std::string& key : settlement.refund_keys) {
    if (absl::Status s = CheckAttemptKey(key); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void SettleAttemptCounters(mysql::Connection& connection,
                           const repository::AttemptSettlement& settlement) {
  if (settlement.empty()) return;
  const std::vector<std::string>& reset_keys = settlement.reset_keys;
  std::vector<std::string> keys = reset_keys;
  keys.insert(keys.end(), settlement.refund_keys.begin(), settlement.refund_keys.end());
  const std::string is_reset =
      reset_keys.empty()
          ? "FALSE"
          : absl::StrCat("counter_key IN (", mysql::InListPlaceholders(reset_keys.size()), ")");
  sql::PreparedStatement& settle = connection.Prepare(
      absl::StrCat("UPDATE attempt_counters SET expires_at = IF(", is_reset, ", '", kEndedWindow,
                   "', expires_at), attempts = IF(", is_reset,
                   ", 0, attempts - 1) "
                   "WHERE attempts > 0 AND counter_key IN (",
                   mysql::InListPlaceholders(keys.size()), ")"));
  int column = 1;
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string& key : reset_keys) settle.setString(column++, key);
  }
  for (const std::string& key : keys) settle.setString(column++, key);
  settle.executeUpdate();
}

}  // namespace auth::mysql_repository
