// The absl flags named after glog's; see glog_flag_values.h for why glog's header stays out.
#include "libs/logging/glog_flag_values.h"

#include <cstdint>
#include <string>

#include "absl/flags/flag.h"

// Defaults that no one passes stand for "not given" (absl cannot tell otherwise), so glog's own
// values, which it reads from GLOG_v, GLOG_minloglevel and GLOG_log_dir, stay unless overridden.
ABSL_FLAG(int32_t, v, -1,
          "glog: show VLOG(n) messages for n up to this (default: $GLOG_v, else 0).");
ABSL_FLAG(int32_t, minloglevel, -1,
          "glog: log no messages below this severity: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL "
          "(default: $GLOG_minloglevel, else 0).");
ABSL_FLAG(std::string, log_dir, "",
          "glog: write log files to this directory instead of logging to stderr (errors go to "
          "stderr too; default: $GLOG_log_dir, else stderr only).");

namespace auth::logging::internal {

GlogFlagValues GlogFlagsFromCommandLine() {
  GlogFlagValues values;
  if (const int32_t v = absl::GetFlag(FLAGS_v); v >= 0) values.v = v;
  if (const int32_t level = absl::GetFlag(FLAGS_minloglevel); level >= 0) {
    values.minloglevel = level;
  }
  if (std::string dir = absl::GetFlag(FLAGS_log_dir); !dir.empty()) values.log_dir = dir;
  return values;
}

}  // namespace auth::logging::internal
