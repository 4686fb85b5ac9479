// TotpServiceTest: ServiceTest (services/auth/testing/service_fixture.h) with TOTP configured:
// a sealer under a fixed test key, and helpers that make the codes an authenticator app would
// show (libs/otp's HOTP, now's step and its neighbours).
#ifndef SERVICES_AUTH_MFA_TOTP_TEST_SUPPORT_H_
#define SERVICES_AUTH_MFA_TOTP_TEST_SUPPORT_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/otp/secret_sealer.h"
#include "libs/otp/totp.h"
#include "libs/repository/second_factor_repository.h"
#include "services/auth/auth_service.h"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {

// The secret of the tests' account (20 bytes, as NewTotpSecret makes them).
inline constexpr char kTotpSecret[] = "12345678901234567890";

class TotpServiceTest : public ServiceTest {
 protected:
  explicit TotpServiceTest(std::initializer_list<Collaborator> under_test)
      : ServiceTest(under_test),
        sealer_(otp::SealingKey::FromBytes(std::string(32, 'k')).value()) {}

  void SetUp() override {
    service::AuthServiceOptions options;
    options.totp.sealer = &sealer_;
    options.totp.issuer = "Example";
    StartServer(/*hashing_queue=*/16, std::move(options));
  }

  static int64_t StepNow() { return otp::TotpStep(absl::Now()).value(); }
  // The code of step StepNow() + `offset`.
  static std::string CodeAt(int64_t offset) { return CodeOf(StepNow() + offset); }
  // The code of `step` (tests that also expect the step take it once, so that a step boundary
  // passing during the test changes nothing).
  static std::string CodeOf(int64_t step) { return otp::HotpCode(kTotpSecret, step).value(); }
  // A 6-digit code that is none of the window's.
  static std::string WrongCode() {
    for (int n = 0;; ++n) {
      std::string code = std::to_string(100000 + n);
      if (code != CodeAt(-1) && code != CodeAt(0) && code != CodeAt(1)) return code;
    }
  }

  // The account's TOTP row: kTotpSecret sealed for user 42.
  repository::TotpState Totp(bool confirmed, int64_t last_used_step = 0) {
    repository::TotpState state;
    state.sealed_secret = sealer_.Seal(kTotpSecret, 42).value();
    state.confirmed = confirmed;
    state.pending_expires_at = confirmed ? absl::InfinitePast() : absl::Now() + absl::Minutes(10);
    state.last_used_step = last_used_step;
    return state;
  }

  otp::SecretSealer sealer_;
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_MFA_TOTP_TEST_SUPPORT_H_
