// glog's flags as absl flags; see glog_flags.h.
#include "libs/logging/glog_flags.h"

#include "glog/logging.h"
#include "libs/logging/glog_flag_values.h"

namespace auth::logging {

void InitLogging(const char* argv0) {
  const internal::GlogFlagValues given = internal::GlogFlagsFromCommandLine();
  if (given.v.has_value()) FLAGS_v = *given.v;
  if (given.minloglevel.has_value()) FLAGS_minloglevel = *given.minloglevel;
  if (given.log_dir.has_value()) FLAGS_log_dir = *given.log_dir;
  google::InitGoogleLogging(argv0);
  FLAGS_logtostderr = FLAGS_log_dir.empty();
}

}  // namespace auth::logging
