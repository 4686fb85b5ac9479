// The version every binary of the repository prints for --version.
//
//   int main(int argc, char** argv) {
//     auth::version::InstallVersionFlag(argv[0]);   // before absl::ParseCommandLine
//     absl::ParseCommandLine(argc, argv);           // `--version` prints "auth_server 0.1.0"
//
// One constant, bumped by hand at a release: no build stamping, so a build stays deterministic
// and a second build is a no-op (CI checks that).
#ifndef LIBS_VERSION_VERSION_H_
#define LIBS_VERSION_VERSION_H_

#include <string>

#include "absl/flags/usage_config.h"
#include "absl/strings/string_view.h"

namespace auth::version {

// The release of the repository the binaries were built from (semantic versioning).
inline constexpr char kVersion[] = "0.1.0";

// "<program's base name> <kVersion>", e.g. "auth_server 0.1.0".
std::string VersionLine(absl::string_view argv0);

// Makes absl's built-in --version flag print VersionLine(argv0) and exit 0. It sets the whole
// absl::FlagsUsageConfig (absl resets the fields it is not given), so a program that sets other
// fields too uses UsageConfigWithVersion instead.
void InstallVersionFlag(absl::string_view argv0);

// A usage config whose version_string prints VersionLine(argv0); set more fields, then pass it
// to absl::SetFlagsUsageConfig.
absl::FlagsUsageConfig UsageConfigWithVersion(absl::string_view argv0);

}  // namespace auth::version

#endif  // LIBS_VERSION_VERSION_H_
