// Private to //libs/logging:glog_flags: the values of the absl flags named after glog's.
//
// Kept apart from glog's header: the absl flags must be global (absl forbids flags in a
// namespace), and glog's header makes its own gflags variables of the same names (FLAGS_v, ...)
// global too, so no file may see both.
#ifndef LIBS_LOGGING_GLOG_FLAG_VALUES_H_
#define LIBS_LOGGING_GLOG_FLAG_VALUES_H_

#include <cstdint>
#include <optional>
#include <string>

namespace auth::logging::internal {

// What the command line set; nullopt where it left glog's own value (from GLOG_*) alone.
struct GlogFlagValues {
  std::optional<int32_t> v;
  std::optional<int32_t> minloglevel;
  std::optional<std::string> log_dir;
};

GlogFlagValues GlogFlagsFromCommandLine();

}  // namespace auth::logging::internal

#endif  // LIBS_LOGGING_GLOG_FLAG_VALUES_H_
