// Error mapping for Connector/C++ exceptions; see errors.h.
#include "libs/mysql/errors.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "glog/logging.h"

namespace auth::mysql {

bool IsConnectionError(int error_code) {
  switch (error_code) {
    case 1040:  // ER_CON_COUNT_ERROR: too many connections
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED
    case 2002:  // CR_CONNECTION_ERROR: cannot connect through the socket
    case 2003:  // CR_CONN_HOST_ERROR: cannot connect to host
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
      return true;
    default:
      return false;
  }
}

bool IsNodeUnavailable(int error_code) { return error_code == kErUnknownComError; }

bool IsStaleStatement(int error_code) {
  return error_code == kErUnknownStmtHandler || error_code == kErNeedReprepare;
}

bool IsTransactionConflict(int error_code, absl::string_view sql_state) {
  return error_code == kErLockDeadlock || sql_state == "40001";
}

std::string DuplicateKeyName(absl::string_view message) {
  // The key name comes last; the duplicated value before it may contain anything, so
  // search from the end.
  constexpr absl::string_view kMarker = "for key '";
  const size_t marker = message.rfind(kMarker);
  if (marker == absl::string_view::npos) return "";
  absl::string_view key = message.substr(marker + kMarker.size());
  const size_t quote = key.find('\'');
  if (quote == absl::string_view::npos) return "";
  key = key.substr(0, quote);
  // MySQL 8 qualifies the index with its table ("users.uq_users_email").
  const size_t dot = key.rfind('.');
  if (dot != absl::string_view::npos) key = key.substr(dot + 1);
  return std::string(key);
}

std::string FieldForKey(absl::string_view key_name, absl::string_view primary_key_field) {
  if (key_name == "uq_users_username") return "username";
  if (key_name == "uq_users_email") return "email";
  if (key_name == "uq_users_phone") return "phone_number";
  if (key_name == "PRIMARY") return std::string(primary_key_field);
  return "";
}

absl::Status SqlErrorToStatus(const sql::SQLException& e, absl::string_view operation,
                              absl::string_view primary_key_field) {
  const int code = e.getErrorCode();
  if (code == kErDupEntry) {
    // The message quotes the duplicated value (an email, say): log only the index.
    const std::string key = DuplicateKeyName(e.what());
    const std::string field = FieldForKey(key, primary_key_field);
    LOG(WARNING) << operation << ": duplicate key '" << key << "'";
    if (field.empty()) return absl::AlreadyExistsError("record already exists");
    return absl::AlreadyExistsError(absl::StrCat(field, " already taken"));
  }
  LOG(WARNING) << operation << ": MySQL error " << code << " (SQLSTATE " << e.getSQLState()
               << "): " << e.what();
  if (IsConnectionError(code) || IsNodeUnavailable(code) || IsStaleStatement(code)) {
    return absl::UnavailableError("database unavailable");
  }
  if (IsTransactionConflict(code, std::string(e.getSQLState()))) {
    return absl::UnavailableError("database busy, retry later");
  }
  return absl::InternalError("database error");
}

}  // namespace auth::mysql
