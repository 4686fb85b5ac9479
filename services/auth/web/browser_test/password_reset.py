"""A forgotten password reset through a real mail, in headless Chromium:

- "Forgot password?" on the sign-in page answers with the same notice for an address with an
  account and for one without;
- the mail arrives in the SMTP server's Maildir with a link <public base URL>/reset-password#token=;
- opening the link (twice) spends nothing, and the page takes the token out of the address bar;
- two new passwords that differ, and one the server refuses, leave the link usable;
- the new password is set: every earlier session and refresh token (the browser's and another
  client's) is refused, the old password is refused, the new one signs in;
- the link opened again and submitted: "invalid or has expired";
- an address without an account got no mail.

    /usr/bin/python3 password_reset.py http://127.0.0.1:PORT MAILDIR

The server must run with --smtp_url naming the SMTP server that writes MAILDIR and
--public_base_url=http://127.0.0.1:PORT. Exits 0 when every step held; otherwise an
AssertionError names the step.
"""

import email
import email.policy
import email.utils
import os
import re
import sys
import time

import browser
from browser import check
from change_password import other_client_login, post
from page_flow import PASSWORD, SignInPage, all_cookies, tab_order

NEW_PASSWORD = "a-new-password-after-reset"
LINK = re.compile(r"(\S+)/reset-password#token=([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
MAIL_TIMEOUT_SECONDS = 20
NEUTRAL_NOTICE = r"If an account has this address, a link is on its way\."
INVALID_LINK = r"invalid or has expired"


def mails(maildir):
    """The messages aiosmtpd stored, oldest first."""
    paths = []
    for sub in ("new", "cur"):
        folder = os.path.join(maildir, sub)
        if os.path.isdir(folder):
            paths += [os.path.join(folder, name) for name in os.listdir(folder)]
    paths.sort(key=os.path.getmtime)
    messages = []
    for path in paths:
        with open(path, "rb") as file:
            messages.append(email.message_from_bytes(file.read(), policy=email.policy.default))
    return messages


RESET_SUBJECT = "Reset your password"

def mails_to(maildir, address, subject=None):
    """The mails to `address` (about `subject` only, if given: Register mails a verification
    link to every new account), oldest first."""
    return [mail for mail in mails(maildir)
            if email.utils.parseaddr(str(mail["To"]))[1] == address and
            (subject is None or mail["Subject"] == subject)]


def wait_for_mail(maildir, address, subject=None, count=1):
    """The `count`-th mail to `address` (about `subject`), once it is there (the server sends
    after it answered)."""
    deadline = time.monotonic() + MAIL_TIMEOUT_SECONDS
    while True:
        stored = mails_to(maildir, address, subject)
        if len(stored) >= count:
            return stored[count - 1]
        check(time.monotonic() < deadline, "no mail to %s in %s after %d s" %
              (address, maildir, MAIL_TIMEOUT_SECONDS))
        time.sleep(0.05)


def unknown_address(email_address):
    return "nobody-" + email_address


class ResetPage(SignInPage):
    """The page a reset link opens; the status and error lines are the sign-in page's."""

    def open(self, link):
        self.driver.get(link)
        browser.wait_for(self.driver, lambda d: d.title.startswith("Set a new password"),
                         "the reset page")

    def submit(self, password, repeat=None, paste=False):
        """Types the new password twice (pastes it: a long one typed key by key takes seconds)
        and presses Enter."""
        for field, text in (("reset-password", password),
                            ("reset-repeat", password if repeat is None else repeat)):
            if paste:
                self.driver.execute_script("arguments[0].value = arguments[1];",
                                           self.element(field), text)
            else:
                self.type_into(field, text)
        self.press("reset-repeat")


def request_reset(page, identifier):
    page.press("forgot-toggle")  # Enter opens the disclosure
    browser.wait_for(page.driver, lambda d: page.element("forgot-identifier").is_displayed(),
                     "the forgot-password form")
    page.type_into("forgot-identifier", identifier)
    page.press("forgot-identifier")
    page.wait_for_status(NEUTRAL_NOTICE)


def reset_by_mail(driver, server, maildir, email_address):
    """Forgot password, the mail, the link, a new password; returns the link."""
    page = SignInPage(driver, server)
    page.open()
    request_reset(page, email_address)
    known_notice = page.status()
    page.open()
    request_reset(page, unknown_address(email_address))
    check(page.status() == known_notice,
          "the notices differ: %r and %r" % (known_notice, page.status()))
    print("forgot password: the same notice for a known and an unknown address")

    mail = wait_for_mail(maildir, email_address, RESET_SUBJECT)
    check(mail["Subject"] == "Reset your password", "the mail's subject: %s" % mail["Subject"])
    body = mail.get_body(("plain",)).get_content()
    found = LINK.search(body)
    check(found and found.group(1) == server, "no link to %s in the mail:\n%s" % (server, body))
    link = found.group(0)
    print("mail to", mail["To"], "with a link to", found.group(1) + "/reset-password#token=...")

    reset = ResetPage(driver, server)
    browser.network_responses(driver, "")  # empties the log: the next document is the page's
    for _ in range(2):  # opening the link spends nothing (the second time, only the hash changes)
        reset.open(link)
        browser.wait_for(driver, lambda d: d.current_url == server + "/reset-password",
                         "the token out of the address bar (%s)" % driver.current_url)
        check(reset.element("reset-form").is_displayed() and not reset.error(),
              "the reset page refused a fresh link: %s" % reset.error())
    documents = browser.network_responses(driver, server + "/reset-password")
    check(documents and "script-src 'self'" in documents[0][2].get(
        "content-security-policy", ""), "the reset page came without its CSP: %s" % documents[:1])
    order = tab_order(driver)
    check(order == ["reset-password", "reset-repeat", "reset-submit"], "Tab visits %s" % order)
    reset.submit(NEW_PASSWORD, repeat=NEW_PASSWORD + "-typo")
    reset.wait_for_error(r"The two new passwords differ")
    reset.submit("x" * 1025, paste=True)  # the server's limit is 1024 bytes
    reset.wait_for_error(r"This password cannot be used \(.*\)\. .*the link still works\.")
    print("refused before the token was spent:", reset.error())
    reset.submit(NEW_PASSWORD)
    reset.wait_for_status(r"Your new password is set")
    check(reset.element("reset-sign-in").is_displayed() and
          driver.switch_to.active_element.get_attribute("id") == "reset-sign-in",
          "no focused sign-in link after the reset")
    check(driver.current_url == server + "/reset-password", "address after the reset: %s" %
          driver.current_url)
    print("new password set:", reset.status())
    return link


def main(server, maildir):
    suffix = browser.unique_suffix()
    email_address = "reset%s@example.com" % suffix
    with browser.Chromium() as driver:
        page = SignInPage(driver, server)
        page.open()
        page.register("reset_" + suffix, email_address, "+1777%s" % suffix[-7:].rjust(7, "1"))
        page.sign_in("email", email_address)
        user_id = page.wait_for_status(r"Signed in as user (\d+)\.").group(1)
        other_jwt, other_refresh = other_client_login(server, email_address, PASSWORD)
        jar = all_cookies(driver)
        browser_jwt, browser_refresh = jar["jwt-token"]["value"], jar["refresh-token"]["value"]

        link = reset_by_mail(driver, server, maildir, email_address)

        # Every session from before the reset has ended, the browser's and another client's
        # (their tokens presented outside the browser: the reset may have expired the cookies).
        for who, jwt, refresh in (("the browser's", browser_jwt, browser_refresh),
                                  ("another client's", other_jwt, other_refresh)):
            status, _ = post(server, "AuthService", "GetSession", {}, jwt=jwt)
            check(status == 401, "%s old access token: HTTP %s" % (who, status))
            status, _ = post(server, "AuthService", "RefreshToken", {}, refresh=refresh)
            check(status == 401, "%s old refresh token: HTTP %s" % (who, status))
        answer = browser.fetch(driver, "/auth.v1.AuthService/GetSession", {})
        check(answer.get("status") == 401, "GetSession in the browser: %s" % answer)
        print("every earlier session and refresh token is refused")

        # The link works once.
        reset = ResetPage(driver, server)
        reset.open(link)
        reset.submit(NEW_PASSWORD + "-again")
        reset.wait_for_error(INVALID_LINK)
        check(reset.element("reset-ask-again").is_displayed() and
              not reset.element("reset-form").is_displayed(),
              "no way to a new link after a spent one")
        print("the link a second time:", reset.error())

        page.open()
        page.sign_in("email", email_address)  # the old password
        page.wait_for_error(r"\(unauthenticated\)")
        page.sign_in("email", email_address, password=NEW_PASSWORD)
        page.wait_for_status(r"Signed in as user %s\." % user_id)
        print("old password refused, new one signs in")

        console = driver.get_log("browser")
        for entry in console:
            print("browser console:", entry.get("level"), entry.get("message"))
        check(not [e for e in console if "Content Security Policy" in e.get("message", "")],
              "a page broke its CSP")
        check(len(mails_to(maildir, email_address, RESET_SUBJECT)) == 1 and
              not mails_to(maildir, unknown_address(email_address)),
              "mails: %s (one expected: an address without an account gets none)" %
              [str(mail["To"]) for mail in mails(maildir)])
    print("password reset: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
