// What the service's pages share (an ES module, loaded by app.js, reset-password.js and
// verify-email.js): the RPC call over the Connect protocol's unary JSON form (POST
// /auth.v1.<Service>/<Method>, application/json, proto3 JSON names), the page's status and error
// lines, form handling, and the token of a mailed link.
//
// The pages are served with a CSP that allows no inline script or style, so everything they
// show is set through textContent and `hidden`.

// An RPC that failed: the Connect error code and message, the HTTP status, and for
// resource_exhausted the seconds to wait from the Retry-After header (or null).
export class RpcError extends Error {
  constructor(httpStatus, code, message, retryAfterSeconds) {
    super(message);
    this.httpStatus = httpStatus;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

// Calls `service`'s `method` (e.g. 'AuthService', 'Login') with `request` (a plain object in
// proto3 JSON) and returns the response object. The browser sends the cookies (same origin
// only); the server sets or expires them.
export async function callRpc(service, method, request) {
  let response;
  try {
    response = await fetch(`/auth.v1.${service}/${method}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'Connect-Protocol-Version': '1'},
      body: JSON.stringify(request),
    });
  } catch (networkError) {
    throw new RpcError(0, 'unavailable', 'The server cannot be reached.', null);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (notJson) {
    body = null;
  }
  if (response.ok) return body || {};
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  throw new RpcError(
      response.status, (body && body.code) || 'unknown',
      (body && body.message) || `The server answered HTTP ${response.status}.`,
      Number.isFinite(retryAfter) ? retryAfter : null);
}

// The page's #status (role=status) and #error (role=alert) lines.
const statusLine = document.getElementById('status');
const errorLine = document.getElementById('error');
let retryCountdown = null;

function stopCountdown() {
  if (retryCountdown !== null) clearInterval(retryCountdown);
  retryCountdown = null;
}

export function showStatus(text) {
  stopCountdown();
  errorLine.hidden = true;
  errorLine.textContent = '';
  statusLine.textContent = text;
}

// Shows `text` as the page's error, in place of any status.
export function showErrorText(text) {
  stopCountdown();
  statusLine.textContent = '';
  errorLine.textContent = text;
  errorLine.hidden = false;
}

// Shows the server's message; for a rate limit also the wait, counted down each second.
export function showError(error) {
  if (!(error instanceof RpcError)) {
    // A plain Error is the page's own message (e.g. two passwords that differ).
    showErrorText(error instanceof Error && error.name === 'Error' ? error.message : String(error));
    return;
  }
  const text = `${error.message} (${error.code})`;
  showErrorText(text);
  if (error.code === 'resource_exhausted' && error.retryAfterSeconds !== null) {
    let remaining = error.retryAfterSeconds;
    const render = () => {
      errorLine.textContent = remaining > 0 ?
          `${text} Try again in ${remaining} s.` :
          `${text} You can try again now.`;
    };
    render();
    retryCountdown = setInterval(() => {
      remaining -= 1;
      render();
      if (remaining <= 0) stopCountdown();
    }, 1000);
  }
}

// Runs `action` for a form submit or button press: one call at a time per control, errors
// shown (by `onError` when given, which may rethrow what it does not handle).
export function handle(element, eventName, action, onError = showError) {
  element.addEventListener(eventName, async (event) => {
    event.preventDefault();
    const control = event.submitter || element;
    control.disabled = true;
    // The previous outcome goes at once, so the next one is never mistaken for it.
    showStatus('');
    try {
      await action();
    } catch (error) {
      try {
        onError(error);
      } catch (unhandled) {
        showError(unhandled);
      }
    } finally {
      control.disabled = false;
    }
  });
}

export function value(id) {
  return document.getElementById(id).value.trim();
}

// The password_hash every RPC takes, from a password field: sent as typed. The API's
// password_hash is whatever the client chooses to send, and auth_cli sends the password's bytes
// as well, so a user signs in the same way from either; every page must send it the same way,
// or a password set on one would not sign in on another.
export function passwordValue(id) {
  return document.getElementById(id).value;
}

// The two password fields of a "new password" form agree; throws a message for the page if not.
export function newPasswordValue(id, repeatId) {
  const password = passwordValue(id);
  if (password !== passwordValue(repeatId)) {
    throw new Error('The two new passwords differ: type the same one twice.');
  }
  return password;
}

export function clearFields(...ids) {
  for (const id of ids) document.getElementById(id).value = '';
}

// What the service puts in its mailed links (#token=...): 32 random bytes, base64url without
// padding.
export const kLinkTokenPattern = /^[A-Za-z0-9_-]{43}$/;

// The token of a mailed link (`#token=...`, null if none), taken out of the address bar at once
// (history.replaceState), so it stays in no history entry, bookmark or screen share; the page
// keeps it in memory only.
export function takeTokenFromAddress() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (location.hash !== '') history.replaceState(null, '', location.pathname + location.search);
  return token;
}
