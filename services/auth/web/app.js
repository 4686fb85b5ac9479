// The sign-in page's script: each form calls one RPC of AuthService (sign in, who am I, refresh,
// sign out, register) or AccountService (forgot password, change password, the confirmation
// link's resend) through page.js; totp.js and passkeys.js do the second factors and passkeys.
//
// The session lives in the server's cookies only: `jwt-token` and `refresh-token` are HttpOnly,
// and the server leaves the tokens out of the bodies it answers a browser with, so this script
// never sees a token. It keeps only the user id it was told (Logout names its user, and once the
// access token has expired no call says whose the session is).
import {
  RpcError, callRpc, clearFields, handle, newPasswordValue, passwordValue, showErrorText,
  showStatus, value,
} from '/page.js';
import {setUpPasskeys} from '/passkeys.js';
import {askSecondFactor, setUpSecondFactor} from '/totp.js';

const callAuth = (method, request) => callRpc('AuthService', method, request);
const callAccount = (method, request) => callRpc('AccountService', method, request);

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
// "Your email address is not confirmed yet", with its resend button: shown with a session whose
// GetSession says the address is not verified (proto3 JSON leaves emailVerified out when false).
const verifyNotice = document.getElementById('verify-notice');

function showSession(session) {
  document.getElementById('session-user-id').textContent = String(session.userId || '');
  document.getElementById('session-id').textContent = session.sessionId || '';
  // int64 arrives as a decimal string in proto3 JSON.
  const expires = Number(session.expiresAtUnixSeconds || 0);
  document.getElementById('session-expires').textContent =
      expires > 0 ? new Date(expires * 1000).toISOString() : '';
  sessionList.hidden = false;
  verifyNotice.hidden = session.emailVerified === true;
}

function hideSession() {
  sessionList.hidden = true;
  verifyNotice.hidden = true;
  for (const id of ['session-user-id', 'session-id', 'session-expires']) {
    document.getElementById(id).textContent = '';
  }
}

async function whoAmI() {
  const session = await callAuth('GetSession', {});
  rememberUser(session.userId);
  showSession(session);
  return session;
}

// The end of every sign-in (a password, a password and a code, a passkey): the answer names
// the user; the session is in the cookies.
async function signedIn(answer) {
  rememberUser(answer.userId);
  showStatus(`Signed in as user ${answer.userId}.`);
  await whoAmI();
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
  const answer = await callAuth('Login', request);
  document.getElementById('signin-password').value = '';
  if (answer.secondFactorRequired === true) {
    askSecondFactor(answer.mfaTicket);
    return;
  }
  await signedIn(answer);
}, (error) => {
  // With --require_verified_email the server refuses, once the password checked out, an account
  // whose address is not confirmed, and mails it a fresh link after the answer.
  if (error instanceof RpcError && error.code === 'failed_precondition' &&
      /not verified/i.test(error.message)) {
    showErrorText('Your password is right, but this service lets you sign in only once your ' +
                  'email address is confirmed. A new confirmation link is on its way to it: ' +
                  'open it, then sign in.');
    return;
  }
  throw error;
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
  const answer = await callAuth('RefreshToken', {});
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
    userId = (await callAuth('GetSession', {})).userId || userId;
  } catch (expired) {
    // The access token has expired (or the session ended): the remembered user id it is.
  }
  const everywhere = document.getElementById('signout-everywhere').checked;
  try {
    await callAuth('Logout', {userId: userId, currentSessionOnly: !everywhere});
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
  const answer = await callAuth('Register', request);
  document.getElementById('register-password').value = '';
  showStatus(`${answer.message || 'Registered.'} You can sign in now.`);
});

// Forgot password: the server answers OK whether or not an account has the address (and mails
// only if one has), so the page says the same thing either way; only a malformed address, mail
// that is not configured, or a rate limit is an error.
const kForgotNotice = 'If an account has this address, a link is on its way. ' +
    'It works once, for a limited time; open it in this browser or any other.';
const forgot = document.getElementById('forgot');
forgot.addEventListener('toggle', () => {
  if (!forgot.open) return;
  // What the user typed to sign in is most likely the address they mean.
  const identifier = document.getElementById('forgot-identifier');
  if (identifier.value === '') {
    identifier.value = value(byEmail.checked ? 'signin-email' : 'signin-phone');
  }
  identifier.focus();
});
// The reset page's "ask for a new link" comes here with #forgot-password.
if (location.hash === '#forgot-password') forgot.open = true;

handle(document.getElementById('forgot-form'), 'submit', async () => {
  const identifier = value('forgot-identifier');
  // A phone number is in E.164, which starts with "+"; an email address never does.
  const request = identifier.startsWith('+') ? {phoneNumber: identifier} : {email: identifier};
  await callAccount('RequestPasswordReset', request);
  showStatus(kForgotNotice);
});

// ChangePassword and SendEmailVerification need a live access token (the jwt-token cookie), which expires after
// --token_lifetime while the refresh token lives on: a page left open that long is still signed
// in, so the session is renewed first, as "Refresh session" does.
async function renewSessionIfExpired(then) {
  try {
    await callAuth('GetSession', {});
  } catch (expired) {
    if (!(expired instanceof RpcError) || expired.code !== 'unauthenticated') throw expired;
    try {
      rememberUser((await callAuth('RefreshToken', {})).userId);
    } catch (signedOut) {
      throw new Error(`You are not signed in: sign in, then ${then}.`);
    }
  }
}

// Change password: the server ends every other session of the user, and this one too unless it
// is kept; when it ends, the server expires the cookies, and the page forgets the session as at
// sign-out.
handle(document.getElementById('change-form'), 'submit', async () => {
  const keepThisSession = document.getElementById('change-keep-session').checked;
  const request = {
    currentPasswordHash: passwordValue('change-current'),
    newPasswordHash: newPasswordValue('change-new', 'change-repeat'),
    keepThisSession: keepThisSession,
  };
  await renewSessionIfExpired('change the password');
  await callAccount('ChangePassword', request);
  clearFields('change-current', 'change-new', 'change-repeat');
  if (keepThisSession) {
    showStatus('Password changed. Your other devices are signed out.');
    return;
  }
  forgetUser();
  hideSession();
  showStatus('Password changed. You are signed out everywhere; sign in with the new password.');
});

// The confirmation link's resend. The server answers OK whether or not it sent a mail (its mail
// limits apply silently), so the page's notice is as neutral; the session is read first, so an
// address confirmed meanwhile (in another tab or browser) is said to be, and its notice goes.
handle(document.getElementById('verify-resend'), 'click', async () => {
  await renewSessionIfExpired('ask for a link');
  if ((await whoAmI()).emailVerified === true) {
    showStatus('Your email address is confirmed already.');
    return;
  }
  await callAccount('SendEmailVerification', {});
  showStatus('If your address can get mail, a link is on its way. Open it in this browser or ' +
             'any other, and press "Confirm my address".');
}, (error) => {
  if (error instanceof RpcError && error.code === 'failed_precondition') {
    showErrorText('No link can be sent: mail is not configured on this server. Ask the ' +
                  'service\'s operator.');
    return;
  }
  throw error;  // a rate limit's wait is counted down, as elsewhere
});

setUpSecondFactor({signedIn: signedIn, renewSession: renewSessionIfExpired});
setUpPasskeys({signedIn: signedIn, renewSession: renewSessionIfExpired});
