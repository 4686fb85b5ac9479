// IsApiUserId / UserIdFromSubject; see user_id.h.
#include "libs/authn/user_id.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace auth::authn {

bool IsApiUserId(int64_t user_id) {
  return user_id > 0 && user_id <= std::numeric_limits<int32_t>::max();
}

std::optional<int32_t> UserIdFromSubject(absl::string_view subject) {
  // SimpleAtoi alone would also take "+42", " 42" and "042": one user, several subjects.
  const bool canonical = !subject.empty() && subject[0] != '0' &&
                         std::all_of(subject.begin(), subject.end(), [](char c) {
                           return absl::ascii_isdigit(static_cast<unsigned char>(c));
                         });
  int64_t user_id = 0;
  if (!canonical || !absl::SimpleAtoi(subject, &user_id) || !IsApiUserId(user_id)) {
    return std::nullopt;
  }
  return static_cast<int32_t>(user_id);
}

}  // namespace auth::authn
