// MysqlPasskeyRepository against a real, private MariaDB: a user handle is made once and found
// again; a ceremony is spent once, live and of its kind only, even by racing calls; a
// credential id is unique across accounts; passkeys list oldest first and are found by
// credential id; the last passkey is deleted only with the password, and only by its account.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/mysql/passkeys/mysql_passkey_repository.h"
#include "libs/repository/mysql/testing/migrated_mariadb_test.h"
#include "libs/repository/passkey_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::repository::CeremonyKind;
using ::auth::repository::StoredPasskey;
using ::auth::repository::WebauthnCeremony;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;

class MysqlPasskeyRepositoryTest : public MigratedMariadbTest {
 protected:
  void SetUp() override {
    MigratedMariadbTest::SetUp();
    user_id_ = CreateUniqueUser("passkeys");
  }

  // `width` characters unique to this test run (tests share one database), with `fill` in front.
  static std::string Unique(size_t width, char fill) {
    const std::string tail = absl::StrCat(absl::ToUnixMicros(absl::Now()), "0", Next());
    return std::string(width - tail.size(), fill) + tail;
  }

  WebauthnCeremony CeremonyOf(CeremonyKind kind, int64_t user_id,
                              absl::Duration lifetime = absl::Minutes(5)) {
    return {Unique(43, 'c'), kind, user_id, std::string("\x00\x01", 2) + Unique(30, 'h'),
            absl::Now() + lifetime};
  }

  StoredPasskey PasskeyOf(int64_t user_id, std::string name = "laptop") {
    StoredPasskey passkey;
    passkey.passkey_id = Unique(22, 'p');
    passkey.user_id = user_id;
    passkey.credential_id = std::string("\x00\xff", 2) + Unique(40, 'i');
    passkey.public_key = std::string("\x30\x59\x00", 3) + "key";
    passkey.algorithm = -7;
    passkey.sign_count = 3;
    passkey.backup_eligible = true;
    passkey.backed_up = true;
    passkey.name = std::move(name);
    return passkey;
  }

  int64_t user_id_ = 0;
};

TEST_F(MysqlPasskeyRepositoryTest, UserHandleIsMadeOnceAndFoundAgain) {
  MysqlPasskeyRepository passkeys(*pool_);
  const std::string first = std::string("\x00", 1) + Unique(31, 'u');
  ASSERT_THAT(passkeys.UserHandleOf(user_id_, first), IsOkAndHolds(first));
  EXPECT_THAT(passkeys.UserHandleOf(user_id_, Unique(32, 'v')), IsOkAndHolds(first));
  EXPECT_THAT(passkeys.FindUserByHandle(first), IsOkAndHolds(user_id_));
  EXPECT_THAT(passkeys.FindUserByHandle(Unique(32, 'w')), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(passkeys.UserHandleOf(999999999, Unique(32, 'x')),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlPasskeyRepositoryTest, CeremonyIsSpentOnceAndGivesItsChallengeBack) {
  MysqlPasskeyRepository passkeys(*pool_);
  const WebauthnCeremony ceremony = CeremonyOf(CeremonyKind::kRegistration, user_id_);
  ASSERT_THAT(passkeys.CreateCeremony(ceremony), IsOk());
  absl::StatusOr<WebauthnCeremony> spent =
      passkeys.SpendCeremony(ceremony.ceremony_id, CeremonyKind::kRegistration);
  ASSERT_THAT(spent, IsOk());
  EXPECT_EQ(spent->challenge, ceremony.challenge);
  EXPECT_EQ(spent->user_id, user_id_);
  EXPECT_THAT(passkeys.SpendCeremony(ceremony.ceremony_id, CeremonyKind::kRegistration),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlPasskeyRepositoryTest, SignInCeremonyWithoutUserReadsAsZero) {
  MysqlPasskeyRepository passkeys(*pool_);
  const WebauthnCeremony ceremony = CeremonyOf(CeremonyKind::kSignIn, 0);
  ASSERT_THAT(passkeys.CreateCeremony(ceremony), IsOk());
  absl::StatusOr<WebauthnCeremony> spent =
      passkeys.SpendCeremony(ceremony.ceremony_id, CeremonyKind::kSignIn);
  ASSERT_THAT(spent, IsOk());
  EXPECT_EQ(spent->user_id, 0);
}

TEST_F(MysqlPasskeyRepositoryTest, CeremonyOfAnotherKindOrExpiredIsNotSpent) {
  MysqlPasskeyRepository passkeys(*pool_);
  const WebauthnCeremony registration = CeremonyOf(CeremonyKind::kRegistration, user_id_);
  ASSERT_THAT(passkeys.CreateCeremony(registration), IsOk());
  EXPECT_THAT(passkeys.SpendCeremony(registration.ceremony_id, CeremonyKind::kSignIn),
              StatusIs(absl::StatusCode::kNotFound));
  // The wrong-kind try did not spend it.
  EXPECT_THAT(passkeys.SpendCeremony(registration.ceremony_id, CeremonyKind::kRegistration),
              IsOk());

  const WebauthnCeremony expired = CeremonyOf(CeremonyKind::kSignIn, 0, absl::Minutes(5));
  ASSERT_THAT(passkeys.CreateCeremony(expired), IsOk());
  MysqlPasskeyRepository later(*pool_, [] { return absl::Now() + absl::Minutes(6); });
  EXPECT_THAT(later.SpendCeremony(expired.ceremony_id, CeremonyKind::kSignIn),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(passkeys.SpendCeremony(Unique(43, 'z'), CeremonyKind::kSignIn),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlPasskeyRepositoryTest, RacingSpendsOfOneCeremonyHaveOneWinner) {
  MysqlPasskeyRepository passkeys(*pool_);
  const WebauthnCeremony ceremony = CeremonyOf(CeremonyKind::kSignIn, user_id_);
  ASSERT_THAT(passkeys.CreateCeremony(ceremony), IsOk());
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (passkeys.SpendCeremony(ceremony.ceremony_id, CeremonyKind::kSignIn).ok()) ++winners;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_F(MysqlPasskeyRepositoryTest, PasskeysListOldestFirstAndAreFoundByCredentialId) {
  int64_t clock_seconds = absl::ToUnixSeconds(absl::Now());
  MysqlPasskeyRepository passkeys(*pool_, [&] { return absl::FromUnixSeconds(clock_seconds); });
  const StoredPasskey first = PasskeyOf(user_id_, "first");
  ASSERT_THAT(passkeys.Add(first), IsOk());
  ++clock_seconds;
  const StoredPasskey second = PasskeyOf(user_id_, "second");
  ASSERT_THAT(passkeys.Add(second), IsOk());
  EXPECT_THAT(passkeys.ListOf(user_id_),
              IsOkAndHolds(ElementsAre(Field(&StoredPasskey::name, "first"),
                                       Field(&StoredPasskey::name, "second"))));
  EXPECT_THAT(passkeys.CountOf(user_id_), IsOkAndHolds(2));
  absl::StatusOr<StoredPasskey> found = passkeys.FindByCredentialId(second.credential_id);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->passkey_id, second.passkey_id);
  EXPECT_EQ(found->user_id, user_id_);
  EXPECT_EQ(found->public_key, second.public_key);
  EXPECT_EQ(found->algorithm, -7);
  EXPECT_EQ(found->sign_count, 3u);
  EXPECT_TRUE(found->backup_eligible);
  EXPECT_TRUE(found->backed_up);
  EXPECT_EQ(found->created_at, absl::FromUnixSeconds(clock_seconds));
  EXPECT_EQ(found->last_used_at, absl::InfinitePast());
  EXPECT_THAT(passkeys.FindByCredentialId("unknown"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlPasskeyRepositoryTest, CredentialIdIsUniqueAcrossAccounts) {
  MysqlPasskeyRepository passkeys(*pool_);
  const StoredPasskey mine = PasskeyOf(user_id_);
  ASSERT_THAT(passkeys.Add(mine), IsOk());
  StoredPasskey theirs = PasskeyOf(CreateUniqueUser("other"));
  theirs.credential_id = mine.credential_id;
  EXPECT_THAT(passkeys.Add(theirs),
              StatusIs(absl::StatusCode::kAlreadyExists, "passkey already registered"));
  EXPECT_THAT(passkeys.CountOf(theirs.user_id), IsOkAndHolds(0));
}

TEST_F(MysqlPasskeyRepositoryTest, LastPasskeyIsDeletedOnlyWithThePassword) {
  MysqlPasskeyRepository passkeys(*pool_);
  const StoredPasskey first = PasskeyOf(user_id_);
  const StoredPasskey second = PasskeyOf(user_id_);
  ASSERT_THAT(passkeys.Add(first), IsOk());
  ASSERT_THAT(passkeys.Add(second), IsOk());
  EXPECT_THAT(passkeys.Delete(user_id_, first.passkey_id, /*password_checked=*/false), IsOk());
  EXPECT_THAT(passkeys.Delete(user_id_, second.passkey_id, /*password_checked=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(passkeys.CountOf(user_id_), IsOkAndHolds(1));
  EXPECT_THAT(passkeys.Delete(user_id_, second.passkey_id, /*password_checked=*/true), IsOk());
  EXPECT_THAT(passkeys.CountOf(user_id_), IsOkAndHolds(0));
}

TEST_F(MysqlPasskeyRepositoryTest, AnotherAccountsPasskeyIsNotFound) {
  MysqlPasskeyRepository passkeys(*pool_);
  const StoredPasskey mine = PasskeyOf(user_id_);
  ASSERT_THAT(passkeys.Add(mine), IsOk());
  const int64_t other = CreateUniqueUser("other");
  EXPECT_THAT(passkeys.Delete(other, mine.passkey_id, /*password_checked=*/true),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(passkeys.CountOf(user_id_), IsOkAndHolds(1));
}

}  // namespace
}  // namespace auth::mysql_repository
