"""--cookie_prefix=__Host- in headless Chromium: the browser itself accepts the prefixed cookies
(it drops a __Host- cookie that is not Secure, at Path=/, without Domain), they carry the
session, and a plain `jwt-token` cookie, as a sibling subdomain could plant, changes nothing.

    /usr/bin/python3 host_cookies.py http://127.0.0.1:PORT

The server must run with --cookie_prefix=__Host-. Exits 0 when every step held.
"""

import sys

import browser
from browser import check

PASSWORD = "correct-horse-battery"
SERVICE = "/auth.v1.AuthService/"
NAMES = ("__Host-user_id", "__Host-jwt-token", "__Host-refresh-token")


def jar(driver):
    """Every cookie in the jar by name."""
    cookies = driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return {cookie["name"]: cookie for cookie in cookies}


def main(server):
    suffix = browser.unique_suffix()
    email = "host%s@example.com" % suffix
    with browser.Chromium() as driver:
        driver.get(server + "/")
        answer = browser.fetch(driver, SERVICE + "Register",
                               {"username": "host_" + suffix, "email": email,
                                "passwordHash": PASSWORD})
        check(answer.get("status") == 200, "Register: %s" % answer)
        answer = browser.fetch(driver, SERVICE + "Login", {"email": email, "passwordHash": PASSWORD})
        check(answer.get("status") == 200, "Login: %s" % answer)
        user_id = answer["body"]["userId"]

        cookies = jar(driver)
        print("cookie jar:", {name: {k: c[k] for k in ("httpOnly", "secure", "sameSite", "path")
                                     if k in c} for name, c in cookies.items()})
        for name in NAMES:
            check(name in cookies, "the browser kept no %s cookie: %s" % (name, sorted(cookies)))
            cookie = cookies[name]
            check(cookie["secure"] and cookie["httpOnly"] and cookie["path"] == "/",
                  "%s is not Secure, HttpOnly at Path=/: %s" % (name, cookie))
        check(not set(cookies) & {"user_id", "jwt-token", "refresh-token"},
              "plain cookies were set: %s" % sorted(cookies))

        # What a sibling subdomain could plant: a plain jwt-token, sent beside the real one.
        driver.execute_script("document.cookie = 'jwt-token=planted.by.sibling; path=/';")
        check("jwt-token" in jar(driver), "could not plant the plain cookie")
        answer = browser.fetch(driver, SERVICE + "GetSession", {})
        check(answer.get("status") == 200 and answer["body"].get("userId") == user_id,
              "GetSession by the __Host- cookie: %s" % answer)

        answer = browser.fetch(driver, SERVICE + "RefreshToken", {})
        check(answer.get("status") == 200, "RefreshToken by the __Host- cookie: %s" % answer)
        check(jar(driver)["__Host-jwt-token"]["value"] != cookies["__Host-jwt-token"]["value"],
              "refresh did not replace the __Host-jwt-token cookie")

        answer = browser.fetch(driver, SERVICE + "Logout", {"userId": user_id})
        check(answer.get("status") == 200, "Logout: %s" % answer)
        left = sorted(set(jar(driver)) & set(NAMES))
        check(not left, "cookies left after sign-out: %s" % left)
    print("host_cookies: every step held")


if __name__ == "__main__":
    main(sys.argv[1])
