// IN lists of bound values, for prepared statements that serve batches of any size.
//
//   const size_t padded = InListSize(jtis.size());  // at most kMaxInListSize: split longer lists
//   sql::PreparedStatement& select = connection.Prepare(
//       absl::StrCat("SELECT ... WHERE jti IN (", InListPlaceholders(padded), ")"));
//   const int next = BindInList(select, 1, jtis);  // the index of the parameter after the list
//
// A list of `n` values is padded to InListSize(n) (1, 4, 16 or 64: the next power of four) by
// repeating its last value, which changes nothing in the result, so that four prepared
// statements per connection and statement cover every batch. Longer lists are split. (Every
// cached statement counts against the server's max_prepared_stmt_count, 16,382 by default,
// shared by all clients: see Connection and docs/operations.md.)
#ifndef LIBS_MYSQL_IN_LIST_H_
#define LIBS_MYSQL_IN_LIST_H_

#include <cppconn/prepared_statement.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace auth::mysql {

inline constexpr size_t kMaxInListSize = 64;
size_t InListSize(size_t n);
// "?, ?, ?": `n` placeholders.
std::string InListPlaceholders(size_t n);
// Binds `values` (1 to kMaxInListSize of them) to the InListSize(values.size()) parameters
// from `first` on, repeating the last value as padding; returns the index after the list.
int BindInList(sql::PreparedStatement& statement, int first, absl::Span<const std::string> values);
int BindInList(sql::PreparedStatement& statement, int first, absl::Span<const int64_t> values);

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_IN_LIST_H_
