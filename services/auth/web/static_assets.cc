#include "services/auth/web/static_assets.h"

namespace auth::web {
namespace {

// kEmbeddedAssets: index.html, app.js and app.css of this directory, embedded at build time.
#include "services/auth/web/embedded_assets.h"

}  // namespace

absl::Span<const StaticAsset> StaticAssets() { return kEmbeddedAssets; }

}  // namespace auth::web
