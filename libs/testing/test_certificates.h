// Test certificates made with the openssl CLI in $TEST_TMPDIR: a CA of the test's own and
// leaf certificates it signs, for TLS and mTLS tests against real servers and clients.
//
//   ASSERT_THAT(MakeTestCa("ca"), IsOk());                                  // ca.pem, ca.key
//   ASSERT_THAT(MakeTestCertificate("server", "first-server", "ca"), IsOk());  // server.pem, .key
//   flags.push_back("--tls_cert=" + TestTempPath("server.pem"));
//
// Keys are P-256; every leaf is valid for localhost and 127.0.0.1, for one day. The CLI is
// Debian's `openssl` package (tools/setup.sh).
#ifndef LIBS_TESTING_TEST_CERTIFICATES_H_
#define LIBS_TESTING_TEST_CERTIFICATES_H_

#include <string>

#include "absl/status/status.h"

namespace auth::test_util {

// A self-signed CA with common name `name`: $TEST_TMPDIR/<name>.pem and <name>.key.
absl::Status MakeTestCa(const std::string& name);

// A certificate for `common_name` signed by the CA `ca` (made by MakeTestCa):
// $TEST_TMPDIR/<name>.pem and <name>.key.
absl::Status MakeTestCertificate(const std::string& name, const std::string& common_name,
                                 const std::string& ca);

}  // namespace auth::test_util

#endif  // LIBS_TESTING_TEST_CERTIFICATES_H_
