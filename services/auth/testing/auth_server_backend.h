// AuthServerBackend: what the auth_server processes of one test suite share, as replicas in
// production do: a private MariaDB (its password in a file, as --mysql_password_file wants)
// and one signing key.
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerBackend> backend, AuthServerBackend::Start());
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerProcess> server,
//                        AuthServerProcess::Start(backend->Flags()));
//   backend->database().Kill();  // a database outage
//
// Starting one takes about a second (mariadb-install-db); a fixture starts it once per suite
// and gives a test that needs a clean slate a database of its own (NewDatabase()).
#ifndef SERVICES_AUTH_TESTING_AUTH_SERVER_BACKEND_H_
#define SERVICES_AUTH_TESTING_AUTH_SERVER_BACKEND_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/mysql/testing/mariadb_server.h"

namespace auth::service_testing {

class AuthServerBackend {
 public:
  // Starts the database and writes the password and key files into $TEST_TMPDIR.
  static absl::StatusOr<std::unique_ptr<AuthServerBackend>> Start();

  mysql_testing::MariadbServer& database() { return *database_; }
  const std::string& password_file() const { return password_file_; }
  const std::string& key_file() const { return key_file_; }

  // Creates another database on the server ("<prefix>_<n>", a new n each call) and returns its
  // name, for a test whose users and counters must not meet another test's.
  absl::StatusOr<std::string> NewDatabase(const std::string& prefix);

  // The flags that point auth_server at `database_name` (default: the first database) with the
  // shared key, cheap hashing and no shutdown drain delay; add a test's own flags after them.
  std::vector<std::string> Flags(const std::string& database_name = "") const;

 private:
  AuthServerBackend() = default;

  std::unique_ptr<mysql_testing::MariadbServer> database_;
  std::string password_file_;
  std::string key_file_;
  int databases_created_ = 0;
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_TESTING_AUTH_SERVER_BACKEND_H_
