// Tests for the embedded migration table and statement splitting (no database needed).
#include "libs/repository/mysql/schema/migrations.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::mysql_repository {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(EmbeddedMigrationsTest, AreNumberedFromOneWithoutGaps) {
  const absl::Span<const Migration> migrations = EmbeddedMigrations();
  ASSERT_GE(migrations.size(), 3u);
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1)) << migrations[i].name;
  }
  EXPECT_STREQ(migrations[0].name, "create_users");
  EXPECT_STREQ(migrations[1].name, "create_sessions");
  EXPECT_STREQ(migrations[2].name, "create_refresh_tokens");
}

TEST(EmbeddedMigrationsTest, CarryTheSqlFiles) {
  const absl::Span<const Migration> migrations = EmbeddedMigrations();
  ASSERT_GE(migrations.size(), 2u);
  EXPECT_THAT(migrations[0].sql, HasSubstr("CREATE TABLE IF NOT EXISTS users"));
  EXPECT_THAT(migrations[0].sql, HasSubstr("uq_users_email"));
  EXPECT_THAT(migrations[1].sql, HasSubstr("CREATE TABLE IF NOT EXISTS sessions"));
  EXPECT_THAT(migrations[2].sql, HasSubstr("CREATE TABLE IF NOT EXISTS refresh_tokens"));
  for (const Migration& m : migrations) {
    EXPECT_THAT(SplitMigrationStatements(m.sql), testing::Not(IsEmpty())) << m.name;
  }
}

TEST(SplitMigrationStatementsTest, SplitsAtLineEndSemicolonsAndDropsComments) {
  EXPECT_THAT(SplitMigrationStatements("-- a comment\n"
                                       "CREATE TABLE a (\n"
                                       "  x INT\n"
                                       ");\n"
                                       "\n"
                                       "  -- another\n"
                                       "ALTER TABLE a ADD COLUMN y INT;  \n"
                                       "INSERT INTO a VALUES (1)"),
              ElementsAre("CREATE TABLE a (\n  x INT\n)", "ALTER TABLE a ADD COLUMN y INT",
                          "INSERT INTO a VALUES (1)"));
}

TEST(SplitMigrationStatementsTest, SemicolonInsideALineDoesNotSplit) {
  EXPECT_THAT(SplitMigrationStatements("INSERT INTO t VALUES ('a;b');\n"),
              ElementsAre("INSERT INTO t VALUES ('a;b')"));
}

TEST(SplitMigrationStatementsTest, CommentsOnlyGiveNothing) {
  EXPECT_THAT(SplitMigrationStatements("-- nothing\n\n-- here\n"), IsEmpty());
}

}  // namespace
}  // namespace auth::mysql_repository
