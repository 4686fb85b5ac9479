// QueryInt: one integer read straight from the database, for tests that check what a run left
// behind ("SELECT COUNT(*) FROM users").
//
//   EXPECT_EQ(QueryInt(pool, "SELECT COUNT(*) FROM schema_migrations"), 4);
#ifndef LIBS_MYSQL_TESTING_QUERY_H_
#define LIBS_MYSQL_TESTING_QUERY_H_

#include <cstdint>
#include <string>

#include "libs/mysql/connection_pool.h"

namespace auth::mysql_testing {

// The first column of the first row of `sql` (run uncached on a connection of `pool`), or -1
// if there is no row, no connection, or the statement failed (the connection is then dropped).
int64_t QueryInt(mysql::ConnectionPool& pool, const std::string& sql);

}  // namespace auth::mysql_testing

#endif  // LIBS_MYSQL_TESTING_QUERY_H_
