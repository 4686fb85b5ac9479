// GaleraCluster: a private 3-node MariaDB Galera cluster on loopback for tests, run by
// galera_cluster.sh beside this file (a data dependency of the target).
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<GaleraCluster> cluster, GaleraCluster::Start());
//   ConnectionPool pool(cluster->pool_options({1, 2, 3}));  // prefers node 1, fails over
//   ASSERT_THAT(cluster->Kill(1), IsOk());                  // SIGKILL node 1
//   ASSERT_OK_AND_ASSIGN(absl::Duration rejoin, cluster->Restart(1));  // IST rejoin
//
// Each cluster gets a fresh /tmp/gtest.XXXXXX directory and a free range of 34 ports, so it
// touches no other cluster; the destructor stops it and deletes the directory. Database
// `auth` and user `auth` exist; CreateDatabase() adds more, through the admin socket.
#ifndef LIBS_MYSQL_TESTING_GALERA_CLUSTER_H_
#define LIBS_MYSQL_TESTING_GALERA_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/mysql/connection_pool.h"

namespace auth::mysql_testing {

class GaleraCluster {
 public:
  static constexpr int kNodes = 3;

  // Starts a new cluster (~6-17 s on 2 cores) and waits until all three nodes are Synced.
  static absl::StatusOr<std::unique_ptr<GaleraCluster>> Start();
  // Stops the nodes (gracefully, then SIGKILL) and deletes the directory.
  ~GaleraCluster();

  GaleraCluster(const GaleraCluster&) = delete;
  GaleraCluster& operator=(const GaleraCluster&) = delete;

  // "tcp://127.0.0.1:P" of node `n` (1..3).
  const std::string& endpoint(int n) const { return endpoints_[n - 1]; }
  // The endpoints of `nodes`, comma-separated, in that order (the pool's preference).
  std::string EndpointList(const std::vector<int>& nodes) const;
  const std::string& password() const { return password_; }
  const std::string& password_file() const { return password_file_; }

  // Pool options for user `auth` on `database`, preferring `nodes` in order; short timeouts.
  mysql::ConnectionPoolOptions pool_options(const std::vector<int>& nodes,
                                            const std::string& database = "auth") const;

  // Creates database `name` ([a-z0-9_]+) owned by user `auth`, through node 1.
  absl::Status CreateDatabase(absl::string_view name);

  // SIGKILLs node `n`.
  absl::Status Kill(int n);
  // Restarts node `n` (recovers its position, rejoins by IST) and returns how long it took
  // until it was Synced again.
  absl::StatusOr<absl::Duration> Restart(int n);

 private:
  explicit GaleraCluster(std::string dir) : dir_(std::move(dir)) {}
  // Runs galera_cluster.sh with `command` (and --dir); its output in `*output`.
  absl::Status Run(const std::string& command, std::string* output = nullptr);

  const std::string dir_;
  std::vector<std::string> endpoints_;
  std::vector<std::string> sockets_;
  std::string password_file_;
  std::string password_;
};

}  // namespace auth::mysql_testing

#endif  // LIBS_MYSQL_TESTING_GALERA_CLUSTER_H_
