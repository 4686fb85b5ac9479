#include "services/auth/web/static_assets.h"

namespace auth::web {
namespace {

// kEmbeddedAssets: the pages of this directory and what they load, embedded at build time.
#include "services/auth/web/embedded_assets.h"

}  // namespace

absl::Span<const StaticAsset> StaticAssets() { return kEmbeddedAssets; }

}  // namespace auth::web
