// End-to-end test of the abuse limits' client-address keys: the real auth_server listening on
// IPv6 loopback ([::1]) and on IPv4 loopback, called over that address, with the counters read
// back from the private MariaDB (see e2e_fixture.h). gRPC reports an IPv6 peer percent-encoded
// ("ipv6:%5B::1%5D:port"); the stored key must be the client's /64, not an empty address that
// every IPv6 client would share.

#include <cstdint>
#include <string>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/query.h"
#include "services/auth/e2e/e2e_fixture.h"

namespace auth::service_testing {
namespace {

constexpr char kWrongPassword[] = "not-the-password-0123";

class ClientAddressE2eTest : public AuthServerE2eTest {
 protected:
  // Each test starts its own server, on the address it is about.
  void SetUp() override {}

  // The attempts stored under `key` in attempt_counters; -1 if there is no such row.
  static int64_t StoredAttempts(const std::string& key) {
    mysql::ConnectionPool pool(backend_->database().pool_options());
    return mysql_testing::QueryInt(
        pool, "SELECT attempts FROM attempt_counters WHERE counter_key = '" + key + "'");
  }

  // A registration and a failed login of a new account, over the server's address.
  void RegisterAndFailALogin(const std::string& username) {
    const std::string email = username + "@example.com";
    ASSERT_TRUE(Register(username, email, "").ok());
    EXPECT_EQ(Login(email, "", kWrongPassword).status.error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
};

TEST_F(ClientAddressE2eTest, AnIpv6ClientIsCountedUnderItsSlash64) {
  StartServer({"--listen=[::1]:0"});
  ASSERT_EQ(server_->address().rfind("[::1]:", 0), 0u) << server_->address();
  RegisterAndFailALogin("ipv6_client");

  // ::1's /64 in RFC 5952 form, as docs/security.md ("Abuse limits") documents.
  EXPECT_EQ(StoredAttempts("login-address:::/64"), 1);
  EXPECT_EQ(StoredAttempts("register-address:::/64"), 1);
  // Not under an empty address, which every IPv6 client would share.
  EXPECT_EQ(StoredAttempts("login-address:"), -1);
  EXPECT_EQ(StoredAttempts("register-address:"), -1);
}

TEST_F(ClientAddressE2eTest, AnIpv4ClientIsStillCountedUnderItsAddress) {
  StartServer({"--listen=127.0.0.1:0"});
  RegisterAndFailALogin("ipv4_client");

  EXPECT_EQ(StoredAttempts("login-address:127.0.0.1"), 1);
  EXPECT_EQ(StoredAttempts("register-address:127.0.0.1"), 1);
}

}  // namespace
}  // namespace auth::service_testing
