// MakeTestCa, MakeTestCertificate; see test_certificates.h.
#include "libs/testing/test_certificates.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/subprocess.h"

namespace auth::test_util {
namespace {

absl::Status Openssl(std::vector<std::string> args) {
  SubprocessOptions options;
  options.argv = {"openssl"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  absl::StatusOr<ExitStatus> exit = Subprocess::Run(options, absl::Seconds(60));
  if (!exit.ok()) return exit.status();
  if (!exit->ok()) {
    return absl::InternalError(absl::StrCat("openssl ", args[0], ": ", exit->ToString()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MakeTestCa(const std::string& name) {
  return Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                  "-nodes", "-keyout", TestTempPath(name + ".key"), "-out",
                  TestTempPath(name + ".pem"), "-days", "1", "-subj", "/CN=" + name});
}

absl::Status MakeTestCertificate(const std::string& name, const std::string& common_name,
                                 const std::string& ca) {
  const std::string extensions = TestTempPath(name + ".ext");
  std::ofstream(extensions) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  absl::Status request =
      Openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", TestTempPath(name + ".key"), "-out", TestTempPath(name + ".csr"), "-subj",
               "/CN=" + common_name});
  if (!request.ok()) return request;
  return Openssl({"x509", "-req", "-in", TestTempPath(name + ".csr"), "-CA",
                  TestTempPath(ca + ".pem"), "-CAkey", TestTempPath(ca + ".key"), "-CAcreateserial",
                  "-days", "1", "-extfile", extensions, "-out", TestTempPath(name + ".pem")});
}

}  // namespace auth::test_util
