// The reset page, /reset-password#token=<43 base64url characters>, the link a password-reset mail
// carries: asks for the new password twice and sends it with the token to
// AccountService.ResetPassword.
//
// Opening the page spends nothing: the token is sent only when the user submits a password, so
// a mail scanner that fetches the link (and even runs the page) leaves it usable. The token is
// in the fragment, which browsers send to no server and put in no Referer; the page takes it out
// of the address bar at once (history.replaceState), so it stays in no history entry, bookmark
// or screen share, and keeps it in memory only: a reload asks for the link again.
import {
  RpcError, callRpc, clearFields, handle, kLinkTokenPattern, newPasswordValue, showErrorText,
  showStatus, takeTokenFromAddress,
} from '/page.js';

const kNoToken = 'This page needs the link from a password-reset mail. Open that link again ' +
    '(it works until a password is set with it), or ask for a new one.';
const kInvalidLink = 'This reset link is invalid or has expired: a link works once, for a ' +
    'limited time, and a newer link voids it. Ask for a new one.';

const form = document.getElementById('reset-form');

let token = null;

// The link cannot set a password: the form goes, the way to a new link comes.
function refuseLink(message) {
  token = null;
  form.hidden = true;
  document.getElementById('reset-new-link').hidden = false;
  showErrorText(message);
  document.getElementById('reset-ask-again').focus();
}

// Takes the link's token and shows the form for it. Run when the page opens, and again when a
// link is opened in a tab already on this page: the browser then only changes the fragment.
function startWithLink() {
  token = takeTokenFromAddress();
  showStatus('');
  form.hidden = false;
  document.getElementById('reset-done').hidden = true;
  document.getElementById('reset-new-link').hidden = true;
  if (token === null || token === '') {
    refuseLink(kNoToken);
  } else if (!kLinkTokenPattern.test(token)) {
    refuseLink(kInvalidLink);  // cut short or altered: no server could accept it
  }
}

startWithLink();
window.addEventListener('hashchange', () => {
  if (location.hash !== '') startWithLink();
});

function isTokenError(error) {
  if (error.code === 'unauthenticated') return true;  // unknown, used, voided or expired
  return error.code === 'invalid_argument' && /\btoken\b/i.test(error.message) &&
      !/password/i.test(error.message);
}

handle(form, 'submit', async () => {
  const passwordHash = newPasswordValue('reset-password', 'reset-repeat');
  await callRpc('AccountService', 'ResetPassword', {token: token, passwordHash: passwordHash});
  token = null;
  clearFields('reset-password', 'reset-repeat');
  form.hidden = true;
  document.getElementById('reset-done').hidden = false;
  showStatus('Your new password is set, and every device that was signed in to the account ' +
             'is signed out.');
  document.getElementById('reset-sign-in').focus();
}, (error) => {
  if (!(error instanceof RpcError)) throw error;
  if (isTokenError(error)) {
    refuseLink(kInvalidLink);
    return;
  }
  if (error.code === 'invalid_argument') {
    // The server checks the password before it looks at the token: the link still works.
    showErrorText(`This password cannot be used (${error.message}). Choose another one; ` +
                  'the link still works.');
    return;
  }
  throw error;
});
