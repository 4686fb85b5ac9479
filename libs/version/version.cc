// The --version line; see version.h.
#include "libs/version/version.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace auth::version {

std::string VersionLine(absl::string_view argv0) {
  const size_t slash = argv0.rfind('/');
  const absl::string_view program =
      slash == absl::string_view::npos ? argv0 : argv0.substr(slash + 1);
  return absl::StrCat(program, " ", kVersion);
}

absl::FlagsUsageConfig UsageConfigWithVersion(absl::string_view argv0) {
  absl::FlagsUsageConfig config;
  config.version_string = [line = VersionLine(argv0)] { return absl::StrCat(line, "\n"); };
  return config;
}

void InstallVersionFlag(absl::string_view argv0) {
  absl::SetFlagsUsageConfig(UsageConfigWithVersion(argv0));
}

}  // namespace auth::version
