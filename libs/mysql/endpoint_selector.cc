// EndpointSelector; see endpoint_selector.h.
#include "libs/mysql/endpoint_selector.h"

#include <vector>

#include "absl/time/time.h"
#include "glog/logging.h"

namespace auth::mysql {

EndpointSelector::EndpointSelector(int count, absl::Duration retry_after)
    : retry_after_(retry_after), health_(count) {
  CHECK_GE(count, 1) << "an EndpointSelector needs at least one endpoint";
}

std::vector<int> EndpointSelector::ConnectOrder(absl::Time now) {
  std::vector<int> order;
  std::vector<int> last_resort;
  for (int i = 0; i < count(); ++i) {
    Health& health = health_[i];
    if (!health.failing) {
      order.push_back(i);
    } else if (now >= health.retry_at) {
      // Due for a probe: this connect is it; others wait for its outcome.
      health.retry_at = now + retry_after_;
      order.push_back(i);
    } else {
      last_resort.push_back(i);
    }
  }
  order.insert(order.end(), last_resort.begin(), last_resort.end());
  return order;
}

int EndpointSelector::FailbackTarget(int endpoint, absl::Time now) {
  for (int i = 0; i < endpoint; ++i) {
    Health& health = health_[i];
    if (!health.failing) return i;
    if (now >= health.retry_at) {
      health.retry_at = now + retry_after_;
      return i;
    }
  }
  return -1;
}

bool EndpointSelector::AnyHealthy() const {
  for (const Health& health : health_) {
    if (!health.failing) return true;
  }
  return false;
}

void EndpointSelector::NoteSuccess(int endpoint) {
  if (health_[endpoint].failing && count() > 1) {
    LOG(INFO) << "database endpoint #" << endpoint << " answers again";
  }
  health_[endpoint] = Health();
}

void EndpointSelector::NoteFailure(int endpoint, absl::Time now) {
  Health& health = health_[endpoint];
  if (!health.failing && count() > 1) {
    LOG(WARNING) << "database endpoint #" << endpoint << " failed; passing it over for "
                 << retry_after_;
  }
  health.failing = true;
  health.retry_at = now + retry_after_;
}

}  // namespace auth::mysql
