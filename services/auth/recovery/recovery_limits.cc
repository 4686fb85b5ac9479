// RecoveryLimits; see recovery_limits.h.
#include "services/auth/recovery/recovery_limits.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "glog/logging.h"
#include "services/auth/abuse/attempt_gate.h"

namespace auth::service {

absl::Status RecoveryLimits::AdmitMailRequest(absl::string_view address) const {
  std::string unused;
  return Admit({{absl::StrCat("mail-request:", address), config_.mail_requests_per_address,
                 config_.request_window}},
               &unused);
}

absl::Status RecoveryLimits::AdmitMail(int64_t user_id) const {
  std::string unused;
  return Admit(
      {{absl::StrCat("mail-account:", user_id), config_.mail_per_account, config_.request_window},
       {"mail-service", config_.mails_per_minute, absl::Minutes(1)}},
      &unused);
}

absl::Status RecoveryLimits::AdmitTokenTry(absl::string_view address,
                                           std::string* retry_after) const {
  return Admit({{TokenTryKey(address), config_.reset_failures_per_address, config_.failure_window}},
               retry_after);
}

std::string RecoveryLimits::TokenTryKey(absl::string_view address) const {
  return limiter_ == nullptr ? std::string() : absl::StrCat("reset-try:", address);
}

void RecoveryLimits::RefundTokenTry(absl::string_view address) const {
  if (limiter_ == nullptr || config_.reset_failures_per_address <= 0) return;
  repository::AttemptSettlement settlement;
  settlement.refund_keys.push_back(TokenTryKey(address));
  if (absl::Status settled = limiter_->Settle(settlement); !settled.ok()) {
    LOG(WARNING) << "a successful token try from " << address
                 << " stays counted: " << settled.code();
  }
}

absl::Status RecoveryLimits::Admit(std::vector<repository::AttemptLimit> limits,
                                   std::string* retry_after) const {
  // A bound of 0 turns its limit off.
  limits.erase(
      std::remove_if(limits.begin(), limits.end(),
                     [](const repository::AttemptLimit& limit) { return limit.max_attempts <= 0; }),
      limits.end());
  if (limiter_ == nullptr || limits.empty()) return absl::OkStatus();
  return AdmitAttempt(*limiter_, limits, retry_after);
}

}  // namespace auth::service
