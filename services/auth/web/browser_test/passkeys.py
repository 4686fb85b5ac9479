"""Passkeys on the sign-in page, in headless Chromium with a virtual authenticator (CTAP2,
internal, resident keys, user verification):

- a passkey registered through the page (password, then the browser's create()) is listed;
- a second registration's options list the first credential in excludeCredentials;
- signed out, "Sign in with a passkey" (discoverable: no account named) signs the same user in,
  with amr hwk+user;
- with an authenticator that does not verify its user, the page shows an error and nobody is
  signed in;
- assertions forged by this script with the virtual authenticator's private key, over the HTTP
  front (Connect JSON, no browser): a correct one is accepted (the forgery is right), then a wrong
  origin, a flipped signature byte, a wrong rpIdHash, UP=0, UV=0, a replay, another ceremony's
  challenge, an expired ceremony and a lower signCount are each UNAUTHENTICATED, and none of
  them stored anything: a correct assertion with the next count still signs in;
- the authenticator's own next assertion, now below the server's count, is refused; the list
  shows the passkey used; deleting the last one is refused without the password and done with
  it.

    /usr/bin/python3 passkeys.py http://localhost:PORT http://127.0.0.1:PORT2

The first server runs with --webauthn_rp_id=localhost --webauthn_origins=http://localhost:PORT;
the second is a replica of its database with --webauthn_ceremony_lifetime=1s.
Exits 0 when every step held; otherwise an AssertionError names the step.
"""

import base64
import hashlib
import json
import re
import struct
import sys
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from selenium.webdriver.common.virtual_authenticator import (Protocol, Transport,
                                                             VirtualAuthenticatorOptions)

import browser
from browser import check
from page_flow import PASSWORD, SignInPage

RP_ID = "localhost"
FLAG_UP = 0x01
FLAG_UV = 0x04


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def post(server, method, body):
    """AuthService's `method` as Connect JSON from a client that is not a browser."""
    request = urllib.request.Request("%s/auth.v1.AuthService/%s" % (server, method),
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def begin(server):
    status, answer = post(server, "BeginPasskeyLogin", {})
    check(status == 200, "BeginPasskeyLogin: %s %s" % (status, answer))
    return answer["ceremonyId"], json.loads(answer["optionsJson"])["challenge"]


class Forger:
    """Assertions of the virtual authenticator's credential, built by hand (WebAuthn 7.2)."""

    def __init__(self, credential, origin):
        self.credential_id = unb64url(credential.id)
        self.user_handle = unb64url(credential.user_handle)
        self.key = serialization.load_der_private_key(unb64url(credential.private_key), None)
        self.origin = origin

    def assertion(self, challenge, count, origin=None, rp_id=RP_ID, flags=FLAG_UP | FLAG_UV,
                  flip_signature=False):
        client_data = json.dumps({"type": "webauthn.get", "challenge": challenge,
                                  "origin": origin or self.origin,
                                  "crossOrigin": False}).encode()
        authenticator_data = (hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) +
                              struct.pack(">I", count))
        signed = authenticator_data + hashlib.sha256(client_data).digest()
        # The key Chromium made: ES256 or EdDSA, whichever it took from the server's list.
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            signature = bytearray(self.key.sign(signed, ec.ECDSA(hashes.SHA256())))
        else:
            signature = bytearray(self.key.sign(signed))
        if flip_signature:
            signature[-1] ^= 0x01
        credential_id = b64url(self.credential_id)
        return json.dumps({
            "id": credential_id, "rawId": credential_id, "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data),
                         "authenticatorData": b64url(authenticator_data),
                         "signature": b64url(bytes(signature)),
                         "userHandle": b64url(self.user_handle)},
            "clientExtensionResults": {}})


def finish(server, ceremony_id, credential_json):
    return post(server, "FinishPasskeyLogin",
                {"ceremonyId": ceremony_id, "credentialJson": credential_json})


def forged_assertions(server, short_lived, forger, count, user_id):
    """The forged steps above; `count` is the server's stored signCount."""
    good_ceremony, challenge = begin(server)
    good = forger.assertion(challenge, count + 1)
    status, answer = finish(server, good_ceremony, good)
    check(status == 200 and answer.get("userId") == user_id,
          "a correct forged assertion: %s %s" % (status, answer))
    count += 1
    print("a correct assertion built by the test signs user", user_id, "in")

    refusals = {
        "wrong origin": lambda c: forger.assertion(c, count + 1, origin="http://evil.localhost"),
        "flipped signature byte": lambda c: forger.assertion(c, count + 1, flip_signature=True),
        "wrong rpIdHash": lambda c: forger.assertion(c, count + 1, rp_id="example.com"),
        "UP=0": lambda c: forger.assertion(c, count + 1, flags=FLAG_UV),
        "UV=0": lambda c: forger.assertion(c, count + 1, flags=FLAG_UP),
        "lower signCount": lambda c: forger.assertion(c, count - 1),
        "equal signCount": lambda c: forger.assertion(c, count),
    }
    for what, build in refusals.items():
        ceremony, challenge = begin(server)
        status, answer = finish(server, ceremony, build(challenge))
        check(status == 401 and answer.get("code") == "unauthenticated",
              "%s: %s %s" % (what, status, answer))
        print("refused (%s): %s" % (what, answer.get("message")))

    status, answer = finish(server, good_ceremony, good)
    check(status == 401, "a replayed assertion: %s %s" % (status, answer))
    print("refused (replay):", answer.get("message"))

    ceremony_a, _ = begin(server)
    _, challenge_b = begin(server)
    status, answer = finish(server, ceremony_a, forger.assertion(challenge_b, count + 1))
    check(status == 401, "another ceremony's challenge: %s %s" % (status, answer))
    print("refused (another ceremony's challenge):", answer.get("message"))

    ceremony, challenge = begin(short_lived)
    time.sleep(1.5)  # past --webauthn_ceremony_lifetime=1s
    status, answer = finish(short_lived, ceremony, forger.assertion(challenge, count + 1))
    check(status == 401, "an expired ceremony: %s %s" % (status, answer))
    print("refused (expired ceremony):", answer.get("message"))

    ceremony, challenge = begin(server)
    status, answer = finish(server, ceremony, forger.assertion(challenge, count + 1))
    check(status == 200 and answer.get("userId") == user_id,
          "the next count after the refusals: %s %s" % (status, answer))
    print("nothing stored by the refusals: the next count still signs in")


def delete_last_passkey(page, email, user_id):
    """The forged assertions moved the server's signCount past the authenticator's: its own
    assertion is now refused (a possible clone). Signed in by password, the list shows the
    passkey used; deleting the account's last passkey is refused without the password, and done
    with it."""
    page.press("passkey-signin")
    page.wait_for_error(r"^passkey assertion refused \(unauthenticated\)$")
    print("the authenticator's own assertion, below the server's count:", page.error())
    page.sign_in("email", email)
    page.wait_for_status(r"^Signed in as user %d\.$" % user_id)
    page.press("passkey-list-show")
    page.wait_for_status(r"^You have 1 passkey\(s\)\.$")
    rows = page.element("passkey-list").text
    check(re.search(r"laptop \S+Z \S+Z (no|yes)", rows), "the list after use: %r" % rows)
    page.element("passkey-list").find_element("css selector", "button").click()
    page.wait_for_error(r"\(failed_precondition\)")
    print("deleting the last passkey without the password:", page.error())
    page.type_into("passkey-delete-password", PASSWORD)
    page.element("passkey-list").find_element("css selector", "button").click()
    page.wait_for_status(r'^Passkey "laptop" deleted\.$')
    check(not page.element("passkey-table").is_displayed(), "the table still shows a passkey")
    print("the last passkey deleted with the password; the list is empty")


def main(server, short_lived):
    suffix = browser.unique_suffix()
    email = "passkey%s@example.com" % suffix
    with browser.Chromium() as driver:
        authenticator = VirtualAuthenticatorOptions(
            protocol=Protocol.CTAP2, transport=Transport.INTERNAL, has_resident_key=True,
            has_user_verification=True, is_user_verified=True)
        driver.add_virtual_authenticator(authenticator)
        page = SignInPage(driver, server)
        page.open()
        page.register("passkey_" + suffix, email, "+1777%s" % suffix[-7:].rjust(7, "1"))
        page.sign_in("email", email)
        user_id = int(page.wait_for_status(r"Signed in as user (\d+)\.").group(1))

        page.type_into("passkey-name", "laptop")
        page.type_into("passkey-password", PASSWORD)
        page.press("passkey-password")
        page.wait_for_status(r'^Passkey "laptop" added\.$')
        rows = page.element("passkey-list").text
        check(re.search(r"laptop .*never (no|yes)", rows), "the passkey list: %r" % rows)
        credentials = driver.get_credentials()
        check(len(credentials) == 1 and credentials[0].is_resident_credential,
              "the authenticator's credentials: %s" % credentials)
        print("registered through the page:", rows)

        begun = browser.fetch(driver, "/auth.v1.CredentialService/BeginPasskeyRegistration",
                              {"passwordHash": PASSWORD})
        check(begun.get("status") == 200, "a second BeginPasskeyRegistration: %s" % begun)
        excluded = [entry["id"] for entry in
                    json.loads(begun["body"]["optionsJson"]).get("excludeCredentials", [])]
        check(excluded == [credentials[0].id.rstrip("=")],
              "excludeCredentials %s, the credential %s" % (excluded, credentials[0].id))
        print("a second registration excludes the first credential")

        page.press("signout")
        page.wait_for_status(r"^Signed out\.$")
        page.press("passkey-signin")
        page.wait_for_status(r"^Signed in as user %d\.$" % user_id)
        session = browser.fetch(driver, "/auth.v1.AuthService/GetSession", {})
        check(session.get("status") == 200 and session["body"].get("userId") == user_id and
              sorted(session["body"].get("amr", [])) == ["hwk", "user"],
              "GetSession after the passkey sign-in: %s" % session)
        print("signed in with the passkey (discoverable), amr", session["body"]["amr"])
        stored_count = driver.get_credentials()[0].sign_count  # what the server now holds

        page.press("signout")
        page.wait_for_status(r"^Signed out\.$")
        driver.set_user_verified(False)
        page.press("passkey-signin")
        shown = page.wait_for_error(r".").string
        session = browser.fetch(driver, "/auth.v1.AuthService/GetSession", {})
        check(session.get("status") == 401, "signed in without verification: %s" % session)
        print("without user verification the page says:", shown)
        driver.set_user_verified(True)

        credential = driver.get_credentials()[0]
        forger = Forger(credential, server)
        forged_assertions(server, short_lived, forger, stored_count, user_id)
        delete_last_passkey(page, email, user_id)
    print("passkeys: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
