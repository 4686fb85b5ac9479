// The files the HTTP front serves from the binary itself (the sign-in page at "/", the reset page
// at "/reset-password" and what they load), so the pages need no file system, no CDN and no
// external resource.
//
// The HTTP front (services/auth/http) answers GET for exactly these paths, with the content type
// given here and a strict Content-Security-Policy (no inline script), and 404 for any other path
// outside the RPC routes.

#ifndef SERVICES_AUTH_WEB_STATIC_ASSETS_H_
#define SERVICES_AUTH_WEB_STATIC_ASSETS_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace auth::web {

struct StaticAsset {
  absl::string_view path;          // e.g. "/" or "/app.js"
  absl::string_view content_type;  // e.g. "text/html; charset=utf-8"
  absl::string_view body;
};

// Every asset, in no particular order; the views point at static storage.
absl::Span<const StaticAsset> StaticAssets();

}  // namespace auth::web

#endif  // SERVICES_AUTH_WEB_STATIC_ASSETS_H_
