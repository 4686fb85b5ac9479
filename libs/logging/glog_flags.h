// glog's command-line flags (--v, --minloglevel, --log_dir) for programs that parse their
// command line with absl.
//
//   absl::ParseCommandLine(argc, argv);   // accepts --v=1 --log_dir=/var/log/auth
//   auth::logging::InitLogging(argv[0]);  // instead of google::InitGoogleLogging
//
// Debian's glog defines its flags with gflags, whose registry absl::ParseCommandLine does not
// see, so `auth_server --v=1` used to stop with "Unknown command line flag". This library
// defines absl flags of the same names. A flag not given leaves glog's own value, which glog
// takes from the GLOG_* environment variables (GLOG_v, GLOG_minloglevel, GLOG_log_dir), so those
// keep working and a flag on the command line wins over them.
#ifndef LIBS_LOGGING_GLOG_FLAGS_H_
#define LIBS_LOGGING_GLOG_FLAGS_H_

#include "absl/strings/string_view.h"

namespace auth::logging {

// Copies --v, --minloglevel and --log_dir into glog, then starts glog for `argv0`. Without
// --log_dir the log goes to stderr (one stream for containers and systemd); with it, to files in
// that directory as glog writes them, and errors to stderr too. Call once, after
// absl::ParseCommandLine.
void InitLogging(const char* argv0);

}  // namespace auth::logging

#endif  // LIBS_LOGGING_GLOG_FLAGS_H_
