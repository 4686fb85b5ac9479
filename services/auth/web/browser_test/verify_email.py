"""An email address confirmed through a real mail, in headless Chromium, on two replicas of one
database: MAILING (--smtp_url, --public_base_url at its origin) and STRICT
(--require_verified_email, no mail):

- STRICT's sign-in page refuses the unconfirmed account with the right password and says what
  to do (a wrong password is refused as always);
- signed in on MAILING, the sign-in page shows the "not confirmed" notice; STRICT, which cannot
  mail, says so when "Send the link again" is pressed;
- "Send the link again" on MAILING: the neutral notice, and the mail in the SMTP server's Maildir
  with a link <public base URL>/verify-email#token=;
- opening the link (twice) spends nothing: no VerifyEmail call, GetSession still answers not
  verified, and the page takes the token out of the address bar;
- "Confirm my address": confirmed; GetSession says so, the sign-in page's notice is gone, and
  STRICT lets the account sign in;
- the link confirmed again, a cut-short link, and no link: the page says to ask for a new one.

    /usr/bin/python3 verify_email.py MAILING_ORIGIN STRICT_ORIGIN MAILDIR

MAILING's mails reach the SMTP server that writes MAILDIR. Exits 0 when every step held;
otherwise an AssertionError names the step.
"""

import re
import sys

import browser
from browser import check
from change_password import post
from page_flow import SignInPage, all_cookies
from password_reset import mails_to, wait_for_mail

VERIFY_SUBJECT = "Confirm your email address"
LINK = re.compile(r"(\S+)/verify-email#token=([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
SENT_NOTICE = r"^If your address can get mail, a link is on its way\."
DEAD_LINK = r"^This confirmation link is invalid, used or expired: .*ask for a new one: sign in"
REFUSED_UNCONFIRMED = (r"^Your password is right, but this service lets you sign in only once "
                       r"your email address is confirmed\. A new confirmation link is on its way")


class VerifyPage(SignInPage):
    """The page a confirmation link opens; the status and error lines are the sign-in page's."""

    def open(self, link):
        self.driver.get(link)
        browser.wait_for(self.driver, lambda d: d.title.startswith("Confirm your email address"),
                         "the confirmation page")
        browser.wait_for(self.driver,
                         lambda d: d.current_url == self.server + "/verify-email",
                         "the token out of the address bar (%s)" % self.driver.current_url)

    def refused_link(self, pattern):
        """Waits for the dead-link message; the way to a new link is shown and focused."""
        self.wait_for_error(pattern)
        check(self.element("verify-ask-again").is_displayed() and
              not self.element("verify-confirm").is_displayed() and
              self.driver.switch_to.active_element.get_attribute("id") == "verify-ask-again",
              "no focused way to a new link after a refused one")


def email_verified(server, driver):
    """GetSession's emailVerified for the browser's session, asked outside the browser."""
    jwt = all_cookies(driver)["jwt-token"]["value"]
    status, answer = post(server, "AuthService", "GetSession", {}, jwt=jwt)
    check(status == 200, "GetSession: HTTP %s %s" % (status, answer))
    return answer.get("emailVerified", False)  # proto3 JSON leaves a false bool out


def notice_shown(page):
    return page.element("verify-notice").is_displayed()


def main(mailing, strict, maildir):
    suffix = browser.unique_suffix()
    email_address = "verify%s@example.com" % suffix
    with browser.Chromium() as driver:
        page = SignInPage(driver, mailing)
        page.open()
        page.register("verify_" + suffix, email_address, "+1666%s" % suffix[-7:].rjust(7, "1"))

        strict_page = SignInPage(driver, strict)
        strict_page.open()
        strict_page.sign_in("email", email_address, password="not-the-password")
        strict_page.wait_for_error(r"\(unauthenticated\)$")
        strict_page.sign_in("email", email_address)
        strict_page.wait_for_error(REFUSED_UNCONFIRMED)
        print("unconfirmed, refused by the strict replica:", strict_page.error())

        page.open()
        page.sign_in("email", email_address)
        user_id = page.wait_for_status(r"Signed in as user (\d+)\.").group(1)
        browser.wait_for(driver, lambda d: notice_shown(page), "the not-confirmed notice")
        check(not email_verified(mailing, driver), "verified before any link")
        print("signed in; the page shows:", page.element("verify-notice-text").text)

        # The session cookie is the host's, so the strict replica (no mail) reads it too.
        strict_page.open()
        strict_page.press("whoami")
        strict_page.wait_for_status(r"You are user %s\." % user_id)
        check(notice_shown(strict_page), "no not-confirmed notice on the strict replica")
        strict_page.press("verify-resend")
        strict_page.wait_for_error(r"^No link can be sent: mail is not configured on this server")
        print("resend without mail:", strict_page.error())

        page.open()
        page.press("whoami")
        page.wait_for_status(r"You are user %s\." % user_id)
        page.press("verify-resend")
        page.wait_for_status(SENT_NOTICE)
        print("resend:", page.status())

        # The second: Register mailed one at sign-up, which this one voided.
        mail = wait_for_mail(maildir, email_address, VERIFY_SUBJECT, count=2)
        check(mail["Subject"] == "Confirm your email address",
              "the mail's subject: %s" % mail["Subject"])
        body = mail.get_body(("plain",)).get_content()
        found = LINK.search(body)
        check(found and found.group(1) == mailing, "no link to %s in the mail:\n%s" %
              (mailing, body))
        link = found.group(0)
        print("mail to", mail["To"], "with a link to", found.group(1) + "/verify-email#token=...")

        verify = VerifyPage(driver, mailing)
        browser.network_responses(driver, "")  # empties the log: the next document is the page's
        for _ in range(2):  # the second time, only the hash changes
            verify.open(link)
            check(verify.element("verify-confirm").is_displayed() and not verify.error() and
                  driver.switch_to.active_element.get_attribute("id") == "verify-confirm",
                  "the page did not offer a focused confirm button: %s" % verify.error())
        responses = browser.network_responses(driver, mailing + "/")
        documents = [r for r in responses if r[0] == "GET" and "text/html" in r[2].get(
            "content-type", "")]
        check(documents and "script-src 'self'" in documents[0][2].get(
            "content-security-policy", ""), "the page came without its CSP: %s" % documents[:1])
        check(not [r for r in responses if r[0] == "POST"], "opening the link called %s" %
              [r for r in responses if r[0] == "POST"])
        check(not email_verified(mailing, driver), "opening the link verified the address")
        controls = [e.get_attribute("id") for e in driver.find_elements("css selector", "a, button")
                    if e.is_displayed()]
        check(controls == ["verify-confirm"], "the page offers %s" % controls)
        print("opened twice: nothing called, still not verified")

        verify.element("verify-confirm").click()  # by mouse; by keys below
        verify.wait_for_status(r"^Your address is confirmed\.$")
        check(verify.element("verify-sign-in").is_displayed() and
              driver.switch_to.active_element.get_attribute("id") == "verify-sign-in",
              "no focused sign-in link after the confirmation")
        check(email_verified(mailing, driver), "GetSession: not verified after the confirmation")
        print("confirmed:", verify.status())

        verify.press("verify-sign-in")  # Enter follows the link to the sign-in page
        browser.wait_for(driver, lambda d: d.title.startswith("Sign in"), "the sign-in page")
        page.press("whoami")
        page.wait_for_status(r"You are user %s\." % user_id)
        check(not notice_shown(page), "the not-confirmed notice after the confirmation")
        strict_page.open()
        strict_page.sign_in("email", email_address)
        strict_page.wait_for_status(r"Signed in as user %s\." % user_id)
        print("the notice is gone; the strict replica lets the account sign in")

        browser.network_responses(driver, "")  # empties the log
        verify.open(link[:-1])  # cut short: refused without asking the server
        verify.refused_link(DEAD_LINK)
        check(not browser.network_responses(driver, "VerifyEmail"),
              "a cut-short link was sent to the server")
        verify.open(link)  # only the hash changes: the page starts over with the whole link
        browser.wait_for(driver, lambda d: verify.element("verify-confirm").is_displayed() and
                         not verify.error(), "the confirm button for the whole link")
        verify.press("verify-confirm")  # Enter presses the focused button
        verify.refused_link(DEAD_LINK)
        print("the link a second time:", verify.error())
        verify.open(mailing + "/verify-email")
        verify.refused_link(r"^This page needs the link from a confirmation mail\.")
        print("no link:", verify.error())

        console = driver.get_log("browser")
        for entry in console:
            print("browser console:", entry.get("level"), entry.get("message"))
        check(not [e for e in console if "Content Security Policy" in e.get("message", "")],
              "a page broke its CSP")
        sent = len(mails_to(maildir, email_address))
        check(sent == 2, "%d mails (two expected: at sign-up, and the one asked for)" % sent)
    print("email verification: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
