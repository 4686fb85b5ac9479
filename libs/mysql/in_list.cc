// Padded IN lists; see in_list.h.
#include "libs/mysql/in_list.h"

#include <cppconn/prepared_statement.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "glog/logging.h"

namespace auth::mysql {

size_t InListSize(size_t n) {
  size_t size = 1;
  while (size < n && size < kMaxInListSize) size *= 4;
  return size;
}

namespace {

template <typename T, typename Set>
int BindPaddedList(sql::PreparedStatement& statement, int first, absl::Span<const T> values,
                   Set set) {
  CHECK(!values.empty() && values.size() <= kMaxInListSize) << values.size() << " values";
  const size_t padded = InListSize(values.size());
  for (size_t i = 0; i < padded; ++i) {
    // Padding repeats the last value: it matches the same rows, which are returned once.
    set(statement, first + static_cast<int>(i), values[std::min(i, values.size() - 1)]);
  }
  return first + static_cast<int>(padded);
}

}  // namespace

int BindInList(sql::PreparedStatement& statement, int first, absl::Span<const std::string> values) {
  return BindPaddedList(statement, first, values,
                        [](sql::PreparedStatement& s, int index, const std::string& value) {
                          s.setString(index, value);
                        });
}

int BindInList(sql::PreparedStatement& statement, int first, absl::Span<const int64_t> values) {
  return BindPaddedList(
      statement, first, values,
      [](sql::PreparedStatement& s, int index, int64_t value) { s.setInt64(index, value); });
}

std::string InListPlaceholders(size_t n) {
  std::string marks;
  marks.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) absl::StrAppend(&marks, i == 0 ? "?" : ", ?");
  return marks;
}

}  // namespace auth::mysql
