// Tests for Argon2PasswordHasher: the linked libargon2 is real Argon2id (RFC 9106 vector), our
// output is byte-for-byte what libargon2 encodes, and Verify/NeedsRehash behave on good,
// wrong, tampered and malformed input. Small costs (m=64 KiB, t=1) keep it fast except where
// the defaults are the point.
#include "libs/hashing/argon2_password_hasher.h"

#include <argon2.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"

namespace auth::hashing {
namespace {

using ::auth::test_util::ExitStatus;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr absl::string_view kPassword = "correct horse battery staple";
constexpr absl::string_view kFixedSalt = "0123456789abcdef";

// Generated once by a throwaway C program calling libargon2's own encoder:
//   argon2id_hash_encoded(t, m, p, "correct horse battery staple", 28, "0123456789abcdef", 16,
//                         32, out, sizeof out)
constexpr absl::string_view kLibargon2SmallKat =  // t=1, m=64, p=1
    "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
    "aq42HBL+IPAitHspChw/8mx5JRX2jFDkTmlsBskwH/0";
constexpr absl::string_view kLibargon2DefaultKat =  // t=2, m=19456, p=1 (OWASP defaults)
    "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
    "gy5SuVm5Z7Vw7keB9se9p87QGcomaseB/S2U1OhTsM0";

constexpr Argon2Params kSmall = {/*memory_kib=*/64, /*iterations=*/1, /*parallelism=*/1,
                                 /*salt_bytes=*/16, /*hash_bytes=*/32};

std::unique_ptr<Argon2PasswordHasher> MakeHasher(const Argon2Params& params) {
  absl::StatusOr<std::unique_ptr<Argon2PasswordHasher>> hasher =
      Argon2PasswordHasher::Create(params);
  EXPECT_THAT(hasher, IsOk());
  return hasher.ok() ? *std::move(hasher) : nullptr;
}

// Replaces one base64 digit of `encoded` at `index` by a different one that keeps the string
// canonical (the last digit of a field may carry padding bits, so callers avoid it).
std::string FlipDigit(std::string encoded, size_t index) {
  encoded[index] = encoded[index] == 'A' ? 'B' : 'A';
  return encoded;
}

TEST(Argon2LibraryTest, MatchesRfc9106Argon2idTestVector) {
  // RFC 9106 section 5.3.
  std::string password(32, '\x01');
  std::string salt(16, '\x02');
  std::string secret(8, '\x03');
  std::string associated_data(12, '\x04');
  const std::vector<uint8_t> expected = {0x0d, 0x64, 0x0d, 0xf5, 0x8d, 0x78, 0x76, 0x6c,
                                         0x08, 0xc0, 0x37, 0xa3, 0x4a, 0x8b, 0x53, 0xc9,
                                         0xd0, 0x1e, 0xf0, 0x45, 0x2d, 0x75, 0xb6, 0x5e,
                                         0xb5, 0x25, 0x20, 0xe9, 0x6b, 0x01, 0xe6, 0x59};
  // The tag must not depend on how many threads fill the 4 lanes; we run with 1.
  for (uint32_t threads : {1u, 4u}) {
    std::vector<uint8_t> tag(32);
    argon2_context context{};
    context.out = tag.data();
    context.outlen = static_cast<uint32_t>(tag.size());
    context.pwd = reinterpret_cast<uint8_t*>(password.data());
    context.pwdlen = static_cast<uint32_t>(password.size());
    context.salt = reinterpret_cast<uint8_t*>(salt.data());
    context.saltlen = static_cast<uint32_t>(salt.size());
    context.secret = reinterpret_cast<uint8_t*>(secret.data());
    context.secretlen = static_cast<uint32_t>(secret.size());
    context.ad = reinterpret_cast<uint8_t*>(associated_data.data());
    context.adlen = static_cast<uint32_t>(associated_data.size());
    context.t_cost = 3;
    context.m_cost = 32;
    context.lanes = 4;
    context.threads = threads;
    context.version = ARGON2_VERSION_13;
    context.flags = ARGON2_DEFAULT_FLAGS;
    ASSERT_EQ(argon2_ctx(&context, Argon2_id), ARGON2_OK);
    EXPECT_EQ(tag, expected) << "threads=" << threads;
  }
}

TEST(Argon2PasswordHasherTest, DefaultParamsAreOwasp) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(Argon2Params{});
  ASSERT_NE(hasher, nullptr);
  EXPECT_EQ(hasher->params().memory_kib, 19456u);
  EXPECT_EQ(hasher->params().iterations, 2u);
  EXPECT_EQ(hasher->params().parallelism, 1u);
  EXPECT_EQ(hasher->params().salt_bytes, 16u);
  EXPECT_EQ(hasher->params().hash_bytes, 32u);
}

TEST(Argon2PasswordHasherTest, CreateRejectsNonsenseParams) {
  const std::vector<std::pair<std::string, Argon2Params>> cases = {
      {"parallelism", {64, 1, 0, 16, 32}},     {"parallelism", {8192, 1, 65, 16, 32}},
      {"iterations", {64, 0, 1, 16, 32}},      {"iterations", {64, 101, 1, 16, 32}},
      {"memory_kib", {31, 1, 4, 16, 32}},      {"memory_kib", {0, 1, 1, 16, 32}},
      {"memory_kib", {1048577, 1, 1, 16, 32}}, {"memory_kib", {UINT32_MAX, 1, 1, 16, 32}},
      {"salt_bytes", {64, 1, 1, 8, 32}},       {"salt_bytes", {64, 1, 1, 65, 32}},
      {"hash_bytes", {64, 1, 1, 16, 15}},      {"hash_bytes", {64, 1, 1, 16, 129}},
  };
  for (const auto& [field, params] : cases) {
    EXPECT_THAT(Argon2PasswordHasher::Create(params),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(field)))
        << field;
  }
  EXPECT_THAT(Argon2PasswordHasher::Create({32, 1, 4, 16, 32}), IsOk());  // 8 KiB per lane
}

TEST(Argon2PasswordHasherTest, DefaultHashIsStandardPhcAndVerifies) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(Argon2Params{});
  ASSERT_NE(hasher, nullptr);
  ASSERT_OK_AND_ASSIGN(std::string encoded, hasher->Hash(kPassword));
  EXPECT_THAT(encoded, MatchesRegex("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$"
                                    "[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"));
  EXPECT_THAT(hasher->Verify(kPassword, encoded), IsOkAndHolds(true));
  EXPECT_FALSE(hasher->NeedsRehash(encoded));
}

TEST(Argon2PasswordHasherTest, MatchesLibargon2KnownAnswers) {
  std::unique_ptr<Argon2PasswordHasher> small = MakeHasher(kSmall);
  std::unique_ptr<Argon2PasswordHasher> defaults = MakeHasher(Argon2Params{});
  ASSERT_NE(small, nullptr);
  ASSERT_NE(defaults, nullptr);
  EXPECT_THAT(small->HashWithSaltForTest(kPassword, kFixedSalt),
              IsOkAndHolds(std::string(kLibargon2SmallKat)));
  EXPECT_THAT(defaults->HashWithSaltForTest(kPassword, kFixedSalt),
              IsOkAndHolds(std::string(kLibargon2DefaultKat)));
  EXPECT_THAT(small->Verify(kPassword, kLibargon2SmallKat), IsOkAndHolds(true));
  EXPECT_THAT(small->Verify(kPassword, kLibargon2DefaultKat), IsOkAndHolds(true));
  EXPECT_THAT(small->Verify("correct horse battery stapler", kLibargon2SmallKat),
              IsOkAndHolds(false));
}

TEST(Argon2PasswordHasherTest, MatchesLibargon2EncoderForOtherParams) {
  // libargon2's encoder runs p threads; ours runs one. The strings must still be identical.
  for (const Argon2Params& params :
       {Argon2Params{64, 2, 2, 16, 16}, Argon2Params{128, 1, 4, 32, 64}}) {
    std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(params);
    ASSERT_NE(hasher, nullptr);
    const std::string salt(params.salt_bytes, 's');
    std::vector<char> expected(argon2_encodedlen(params.iterations, params.memory_kib,
                                                 params.parallelism, params.salt_bytes,
                                                 params.hash_bytes, Argon2_id));
    ASSERT_EQ(argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism,
                                    kPassword.data(), kPassword.size(), salt.data(), salt.size(),
                                    params.hash_bytes, expected.data(), expected.size()),
              ARGON2_OK);
    EXPECT_THAT(hasher->HashWithSaltForTest(kPassword, salt),
                IsOkAndHolds(std::string(expected.data())));
  }
}

TEST(Argon2PasswordHasherTest, RoundTripsAndRejectsWrongPasswords) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(kSmall);
  ASSERT_NE(hasher, nullptr);
  const std::vector<std::string> passwords = {
      "",
      "a",
      std::string(kPassword),
      "p\xc3\xa4ssw\xc3\xb6rd \xf0\x9f\x94\x91",
      std::string("nul\0inside", 10),
      std::string(Argon2PasswordHasher::kMaxPasswordBytes, 'x')};
  for (const std::string& password : passwords) {
    ASSERT_OK_AND_ASSIGN(std::string encoded, hasher->Hash(password));
    EXPECT_THAT(hasher->Verify(password, encoded), IsOkAndHolds(true));
    for (const std::string& other : passwords) {
      if (other == password) continue;
      EXPECT_THAT(hasher->Verify(other, encoded), IsOkAndHolds(false));
    }
    if (!password.empty()) {
      std::string last_bit_flipped = password;
      last_bit_flipped.back() ^= 1;
      EXPECT_THAT(hasher->Verify(last_bit_flipped, encoded), IsOkAndHolds(false));
    }
    if (password.size() < Argon2PasswordHasher::kMaxPasswordBytes) {
      EXPECT_THAT(hasher->Verify(password + " ", encoded), IsOkAndHolds(false));
      EXPECT_THAT(hasher->Verify(password + std::string(1, '\0'), encoded), IsOkAndHolds(false));
    }
  }
}

TEST(Argon2PasswordHasherTest, TwoHashesOfOnePasswordDiffer) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(kSmall);
  ASSERT_NE(hasher, nullptr);
  ASSERT_OK_AND_ASSIGN(std::string first, hasher->Hash(kPassword));
  ASSERT_OK_AND_ASSIGN(std::string second, hasher->Hash(kPassword));
  EXPECT_NE(first, second);
  // Same parameters, so the difference is the salt (and hence the tag).
  const size_t salt_start = first.find("$", first.find("p=")) + 1;
  EXPECT_NE(first.substr(salt_start, 22), second.substr(salt_start, 22));
  EXPECT_THAT(hasher->Verify(kPassword, first), IsOkAndHolds(true));
  EXPECT_THAT(hasher->Verify(kPassword, second), IsOkAndHolds(true));
}

TEST(Argon2PasswordHasherTest, TamperedHashesDoNotVerify) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(kSmall);
  ASSERT_NE(hasher, nullptr);
  const std::string encoded(kLibargon2SmallKat);
  const size_t salt_start = encoded.find("$MDEy") + 1;
  const size_t hash_start = encoded.rfind('$') + 1;
  const std::vector<std::string> tampered = {
      FlipDigit(encoded, hash_start),                    // first tag digit
      FlipDigit(encoded, encoded.size() - 2),            // a late tag digit
      FlipDigit(encoded, salt_start + 3),                // salt
      absl::StrReplaceAll(encoded, {{"t=1", "t=2"}}),    // iterations
      absl::StrReplaceAll(encoded, {{"m=64", "m=72"}}),  // memory
      absl::StrReplaceAll(encoded, {{"p=1", "p=2"}}),    // parallelism
      encoded.substr(0, encoded.size() - 3),             // truncated tag (30 bytes)
  };
  for (const std::string& candidate : tampered) {
    ASSERT_NE(candidate, encoded);
    EXPECT_THAT(hasher->Verify(kPassword, candidate), IsOkAndHolds(false)) << candidate;
  }
}

TEST(Argon2PasswordHasherTest, OtherAlgorithmsAndMalformedStringsAreInvalidArgument) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(kSmall);
  ASSERT_NE(hasher, nullptr);
  const std::string encoded(kLibargon2SmallKat);
  const std::vector<std::string> invalid = {
      absl::StrReplaceAll(encoded, {{"argon2id", "argon2i"}}),
      absl::StrReplaceAll(encoded, {{"argon2id", "argon2d"}}),
      absl::StrReplaceAll(encoded, {{"v=19", "v=16"}}),
      absl::StrReplaceAll(encoded, {{"m=64", "m=2000000"}}),
      absl::StrCat(encoded, "$"),
      "",
      "not a hash",
      std::string(kPassword),
  };
  for (const std::string& candidate : invalid) {
    absl::StatusOr<bool> verified = hasher->Verify(kPassword, candidate);
    EXPECT_THAT(verified, StatusIs(absl::StatusCode::kInvalidArgument)) << candidate;
    EXPECT_THAT(std::string(verified.status().message()), Not(HasSubstr(kPassword)));
    EXPECT_TRUE(hasher->NeedsRehash(candidate)) << candidate;
  }
}

TEST(Argon2PasswordHasherTest, OverlongPasswordsAreRefused) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(kSmall);
  ASSERT_NE(hasher, nullptr);
  const std::string too_long(Argon2PasswordHasher::kMaxPasswordBytes + 1, 'x');
  EXPECT_THAT(hasher->Hash(too_long), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(hasher->Verify(too_long, kLibargon2SmallKat),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Argon2PasswordHasherTest, NeedsRehashWhenAnyParameterDiffers) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(kSmall);
  ASSERT_NE(hasher, nullptr);
  EXPECT_FALSE(hasher->NeedsRehash(kLibargon2SmallKat));
  for (const Argon2Params& other : {Argon2Params{128, 1, 1, 16, 32}, Argon2Params{64, 2, 1, 16, 32},
                                    Argon2Params{64, 1, 2, 16, 32}, Argon2Params{64, 1, 1, 32, 32},
                                    Argon2Params{64, 1, 1, 16, 64}}) {
    std::unique_ptr<Argon2PasswordHasher> other_hasher = MakeHasher(other);
    ASSERT_NE(other_hasher, nullptr);
    ASSERT_OK_AND_ASSIGN(std::string encoded, other_hasher->Hash(kPassword));
    EXPECT_TRUE(hasher->NeedsRehash(encoded)) << encoded;
    EXPECT_FALSE(other_hasher->NeedsRehash(encoded)) << encoded;
  }
}

TEST(Argon2PasswordHasherTest, UpgradesParametersOnLogin) {
  std::unique_ptr<Argon2PasswordHasher> old_hasher = MakeHasher(kSmall);
  std::unique_ptr<Argon2PasswordHasher> new_hasher = MakeHasher({256, 2, 2, 16, 32});
  ASSERT_NE(old_hasher, nullptr);
  ASSERT_NE(new_hasher, nullptr);
  ASSERT_OK_AND_ASSIGN(std::string stored, old_hasher->Hash(kPassword));

  // The login flow of the service: verify with the stored parameters, then upgrade.
  EXPECT_THAT(new_hasher->Verify(kPassword, stored), IsOkAndHolds(true));
  ASSERT_TRUE(new_hasher->NeedsRehash(stored));
  ASSERT_OK_AND_ASSIGN(std::string upgraded, new_hasher->Hash(kPassword));
  EXPECT_THAT(upgraded, HasSubstr("$m=256,t=2,p=2$"));
  EXPECT_FALSE(new_hasher->NeedsRehash(upgraded));
  EXPECT_THAT(new_hasher->Verify(kPassword, upgraded), IsOkAndHolds(true));
  EXPECT_THAT(old_hasher->Verify(kPassword, upgraded), IsOkAndHolds(true));
}

TEST(Argon2PasswordHasherTest, ConstCallsAreSafeConcurrently) {
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(kSmall);
  ASSERT_NE(hasher, nullptr);
  std::vector<std::string> results(8);
  std::vector<char> verified(results.size(), 0);  // not vector<bool>: one byte per thread
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      const std::string password = absl::StrCat("password-", i);
      absl::StatusOr<std::string> encoded = hasher->Hash(password);
      if (!encoded.ok()) return;
      results[i] = *encoded;
      absl::StatusOr<bool> match = hasher->Verify(password, *encoded);
      verified[i] = match.ok() && *match;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(verified[i]) << i;
    EXPECT_THAT(hasher->Verify(absl::StrCat("password-", i + 1), results[i]), IsOkAndHolds(false));
  }
}

// The reference `argon2` CLI (Debian package argon2) is optional; when present, its output must
// verify. The known-answer strings above cover interoperability when it is not.
TEST(Argon2PasswordHasherTest, VerifiesArgon2CliOutput) {
  constexpr char kCli[] = "/usr/bin/argon2";
  if (access(kCli, X_OK) != 0) GTEST_SKIP() << "argon2 CLI not installed";
  std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(kSmall);
  ASSERT_NE(hasher, nullptr);
  // The CLI reads the password from stdin. -m is log2 of the memory in KiB: 2^6 = 64.
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c",
                  absl::StrCat("printf '%s' '", kPassword, "' | ", kCli,
                               " somesaltsomesalt -id -t 1 -m 6 -p 1 -l 32 -e")};
  options.capture_stdout = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subprocess> cli, Subprocess::Start(options));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> line,
                       cli->WaitForLine("^\\$argon2id\\$", absl::Seconds(30)));
  EXPECT_THAT(cli->Wait(absl::Seconds(30)), IsOkAndHolds(Field(&ExitStatus::code, 0)));
  const std::string& encoded = line[0];
  EXPECT_THAT(hasher->Verify(kPassword, encoded), IsOkAndHolds(true)) << encoded;
  EXPECT_FALSE(hasher->NeedsRehash(encoded));
  EXPECT_THAT(hasher->Verify("wrong", encoded), IsOkAndHolds(false));
}

}  // namespace
}  // namespace auth::hashing
