// gMock matchers for absl::Status and absl::StatusOr<T>.
//
//   EXPECT_THAT(repository.Create(user), IsOk());
//   EXPECT_THAT(hasher.Verify("x", "garbage"), StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(hasher.Verify("x", hash), IsOkAndHolds(true));
//   ASSERT_OK_AND_ASSIGN(User user, repository.FindById(7));
//
// Debian's abseil does not ship absl/status/status_matchers.h, so these are our own.
#ifndef LIBS_TESTING_STATUS_MATCHERS_H_
#define LIBS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace auth::test_util {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace internal

// Matches an OK absl::Status or an absl::StatusOr<T> that holds a value.
MATCHER(IsOk, "is OK") {
  const absl::Status& status = internal::GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

// Matches an OK absl::StatusOr<T> whose value matches `value_matcher` (a matcher, or a value
// to compare with ==).
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  *result_listener << "holds " << ::testing::PrintToString(*arg) << " ";
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

// Matches a status (or StatusOr) whose code is `code`.
MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

// Matches a status whose code is `code` and whose message matches `message_matcher`.
MATCHER_P2(StatusIs, code, message_matcher, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

}  // namespace auth::test_util

#define AUTH_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define AUTH_STATUS_MACROS_CONCAT_(x, y) AUTH_STATUS_MACROS_CONCAT_INNER_(x, y)

// Asserts that `rexpr` (an absl::StatusOr<T>) is OK and moves its value into `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                             \
  auto AUTH_STATUS_MACROS_CONCAT_(status_or_, __LINE__) = (rexpr);   \
  ASSERT_TRUE(AUTH_STATUS_MACROS_CONCAT_(status_or_, __LINE__).ok()) \
      << AUTH_STATUS_MACROS_CONCAT_(status_or_, __LINE__).status();  \
  lhs = std::move(AUTH_STATUS_MACROS_CONCAT_(status_or_, __LINE__)).value()

#endif  // LIBS_TESTING_STATUS_MATCHERS_H_
