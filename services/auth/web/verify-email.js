// The confirmation page, /verify-email#token=<43 base64url characters>, the link an email
// verification mail carries: its "Confirm my address" button sends the token to
// AccountService.VerifyEmail, which needs no session (the link may be opened in any browser).
//
// Opening the page spends nothing: the token is sent only when the user presses the button, so a
// mail scanner that fetches the link (and even runs the page) leaves it usable. The token leaves
// the address bar at once and is kept in memory only (see takeTokenFromAddress in page.js).
import {
  RpcError, callRpc, handle, kLinkTokenPattern, showErrorText, showStatus, takeTokenFromAddress,
} from '/page.js';

const kNoToken = 'This page needs the link from a confirmation mail. Open that link again, or ' +
    'ask for a new one: sign in and press "Send the link again".';
// The server answers a malformed, unknown, used, voided or expired token alike, and so does the
// page: the remedy is the same.
const kDeadLink = 'This confirmation link is invalid, used or expired: a link works once, for a ' +
    'limited time, and a newer link voids it. If your address is confirmed already, there is ' +
    'nothing more to do; otherwise ask for a new one: sign in and press "Send the link again".';

const ask = document.getElementById('verify-ask');
const confirmButton = document.getElementById('verify-confirm');

let token = null;

// The link cannot confirm anything: the button goes, the way to a new link comes.
function refuseLink(message) {
  token = null;
  ask.hidden = true;
  document.getElementById('verify-new-link').hidden = false;
  showErrorText(message);
  document.getElementById('verify-ask-again').focus();
}

// Takes the link's token and offers the button for it. Run when the page opens, and again when a
// link is opened in a tab already on this page: the browser then only changes the fragment.
function startWithLink() {
  token = takeTokenFromAddress();
  showStatus('');
  ask.hidden = false;
  document.getElementById('verify-done').hidden = true;
  document.getElementById('verify-new-link').hidden = true;
  if (token === null || token === '') {
    refuseLink(kNoToken);
  } else if (!kLinkTokenPattern.test(token)) {
    refuseLink(kDeadLink);  // cut short or altered: no server could accept it
  } else {
    confirmButton.focus();
  }
}

startWithLink();
window.addEventListener('hashchange', () => {
  if (location.hash !== '') startWithLink();
});

handle(confirmButton, 'click', async () => {
  await callRpc('AccountService', 'VerifyEmail', {token: token});
  token = null;
  ask.hidden = true;
  document.getElementById('verify-done').hidden = false;
  showStatus('Your address is confirmed.');
  document.getElementById('verify-sign-in').focus();
}, (error) => {
  if (!(error instanceof RpcError)) throw error;
  // unauthenticated: unknown, used, voided, expired or sent to an address the account no longer
  // has; invalid_argument: not 43 base64url characters.
  if (error.code === 'unauthenticated' || error.code === 'invalid_argument') {
    refuseLink(kDeadLink);
    return;
  }
  throw error;  // e.g. a rate limit, with its wait counted down, or the server out of reach
});
