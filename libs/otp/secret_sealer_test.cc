#include "libs/otp/secret_sealer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"

namespace auth::otp {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::auth::test_util::TestTempPath;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::string_view kSecret = "\x01\x02 twenty secret bytes";

SecretSealer SealerWithKey(char fill) {
  absl::StatusOr<SealingKey> key = SealingKey::FromBytes(std::string(32, fill));
  EXPECT_THAT(key, IsOk());
  return SecretSealer(*std::move(key));
}

// Writes `bytes` to a new file of mode `mode` in the test's directory.
std::string KeyFile(absl::string_view name, absl::string_view bytes, mode_t mode) {
  const std::string path = TestTempPath(name);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_EQ(chmod(path.c_str(), mode), 0);
  return path;
}

TEST(SecretSealerTest, OpensWhatItSealedForTheSameUser) {
  const SecretSealer sealer = SealerWithKey('k');
  ASSERT_OK_AND_ASSIGN(const std::string sealed, sealer.Seal(kSecret, 42));
  EXPECT_THAT(sealed, StartsWith("v1:"));
  EXPECT_FALSE(absl::StrContains(sealed, "secret"));
  // 12 nonce + 22 ciphertext + 16 tag bytes, base64url without padding.
  EXPECT_EQ(sealed.size(), 3 + (4 * (12 + kSecret.size() + 16) + 2) / 3);
  EXPECT_THAT(sealer.Open(sealed, 42), IsOkAndHolds(std::string(kSecret)));
  ASSERT_OK_AND_ASSIGN(const std::string empty, sealer.Seal("", 42));
  EXPECT_THAT(sealer.Open(empty, 42), IsOkAndHolds(""));
}

TEST(SecretSealerTest, SealsWithAFreshNonceEachTime) {
  const SecretSealer sealer = SealerWithKey('k');
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(const std::string sealed, sealer.Seal(kSecret, 42));
    seen.insert(sealed);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(SecretSealerTest, RefusesAnotherUsersRowAndAnotherKey) {
  ASSERT_OK_AND_ASSIGN(const std::string sealed, SealerWithKey('k').Seal(kSecret, 42));
  EXPECT_THAT(SealerWithKey('k').Open(sealed, 43), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(SealerWithKey('k').Open(sealed, 4), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(SealerWithKey('K').Open(sealed, 42), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(SecretSealerTest, RefusesEveryAlteredByteAndBit) {
  const SecretSealer sealer = SealerWithKey('k');
  ASSERT_OK_AND_ASSIGN(const std::string sealed, sealer.Seal(kSecret, 42));
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(sealed.substr(3), &bytes));
  // Every bit of nonce, ciphertext and tag.
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string altered = bytes;
      altered[i] = static_cast<char>(altered[i] ^ (1 << bit));
      EXPECT_THAT(sealer.Open(absl::StrCat("v1:", absl::WebSafeBase64Escape(altered)), 42),
                  StatusIs(absl::StatusCode::kDataLoss))
          << "byte " << i << " bit " << bit;
    }
  }
  // Truncated (the tag shortened, the nonce alone, nothing) or extended.
  for (size_t size :
       {bytes.size() - 1, bytes.size() - 16, size_t{28}, size_t{27}, size_t{12}, size_t{0}}) {
    EXPECT_THAT(
        sealer.Open(absl::StrCat("v1:", absl::WebSafeBase64Escape(bytes.substr(0, size))), 42),
        StatusIs(absl::StatusCode::kDataLoss))
        << size;
  }
  EXPECT_THAT(sealer.Open(absl::StrCat("v1:", absl::WebSafeBase64Escape(bytes + "x")), 42),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(SecretSealerTest, RefusesOtherVersionsAndEncodings) {
  const SecretSealer sealer = SealerWithKey('k');
  ASSERT_OK_AND_ASSIGN(const std::string sealed, sealer.Seal(kSecret, 42));
  const std::string body = sealed.substr(3);
  for (const std::string& bad : {
           std::string(""),
           body,
           "v2:" + body,
           "V1:" + body,
           "v1" + body,
           "v1:" + body + "=",
           "v1:" + body + "==",
           "v1: " + body,
           "v1:" + body + "\n",
           "v1:" + body.substr(1),
           "v1:" + absl::StrReplaceAll(body, {{"-", "+"}, {"_", "/"}}),
           "v1:" + std::string(5000, 'A'),
       }) {
    if (bad == sealed) continue;  // a replacement that changed nothing
    EXPECT_THAT(sealer.Open(bad, 42), StatusIs(absl::StatusCode::kDataLoss)) << bad;
  }
}

TEST(SealingKeyTest, HasExactly32Bytes) {
  EXPECT_THAT(SealingKey::FromBytes(std::string(32, 'k')), IsOk());
  EXPECT_THAT(SealingKey::FromBytes(std::string(31, 'k')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SealingKey::FromBytes(std::string(33, 'k')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LoadSealingKeyTest, ReadsAPrivateFileOf32Bytes) {
  const std::string key(32, 'k');
  for (mode_t mode : {0600, 0400}) {
    ASSERT_OK_AND_ASSIGN(SealingKey loaded,
                         LoadSealingKey(KeyFile(absl::StrCat("key", mode), key, mode)));
    // The key read is the key written: it opens what a key from the same bytes sealed.
    ASSERT_OK_AND_ASSIGN(const std::string sealed, SealerWithKey('k').Seal(kSecret, 1));
    EXPECT_THAT(SecretSealer(std::move(loaded)).Open(sealed, 1),
                IsOkAndHolds(std::string(kSecret)));
  }
}

TEST(LoadSealingKeyTest, RefusesFilesOthersCanReachOrOfTheWrongSize) {
  const std::string key = "0123456789abcdef0123456789ABCDEF";
  for (mode_t mode : {0640, 0604, 0620, 0602, 0610, 0644, 0666}) {
    const absl::StatusOr<SealingKey> loaded =
        LoadSealingKey(KeyFile(absl::StrCat("key", mode), key, mode));
    EXPECT_THAT(loaded, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("chmod 600")))
        << std::oct << mode;
  }
  for (const std::string& bytes : {std::string(), key.substr(1), key + "\n", key + key}) {
    const absl::StatusOr<SealingKey> loaded =
        LoadSealingKey(KeyFile(absl::StrCat("size", bytes.size()), bytes, 0600));
    EXPECT_THAT(loaded, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes")))
        << bytes.size();
    EXPECT_THAT(loaded.status().message(), Not(HasSubstr("0123")));
  }
  EXPECT_THAT(LoadSealingKey(TestTempPath("missing")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(LoadSealingKey(TestTempPath("")), StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace auth::otp
