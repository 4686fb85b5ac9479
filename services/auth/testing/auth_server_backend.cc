// AuthServerBackend; see auth_server_backend.h.
#include "services/auth/testing/auth_server_backend.h"

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/testing/runfiles.h"
#include "services/auth/testing/auth_server_process.h"

namespace auth::service_testing {

using ::auth::mysql_testing::MariadbServer;
using ::auth::test_util::TestTempPath;

absl::StatusOr<std::unique_ptr<AuthServerBackend>> AuthServerBackend::Start() {
  std::unique_ptr<AuthServerBackend> backend(new AuthServerBackend());
  absl::StatusOr<std::unique_ptr<MariadbServer>> database = MariadbServer::Start();
  if (!database.ok()) return database.status();
  backend->database_ = *std::move(database);
  backend->password_file_ = TestTempPath("mysql-password");
  std::ofstream(backend->password_file_) << backend->database_->password() << "\n";
  backend->key_file_ = TestTempPath("jwt.pem");
  if (absl::Status s = GenerateSigningKey(backend->key_file_, TestTempPath("jwt.pub.pem"));
      !s.ok()) {
    return s;
  }
  return backend;
}

absl::StatusOr<std::string> AuthServerBackend::NewDatabase(const std::string& prefix) {
  std::string name = absl::StrCat(prefix, "_", databases_created_++);
  if (absl::Status s = database_->CreateDatabase(name).status(); !s.ok()) return s;
  return name;
}

std::vector<std::string> AuthServerBackend::Flags(const std::string& database_name) const {
  std::vector<std::string> flags = {
      "--mysql_endpoint=" + database_->endpoint(), "--mysql_user=" + database_->user(),
      "--mysql_database=" + (database_name.empty() ? database_->database() : database_name),
      "--mysql_password_file=" + password_file_, "--token_signing_key=" + key_file_,
      // Tests stop servers often and have no load balancer to warn: no drain delay (a test
      // of the drain sets its own after these).
      "--shutdown_drain_delay=0s"};
  for (std::string& flag : CheapHashingFlags()) flags.push_back(std::move(flag));
  return flags;
}

}  // namespace auth::service_testing
