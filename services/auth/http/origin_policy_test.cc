// Tests of the CSRF and CORS decisions.
#include "services/auth/http/origin_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::http {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

constexpr char kOwn[] = "http://127.0.0.1:8080";

OriginPolicy Policy() {
  absl::StatusOr<OriginPolicy> policy = OriginPolicy::Create({"https://App.Example.com"});
  EXPECT_THAT(policy, IsOk());
  return *std::move(policy);
}

TEST(ValidateOriginTest, TakesSchemeHostAndPortOnly) {
  EXPECT_THAT(ValidateOrigin("https://app.example.com"), IsOk());
  EXPECT_THAT(ValidateOrigin("http://127.0.0.1:9000"), IsOk());
  for (const char* bad : {"app.example.com", "https://app.example.com/", "https://a.com/x",
                          "ftp://a.com", "*", "https://", "https://u@a.com"}) {
    EXPECT_THAT(ValidateOrigin(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(OriginPolicy::Create({"https://ok.example", "bad"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(OriginPolicyTest, AllowsItsOwnAndTheConfiguredOrigins) {
  const OriginPolicy policy = Policy();
  EXPECT_TRUE(policy.AllowsOrigin(kOwn, kOwn));
  EXPECT_TRUE(policy.AllowsOrigin("https://app.example.com", kOwn));
  EXPECT_FALSE(policy.AllowsOrigin("http://app.example.com", kOwn));  // another scheme
  EXPECT_FALSE(policy.AllowsOrigin("http://127.0.0.1:9000", kOwn));   // another port
  EXPECT_FALSE(policy.AllowsOrigin("null", kOwn));
  EXPECT_FALSE(policy.AllowsOrigin("", kOwn));
}

TEST(OriginPolicyTest, CsrfCheckRefusesForeignBrowserRequests) {
  const OriginPolicy policy = Policy();
  const auto kDenied = absl::StatusCode::kPermissionDenied;
  // Not a browser (curl, a service), or the page's own requests.
  EXPECT_THAT(policy.CheckRequest("", "", kOwn), IsOk());
  EXPECT_THAT(policy.CheckRequest("", "same-origin", kOwn), IsOk());
  EXPECT_THAT(policy.CheckRequest("", "none", kOwn), IsOk());
  EXPECT_THAT(policy.CheckRequest(kOwn, "same-origin", kOwn), IsOk());
  EXPECT_THAT(policy.CheckRequest("https://app.example.com", "cross-site", kOwn), IsOk());
  // Another origin, even of the same site (whose requests carry SameSite=Strict cookies).
  EXPECT_THAT(policy.CheckRequest("http://127.0.0.1:9000", "same-site", kOwn), StatusIs(kDenied));
  EXPECT_THAT(policy.CheckRequest("https://evil.example", "cross-site", kOwn), StatusIs(kDenied));
  EXPECT_THAT(policy.CheckRequest("null", "cross-site", kOwn), StatusIs(kDenied));
  // A browser that says the request is foreign but names no origin.
  EXPECT_THAT(policy.CheckRequest("", "cross-site", kOwn), StatusIs(kDenied));
  EXPECT_THAT(policy.CheckRequest("", "same-site", kOwn), StatusIs(kDenied));
}

TEST(OriginPolicyTest, WithoutPublicOriginsEveryHostIsServedAndTheHostIsOwn) {
  const OriginPolicy policy = Policy();
  EXPECT_TRUE(policy.ServesOwnOrigin("http://evil.test:8080"));
  EXPECT_TRUE(policy.AllowsOrigin("http://evil.test:8080", "http://evil.test:8080"));
}

TEST(OriginPolicyTest, PublicOriginsAreTheOnlyOwnOnes) {
  absl::StatusOr<OriginPolicy> policy = OriginPolicy::Create(
      {"https://app.example.com"}, {"https://auth.example.com", "http://localhost:8080"});
  ASSERT_THAT(policy, IsOk());
  // Case and the scheme's default port do not matter.
  EXPECT_TRUE(policy->ServesOwnOrigin("https://Auth.Example.com"));
  EXPECT_TRUE(policy->ServesOwnOrigin("https://auth.example.com:443"));
  EXPECT_TRUE(policy->ServesOwnOrigin("http://localhost:8080"));
  EXPECT_FALSE(policy->ServesOwnOrigin("http://auth.example.com"));  // the scheme counts
  EXPECT_FALSE(policy->ServesOwnOrigin("http://evil.test:8080"));
  EXPECT_FALSE(policy->ServesOwnOrigin("http://localhost"));
  // The Host-derived origin is no longer own: only the public and the allowed ones are.
  EXPECT_FALSE(policy->AllowsOrigin("http://evil.test:8080", "http://evil.test:8080"));
  EXPECT_TRUE(policy->AllowsOrigin("http://localhost:8080", "https://auth.example.com"));
  EXPECT_TRUE(policy->AllowsOrigin("https://app.example.com", "https://auth.example.com"));
  EXPECT_THAT(OriginPolicy::Create({}, {"auth.example.com"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::http
