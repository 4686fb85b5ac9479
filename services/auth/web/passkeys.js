// The sign-in page's passkeys (WebAuthn): "Sign in with a passkey" (a discoverable credential:
// AuthService.BeginPasskeyLogin with no account named, navigator.credentials.get(),
// FinishPasskeyLogin), and for the signed-in user adding one (password, then
// navigator.credentials.create()), listing and deleting them (CredentialService).
//
// The server's options are WebAuthn Level 3 JSON, turned into the browser's objects by
// PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON, and the
// credential goes back as JSON.stringify(credential.toJSON()).
import {RpcError, callRpc, clearFields, handle, passwordValue, showStatus, value} from '/page.js';

const callCredential = (method, request) => callRpc('CredentialService', method, request);
const element = (id) => document.getElementById(id);

function requireWebAuthn() {
  if (!window.PublicKeyCredential ||
      typeof PublicKeyCredential.parseCreationOptionsFromJSON !== 'function' ||
      typeof PublicKeyCredential.parseRequestOptionsFromJSON !== 'function') {
    throw new Error('This browser cannot use passkeys here.');
  }
}

// The browser's refusal (the user cancelled, no authenticator, verification failed), in words.
async function browserCeremony(run) {
  try {
    const credential = await run();
    if (!credential) throw new Error('No passkey was given.');
    return JSON.stringify(credential.toJSON());
  } catch (error) {
    if (error instanceof RpcError) throw error;
    const name = error && error.name ? error.name : 'Error';
    if (name === 'NotAllowedError') {
      throw new Error('The passkey was not used: cancelled, timed out or not verified.');
    }
    if (name === 'InvalidStateError') {
      throw new Error('This authenticator holds a passkey of yours already.');
    }
    throw new Error(`The browser refused the passkey (${name}).`);
  }
}

function dateText(unixSeconds) {
  const seconds = Number(unixSeconds || 0);
  return seconds > 0 ? new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : 'never';
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

export function setUpPasskeys({signedIn, renewSession}) {
  handle(element('passkey-signin'), 'click', async () => {
    requireWebAuthn();
    const begun = await callRpc('AuthService', 'BeginPasskeyLogin', {});
    const options = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(begun.optionsJson));
    const credentialJson =
        await browserCeremony(() => navigator.credentials.get({publicKey: options}));
    const answer = await callRpc('AuthService', 'FinishPasskeyLogin',
                                 {ceremonyId: begun.ceremonyId, credentialJson: credentialJson});
    await signedIn(answer);
  });

  const table = element('passkey-table');
  const list = element('passkey-list');

  async function showPasskeys() {
    const answer = await callCredential('ListPasskeys', {});
    const passkeys = answer.passkeys || [];
    list.replaceChildren(...passkeys.map((passkey) => {
      const row = document.createElement('tr');
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.setAttribute('aria-label', `Delete passkey ${passkey.name}`);
      handle(remove, 'click', async () => {
        await renewSession('delete a passkey');
        await callCredential('DeletePasskey', {
          passkeyId: passkey.passkeyId,
          passwordHash: passwordValue('passkey-delete-password'),
        });
        clearFields('passkey-delete-password');
        await showPasskeys();
        showStatus(`Passkey "${passkey.name}" deleted.`);
      });
      const action = document.createElement('td');
      action.appendChild(remove);
      row.append(cell(passkey.name || ''), cell(dateText(passkey.createdAtUnixSeconds)),
                 cell(dateText(passkey.lastUsedAtUnixSeconds)),
                 cell(passkey.backedUp === true ? 'yes' : 'no'), action);
      return row;
    }));
    table.hidden = passkeys.length === 0;
    element('passkey-delete-password-field').hidden = passkeys.length === 0;
    return passkeys;
  }

  handle(element('passkey-list-show'), 'click', async () => {
    await renewSession('see your passkeys');
    const passkeys = await showPasskeys();
    showStatus(passkeys.length === 0 ? 'You have no passkeys.' :
                                       `You have ${passkeys.length} passkey(s).`);
  });

  handle(element('passkey-register-form'), 'submit', async () => {
    requireWebAuthn();
    const name = value('passkey-name');
    const request = {passwordHash: passwordValue('passkey-password')};
    await renewSession('add a passkey');
    const begun = await callCredential('BeginPasskeyRegistration', request);
    clearFields('passkey-password');
    const options =
        PublicKeyCredential.parseCreationOptionsFromJSON(JSON.parse(begun.optionsJson));
    const credentialJson =
        await browserCeremony(() => navigator.credentials.create({publicKey: options}));
    await callCredential('FinishPasskeyRegistration',
                         {ceremonyId: begun.ceremonyId, credentialJson: credentialJson, name: name});
    clearFields('passkey-name');
    await showPasskeys();
    showStatus(`Passkey "${name}" added.`);
  });
}
