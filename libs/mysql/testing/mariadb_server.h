// MariadbServer: a private, throwaway MariaDB server for tests.
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
//   mysql::ConnectionPool pool(server->pool_options());  // database "auth", user "auth"
//   ...
//   ASSERT_THAT(server->Stop(), IsOk());     // simulate an outage
//   ASSERT_THAT(server->Kill(), IsOk());     // or crash it
//   ASSERT_THAT(server->Pause(), IsOk());    // or hang it (SIGSTOP), then Resume() (SIGCONT)
//   ASSERT_THAT(server->Restart(), IsOk());  // same data directory, same socket
//
// Each server gets a fresh data directory and a unix socket under a short /tmp/mdb.XXXXXX
// directory (Bazel's TEST_TMPDIR is too long for a socket path), listens on no TCP port, and
// is killed and deleted when the object is destroyed. The child is also sent SIGKILL by the
// kernel if the thread that started it dies, so a crashed test leaves no server behind.
// Uses Debian's mariadb-install-db and mariadbd; no other server is touched.
#ifndef LIBS_MYSQL_TESTING_MARIADB_SERVER_H_
#define LIBS_MYSQL_TESTING_MARIADB_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/mysql/connection_pool.h"
#include "libs/testing/subprocess.h"

namespace auth::mysql_testing {

class MariadbServer {
 public:
  // Initialises a data directory, starts the server, and creates database "auth" and user
  // "auth"@"localhost" (with a random password) that owns it. Takes about a second.
  static absl::StatusOr<std::unique_ptr<MariadbServer>> Start();

  // Stops the server and deletes its directory.
  ~MariadbServer();

  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  const std::string& socket_path() const { return socket_path_; }
  // "unix://<socket_path>", the endpoint form mysql::ConnectionPoolOptions takes.
  std::string endpoint() const { return "unix://" + socket_path_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  const std::string& database() const { return database_; }

  // Options for a pool of `user()` connections to `database()`, with short timeouts.
  mysql::ConnectionPoolOptions pool_options() const;

  // Creates another database, owned by `user()`, and returns pool options for it; for tests
  // that need a schema of their own. `name` is [a-z0-9_]+.
  absl::StatusOr<mysql::ConnectionPoolOptions> CreateDatabase(absl::string_view name);

  // Shuts the server down (SIGTERM, then SIGKILL after 20 s). No-op if it is not running.
  absl::Status Stop();
  // Kills the server with SIGKILL (a crash: no shutdown, no flush beyond what InnoDB already
  // made durable) and reaps it. No-op if it is not running.
  absl::Status Kill();
  // SIGSTOP / SIGCONT: a database that hangs (connections stay open, nothing is answered),
  // then carries on. FAILED_PRECONDITION if it is not running. Resume() before Stop(): a
  // stopped process only sees SIGTERM once continued.
  absl::Status Pause();
  absl::Status Resume();
  // Starts the server again on the same data directory and socket (stopping it first if
  // it is running).
  absl::Status Restart();
  bool running() const { return process_ != nullptr; }

 private:
  explicit MariadbServer(std::string dir);

  absl::Status Install();
  absl::Status Launch();
  absl::Status RunAdminStatements(const std::string* statements, size_t count);
  std::string ErrorLogTail() const;
  // The server's private temporary directory, inside dir_.
  std::string TmpDir() const { return dir_ + "/tmp"; }

  const std::string dir_;  // the /tmp/mdb.XXXXXX directory that holds everything
  const std::string data_dir_;
  const std::string socket_path_;
  const std::string pid_file_;
  const std::string error_log_;
  std::string admin_user_;  // the OS user, who logs in as itself over unix_socket
  const std::string user_ = "auth";
  std::string password_;
  const std::string database_ = "auth";
  std::unique_ptr<auth::test_util::Subprocess> process_;  // mariadbd, while it runs
};

}  // namespace auth::mysql_testing

#endif  // LIBS_MYSQL_TESTING_MARIADB_SERVER_H_
