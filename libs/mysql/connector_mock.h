// gMock mocks of the Connector/C++ abstract classes the repositories use, so unit tests can
// drive result mapping and error paths without a server.
//
//   auto* statement = new StrictMock<MockPreparedStatement>;  // the code under test deletes it
//   EXPECT_CALL(*connection, prepareStatement(_)).WillOnce(Return(statement));
//   EXPECT_CALL(*statement, executeUpdate())
//       .WillOnce(Throw(sql::SQLException("Duplicate entry ...", "23000", 1062)));
//
// The classes are abstract, so every pure virtual is mocked; only a few are ever expected.
// SqlEq() and SqlHas() match the sql::SQLString arguments of the mocked calls:
//
//   EXPECT_CALL(*connection, prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))));
//   EXPECT_CALL(*statement, setString(1, SqlEq("alice")));
#ifndef LIBS_MYSQL_CONNECTOR_MOCK_H_
#define LIBS_MYSQL_CONNECTOR_MOCK_H_

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <istream>
#include <string>

#include "gmock/gmock.h"

namespace auth::mysql {

class MockConnection : public sql::Connection {
 public:
  MOCK_METHOD(void, clearWarnings, (), (override));
  MOCK_METHOD(sql::Statement*, createStatement, (), (override));
  MOCK_METHOD(void, close, (), (override));
  MOCK_METHOD(void, commit, (), (override));
  MOCK_METHOD(bool, getAutoCommit, (), (override));
  MOCK_METHOD(sql::SQLString, getCatalog, (), (override));
  MOCK_METHOD(sql::Driver*, getDriver, (), (override));
  MOCK_METHOD(sql::SQLString, getSchema, (), (override));
  MOCK_METHOD(sql::SQLString, getClientInfo, (), (override));
  MOCK_METHOD(void, getClientOption, (const sql::SQLString&, void*), (override));
  MOCK_METHOD(sql::SQLString, getClientOption, (const sql::SQLString&), (override));
  MOCK_METHOD(sql::DatabaseMetaData*, getMetaData, (), (override));
  MOCK_METHOD(sql::enum_transaction_isolation, getTransactionIsolation, (), (override));
  MOCK_METHOD(const sql::SQLWarning*, getWarnings, (), (override));
  MOCK_METHOD(bool, isClosed, (), (override));
  MOCK_METHOD(bool, isReadOnly, (), (override));
  MOCK_METHOD(bool, isValid, (), (override));
  MOCK_METHOD(bool, reconnect, (), (override));
  MOCK_METHOD(sql::SQLString, nativeSQL, (const sql::SQLString&), (override));
  MOCK_METHOD(sql::PreparedStatement*, prepareStatement, (const sql::SQLString&), (override));
  MOCK_METHOD(sql::PreparedStatement*, prepareStatement, (const sql::SQLString&, int), (override));
  MOCK_METHOD(sql::PreparedStatement*, prepareStatement, (const sql::SQLString&, int*), (override));
  MOCK_METHOD(sql::PreparedStatement*, prepareStatement, (const sql::SQLString&, int, int),
              (override));
  MOCK_METHOD(sql::PreparedStatement*, prepareStatement, (const sql::SQLString&, int, int, int),
              (override));
  MOCK_METHOD(sql::PreparedStatement*, prepareStatement, (const sql::SQLString&, sql::SQLString*),
              (override));
  MOCK_METHOD(void, releaseSavepoint, (sql::Savepoint*), (override));
  MOCK_METHOD(void, rollback, (), (override));
  MOCK_METHOD(void, rollback, (sql::Savepoint*), (override));
  MOCK_METHOD(void, setAutoCommit, (bool), (override));
  MOCK_METHOD(void, setCatalog, (const sql::SQLString&), (override));
  MOCK_METHOD(void, setSchema, (const sql::SQLString&), (override));
  MOCK_METHOD(sql::Connection*, setClientOption, (const sql::SQLString&, const void*), (override));
  MOCK_METHOD(sql::Connection*, setClientOption, (const sql::SQLString&, const sql::SQLString&),
              (override));
  MOCK_METHOD(void, setHoldability, (int), (override));
  MOCK_METHOD(void, setReadOnly, (bool), (override));
  MOCK_METHOD(sql::Savepoint*, setSavepoint, (), (override));
  MOCK_METHOD(sql::Savepoint*, setSavepoint, (const sql::SQLString&), (override));
  MOCK_METHOD(void, setTransactionIsolation, (sql::enum_transaction_isolation), (override));
};

class MockPreparedStatement : public sql::PreparedStatement {
 public:
  // sql::Statement
  MOCK_METHOD(sql::Connection*, getConnection, (), (override));
  MOCK_METHOD(void, cancel, (), (override));
  MOCK_METHOD(void, clearWarnings, (), (override));
  MOCK_METHOD(void, close, (), (override));
  MOCK_METHOD(size_t, getFetchSize, (), (override));
  MOCK_METHOD(unsigned int, getMaxFieldSize, (), (override));
  MOCK_METHOD(uint64_t, getMaxRows, (), (override));
  MOCK_METHOD(unsigned int, getQueryTimeout, (), (override));
  MOCK_METHOD(sql::ResultSet*, getResultSet, (), (override));
  MOCK_METHOD(sql::ResultSet::enum_type, getResultSetType, (), (override));
  MOCK_METHOD(uint64_t, getUpdateCount, (), (override));
  MOCK_METHOD(const sql::SQLWarning*, getWarnings, (), (override));
  MOCK_METHOD(void, setCursorName, (const sql::SQLString&), (override));
  MOCK_METHOD(void, setEscapeProcessing, (bool), (override));
  MOCK_METHOD(void, setFetchSize, (size_t), (override));
  MOCK_METHOD(void, setMaxFieldSize, (unsigned int), (override));
  MOCK_METHOD(void, setMaxRows, (unsigned int), (override));
  MOCK_METHOD(void, setQueryTimeout, (unsigned int), (override));
  // sql::PreparedStatement
  MOCK_METHOD(void, clearParameters, (), (override));
  MOCK_METHOD(bool, execute, (const sql::SQLString&), (override));
  MOCK_METHOD(bool, execute, (), (override));
  MOCK_METHOD(sql::ResultSet*, executeQuery, (const sql::SQLString&), (override));
  MOCK_METHOD(sql::ResultSet*, executeQuery, (), (override));
  MOCK_METHOD(int, executeUpdate, (const sql::SQLString&), (override));
  MOCK_METHOD(int, executeUpdate, (), (override));
  MOCK_METHOD(sql::ResultSetMetaData*, getMetaData, (), (override));
  MOCK_METHOD(sql::ParameterMetaData*, getParameterMetaData, (), (override));
  MOCK_METHOD(bool, getMoreResults, (), (override));
  MOCK_METHOD(void, setBigInt, (unsigned int, const sql::SQLString&), (override));
  MOCK_METHOD(void, setBlob, (unsigned int, std::istream*), (override));
  MOCK_METHOD(void, setBoolean, (unsigned int, bool), (override));
  MOCK_METHOD(void, setDateTime, (unsigned int, const sql::SQLString&), (override));
  MOCK_METHOD(void, setDouble, (unsigned int, double), (override));
  MOCK_METHOD(void, setInt, (unsigned int, int32_t), (override));
  MOCK_METHOD(void, setUInt, (unsigned int, uint32_t), (override));
  MOCK_METHOD(void, setInt64, (unsigned int, int64_t), (override));
  MOCK_METHOD(void, setUInt64, (unsigned int, uint64_t), (override));
  MOCK_METHOD(void, setNull, (unsigned int, int), (override));
  MOCK_METHOD(void, setString, (unsigned int, const sql::SQLString&), (override));
  MOCK_METHOD(sql::PreparedStatement*, setResultSetType, (sql::ResultSet::enum_type), (override));
};

class MockResultSet : public sql::ResultSet {
 public:
  MOCK_METHOD(bool, absolute, (int), (override));
  MOCK_METHOD(void, afterLast, (), (override));
  MOCK_METHOD(void, beforeFirst, (), (override));
  MOCK_METHOD(void, cancelRowUpdates, (), (override));
  MOCK_METHOD(void, clearWarnings, (), (override));
  MOCK_METHOD(void, close, (), (override));
  MOCK_METHOD(uint32_t, findColumn, (const sql::SQLString&), (const, override));
  MOCK_METHOD(bool, first, (), (override));
  MOCK_METHOD(std::istream*, getBlob, (uint32_t), (const, override));
  MOCK_METHOD(std::istream*, getBlob, (const sql::SQLString&), (const, override));
  MOCK_METHOD(bool, getBoolean, (uint32_t), (const, override));
  MOCK_METHOD(bool, getBoolean, (const sql::SQLString&), (const, override));
  MOCK_METHOD(int, getConcurrency, (), (override));
  MOCK_METHOD(sql::SQLString, getCursorName, (), (override));
  MOCK_METHOD(long double, getDouble, (uint32_t), (const, override));
  MOCK_METHOD(long double, getDouble, (const sql::SQLString&), (const, override));
  MOCK_METHOD(int, getFetchDirection, (), (override));
  MOCK_METHOD(size_t, getFetchSize, (), (override));
  MOCK_METHOD(int, getHoldability, (), (override));
  MOCK_METHOD(int32_t, getInt, (uint32_t), (const, override));
  MOCK_METHOD(int32_t, getInt, (const sql::SQLString&), (const, override));
  MOCK_METHOD(uint32_t, getUInt, (uint32_t), (const, override));
  MOCK_METHOD(uint32_t, getUInt, (const sql::SQLString&), (const, override));
  MOCK_METHOD(int64_t, getInt64, (uint32_t), (const, override));
  MOCK_METHOD(int64_t, getInt64, (const sql::SQLString&), (const, override));
  MOCK_METHOD(uint64_t, getUInt64, (uint32_t), (const, override));
  MOCK_METHOD(uint64_t, getUInt64, (const sql::SQLString&), (const, override));
  MOCK_METHOD(sql::ResultSetMetaData*, getMetaData, (), (const, override));
  MOCK_METHOD(size_t, getRow, (), (const, override));
  MOCK_METHOD(sql::RowID*, getRowId, (uint32_t), (override));
  MOCK_METHOD(sql::RowID*, getRowId, (const sql::SQLString&), (override));
  MOCK_METHOD(const sql::Statement*, getStatement, (), (const, override));
  MOCK_METHOD(sql::SQLString, getString, (uint32_t), (const, override));
  MOCK_METHOD(sql::SQLString, getString, (const sql::SQLString&), (const, override));
  MOCK_METHOD(sql::ResultSet::enum_type, getType, (), (const, override));
  MOCK_METHOD(void, getWarnings, (), (override));
  MOCK_METHOD(void, insertRow, (), (override));
  MOCK_METHOD(bool, isAfterLast, (), (const, override));
  MOCK_METHOD(bool, isBeforeFirst, (), (const, override));
  MOCK_METHOD(bool, isClosed, (), (const, override));
  MOCK_METHOD(bool, isFirst, (), (const, override));
  MOCK_METHOD(bool, isLast, (), (const, override));
  MOCK_METHOD(bool, isNull, (uint32_t), (const, override));
  MOCK_METHOD(bool, isNull, (const sql::SQLString&), (const, override));
  MOCK_METHOD(bool, last, (), (override));
  MOCK_METHOD(bool, next, (), (override));
  MOCK_METHOD(void, moveToCurrentRow, (), (override));
  MOCK_METHOD(void, moveToInsertRow, (), (override));
  MOCK_METHOD(bool, previous, (), (override));
  MOCK_METHOD(void, refreshRow, (), (override));
  MOCK_METHOD(bool, relative, (int), (override));
  MOCK_METHOD(bool, rowDeleted, (), (override));
  MOCK_METHOD(bool, rowInserted, (), (override));
  MOCK_METHOD(bool, rowUpdated, (), (override));
  MOCK_METHOD(void, setFetchSize, (size_t), (override));
  MOCK_METHOD(size_t, rowsCount, (), (const, override));
  MOCK_METHOD(bool, wasNull, (), (const, override));
};

// Matches an sql::SQLString (a statement's SQL, a bound string) equal to `expected`.
MATCHER_P(SqlEq, expected, "is the string \"" + std::string(expected) + "\"") {
  return static_cast<const std::string&>(arg) == expected;
}

// Matches an sql::SQLString that contains `text`.
MATCHER_P(SqlHas, text, "contains \"" + std::string(text) + "\"") {
  return static_cast<const std::string&>(arg).find(text) != std::string::npos;
}

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_CONNECTOR_MOCK_H_
