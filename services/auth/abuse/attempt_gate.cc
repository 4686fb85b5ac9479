// AttemptGate: the abuse-limit keys and admission; see attempt_gate.h.
#include "services/auth/abuse/attempt_gate.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
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
constexpr char kLoginAccountAddress[] = "login-account-address:";
constexpr char kLoginDevice[] = "login-device:";
constexpr char kLoginAddress[] = "login-address:";
constexpr char kRegisterAddress[] = "register-address:";
constexpr char kRefreshAddress[] = "refresh-address:";

// The address limit of every login attempt; empty when off.
std::vector<repository::AttemptLimit> AddressLimit(const AbuseLimitsConfig& config,
                                                   absl::string_view address) {
  if (config.login_failures_per_address <= 0) return {};
  return {{absl::StrCat(kLoginAddress, address), config.login_failures_per_address,
           config.login_window}};
}

// The name an attempt's account is counted under: its id, or the concealed unknown account's
// name; empty for an unknown account that is not concealed.
std::string AccountName(const LoginAttempt& attempt) {
  if (attempt.user_id > 0) return absl::StrCat(attempt.user_id);
  if (!attempt.concealed_account.empty()) return absl::StrCat("?", attempt.concealed_account);
  return "";
}

// Whether an untrusted login counts against its (account, address) too. Both counters grow with
// every untrusted attempt and a success resets both, so the pair's never exceeds the account's:
// a pair limit that is not below the account's (the defaults: 5 and 5) could never refuse
// first, and counting it would only cost a row write per login.
bool CountsAccountAddress(const AbuseLimitsConfig& config) {
  return config.login_failures_per_account_address > 0 &&
         (config.login_failures_per_account <= 0 ||
          config.login_failures_per_account_address < config.login_failures_per_account);
}

// The limits an untrusted login attempt counts against: the account and (account, address)
// (when it has an AccountName()) and the client address. Empty when all are off.
std::vector<repository::AttemptLimit> UntrustedLoginLimits(const AbuseLimitsConfig& config,
                                                           const LoginAttempt& attempt) {
  std::vector<repository::AttemptLimit> limits;
  const std::string account = AccountName(attempt);
  const absl::string_view address = attempt.address;
  if (config.login_failures_per_account > 0 && !account.empty()) {
    limits.push_back({absl::StrCat(kLoginAccount, account), config.login_failures_per_account,
                      config.login_window});
  }
  if (CountsAccountAddress(config) && !account.empty()) {
    limits.push_back({absl::StrCat(kLoginAccountAddress, account, ":", address),
                      config.login_failures_per_account_address, config.login_window});
  }
  for (repository::AttemptLimit& limit : AddressLimit(config, address)) {
    limits.push_back(std::move(limit));
  }
  return limits;
}

// The limits a trusted device's login attempt counts against: its device and the address.
std::vector<repository::AttemptLimit> TrustedLoginLimits(const AbuseLimitsConfig& config,
                                                         absl::string_view device,
                                                         absl::string_view address) {
  std::vector<repository::AttemptLimit> limits = {
      {absl::StrCat(kLoginDevice, device), config.login_failures_per_device, config.login_window}};
  for (repository::AttemptLimit& limit : AddressLimit(config, address)) {
    limits.push_back(std::move(limit));
  }
  return limits;
}

// The keys a successful login resets: its device's (trusted), or its account's and its
// (account, address)'s (untrusted).
std::vector<std::string> LoginResetKeys(const AbuseLimitsConfig& config,
                                        const LoginAttempt& attempt) {
  std::vector<std::string> keys;
  if (!attempt.device.empty()) {
    keys.push_back(absl::StrCat(kLoginDevice, attempt.device));
    return keys;
  }
  if (attempt.user_id <= 0) return keys;
  if (config.login_failures_per_account > 0) {
    keys.push_back(absl::StrCat(kLoginAccount, attempt.user_id));
  }
  if (CountsAccountAddress(config)) {
    keys.push_back(absl::StrCat(kLoginAccountAddress, attempt.user_id, ":", attempt.address));
  }
  return keys;
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
  if (config.login_failures_per_account_address < 0) {
    return absl::InvalidArgumentError("--login_failures_per_account_address must not be negative");
  }
  if (config.login_failures_per_device < 0) {
    return absl::InvalidArgumentError("--login_failures_per_device must not be negative");
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

bool AttemptGate::TrustsDevices() const { return config_.login_failures_per_device > 0; }

absl::Status AttemptGate::AdmitLogin(LoginAttempt* attempt, std::string* retry_after) const {
  if (limiter_ == nullptr) return absl::OkStatus();
  if (!TrustsDevices() || attempt->user_id <= 0) attempt->device.clear();
  if (!attempt->device.empty()) {
    const absl::Status trusted =
        Admit(TrustedLoginLimits(config_, attempt->device, attempt->address), retry_after);
    // A failing limiter refuses (fail closed); a refusal by a limit leaves the untrusted rules,
    // which count the attempt once more (so a used-up device costs its address double).
    if (trusted.code() != absl::StatusCode::kResourceExhausted) return trusted;
    attempt->device.clear();
  }
  return AuditRefusal(Admit(UntrustedLoginLimits(config_, *attempt), retry_after), "login",
                      attempt->user_id, attempt->address);
}

absl::Status AttemptGate::AdmitLogin(int64_t user_id, absl::string_view address,
                                     std::string* retry_after) const {
  LoginAttempt attempt{user_id, std::string(address), "", ""};
  return AdmitLogin(&attempt, retry_after);
}

repository::AttemptSettlement AttemptGate::LoginSettlement(const LoginAttempt& attempt) const {
  if (limiter_ == nullptr) return {};
  return {LoginResetKeys(config_, attempt), LoginRefundKeys(config_, attempt.address)};
}

repository::AttemptSettlement AttemptGate::LoginSettlement(int64_t user_id,
                                                           absl::string_view address) const {
  return LoginSettlement(LoginAttempt{user_id, std::string(address), "", ""});
}

repository::AttemptSettlement AttemptGate::PasswordStepSettlement(
    const LoginAttempt& attempt) const {
  if (limiter_ == nullptr) return {};
  repository::AttemptSettlement settlement;
  settlement.refund_keys = LoginResetKeys(config_, attempt);
  for (std::string& key : LoginRefundKeys(config_, attempt.address)) {
    settlement.refund_keys.push_back(std::move(key));
  }
  return settlement;
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

void AttemptGate::Settle(const repository::AttemptSettlement& settlement) const {
  if (limiter_ == nullptr || settlement.empty()) return;
  if (absl::Status settled = limiter_->Settle(settlement); !settled.ok()) {
    LOG(WARNING) << "a settlement was not written: " << settled.code();
  }
}

absl::Status AdmitAttempt(repository::AttemptLimiter& limiter,
                          const std::vector<repository::AttemptLimit>& limits,
                          std::string* retry_after) {
  absl::StatusOr<repository::Admission> admission = limiter.Admit(limits, absl::Now());
  // Fail closed: without the counters, the limits cannot be enforced.
  if (!admission.ok()) return admission.status();
  if (!admission->admitted) {
    *retry_after = RetryAfterSeconds(admission->retry_after);
    return absl::ResourceExhaustedError("too many attempts, retry later");
  }
  return absl::OkStatus();
}

absl::Status AttemptGate::Admit(const std::vector<repository::AttemptLimit>& limits,
                                std::string* retry_after) const {
  if (limits.empty()) return absl::OkStatus();
  return AdmitAttempt(*limiter_, limits, retry_after);
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
