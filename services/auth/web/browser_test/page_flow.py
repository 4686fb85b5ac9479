"""The sign-in page at / in headless Chromium, used from the keyboard only: register, sign in by
email, the cookies, who am I, refresh, sign out, sign in by phone, a wrong password and the rate
limit's wait.

    /usr/bin/python3 page_flow.py http://127.0.0.1:PORT

The server must run with --login_failures_per_account=3 and --login_failures_per_device=0 (the
rate-limit step counts on them).
Exits 0 when every step held; otherwise an AssertionError names the step.
"""

import re
import sys

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
from browser import check

PASSWORD = "correct-horse-battery"


class SignInPage:
    """The page's controls, operated by keys as a keyboard user would."""

    def __init__(self, driver, server):
        self.driver = driver
        self.server = server

    def open(self):
        self.driver.get(self.server + "/")
        browser.wait_for(self.driver, lambda d: d.title.startswith("Sign in"), "the page")

    def element(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def type_into(self, element_id, text):
        field = self.element(element_id)
        field.clear()
        field.send_keys(text)

    def press(self, element_id, key=Keys.ENTER):
        self.element(element_id).send_keys(key)

    def status(self):
        return self.element("status").text

    def error(self):
        error = self.element("error")
        return error.text if error.is_displayed() else ""

    def wait_for_status(self, pattern):
        """Waits until the status line matches `pattern`, failing early on a shown error."""
        def matched(driver):
            if self.error():
                raise AssertionError("waiting for status %r, the page shows: %s" %
                                     (pattern, self.error()))
            return re.search(pattern, self.status())
        return browser.wait_for(self.driver, matched, "status " + pattern)

    def wait_for_error(self, pattern):
        return browser.wait_for(self.driver, lambda d: re.search(pattern, self.error()),
                                "error " + pattern)

    def register(self, username, email, phone):
        self.type_into("register-username", username)
        self.type_into("register-email", email)
        self.type_into("register-phone", phone)
        self.type_into("register-password", PASSWORD)
        self.press("register-password")  # Enter submits the form
        self.wait_for_status(r"User registered successfully")

    def sign_in(self, by, identifier, password=PASSWORD):
        self.press("signin-by-" + by, Keys.SPACE)  # the radio button
        self.type_into("signin-" + by, identifier)
        self.type_into("signin-password", password)
        self.press("signin-password")

    def shown_session(self):
        return {name: self.element(element_id).text for name, element_id in
                (("user_id", "session-user-id"), ("session_id", "session-id"),
                 ("expires", "session-expires"))}


# Every control in Tab order (of a radio group, Tab reaches the checked button).
# The "Forgot password?" disclosure is closed, so Tab skips its form.
TAB_ORDER = ["signin-by-email", "signin-email", "signin-password", "signin-submit",
             "passkey-signin", "forgot-toggle", "whoami", "refresh", "signout-everywhere",
             "signout", "change-current", "change-new", "change-repeat", "change-keep-session",
             "change-submit", "totp-password", "totp-begin-submit", "totp-regenerate-code",
             "totp-regenerate-submit", "totp-disable-password", "totp-disable-code",
             "totp-disable-submit", "passkey-name", "passkey-password", "passkey-register-submit",
             "passkey-list-show", "register-username", "register-email", "register-phone",
             "register-password", "register-submit"]


def tab_order(driver):
    """The ids the Tab key visits from the top of the page, once round."""
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    visited = []
    for _ in range(len(TAB_ORDER) + 3):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.switch_to.active_element.get_attribute("id")
        if focused in visited or not focused:
            break
        visited.append(focused)
    return visited


def all_cookies(driver):
    """Every cookie in the jar by name, whatever its path (Path=/auth.v1.AuthService/ included)."""
    cookies = driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return {cookie["name"]: cookie for cookie in cookies}


def main(server):
    suffix = browser.unique_suffix()
    email = "page%s@example.com" % suffix
    phone = "+1555%s" % suffix[-7:].rjust(7, "1")
    with browser.Chromium() as driver:
        page = SignInPage(driver, server)
        page.open()
        documents = browser.network_responses(driver, server + "/")
        check(documents and "script-src 'self'" in documents[0][2].get(
            "content-security-policy", ""), "the page came without its CSP: %s" % documents[:1])
        order = tab_order(driver)
        check(order == TAB_ORDER, "Tab visits %s" % order)

        page.register("page_" + suffix, email, phone)
        print("registered", email, phone)

        page.sign_in("email", email)
        user_id = page.wait_for_status(r"Signed in as user (\d+)\.").group(1)
        browser.wait_for(driver, lambda d: page.shown_session()["user_id"] == user_id,
                         "who am I after sign-in")
        print("signed in by email as user", user_id)

        cookies = all_cookies(driver)
        jwt = cookies.get("jwt-token")
        check(jwt is not None, "no jwt-token cookie after sign-in: %s" % sorted(cookies))
        check(jwt["httpOnly"] and jwt["secure"] and jwt.get("sameSite") == "Strict",
              "jwt-token cookie is not HttpOnly, Secure, SameSite=Strict: %s" % jwt)
        check(jwt["path"] == "/", "jwt-token path: %s" % jwt["path"])
        check("user_id" in cookies, "no user_id cookie: %s" % sorted(cookies))
        refresh = cookies.get("refresh-token")
        check(refresh is not None and refresh["httpOnly"] and
              refresh["path"] == "/auth.v1.AuthService/",
              "refresh-token cookie not HttpOnly on the service's path: %s" % refresh)
        visible = driver.execute_script("return document.cookie")
        check("jwt-token" not in visible and "refresh-token" not in visible and
              jwt["value"] not in visible,
              "document.cookie shows a token: %r" % visible)
        print("cookie jar:", {name: {k: c[k] for k in ("httpOnly", "secure", "sameSite", "path")
                                     if k in c} for name, c in cookies.items()})

        page.press("whoami")
        page.wait_for_status(r"You are user %s\." % user_id)
        before = page.shown_session()
        check(before["user_id"] == user_id and before["session_id"] and before["expires"],
              "who am I shows %s" % before)

        page.press("refresh")
        page.wait_for_status(r"Session refreshed for user %s\." % user_id)
        browser.wait_for(driver, lambda d: page.shown_session()["session_id"] not in
                         ("", before["session_id"]), "a new session after refresh")
        check(all_cookies(driver)["jwt-token"]["value"] != jwt["value"],
              "refresh did not replace the jwt-token cookie")
        print("refreshed: session", before["session_id"], "->", page.shown_session()["session_id"])

        page.press("signout")
        page.wait_for_status(r"^Signed out\.$")
        left = sorted(set(all_cookies(driver)) & {"jwt-token", "refresh-token", "user_id"})
        check(not left, "cookies left after sign-out: %s" % left)
        page.press("whoami")
        page.wait_for_error(r"\(unauthenticated\)")
        answer = browser.fetch(driver, "/auth.v1.AuthService/GetSession", {})
        check(answer.get("status") == 401 and answer["body"].get("code") == "unauthenticated",
              "GetSession after sign-out: %s" % answer)
        print("signed out; who am I:", page.error())

        page.sign_in("phone", phone)
        page.wait_for_status(r"Signed in as user %s\." % user_id)
        print("signed in by phone")
        page.press("signout-everywhere", Keys.SPACE)
        page.press("signout")
        page.wait_for_status(r"Signed out on every device\.")

        # The server's messages, and the wait a rate limit names (Retry-After), on the page.
        page.sign_in("email", email, password="wrong-password")
        page.wait_for_error(r"\(unauthenticated\)")
        print("wrong password:", page.error())
        for _ in range(3):  # the 4th attempt is refused
            page.press("signin-password")
            page.wait_for_error(r"\((unauthenticated|resource_exhausted)\)")
        page.wait_for_error(r"\(resource_exhausted\) Try again in \d+ s\.")
        print("rate limited:", page.error())

        # The page ran under the front's CSP without breaking it (Chromium reports a blocked
        # inline script or style on the console).
        console = driver.get_log("browser")
        for entry in console:
            print("browser console:", entry.get("level"), entry.get("message"))
        check(not [e for e in console if "Content Security Policy" in e.get("message", "")],
              "the page broke its CSP")
    print("page flow: ok")


if __name__ == "__main__":
    main(sys.argv[1])
