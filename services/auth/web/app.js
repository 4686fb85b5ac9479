// The sign-in page's script: each form calls one AuthService RPC over the Connect protocol's
// unary JSON form (POST /auth.v1.AuthService/<Method>, application/json, proto3 JSON names).
//
// The session lives in the server's cookies only: `jwt-token` and `refresh-token` are HttpOnly,
// and the server leaves the tokens out of the bodies it answers a browser with, so this script
// never sees a token. It keeps only the user id it was told (Logout names its user, and once the
// access token has expired no call says whose the session is). The page is served with a CSP
// that allows no inline script or style, so everything it shows is set through textContent and
// `hidden`.
'use strict';

const kServicePath = '/auth.v1.AuthService/';

// An RPC that failed: the Connect error code and message, the HTTP status, and for
// resource_exhausted the seconds to wait from the Retry-After header (or null).
class RpcError extends Error {
  constructor(httpStatus, code, message, retryAfterSeconds) {
    super(message);
    this.httpStatus = httpStatus;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

// Calls `method` with `request` (a plain object in proto3 JSON) and returns the response object.
// The browser sends the cookies (same origin only); the server sets or expires them.
async function callRpc(method, request) {
  let response;
  try {
    response = await fetch(kServicePath + method, {
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

const statusLine = document.getElementById('status');
const errorLine = document.getElementById('error');
let retryCountdown = null;

function showStatus(text) {
  stopCountdown();
  errorLine.hidden = true;
  errorLine.textContent = '';
  statusLine.textContent = text;
}

function stopCountdown() {
  if (retryCountdown !== null) clearInterval(retryCountdown);
  retryCountdown = null;
}

// Shows the server's message; for a rate limit also the wait, counted down each second.
function showError(error) {
  stopCountdown();
  statusLine.textContent = '';
  if (!(error instanceof RpcError)) {
    errorLine.textContent = String(error);
    errorLine.hidden = false;
    return;
  }
  const text = `${error.message} (${error.code})`;
  errorLine.textContent = text;
  errorLine.hidden = false;
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

// The user id of the signed-in user, kept across reloads for the sign-out (not a secret).
const kUserIdKey = 'auth.userId';
function rememberUser(userId) {
  if (userId) localStorage.setItem(kUserIdKey, String(userId));
}
function rememberedUser() {
  return Number(localStorage.getItem(kUserIdKey) || 0);
}
function forgetUser() {
  localStorage.removeItem(kUserIdKey);
}

const sessionList = document.getElementById('session');

function showSession(session) {
  document.getElementById('session-user-id').textContent = String(session.userId || '');
  document.getElementById('session-id').textContent = session.sessionId || '';
  // int64 arrives as a decimal string in proto3 JSON.
  const expires = Number(session.expiresAtUnixSeconds || 0);
  document.getElementById('session-expires').textContent =
      expires > 0 ? new Date(expires * 1000).toISOString() : '';
  sessionList.hidden = false;
}

function hideSession() {
  sessionList.hidden = true;
  for (const id of ['session-user-id', 'session-id', 'session-expires']) {
    document.getElementById(id).textContent = '';
  }
}

// Runs `action` for a form submit or button press: one call at a time per control, errors shown.
function handle(element, eventName, action) {
  element.addEventListener(eventName, async (event) => {
    event.preventDefault();
    const control = event.submitter || element;
    control.disabled = true;
    // The previous outcome goes at once, so the next one is never mistaken for it.
    showStatus('');
    try {
      await action();
    } catch (error) {
      showError(error);
    } finally {
      control.disabled = false;
    }
  });
}

function value(id) {
  return document.getElementById(id).value.trim();
}

function passwordValue(id) {
  // Sent as typed: the API's password_hash is whatever the client chooses to send, and auth_cli
  // sends the password's bytes as well, so a user signs in the same way from either.
  return document.getElementById(id).value;
}

async function whoAmI() {
  const session = await callRpc('GetSession', {});
  rememberUser(session.userId);
  showSession(session);
  return session;
}

// Sign in: by email or by phone, as the radio buttons choose.
const byEmail = document.getElementById('signin-by-email');
const byPhone = document.getElementById('signin-by-phone');
function showSignInField() {
  document.getElementById('signin-email-field').hidden = !byEmail.checked;
  document.getElementById('signin-phone-field').hidden = byEmail.checked;
}
byEmail.addEventListener('change', showSignInField);
byPhone.addEventListener('change', showSignInField);
showSignInField();

handle(document.getElementById('signin-form'), 'submit', async () => {
  const request = {passwordHash: passwordValue('signin-password')};
  if (byEmail.checked) {
    request.email = value('signin-email');
  } else {
    request.phoneNumber = value('signin-phone');
  }
  const answer = await callRpc('Login', request);
  rememberUser(answer.userId);
  document.getElementById('signin-password').value = '';
  showStatus(`Signed in as user ${answer.userId}.`);
  await whoAmI();
});

handle(document.getElementById('whoami'), 'click', async () => {
  try {
    const session = await whoAmI();
    showStatus(`You are user ${session.userId}.`);
  } catch (error) {
    hideSession();
    throw error;
  }
});

// The refresh token travels in its own HttpOnly cookie, scoped to the service's routes, so the
// request names none.
handle(document.getElementById('refresh'), 'click', async () => {
  const answer = await callRpc('RefreshToken', {});
  rememberUser(answer.userId);
  showStatus(`Session refreshed for user ${answer.userId}.`);
  await whoAmI();
});

// Signing out must work however long the page sat idle: once the access token has expired,
// GetSession fails, and Logout takes the refresh-token cookie (which reaches it too) for the user
// id remembered at sign-in. Whatever Logout answers, the server has expired the cookies, and the
// page forgets the session too: an error is shown, never a session that seems to live on.
handle(document.getElementById('signout-form'), 'submit', async () => {
  // Logout names its user; GetSession says who the cookie belongs to, while it can.
  let userId = rememberedUser();
  try {
    userId = (await callRpc('GetSession', {})).userId || userId;
  } catch (expired) {
    // The access token has expired (or the session ended): the remembered user id it is.
  }
  const everywhere = document.getElementById('signout-everywhere').checked;
  try {
    await callRpc('Logout', {userId: userId, currentSessionOnly: !everywhere});
  } finally {
    forgetUser();
    hideSession();
  }
  showStatus(everywhere ? 'Signed out on every device.' : 'Signed out.');
});

handle(document.getElementById('register-form'), 'submit', async () => {
  const request = {
    username: value('register-username'),
    email: value('register-email'),
    passwordHash: passwordValue('register-password'),
  };
  const phone = value('register-phone');
  if (phone !== '') request.phoneNumber = phone;
  const answer = await callRpc('Register', request);
  document.getElementById('register-password').value = '';
  showStatus(`${answer.message || 'Registered.'} You can sign in now.`);
});
