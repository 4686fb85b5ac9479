#include "libs/version/version.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::version {
namespace {

TEST(VersionLineTest, NamesTheProgramWithoutItsDirectory) {
  EXPECT_EQ(VersionLine("/opt/auth/bin/auth_server"), absl::StrCat("auth_server ", kVersion));
  EXPECT_EQ(VersionLine("auth_cli"), absl::StrCat("auth_cli ", kVersion));
}

TEST(UsageConfigWithVersionTest, PrintsTheVersionLine) {
  const absl::FlagsUsageConfig config = UsageConfigWithVersion("bin/jwt_keygen");
  ASSERT_TRUE(config.version_string);
  EXPECT_EQ(config.version_string(), absl::StrCat("jwt_keygen ", kVersion, "\n"));
}

TEST(VersionTest, IsSemanticVersion) {
  EXPECT_THAT(kVersion, ::testing::MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
}

}  // namespace
}  // namespace auth::version
