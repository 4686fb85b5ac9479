// AttemptGate: the abuse-limit keys and admission; see attempt_gate.h.
#include "services/auth/abuse/attempt_gate.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"

namespace auth::service {
namespace {

constexpr char kLoginAccount[] = "login-account:";
constexpr char kLoginAddress[] = "login-address:";
constexpr char kRegisterAddress[] = "register-address:";
constexpr char kRefreshAddress[] = "refresh-address:";

// The limits a login attempt counts against: the account (when `user_id` > 0, i.e. it exists)
// and the client address. Empty when both are off.
std::vector<repository::AttemptLimit> LoginLimits(const AbuseLimitsConfig& config, int64_t user_id,
                                                  absl::string_view address) {
  std::vector<repository::AttemptLimit> limits;
  if (config.login_failures_per_account > 0 && user_id > 0) {
    limits.push_back({absl::StrCat(kLoginAccount, user_id), config.login_failures_per_account,
                      config.login_window});
  }
  if (config.login_failures_per_address > 0) {
    limits.push_back({absl::StrCat(kLoginAddress, address), config.login_failures_per_address,
                      config.login_window});
  }
  return limits;
}

// The keys a successful login settles: its account is reset, its address refunded.
std::vector<std::string> LoginResetKeys(const AbuseLimitsConfig& config, int64_t user_id) {
  if (config.login_failures_per_account <= 0 || user_id <= 0) return {};
  return {absl::StrCat(kLoginAccount, user_id)};
}

std::vector<std::string> LoginRefundKeys(const AbuseLimitsConfig& config,
                                         absl::string_view address) {
  if (config.login_failures_per_address <= 0) return {};
  return {absl::StrCat(kLoginAddress, address)};
}

// The limit a registration attempt counts against; empty when off.
std::vector<repository::AttemptLimit> RegisterLimits(const AbuseLimitsConfig& config,
                                                     absl::string_view address) {
  if (config.registrations_per_address <= 0) return {};
  return {{absl::StrCat(kRegisterAddress, address), config.registrations_per_address,
           config.register_window}};
}

}  // namespace

absl::Status ValidateAbuseLimits(const AbuseLimitsConfig& config) {
  if (config.login_failures_per_account < 0) {
    return absl::InvalidArgumentError("--login_failures_per_account must not be negative");
  }
  if (config.login_failures_per_address < 0) {
    return absl::InvalidArgumentError("--login_failures_per_address must not be negative");
  }
  if (config.refresh_failures_per_address < 0) {
    return absl::InvalidArgumentError("--refresh_failures_per_address must not be negative");
  }
  if (config.registrations_per_address < 0) {
    return absl::InvalidArgumentError("--registrations_per_address must not be negative");
  }
  if (config.login_window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--login_failure_window must be positive");
  }
  if (config.register_window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--registration_window must be positive");
  }
  return absl::OkStatus();
}

std::string RetryAfterSeconds(absl::Duration retry_after) {
  const int64_t seconds = static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(retry_after)));
  return absl::StrCat(seconds < 1 ? 1 : seconds);
}

AttemptGate::AttemptGate(repository::AttemptLimiter* limiter, AbuseLimitsConfig config,
                         audit::AuditLog* audit_log)
    : limiter_(limiter), config_(config), audit_log_(audit_log) {}

bool AttemptGate::CountsRegistrations() const {
  return limiter_ != nullptr && config_.registrations_per_address > 0;
}

absl::Status AttemptGate::AdmitRegistration(absl::string_view address,
                                            std::string* retry_after) const {
  if (limiter_ == nullptr) return absl::OkStatus();
  return AuditRefusal(Admit(RegisterLimits(config_, address), retry_after), "registration",
                      /*user_id=*/0, address);
}

absl::Status AttemptGate::AdmitLogin(int64_t user_id, absl::string_view address,
                                     std::string* retry_after) const {
  if (limiter_ == nullptr) return absl::OkStatus();
  return AuditRefusal(Admit(LoginLimits(config_, user_id, address), retry_after), "login", user_id,
                      address);
}

repository::AttemptSettlement AttemptGate::LoginSettlement(int64_t user_id,
                                                           absl::string_view address) const {
  if (limiter_ == nullptr) return {};
  return {LoginResetKeys(config_, user_id), LoginRefundKeys(config_, address)};
}

absl::Status AttemptGate::CheckRefresh(absl::string_view address, std::string* retry_after) const {
  if (limiter_ == nullptr || config_.refresh_failures_per_address <= 0) return absl::OkStatus();
  const absl::Duration refused_for =
      refused_refreshes_.RefusedFor(absl::StrCat(kRefreshAddress, address), absl::Now());
  if (refused_for <= absl::ZeroDuration()) return absl::OkStatus();
  *retry_after = RetryAfterSeconds(refused_for);
  return absl::ResourceExhaustedError("too many failed refreshes, retry later");
}

void AttemptGate::CountRefreshFailure(absl::string_view address) const {
  if (limiter_ == nullptr || config_.refresh_failures_per_address <= 0) return;
  const std::string key = absl::StrCat(kRefreshAddress, address);
  const absl::Time now = absl::Now();
  absl::StatusOr<repository::Admission> admission =
      limiter_->Admit({{key, config_.refresh_failures_per_address, config_.login_window}}, now);
  if (!admission.ok()) {
    LOG(WARNING) << "failed refresh not counted: " << admission.status().code();
    return;
  }
  if (admission->admitted) return;
  // Audited once per refusal, not once per garbage call that was already on its way.
  if (!refused_refreshes_.Remember(key, now + admission->retry_after)) return;
  (void)AuditRefusal(absl::ResourceExhaustedError("too many failed refreshes"), "refresh",
                     /*user_id=*/0, address);
}

absl::Status AttemptGate::Admit(const std::vector<repository::AttemptLimit>& limits,
                                std::string* retry_after) const {
  if (limits.empty()) return absl::OkStatus();
  absl::StatusOr<repository::Admission> admission = limiter_->Admit(limits, absl::Now());
  // Fail closed: without the counters, the limits cannot be enforced.
  if (!admission.ok()) return admission.status();
  if (!admission->admitted) {
    *retry_after = RetryAfterSeconds(admission->retry_after);
    return absl::ResourceExhaustedError("too many attempts, retry later");
  }
  return absl::OkStatus();
}

absl::Status AttemptGate::AuditRefusal(absl::Status admitted, absl::string_view action,
                                       int64_t user_id, absl::string_view address) const {
  // Only a limit's refusal: a failing limiter refuses too, but that is no limit hit.
  if (audit_log_ == nullptr || admitted.code() != absl::StatusCode::kResourceExhausted) {
    return admitted;
  }
  audit::AuditEvent event;
  event.type = audit::AuditEventType::kLimitHit;
  event.user_id = user_id;
  event.client_address = std::string(address);
  event.reason = std::string(action);
  audit_log_->Record(event);
  return admitted;
}

}  // namespace auth::service
