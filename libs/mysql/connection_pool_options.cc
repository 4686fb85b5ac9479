// The endpoint list of ConnectionPoolOptions; see connection_pool_options.h.
#include "libs/mysql/connection_pool_options.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace auth::mysql {

std::vector<std::string> SplitEndpoints(absl::string_view list) {
  std::vector<std::string> endpoints;
  for (absl::string_view item : absl::StrSplit(list, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) endpoints.emplace_back(item);
  }
  return endpoints;
}

std::string CanonicalEndpointOrder(absl::string_view list) {
  std::vector<std::string> endpoints = SplitEndpoints(list);
  std::sort(endpoints.begin(), endpoints.end());
  return absl::StrJoin(endpoints, ",");
}

}  // namespace auth::mysql
