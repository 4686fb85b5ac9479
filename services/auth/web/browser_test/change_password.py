"""Change password on the sign-in page, in headless Chromium:

- a wrong current password is refused (unauthenticated), and nothing changes;
- "my other devices only": another client's session and refresh token (a login made before,
  outside the browser) are refused from then on, so is the old password, and the browser's
  session goes on;
- "everywhere, this device too", once the access token's cookie has expired: the page renews the
  session first, then the browser's session ends as well, its cookies are gone, the page shows
  no session; a change then says to sign in first; the newest password signs in.

    /usr/bin/python3 change_password.py http://127.0.0.1:PORT

Exits 0 when every step held; otherwise an AssertionError names the step.
"""

import json
import sys
import urllib.error
import urllib.request

from selenium.webdriver.common.keys import Keys

import browser
from browser import check
from page_flow import PASSWORD, SignInPage, all_cookies

CHANGED_PASSWORD = "changed-while-signed-in"
LAST_PASSWORD = "changed-again-signing-out-everywhere"


def post(server, service, method, body, jwt=None, refresh=None):
    """An RPC from a client that is not a browser (no Origin): (HTTP status, answer)."""
    cookies = []
    if jwt:
        cookies.append("jwt-token=" + jwt)
    if refresh:
        cookies.append("refresh-token=" + refresh)
    headers = {"Content-Type": "application/json"}
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    request = urllib.request.Request("%s/auth.v1.%s/%s" % (server, service, method),
                                     data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def other_client_login(server, email_address, password):
    """A session of another device: its access and refresh tokens (answered in the body)."""
    status, answer = post(server, "AuthService", "Login",
                          {"email": email_address, "passwordHash": password})
    check(status == 200 and answer.get("jwtToken") and answer.get("refreshToken"),
          "another client's login: %s %s" % (status, sorted(answer)))
    return answer["jwtToken"], answer["refreshToken"]


def change(page, current, new, everywhere=False):
    page.type_into("change-current", current)
    page.type_into("change-new", new)
    page.type_into("change-repeat", new)
    if everywhere:
        page.press("change-sign-out-everywhere", Keys.SPACE)
    page.press("change-repeat")


def change_password(page, server, email_address, user_id, password):
    """The steps above, for a user signed in on `page` with `password`."""
    driver = page.driver
    other_jwt, other_refresh = other_client_login(server, email_address, password)
    change(page, "not-the-password", CHANGED_PASSWORD)
    page.wait_for_error(r"\(unauthenticated\)")
    print("change with a wrong current password:", page.error())

    change(page, password, CHANGED_PASSWORD)
    page.wait_for_status(r"Password changed\. Your other devices are signed out\.")
    status, _ = post(server, "AuthService", "GetSession", {}, jwt=other_jwt)
    check(status == 401, "another device's session after the change: HTTP %s" % status)
    status, _ = post(server, "AuthService", "RefreshToken", {}, refresh=other_refresh)
    check(status == 401, "another device's refresh token after the change: HTTP %s" % status)
    status, _ = post(server, "AuthService", "Login", {"email": email_address,
                                                      "passwordHash": password})
    check(status == 401, "the old password after the change: HTTP %s" % status)
    page.press("whoami")
    page.wait_for_status(r"You are user %s\." % user_id)
    print("changed, other devices signed out, this one kept")

    # The access token's cookie expires with it (--token_lifetime) and the refresh token's lives
    # on: the page renews the session before it changes the password.
    driver.execute_cdp_cmd("Network.deleteCookies", {"name": "jwt-token", "url": server})
    check("jwt-token" not in all_cookies(driver), "the jwt-token cookie is still there")
    change(page, CHANGED_PASSWORD, LAST_PASSWORD, everywhere=True)
    page.wait_for_status(r"Password changed\. You are signed out everywhere")
    left = sorted(set(all_cookies(driver)) & {"jwt-token", "refresh-token"})
    check(not left, "session cookies after a change that signs out everywhere: %s" % left)
    check(not page.element("session").is_displayed(), "the page still shows the session")
    print("changed after the access token expired, and signed out everywhere")

    change(page, LAST_PASSWORD, CHANGED_PASSWORD)
    page.wait_for_error(r"^You are not signed in: sign in, then change the password\.$")
    page.sign_in("email", email_address, password=LAST_PASSWORD)
    page.wait_for_status(r"Signed in as user %s\." % user_id)
    print("signed out, the page says so; the newest password signs in")


def main(server):
    suffix = browser.unique_suffix()
    email_address = "change%s@example.com" % suffix
    with browser.Chromium() as driver:
        page = SignInPage(driver, server)
        page.open()
        page.register("change_" + suffix, email_address, "+1888%s" % suffix[-7:].rjust(7, "1"))
        page.sign_in("email", email_address)
        user_id = page.wait_for_status(r"Signed in as user (\d+)\.").group(1)
        change_password(page, server, email_address, user_id, PASSWORD)
    print("change password: ok")


if __name__ == "__main__":
    main(sys.argv[1])
