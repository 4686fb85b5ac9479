// HoldsValue(expected): matches an absl::StatusOr<T> that is OK and holds `expected`.
//
//   EXPECT_THAT(repository.RevokeAllForUser(42), HoldsValue(int64_t{3}));
//
// The one copy for this package's tests. It is generic: it belongs in
// //libs/testing:status_matchers as IsOkAndHolds(), and goes once that has it.
#ifndef LIBS_REPOSITORY_MYSQL_HOLDS_VALUE_H_
#define LIBS_REPOSITORY_MYSQL_HOLDS_VALUE_H_

#include "gmock/gmock.h"

namespace auth::repository::mysql {

MATCHER_P(HoldsValue, expected, "holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  *result_listener << "value is " << ::testing::PrintToString(*arg);
  return *arg == expected;
}

}  // namespace auth::repository::mysql

#endif  // LIBS_REPOSITORY_MYSQL_HOLDS_VALUE_H_
