// The sign-in page's two-step sign-in (TOTP, auth.v1.CredentialService): set up an
// authenticator app (password -> QR code and key -> a code confirms -> the recovery codes, shown
// once), new recovery codes, turning it off; and the sign-in form's code step after a Login that
// answered secondFactorRequired (AuthService.CompleteLogin).
//
// The MFA ticket of that step travels in the server's HttpOnly `mfa-ticket` cookie; the page
// also sends the one Login's answer named, kept in memory only until the step ends.
import {
  RpcError, callRpc, clearFields, handle, passwordValue, showStatus, value,
} from '/page.js';

const callCredential = (method, request) => callRpc('CredentialService', method, request);
const kSvgNamespace = 'http://www.w3.org/2000/svg';

// What the server's QR code (libs/otp/qr_svg) is made of: an <svg> with one <rect> and one
// <path>. The page rebuilds it from these elements and attributes only, each value checked, so
// nothing else in the answer (a script, an event handler, a link) can reach the document.
const kAllowedSvg = {
  svg: {viewBox: /^[0-9 ]+$/, width: /^[0-9]+$/, height: /^[0-9]+$/,
    'shape-rendering': /^[a-zA-Z]+$/},
  rect: {x: /^[0-9]+$/, y: /^[0-9]+$/, width: /^[0-9]+$/, height: /^[0-9]+$/,
    fill: /^#[0-9a-fA-F]{3,6}$/},
  path: {d: /^[Mmh0-9 .]+$/, fill: /^(none|#[0-9a-fA-F]{3,6})$/,
    stroke: /^#[0-9a-fA-F]{3,6}$/},
};

function copySvgElement(source) {
  const allowed = kAllowedSvg[source.localName];
  if (source.namespaceURI !== kSvgNamespace || !allowed) {
    throw new Error('The server\'s QR code could not be shown: use the key below it.');
  }
  const copy = document.createElementNS(kSvgNamespace, source.localName);
  for (const [name, pattern] of Object.entries(allowed)) {
    const attribute = source.getAttribute(name);
    if (attribute !== null && pattern.test(attribute)) copy.setAttribute(name, attribute);
  }
  for (const child of source.children) copy.appendChild(copySvgElement(child));
  return copy;
}

// The QR code's SVG text as a fresh <svg> element (see kAllowedSvg); exported for the test that
// feeds it hostile markup.
export function qrElement(svgText) {
  const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  if (parsed.getElementsByTagName('parsererror').length > 0) {
    throw new Error('The server\'s QR code could not be shown: use the key below it.');
  }
  const svg = copySvgElement(parsed.documentElement);
  svg.setAttribute('aria-hidden', 'true');
  return svg;
}

const element = (id) => document.getElementById(id);

function showRecoveryCodes(codes) {
  const list = element('recovery-code-list');
  list.replaceChildren(...codes.map((code) => {
    const item = document.createElement('li');
    const text = document.createElement('code');
    text.textContent = code;
    item.appendChild(text);
    return item;
  }));
  element('recovery-codes').hidden = false;
  element('recovery-saved').focus();
}

function hideEnrolment() {
  element('totp-enrolment').hidden = true;
  element('totp-qr').replaceChildren();
  for (const id of ['totp-secret', 'totp-uri']) element(id).textContent = '';
}

// The sign-in form's code step. `signedIn(answer)` is app.js's end of a sign-in.
let pendingTicket = '';
const mfaForm = element('mfa-form');
const useRecovery = element('mfa-use-recovery');

export function askSecondFactor(ticket) {
  pendingTicket = ticket || '';
  useRecovery.checked = false;
  element('mfa-code-label').textContent = 'Code from the app';
  element('mfa-code').value = '';
  mfaForm.hidden = false;
  element('mfa-code').focus();
  showStatus('Your password is right: now the code from your authenticator app.');
}

function endSecondFactor() {
  pendingTicket = '';
  mfaForm.hidden = true;
  element('mfa-code').value = '';
}

export function setUpSecondFactor({signedIn, renewSession}) {
  useRecovery.addEventListener('change', () => {
    element('mfa-code-label').textContent =
        useRecovery.checked ? 'Recovery code' : 'Code from the app';
    element('mfa-code').focus();
  });
  handle(mfaForm, 'submit', async () => {
    const request = {mfaTicket: pendingTicket};
    if (useRecovery.checked) {
      request.recoveryCode = value('mfa-code');
    } else {
      request.totpCode = value('mfa-code');
    }
    const answer = await callRpc('AuthService', 'CompleteLogin', request);
    endSecondFactor();
    await signedIn(answer);
  }, (error) => {
    // A spent or expired ticket (5 minutes, or the fifth wrong code) takes no more codes: the
    // step ends, and the server's message says to sign in again.
    if (error instanceof RpcError && error.code === 'unauthenticated' &&
        /ticket/i.test(error.message)) {
      endSecondFactor();
    }
    throw error;
  });
  element('mfa-cancel').addEventListener('click', () => {
    endSecondFactor();
    showStatus('Sign-in cancelled.');
  });

  handle(element('totp-begin-form'), 'submit', async () => {
    const request = {passwordHash: passwordValue('totp-password')};
    await renewSession('set up an authenticator app');
    const answer = await callCredential('BeginTotpEnrollment', request);
    clearFields('totp-password');
    element('totp-secret').textContent = answer.secretBase32 || '';
    element('totp-uri').textContent = answer.otpauthUri || '';
    element('totp-enrolment').hidden = false;
    element('totp-qr').replaceChildren(qrElement(answer.qrSvg || ''));
    element('totp-confirm-code').focus();
    showStatus('Scan the QR code, then enter the code the app shows.');
  });

  handle(element('totp-confirm-form'), 'submit', async () => {
    const answer = await callCredential('ConfirmTotpEnrollment', {code: value('totp-confirm-code')});
    clearFields('totp-confirm-code');
    hideEnrolment();
    showRecoveryCodes(answer.recoveryCodes || []);
    showStatus('Two-step sign-in is on. Save your recovery codes.');
  });

  element('recovery-saved').addEventListener('click', () => {
    element('recovery-code-list').replaceChildren();
    element('recovery-codes').hidden = true;
    showStatus('Recovery codes put away.');
  });

  handle(element('totp-regenerate-form'), 'submit', async () => {
    const request = {code: value('totp-regenerate-code')};
    await renewSession('ask for new recovery codes');
    const answer = await callCredential('RegenerateRecoveryCodes', request);
    clearFields('totp-regenerate-code');
    showRecoveryCodes(answer.recoveryCodes || []);
    showStatus('New recovery codes: the old ones no longer work.');
  });

  handle(element('totp-disable-form'), 'submit', async () => {
    const request = {
      passwordHash: passwordValue('totp-disable-password'),
      code: value('totp-disable-code'),
    };
    await renewSession('turn off two-step sign-in');
    await callCredential('DisableTotp', request);
    clearFields('totp-disable-password', 'totp-disable-code');
    showStatus('Two-step sign-in is off.');
  });
}
