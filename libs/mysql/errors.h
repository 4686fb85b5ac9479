// Maps Connector/C++ exceptions to absl::Status, the one place that reads MySQL error codes.
//
//   try { statement->executeUpdate(); }
//   catch (const sql::SQLException& e) { return SqlErrorToStatus(e, "create user"); }
//
// The returned message is generic or names a field ("email already taken"); the server's
// error text, which can quote the offending row, goes to LOG(WARNING) only.
#ifndef LIBS_MYSQL_ERRORS_H_
#define LIBS_MYSQL_ERRORS_H_

#include <cppconn/exception.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace auth::mysql {

// Error codes the mapping relies on (MySQL/MariaDB client and server numbering).
inline constexpr int kErDupEntry = 1062;
inline constexpr int kErLockDeadlock = 1213;
// Galera: "WSREP has not yet prepared node for application use" (SQLSTATE 08S01). The node is
// joining, or outside the primary component; the statement was refused, not run.
inline constexpr int kErUnknownComError = 1047;
// The server does not know the prepared statement the client executed (it was closed, or the
// connection is not the one it was prepared on).
inline constexpr int kErUnknownStmtHandler = 1243;
// The tables under a prepared statement changed and the server could not prepare it again.
inline constexpr int kErNeedReprepare = 1615;

// True if `error_code` means the connection is gone or unusable: client errors 2002, 2003,
// 2006, 2013, 2055 and server errors 1040 (too many connections), 1053 (shutdown in
// progress), 1927 (connection killed). Such a connection must be discarded.
bool IsConnectionError(int error_code);

// True if the server refused to run the statement because its node cannot serve (Galera's
// 1047, SQLSTATE 08S01): nothing was applied, and another node may serve it.
bool IsNodeUnavailable(int error_code);

// True if a prepared statement the client kept cannot be executed as it is (1243, 1615): nothing
// ran, and it must be prepared again, which a new connection does.
bool IsStaleStatement(int error_code);

// True if the transaction was rolled back by a conflict and may simply be run again: InnoDB's
// deadlock and Galera's certification failure (both 1213), or any SQLSTATE 40001
// (serialization failure).
bool IsTransactionConflict(int error_code, absl::string_view sql_state);

// The index named in a duplicate-key message ("Duplicate entry 'x' for key 'uq_users_email'"
// -> "uq_users_email"; MySQL 8's "users.uq_users_email" also gives "uq_users_email"), or ""
// if there is none.
std::string DuplicateKeyName(absl::string_view message);

// The API field a unique index guards: uq_users_username -> "username", uq_users_email ->
// "email", uq_users_phone -> "phone_number", PRIMARY -> `primary_key_field`. "" if unknown.
std::string FieldForKey(absl::string_view key_name, absl::string_view primary_key_field);

// kAlreadyExists "<field> already taken" for duplicate keys, kUnavailable for connection
// errors, unavailable nodes, stale statements and conflicts that outlived their retries (all
// worth retrying later), kInternal otherwise. Logs the details (never parameters) with `operation`.
// `primary_key_field` names the field of the table's primary key, if callers set it.
absl::Status SqlErrorToStatus(const sql::SQLException& e, absl::string_view operation,
                              absl::string_view primary_key_field = "");

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_ERRORS_H_
