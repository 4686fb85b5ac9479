"""Two-step sign-in (TOTP) on the sign-in page, in headless Chromium:

- set up through the page: the password, then the QR code, read back from a screenshot by
  zbarimg, equals the otpauth URI the page shows (and its secret the key shown as text);
  a code computed by pyotp confirms, and the recovery codes are shown once ("I saved them" takes
  them off the page); the next code gives a new set; the page's QR code is rebuilt from allowed
  SVG only (hostile markup fed to it loses its script, handlers, style and links, or is refused);
- signed out, the password alone asks for the code step; a pyotp code signs in (amr pwd+otp);
- the same code again is refused (a new sign-in, the code step shows the server's message), so
  is a recovery code of the replaced set, and a current one then signs in; that recovery code a
  second time is refused;
- five wrong codes spend the ticket: the page ends the code step with the server's message;
  Cancel ends it too;
- turning it off (password and a recovery code in the code's place): the password alone signs in.

    /usr/bin/python3 totp.py http://127.0.0.1:PORT

The server runs with --totp_secret_key_file, --login_failures_per_account=0 and
--login_failures_per_account_address=0 (the scenario's dozen codes would reach the account's
limits). Exits 0 when every step held; otherwise an
AssertionError names the step.
"""

import os
import subprocess
import sys
import tempfile
import time

import pyotp
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
from browser import check
from page_flow import PASSWORD, SignInPage

ZBARIMG = "/usr/bin/zbarimg"


def decode_qr(png):
    """The text of the QR code in a PNG screenshot, decoded by zbarimg."""
    # Kept with the test's outputs, to look at when zbarimg finds nothing.
    tmp = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR",
                         os.environ.get("TEST_TMPDIR", tempfile.gettempdir()))
    path = os.path.join(tmp, "totp-qr.png")
    with open(path, "wb") as image:
        image.write(png)
    result = subprocess.run([ZBARIMG, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", path],
                            capture_output=True, text=True, timeout=20, check=False)
    check(result.returncode == 0, "zbarimg found no QR code (exit %d): %s" %
          (result.returncode, result.stderr))
    return result.stdout.strip()


def enrol(page):
    """Sets up TOTP through the page; returns (pyotp.TOTP, the confirmation's time step, the
    recovery codes)."""
    page.type_into("totp-password", PASSWORD)
    page.press("totp-password")
    page.wait_for_status(r"^Scan the QR code")
    uri = page.element("totp-uri").text
    secret = page.element("totp-secret").text
    qr = page.element("totp-qr")
    check(qr.find_elements(By.CSS_SELECTOR, "svg > rect") and
          qr.find_elements(By.CSS_SELECTOR, "svg > path"), "the QR code is not on the page")
    # The screen as the user sees it, the QR code in the middle (an element screenshot can be
    # taken while the page still scrolls to the focused code field).
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", qr)
    time.sleep(0.2)
    decoded = decode_qr(page.driver.get_screenshot_as_png())
    check(decoded == uri, "the QR code says %r, the page shows %r" % (decoded, uri))
    totp = pyotp.parse_uri(uri)
    check(uri.startswith("otpauth://totp/") and totp.secret == secret,
          "the URI's secret and the key shown differ: %r %r" % (uri, secret))
    print("the QR code, read from the screen, is the otpauth URI:", uri.split("?")[0])

    # The server takes the current step and its neighbours, each once and in rising order: the
    # confirmation takes the step before now, new recovery codes now's, the sign-in the next.
    step = int(time.time()) // 30
    page.type_into("totp-confirm-code", totp.at((step - 1) * 30))
    page.press("totp-confirm-code")
    page.wait_for_status(r"^Two-step sign-in is on\.")
    codes = [item.text for item in
             page.element("recovery-code-list").find_elements(By.TAG_NAME, "li")]
    check(len(codes) == 10 and len(set(codes)) == 10, "the recovery codes: %s" % codes)
    check(not page.element("totp-enrolment").is_displayed(), "the QR code is still shown")
    page.press("recovery-saved")
    page.wait_for_status(r"^Recovery codes put away\.$")
    check(not page.element("recovery-codes").is_displayed() and
          not page.element("recovery-code-list").text, "the recovery codes are still shown")
    print("confirmed with a pyotp code; ten recovery codes shown once")

    page.type_into("totp-regenerate-code", totp.at(step * 30))
    page.press("totp-regenerate-code")
    page.wait_for_status(r"^New recovery codes: the old ones no longer work\.$")
    new_codes = [item.text for item in
                 page.element("recovery-code-list").find_elements(By.TAG_NAME, "li")]
    check(len(new_codes) == 10 and not set(new_codes) & set(codes),
          "the new recovery codes: %s" % new_codes)
    page.press("recovery-saved")
    page.wait_for_status(r"^Recovery codes put away\.$")
    print("new recovery codes with the next pyotp code")
    return totp, step, codes, new_codes


# qrElement (totp.js) on hostile SVG: what it keeps, as markup, or the error it throws.
_QR_ELEMENT_SCRIPT = """
const [svgText, done] = arguments;
import('/totp.js').then((module) => {
  try {
    done({markup: module.qrElement(svgText).outerHTML});
  } catch (error) {
    done({error: String(error.message)});
  }
}, (error) => done({error: 'import: ' + String(error)}));
"""
SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8" width="32" height="32">'


def hostile_svg(driver):
    """The page rebuilds the server's QR code from allowed elements and attribute values only."""
    kept = driver.execute_async_script(
        _QR_ELEMENT_SCRIPT,
        SVG_OPEN + '<rect width="8" height="8" fill="#fff" onload="alert(1)" '
        'style="fill:red" xlink:href="javascript:alert(1)" '
        'xmlns:xlink="http://www.w3.org/1999/xlink"/><path fill="url(#x)" stroke="#000" '
        'd="M0 0.5h1"/></svg>')
    check(kept.get("markup") == SVG_OPEN.replace(' xmlns="http://www.w3.org/2000/svg"', "")
          .replace(">", ' aria-hidden="true">') + '<rect width="8" height="8" fill="#fff">'
          '</rect><path d="M0 0.5h1" stroke="#000"></path></svg>',
          "hostile attributes kept: %s" % kept)
    for markup in (SVG_OPEN + '<script>alert(1)</script></svg>',
                   SVG_OPEN + '<foreignObject><p>x</p></foreignObject></svg>',
                   '<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', '<svg'):
        refused = driver.execute_async_script(_QR_ELEMENT_SCRIPT, markup)
        check(refused.get("error", "").startswith("The server's QR code could not be shown"),
              "hostile SVG %r: %s" % (markup, refused))
    print("the QR code is rebuilt from allowed SVG only: scripts, handlers, styles, links dropped")


def sign_out(page):
    page.press("signout")
    page.wait_for_status(r"^Signed out\.$")


def password_step(page, email):
    page.sign_in("email", email)
    page.wait_for_status(r"^Your password is right: now the code")
    check(page.element("mfa-form").is_displayed(), "no code step after the password")
    session = browser.fetch(page.driver, "/auth.v1.AuthService/GetSession", {})
    check(session.get("status") == 401, "signed in by the password alone: %s" % session)


def code_step(page, code, recovery=False):
    if recovery != page.element("mfa-use-recovery").is_selected():
        page.press("mfa-use-recovery", Keys.SPACE)
    page.type_into("mfa-code", code)
    page.press("mfa-code")


def burn_ticket(page, email, totp, step):
    """Five wrong codes spend the ticket: the page then ends the code step with the server's
    message, and a new password step gives a new one."""
    sign_out(page)
    password_step(page, email)
    wrong = next(code for code in ("000000", "111111", "222222")
                 if all(totp.at((step + delta) * 30) != code for delta in range(-1, 4)))
    for _ in range(5):
        code_step(page, wrong)
        page.wait_for_error(r"^wrong code \(unauthenticated\)$")
    code_step(page, totp.at((step + 2) * 30))
    page.wait_for_error(r"ticket.*\(unauthenticated\)")
    check(not page.element("mfa-form").is_displayed(), "the code step is still shown")
    print("five wrong codes spend the ticket; the page ends the code step:", page.error())
    password_step(page, email)
    page.press("mfa-cancel")
    page.wait_for_status(r"^Sign-in cancelled\.$")
    check(not page.element("mfa-form").is_displayed(), "the code step is shown after Cancel")
    page.sign_in("email", email)
    page.wait_for_status(r"^Your password is right: now the code")


def main(server):
    suffix = browser.unique_suffix()
    email = "totp%s@example.com" % suffix
    with browser.Chromium() as driver:
        page = SignInPage(driver, server)
        page.open()
        page.register("totp_" + suffix, email, "+1666%s" % suffix[-7:].rjust(7, "1"))
        page.sign_in("email", email)
        user_id = int(page.wait_for_status(r"Signed in as user (\d+)\.").group(1))
        hostile_svg(driver)
        totp, step, old_codes, recovery_codes = enrol(page)

        sign_out(page)
        password_step(page, email)
        code = totp.at((step + 1) * 30)
        code_step(page, code)
        page.wait_for_status(r"^Signed in as user %d\.$" % user_id)
        check(not page.element("mfa-form").is_displayed(), "the code step is still shown")
        session = browser.fetch(driver, "/auth.v1.AuthService/GetSession", {})
        check(session.get("status") == 200 and
              sorted(session["body"].get("amr", [])) == ["otp", "pwd"],
              "GetSession after the code step: %s" % session)
        print("password, then a pyotp code: signed in, amr", session["body"]["amr"])

        sign_out(page)
        password_step(page, email)
        code_step(page, code)
        page.wait_for_error(r"\(unauthenticated\)")
        print("the same code again:", page.error())
        code_step(page, old_codes[0], recovery=True)
        page.wait_for_error(r"\(unauthenticated\)")
        print("a recovery code of the set replaced:", page.error())
        code_step(page, recovery_codes[0], recovery=True)
        page.wait_for_status(r"^Signed in as user %d\.$" % user_id)
        print("a recovery code signs in")

        sign_out(page)
        password_step(page, email)
        code_step(page, recovery_codes[0], recovery=True)
        page.wait_for_error(r"\(unauthenticated\)")
        print("the same recovery code again:", page.error())
        code_step(page, recovery_codes[1], recovery=True)
        page.wait_for_status(r"^Signed in as user %d\.$" % user_id)

        burn_ticket(page, email, totp, step)
        code_step(page, recovery_codes[2], recovery=True)
        page.wait_for_status(r"^Signed in as user %d\.$" % user_id)

        page.type_into("totp-disable-password", PASSWORD)
        page.type_into("totp-disable-code", recovery_codes[3])
        page.press("totp-disable-code")
        page.wait_for_status(r"^Two-step sign-in is off\.$")
        sign_out(page)
        page.sign_in("email", email)
        page.wait_for_status(r"^Signed in as user %d\.$" % user_id)
        print("turned off with a recovery code: the password alone signs in")
    print("totp: ok")


if __name__ == "__main__":
    main(sys.argv[1])
