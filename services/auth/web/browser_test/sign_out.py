"""Tokens out of scripts' reach, and a sign-out that always works, in headless Chromium:

- a script on the page that POSTs {} to RefreshToken or signs in itself (the cookies ride along)
  reads no token from the answer: a browser's tokens are in its HttpOnly cookies only;
- the page signs out once the access token has expired (its cookie gone, only the refresh-token
  cookie left): the session's refresh token is revoked and every cookie is gone;
- a refresh-token cookie left at its old Path (the RefreshToken route, before December 2026) is
  expired by the next sign-in, so it never rides along beside the new one (two values, which
  RefreshToken would refuse);
- when Logout fails (the session was already ended elsewhere), the page clears what it showed and
  what it kept, shows the error, and the cookies are gone all the same.

    /usr/bin/python3 sign_out.py http://127.0.0.1:PORT

The server must run with --token_lifetime=2s. Exits 0 when every step held; otherwise an
AssertionError names the step.
"""

import json
import sys
import time
import urllib.error
import urllib.request

import browser
from browser import check
from page_flow import PASSWORD, SignInPage, all_cookies

SERVICE = "/auth.v1.AuthService/"
ACCESS_TOKEN_SECONDS = 2
SESSION_COOKIES = {"jwt-token", "refresh-token", "user_id"}
LEGACY_REFRESH_PATH = SERVICE + "RefreshToken"


def refresh_cookie_paths(driver):
    cookies = driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return sorted(c["path"] for c in cookies if c["name"] == "refresh-token")


def plant_legacy_refresh_cookie(driver, server):
    """A refresh-token cookie as the server set it before December 2026: the RefreshToken route."""
    planted = driver.execute_cdp_cmd("Network.setCookie", {
        "name": "refresh-token", "value": "left-from-an-older-release", "url": server,
        "path": LEGACY_REFRESH_PATH, "httpOnly": True, "secure": True, "sameSite": "Strict"})
    check(planted.get("success", True) and LEGACY_REFRESH_PATH in refresh_cookie_paths(driver),
          "the old cookie was not planted: %s" % refresh_cookie_paths(driver))


def post_outside_the_browser(server, method, body, cookie):
    """A call from another client (no Origin): the HTTP status."""
    request = urllib.request.Request(
        server + SERVICE + method, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for_access_token_expiry(driver):
    time.sleep(ACCESS_TOKEN_SECONDS + 1)
    left = set(all_cookies(driver))
    check("jwt-token" not in left and "refresh-token" in left,
          "after the access token's lifetime the jar holds %s" % sorted(left))


def sign_in(page, email):
    page.sign_in("email", email)
    user_id = page.wait_for_status(r"Signed in as user (\d+)\.").group(1)
    browser.wait_for(page.driver, lambda d: page.shown_session()["user_id"] == user_id,
                     "who am I after sign-in")
    return user_id


def main(server):
    suffix = browser.unique_suffix()
    email = "signout%s@example.com" % suffix
    with browser.Chromium() as driver:
        page = SignInPage(driver, server)
        page.open()
        page.register("signout_" + suffix, email, "+1666%s" % suffix[-7:].rjust(7, "1"))
        plant_legacy_refresh_cookie(driver, server)
        user_id = sign_in(page, email)
        check(refresh_cookie_paths(driver) == [SERVICE],
              "refresh-token cookies after sign-in: %s" % refresh_cookie_paths(driver))
        for attempt in (1, 2):
            answer = browser.fetch(driver, SERVICE + "RefreshToken", {})
            check(answer.get("status") == 200,
                  "refresh %d beside an old-path cookie: %s" % (attempt, answer))
        print("the old-path refresh cookie is gone after sign-in; two refreshes: 200")

        # A script on the page cannot obtain a token, though its calls carry the cookies.
        answer = browser.fetch(driver, SERVICE + "RefreshToken", {})
        check(answer.get("status") == 200, "RefreshToken from a script: %s" % answer)
        check("refreshToken" not in answer["body"] and "jwtToken" not in answer["body"],
              "a script read a token from RefreshToken: %s" % sorted(answer["body"]))
        answer = browser.fetch(driver, SERVICE + "Login", {"email": email,
                                                           "passwordHash": PASSWORD})
        check(answer.get("status") == 200 and "jwtToken" not in answer["body"] and
              "refreshToken" not in answer["body"],
              "a script read a token from Login: %s" % sorted(answer.get("body", {})))
        print("scripts read no token:", sorted(answer["body"]))

        # Sign-out after the access token expired.
        wait_for_access_token_expiry(driver)
        refresh_token = all_cookies(driver)["refresh-token"]["value"]
        page.press("signout")
        page.wait_for_status(r"^Signed out\.$")
        left = sorted(set(all_cookies(driver)) & SESSION_COOKIES)
        check(not left, "cookies left after sign-out: %s" % left)
        status = post_outside_the_browser(server, "RefreshToken", {},
                                          "refresh-token=" + refresh_token)
        check(status == 401, "the signed-out refresh token still refreshes: HTTP %s" % status)
        print("signed out after expiry; its refresh token now answers HTTP", status)

        # A Logout that fails still leaves the page and the jar signed out.
        user_id = sign_in(page, email)
        wait_for_access_token_expiry(driver)
        refresh_token = all_cookies(driver)["refresh-token"]["value"]
        status = post_outside_the_browser(
            server, "Logout", {"userId": int(user_id), "currentSessionOnly": True},
            "refresh-token=" + refresh_token)
        check(status == 200, "ending the session from elsewhere: HTTP %s" % status)
        page.press("signout")
        page.wait_for_error(r"\(unauthenticated\)")
        check(not page.element("session").is_displayed() and
              not any(page.shown_session().values()),
              "the page still shows a session after a failed sign-out: %s" % page.shown_session())
        kept = driver.execute_script("return window.localStorage.length")
        check(kept == 0, "the page kept %s items after a failed sign-out" % kept)
        left = sorted(set(all_cookies(driver)) & SESSION_COOKIES)
        check(not left, "cookies left after a failed sign-out: %s" % left)
        print("failed sign-out cleared the page:", page.error())
    print("sign out: ok")


if __name__ == "__main__":
    main(sys.argv[1])
