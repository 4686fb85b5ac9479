// Paths a Bazel test needs: its runfiles (the binaries in its `data`) and its private
// temporary directory.
//
//   SubprocessOptions options;
//   options.argv = {Runfile("services/auth/auth_server"), ...};
//   std::ofstream(TestTempPath("mysql-password")) << password << "\n";
#ifndef LIBS_TESTING_RUNFILES_H_
#define LIBS_TESTING_RUNFILES_H_

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace auth::test_util {

// The runfile at `path` (from the workspace root), e.g. "services/auth/auth_server".
inline std::string Runfile(absl::string_view path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/", workspace != nullptr ? workspace : "",
                      "/", path);
}

// `name` in the test's own temporary directory ($TEST_TMPDIR, emptied by Bazel per test).
inline std::string TestTempPath(absl::string_view name) {
  const char* tmpdir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmpdir != nullptr ? tmpdir : "/tmp", "/", name);
}

}  // namespace auth::test_util

#endif  // LIBS_TESTING_RUNFILES_H_
