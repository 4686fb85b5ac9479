// SpendCredentials; see credential_spend_statements.h.
#include "libs/repository/mysql/sessions/credential_spend_statements.h"

#include <cppconn/prepared_statement.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace auth::mysql_repository::credential_spend {

namespace {

// Runs `update` (its parameters bound) and fails the transaction unless it changed one row.
absl::Status ExpectOneRow(sql::PreparedStatement& update) {
  if (update.executeUpdate() != 1) return absl::AbortedError("credential already used");
  return absl::OkStatus();
}

}  // namespace

// Spends `spend` for `user_id` (CredentialSpend): one conditional UPDATE per credential, each
// of which must change its row.
absl::Status SpendCredentials(mysql::Connection& connection, int64_t user_id,
                              const repository::CredentialSpend& spend, const std::string& now) {
  if (!spend.mfa_ticket_hash.empty()) {
    sql::PreparedStatement& update = connection.Prepare(
        "UPDATE mfa_tickets SET spent_at = ? WHERE ticket_hash = ? AND user_id = ? "
        "AND spent_at IS NULL AND expires_at > ?");
    update.setDateTime(1, now);
    update.setString(2, spend.mfa_ticket_hash);
    update.setInt64(3, user_id);
    update.setDateTime(4, now);
    if (absl::Status spent = ExpectOneRow(update); !spent.ok()) return spent;
  }
  if (spend.totp_step.has_value()) {
    sql::PreparedStatement& update = connection.Prepare(
        "UPDATE user_totp SET last_used_step = ? WHERE user_id = ? "
        "AND confirmed_at IS NOT NULL AND last_used_step < ?");
    update.setInt64(1, *spend.totp_step);
    update.setInt64(2, user_id);
    update.setInt64(3, *spend.totp_step);
    if (absl::Status spent = ExpectOneRow(update); !spent.ok()) return spent;
  }
  if (!spend.recovery_code_hash.empty()) {
    sql::PreparedStatement& update = connection.Prepare(
        "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? "
        "AND used_at IS NULL");
    update.setDateTime(1, now);
    update.setInt64(2, user_id);
    update.setString(3, spend.recovery_code_hash);
    if (absl::Status spent = ExpectOneRow(update); !spent.ok()) return spent;
  }
  if (!spend.passkey_id.empty()) {
    sql::PreparedStatement& update = connection.Prepare(
        "UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE passkey_id = ? "
        "AND user_id = ? AND sign_count = ?");
    update.setUInt(1, spend.passkey_sign_count_new);
    update.setDateTime(2, now);
    update.setString(3, spend.passkey_id);
    update.setInt64(4, user_id);
    update.setUInt(5, spend.passkey_sign_count_read);
    if (absl::Status spent = ExpectOneRow(update); !spent.ok()) return spent;
  }
  return absl::OkStatus();
}

}  // namespace auth::mysql_repository::credential_spend
