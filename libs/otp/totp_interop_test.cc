// Codes of this library checked against two independent implementations that authenticator
// apps agree with: Debian's oathtool (liboath) and python3-pyotp, for random secrets and times.
// pyotp also parses the otpauth URIs this library writes, as an app scanning the QR code would.
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/otp/base32.h"
#include "libs/otp/otpauth_uri.h"
#include "libs/otp/totp.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"

namespace auth::otp {
namespace {

using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::auth::test_util::TestTempPath;

// Runs `argv` to completion and returns its stdout's lines.
std::vector<std::string> RunForLines(std::vector<std::string> argv) {
  static int runs = 0;
  SubprocessOptions options;
  options.argv = std::move(argv);
  options.stdout_path = TestTempPath(absl::StrCat("stdout-", ++runs));
  absl::StatusOr<test_util::ExitStatus> status = Subprocess::Run(options, absl::Seconds(60));
  EXPECT_TRUE(status.ok() && status->ok())
      << options.argv[0] << ": " << (status.ok() ? status->ToString() : status.status().ToString());
  std::ifstream file(options.stdout_path);
  std::stringstream text;
  text << file.rdbuf();
  return absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
}

struct Case {
  std::string secret;
  int64_t unix_seconds;
};

// Random secrets from the CSPRNG, at random times from 1970 to 2500 (past 2038 and 32 bits).
std::vector<Case> RandomCases(int count) {
  std::mt19937_64 random(std::random_device{}());
  std::uniform_int_distribution<int64_t> seconds(0, 16725225600);
  std::vector<Case> cases;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<std::string> secret = NewTotpSecret();
    EXPECT_TRUE(secret.ok());
    cases.push_back({secret.value_or("x"), seconds(random)});
  }
  cases.push_back({"12345678901234567890", 59});
  return cases;
}

TEST(TotpInteropTest, OathtoolComputesTheSameCodes) {
  TotpVerifier verifier;
  for (const Case& c : RandomCases(20)) {
    const std::string base32 = Base32Encode(c.secret);
    const std::vector<std::string> lines =
        RunForLines({"/usr/bin/oathtool", "--totp", "--base32", "--digits=6", "--time-step-size=30",
                     absl::StrCat("--now=@", c.unix_seconds), base32});
    ASSERT_EQ(lines.size(), 1u);
    const absl::Time time = absl::FromUnixSeconds(c.unix_seconds);
    EXPECT_THAT(HotpCode(c.secret, c.unix_seconds / 30), IsOkAndHolds(lines[0]))
        << base32 << " at " << c.unix_seconds;
    EXPECT_THAT(verifier.Verify(c.secret, lines[0], time, kNoTotpStepUsed),
                IsOkAndHolds(c.unix_seconds / 30));
  }
}

// One python3 run: each argument "base32,unix_seconds" prints pyotp's code for it.
constexpr absl::string_view kPyotpCodes = R"(
import sys, pyotp
for case in sys.argv[1:]:
    secret, seconds = case.split(",")
    print(pyotp.TOTP(secret).at(int(seconds)))
)";

TEST(TotpInteropTest, PyotpComputesTheSameCodes) {
  const std::vector<Case> cases = RandomCases(50);
  std::vector<std::string> argv = {"/usr/bin/python3", "-c", std::string(kPyotpCodes)};
  for (const Case& c : cases) {
    argv.push_back(absl::StrCat(Base32Encode(c.secret), ",", c.unix_seconds));
  }
  const std::vector<std::string> lines = RunForLines(argv);
  ASSERT_EQ(lines.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_THAT(HotpCode(cases[i].secret, cases[i].unix_seconds / 30), IsOkAndHolds(lines[i]))
        << argv[3 + i];
  }
}

// pyotp reads each URI (argument) as an app would and prints issuer, account and the code at
// the time given after it, separated by tabs.
constexpr absl::string_view kPyotpUri = R"(
import sys, pyotp
for uri, seconds in zip(sys.argv[1::2], sys.argv[2::2]):
    totp = pyotp.parse_uri(uri)
    assert totp.digits == 6 and totp.interval == 30 and totp.digest().name == "sha1"
    print("\t".join([totp.issuer, totp.name, totp.at(int(seconds))]))
)";

TEST(TotpInteropTest, PyotpReadsTheOtpauthUri) {
  // pyotp unquotes the whole URI before splitting it, so '&', '=', '?' and '+' would confuse it
  // (not the apps); what people's names and addresses hold otherwise is here.
  const std::vector<std::pair<std::string, std::string>> names = {
      {"Example", "alice@example.com"},
      {"Example Corp", "bob.o'neil+tag@example.org"},
      {"Zo\xc3\xab's Bank", "Zo\xc3\xab (private)"},
      {"auth", "odd:account/with%percent"},
  };
  const int64_t seconds = 1700000000;
  std::vector<std::string> argv = {"/usr/bin/python3", "-c", std::string(kPyotpUri)};
  std::vector<std::string> expected;
  for (const auto& [issuer, account] : names) {
    ASSERT_OK_AND_ASSIGN(const std::string secret, NewTotpSecret());
    ASSERT_OK_AND_ASSIGN(const std::string uri,
                         BuildOtpauthUri({.issuer = issuer, .account = account, .secret = secret}));
    argv.push_back(uri);
    argv.push_back(absl::StrCat(seconds));
    ASSERT_OK_AND_ASSIGN(const std::string code, HotpCode(secret, seconds / 30));
    expected.push_back(absl::StrCat(issuer, "\t", account, "\t", code));
  }
  EXPECT_EQ(RunForLines(argv), expected);
}

}  // namespace
}  // namespace auth::otp
