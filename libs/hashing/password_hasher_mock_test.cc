// Checks that MockPasswordHasher stands in for a PasswordHasher (so the mock keeps compiling
// against the interface) and behaves as gMock mocks do.
#include "libs/hashing/password_hasher_mock.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/hashing/password_hasher.h"
#include "libs/testing/status_matchers.h"

namespace auth::hashing {
namespace {

using ::testing::Return;
using ::testing::StrEq;
using ::testing::StrictMock;

TEST(MockPasswordHasherTest, ServesAsPasswordHasher) {
  StrictMock<MockPasswordHasher> mock;
  EXPECT_CALL(mock, Hash(StrEq("pw"))).WillOnce(Return(std::string("$argon2id$stub")));
  EXPECT_CALL(mock, Verify(StrEq("pw"), StrEq("$argon2id$stub"))).WillOnce(Return(true));
  EXPECT_CALL(mock, NeedsRehash(StrEq("$argon2id$stub"))).WillOnce(Return(false));

  const PasswordHasher& hasher = mock;
  ASSERT_OK_AND_ASSIGN(std::string encoded, hasher.Hash("pw"));
  ASSERT_OK_AND_ASSIGN(bool match, hasher.Verify("pw", encoded));
  EXPECT_TRUE(match);
  EXPECT_FALSE(hasher.NeedsRehash(encoded));
}

}  // namespace
}  // namespace auth::hashing
