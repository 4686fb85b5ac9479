// GaleraCluster; see galera_cluster.h.
#include "libs/mysql/testing/galera_cluster.h"

#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libs/testing/subprocess.h"

namespace auth::mysql_testing {
namespace {

using ::auth::test_util::ExitStatus;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;

// Bounds that popen() and system() never had: starting three nodes (with SST) takes a minute or
// two, so a script still running after this hangs; a client statement takes well under a second.
constexpr absl::Duration kScriptTimeout = absl::Minutes(10);
constexpr absl::Duration kClientTimeout = absl::Minutes(1);

std::string ClusterScript() {
  return absl::StrCat(getenv("TEST_SRCDIR"), "/", getenv("TEST_WORKSPACE"),
                      "/libs/mysql/testing/galera_cluster.sh");
}

bool PortFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return free;
}

// A base port P such that P..P+33 (SQL, group communication, IST, SST of 3 nodes) are free,
// below Linux's ephemeral range (32768-60999): a port there can be taken by any test's outgoing
// connection between this check and the node's bind (seen once tests held a thousand client
// sockets at a time: "Address already in use" on joining).
int FreeBasePort() {
  absl::BitGen random;
  for (int tries = 0; tries < 50; ++tries) {
    const int base = 20000 + absl::Uniform(random, 0, 120) * 100 + 50;  // at most 31983
    bool free = true;
    for (int p = base; p <= base + 33 && free; ++p) free = PortFree(p);
    if (free) return base;
  }
  return 0;
}

// The value of "KEY=value" in `output`, or "".
std::string Field(const std::string& output, absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::ConsumePrefix(&line, absl::StrCat(key, "="))) return std::string(line);
  }
  return "";
}

std::string OsUserName() {
  const passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<GaleraCluster>> GaleraCluster::Start() {
  char dir_template[] = "/tmp/gtest.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return absl::InternalError("mkdtemp failed");
  std::unique_ptr<GaleraCluster> cluster(new GaleraCluster(dir_template));
  const int base_port = FreeBasePort();
  if (base_port == 0) return absl::UnavailableError("no free port range for the cluster");
  std::string output;
  if (absl::Status started = cluster->Run(absl::StrCat("start --base-port ", base_port), &output);
      !started.ok()) {
    return started;
  }
  cluster->endpoints_ = absl::StrSplit(Field(output, "GALERA_ENDPOINTS"), ',');
  cluster->sockets_ = absl::StrSplit(Field(output, "GALERA_SOCKETS"), ',');
  cluster->password_file_ = Field(output, "GALERA_PASSWORD_FILE");
  std::ifstream in(cluster->password_file_);
  std::getline(in, cluster->password_);
  if (cluster->endpoints_.size() != kNodes || cluster->sockets_.size() != kNodes ||
      cluster->password_.empty()) {
    return absl::InternalError(absl::StrCat("unexpected galera_cluster.sh output: ", output));
  }
  return cluster;
}

GaleraCluster::~GaleraCluster() {
  Run("stop").IgnoreError();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status GaleraCluster::Run(const std::string& command, std::string* output) {
  // stdout and stderr both into one file per run (galera_cluster.sh reports progress and
  // timings on stderr), read back for the caller and for the error message.
  const std::string log_path = absl::StrCat(dir_, "/galera_cluster.sh.out");
  std::error_code ignored;
  std::filesystem::remove(log_path, ignored);
  SubprocessOptions options;
  options.argv = {ClusterScript()};
  for (absl::string_view arg : absl::StrSplit(command, ' ', absl::SkipEmpty())) {
    options.argv.emplace_back(arg);
  }
  options.argv.insert(options.argv.end(), {"--dir", dir_});
  options.stdout_path = log_path;
  options.stderr_path = log_path;
  const absl::StatusOr<ExitStatus> status = Subprocess::Run(options, kScriptTimeout);
  const std::string text = ReadFile(log_path);
  if (output != nullptr) *output = text;
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("galera_cluster.sh ", command, ": ", status.status().message(), ": ", text));
  }
  if (!status->ok()) {
    return absl::InternalError(
        absl::StrCat("galera_cluster.sh ", command, " failed (", status->ToString(), "): ", text));
  }
  return absl::OkStatus();
}

std::string GaleraCluster::EndpointList(const std::vector<int>& nodes) const {
  std::vector<std::string> list;
  for (int n : nodes) list.push_back(endpoint(n));
  return absl::StrJoin(list, ",");
}

mysql::ConnectionPoolOptions GaleraCluster::pool_options(const std::vector<int>& nodes,
                                                         const std::string& database) const {
  mysql::ConnectionPoolOptions options;
  options.endpoint = EndpointList(nodes);
  options.user = "auth";
  options.password = password_;
  options.database = database;
  options.size = 4;
  options.connect_timeout = absl::Seconds(2);
  options.read_timeout = absl::Seconds(5);
  options.write_timeout = absl::Seconds(5);
  options.acquire_timeout = absl::Seconds(5);
  options.endpoint_retry_after = absl::Seconds(1);
  return options;
}

absl::Status GaleraCluster::CreateDatabase(absl::string_view name) {
  for (char c : name) {
    if (!(absl::ascii_isdigit(c) || absl::ascii_islower(c) || c == '_')) {
      return absl::InvalidArgumentError("database names are [a-z0-9_]+");
    }
  }
  const std::string sql = absl::StrCat(
      "CREATE DATABASE IF NOT EXISTS ", name, "; GRANT ALL PRIVILEGES ON ", name,
      ".* TO 'auth'@'127.0.0.1'; GRANT ALL PRIVILEGES ON ", name, ".* TO 'auth'@'localhost';");
  // The client's own messages go to the test log.
  SubprocessOptions options;
  options.argv = {"mariadb",
                  "--no-defaults",
                  "--protocol=socket",
                  absl::StrCat("--socket=", sockets_[0]),
                  absl::StrCat("-u", OsUserName()),
                  "-e",
                  sql};
  const absl::StatusOr<ExitStatus> status = Subprocess::Run(options, kClientTimeout);
  if (!status.ok()) return status.status();
  if (!status->ok()) {
    return absl::InternalError(
        absl::StrCat("CREATE DATABASE failed: mariadb ", status->ToString()));
  }
  return absl::OkStatus();
}

absl::Status GaleraCluster::Kill(int n) { return Run(absl::StrCat("kill ", n)); }

absl::StatusOr<absl::Duration> GaleraCluster::Restart(int n) {
  const absl::Time start = absl::Now();
  if (absl::Status restarted = Run(absl::StrCat("restart ", n)); !restarted.ok()) {
    return restarted;
  }
  return absl::Now() - start;
}

}  // namespace auth::mysql_testing
