// MockPasswordHasher: a gMock PasswordHasher for tests of code that hashes or checks passwords
// (the AuthService handlers), so they need not pay for real Argon2 runs.
//
//   ::testing::StrictMock<MockPasswordHasher> hasher;
//   EXPECT_CALL(hasher, Verify(StrEq("secret"), StrEq("$argon2id$..."))).WillOnce(Return(true));
//
// Match string arguments with StrEq() (or _): Debian's gMock is built without abseil support,
// so a bare literal does not convert to a Matcher<absl::string_view>.
#ifndef LIBS_HASHING_PASSWORD_HASHER_MOCK_H_
#define LIBS_HASHING_PASSWORD_HASHER_MOCK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "libs/hashing/password_hasher.h"

namespace auth::hashing {

class MockPasswordHasher : public PasswordHasher {
 public:
  MOCK_METHOD(absl::StatusOr<std::string>, Hash, (absl::string_view password), (const, override));
  MOCK_METHOD(absl::StatusOr<bool>, Verify, (absl::string_view password, absl::string_view encoded),
              (const, override));
  MOCK_METHOD(bool, NeedsRehash, (absl::string_view encoded), (const, override));
};

}  // namespace auth::hashing

#endif  // LIBS_HASHING_PASSWORD_HASHER_MOCK_H_
