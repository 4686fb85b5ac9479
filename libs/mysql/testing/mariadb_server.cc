// MariadbServer; see mariadb_server.h.
#include "libs/mysql/testing/mariadb_server.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/testing/subprocess.h"

namespace auth::mysql_testing {
namespace {

constexpr absl::Duration kInstallTimeout = absl::Seconds(60);
constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr absl::Duration kStopTimeout = absl::Seconds(20);

// The first executable named one of `names` in the usual binary directories (Bazel runs
// tests with a PATH that lacks /usr/sbin, where mariadbd lives).
absl::StatusOr<std::string> FindBinary(const std::vector<std::string>& names) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/libexec", "/usr/local/sbin",
                          "/usr/local/bin", "/sbin", "/bin"}) {
    for (const std::string& name : names) {
      std::string path = absl::StrCat(dir, "/", name);
      if (access(path.c_str(), X_OK) == 0) return path;
    }
  }
  return absl::NotFoundError(
      absl::StrCat(names.front(), " not found (install Debian's mariadb-server)"));
}

bool IsRoot() { return geteuid() == 0; }

std::string OsUserName() {
  const passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

// Options to run `argv` with stdout and stderr appended to `log_path`, in a fixed environment
// (a PATH with /usr/sbin, the C locale, UTC) so that the server behaves alike everywhere.
auth::test_util::SubprocessOptions Options(std::vector<std::string> argv,
                                           const std::string& log_path) {
  auth::test_util::SubprocessOptions options;
  options.argv = std::move(argv);
  options.env =
      std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "TZ=UTC"};
  if (const char* home = getenv("HOME")) options.env->push_back(absl::StrCat("HOME=", home));
  options.stdout_path = log_path;
  options.stderr_path = log_path;
  return options;
}

bool SocketAccepts(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

std::string RandomPassword() {
  absl::BitGen bitgen;
  std::string password;
  for (int i = 0; i < 24; ++i) {
    password += "0123456789abcdef"[absl::Uniform(bitgen, 0, 16)];
  }
  return password;
}

}  // namespace

MariadbServer::MariadbServer(std::string dir)
    : dir_(std::move(dir)),
      data_dir_(dir_ + "/data"),
      socket_path_(dir_ + "/mysqld.sock"),
      pid_file_(dir_ + "/mysqld.pid"),
      error_log_(dir_ + "/error.log"),
      admin_user_(IsRoot() ? "root" : OsUserName()),
      password_(RandomPassword()) {}

MariadbServer::~MariadbServer() {
  (void)Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::StatusOr<std::unique_ptr<MariadbServer>> MariadbServer::Start() {
  // Short, because a unix socket path holds at most 107 characters.
  char dir_template[] = "/tmp/mdb.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", strerror(errno)));
  }
  std::unique_ptr<MariadbServer> server(new MariadbServer(dir_template));
  if (absl::Status s = server->Install(); !s.ok()) return s;
  if (absl::Status s = server->Launch(); !s.ok()) return s;
  const std::string statements[] = {
      absl::StrCat("CREATE DATABASE IF NOT EXISTS `", server->database_,
                   "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
      // The password is ours (random hex), not input, so spelling it into SQL is safe.
      absl::StrCat("CREATE USER IF NOT EXISTS '", server->user_, "'@'localhost' IDENTIFIED BY '",
                   server->password_, "'"),
      absl::StrCat("GRANT ALL PRIVILEGES ON `", server->database_, "`.* TO '", server->user_,
                   "'@'localhost'"),
  };
  if (absl::Status s = server->RunAdminStatements(statements, 3); !s.ok()) return s;
  return server;
}

mysql::ConnectionPoolOptions MariadbServer::pool_options() const {
  mysql::ConnectionPoolOptions options;
  options.endpoint = endpoint();
  options.user = user_;
  options.password = password_;
  options.database = database_;
  options.size = 8;
  options.connect_timeout = absl::Seconds(2);
  options.read_timeout = absl::Seconds(15);
  options.write_timeout = absl::Seconds(15);
  options.acquire_timeout = absl::Seconds(5);
  return options;
}

absl::StatusOr<mysql::ConnectionPoolOptions> MariadbServer::CreateDatabase(absl::string_view name) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != absl::string_view::npos) {
    return absl::InvalidArgumentError("database name must be [a-z0-9_]+");
  }
  const std::string statements[] = {
      absl::StrCat("CREATE DATABASE `", name, "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
      absl::StrCat("GRANT ALL PRIVILEGES ON `", name, "`.* TO '", user_, "'@'localhost'"),
  };
  if (absl::Status s = RunAdminStatements(statements, 2); !s.ok()) return s;
  mysql::ConnectionPoolOptions options = pool_options();
  options.database = std::string(name);
  return options;
}

absl::Status MariadbServer::Install() {
  absl::StatusOr<std::string> install_db = FindBinary({"mariadb-install-db", "mysql_install_db"});
  if (!install_db.ok()) return install_db.status();
  // A private tmpdir: the bootstrap server names temporary tables after its pid, and in
  // Bazel's PID-namespaced sandboxes two concurrent tests' servers can share a pid (and
  // would then clobber each other's files in a shared /tmp).
  if (mkdir(TmpDir().c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("cannot create ", TmpDir()));
  }
  std::vector<std::string> argv = {*install_db,
                                   "--no-defaults",
                                   absl::StrCat("--datadir=", data_dir_),
                                   absl::StrCat("--tmpdir=", TmpDir()),
                                   "--auth-root-authentication-method=socket",
                                   "--skip-test-db"};
  if (IsRoot()) {
    argv.push_back("--user=root");
  } else {
    // The second socket-authenticated admin account: the OS user running the test.
    argv.push_back(absl::StrCat("--auth-root-socket-user=", admin_user_));
  }
  const std::string log = dir_ + "/install.log";
  absl::StatusOr<auth::test_util::ExitStatus> status =
      auth::test_util::Subprocess::Run(Options(std::move(argv), log), kInstallTimeout);
  if (absl::IsDeadlineExceeded(status.status())) {
    return absl::DeadlineExceededError("mariadb-install-db timed out");
  }
  if (!status.ok()) return status.status();
  if (!status->ok()) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    std::string tail = text.str();
    if (tail.size() > 2000) tail = tail.substr(tail.size() - 2000);
    return absl::InternalError(absl::StrCat("mariadb-install-db failed:\n", tail));
  }
  return absl::OkStatus();
}

absl::Status MariadbServer::Launch() {
  absl::StatusOr<std::string> mariadbd = FindBinary({"mariadbd", "mysqld"});
  if (!mariadbd.ok()) return mariadbd.status();
  std::vector<std::string> argv = {*mariadbd,
                                   "--no-defaults",
                                   absl::StrCat("--datadir=", data_dir_),
                                   absl::StrCat("--socket=", socket_path_),
                                   absl::StrCat("--tmpdir=", TmpDir()),
                                   "--skip-networking",
                                   absl::StrCat("--pid-file=", pid_file_),
                                   absl::StrCat("--log-error=", error_log_),
                                   "--innodb-buffer-pool-size=32M",
                                   "--skip-log-bin"};
  if (IsRoot()) argv.push_back("--user=root");
  absl::StatusOr<std::unique_ptr<auth::test_util::Subprocess>> process =
      auth::test_util::Subprocess::Start(Options(std::move(argv), dir_ + "/mariadbd.out"));
  if (!process.ok()) return process.status();
  process_ = *std::move(process);

  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (!SocketAccepts(socket_path_)) {
    if (!process_->Running()) {
      process_.reset();
      return absl::InternalError(
          absl::StrCat("mariadbd exited during start-up; error log:\n", ErrorLogTail()));
    }
    if (absl::Now() >= deadline) {
      (void)Stop();
      return absl::DeadlineExceededError(absl::StrCat("mariadbd did not accept connections within ",
                                                      absl::FormatDuration(kStartTimeout),
                                                      "; error log:\n", ErrorLogTail()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::OkStatus();
}

absl::Status MariadbServer::Stop() {
  if (process_ == nullptr) return absl::OkStatus();
  const std::unique_ptr<auth::test_util::Subprocess> process = std::move(process_);
  return process->Stop(kStopTimeout).status();
}

absl::Status MariadbServer::Kill() {
  if (process_ == nullptr) return absl::OkStatus();
  const std::unique_ptr<auth::test_util::Subprocess> process = std::move(process_);
  return process->Kill().status();
}

absl::Status MariadbServer::Pause() {
  if (process_ == nullptr) return absl::FailedPreconditionError("mariadbd is not running");
  // Every thread stopped before it returns: a statement sent in between would still be answered.
  return process_->Freeze();
}

absl::Status MariadbServer::Resume() {
  if (process_ == nullptr) return absl::FailedPreconditionError("mariadbd is not running");
  return process_->Signal(SIGCONT);
}

absl::Status MariadbServer::Restart() {
  if (absl::Status s = Stop(); !s.ok()) return s;
  return Launch();
}

absl::Status MariadbServer::RunAdminStatements(const std::string* statements, size_t count) {
  // The OS user logs in as itself over the socket (unix_socket authentication).
  sql::ConnectOptionsMap properties;
  properties["hostName"] = endpoint();
  properties["userName"] = admin_user_;
  properties["password"] = "";
  properties["OPT_CONNECT_TIMEOUT"] = 5;
  properties["OPT_RECONNECT"] = false;
  try {
    std::unique_ptr<sql::Connection> connection(
        sql::mysql::get_mysql_driver_instance()->connect(properties));
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    for (size_t i = 0; i < count; ++i) statement->execute(statements[i]);
  } catch (const sql::SQLException& e) {
    return absl::InternalError(absl::StrCat("setting up the test database: MySQL error ",
                                            e.getErrorCode(), ": ", e.what()));
  }
  return absl::OkStatus();
}

std::string MariadbServer::ErrorLogTail() const {
  std::ifstream in(error_log_);
  std::stringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  if (log.size() > 3000) log = log.substr(log.size() - 3000);
  return log;
}

}  // namespace auth::mysql_testing
