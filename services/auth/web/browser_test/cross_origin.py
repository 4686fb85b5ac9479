"""Cross-site request forgery from a second origin, in headless Chromium.

    /usr/bin/python3 cross_origin.py SERVER FOREIGN_ORIGIN ALLOWED_ORIGIN

SERVER is the auth server's HTTP front (http://127.0.0.1:P), run with
--http_allowed_origins=ALLOWED_ORIGIN. FOREIGN_ORIGIN and ALLOWED_ORIGIN are tiny static servers
on other ports of 127.0.0.1. Those are the same *site* as SERVER (a site ignores the port), so
the browser sends the SameSite=Strict cookies with their requests: only the server's origin
checks stand between a foreign page and the session.

A user signs in on SERVER. A page on FOREIGN_ORIGIN then posts Logout with credentials, as a
CORS request (JSON, preflighted), as a "simple" no-cors request and as a form post; each is
refused and the session survives. A page on ALLOWED_ORIGIN reads the same session with the same
cookies, which shows that the refusals came from the origin and not from a broken set-up.
"""

import sys

from selenium.webdriver.common.by import By

import browser
from browser import check

PASSWORD = "correct-horse-battery"
SERVICE = "/auth.v1.AuthService/"

# A form post from the foreign page, the oldest forgery: no script reads its answer.
_FORM_POST_SCRIPT = """
const [action] = arguments;
const form = document.createElement('form');
form.method = 'POST';
form.action = action;
form.enctype = 'text/plain';
const field = document.createElement('input');
field.name = '{"userId":1,"x":"';
field.value = '"}';
form.appendChild(field);
document.body.appendChild(form);
form.submit();
"""


def sign_in(driver, server, suffix):
    driver.get(server + "/")
    email = "cross%s@example.com" % suffix
    answer = browser.fetch(driver, SERVICE + "Register",
                           {"username": "cross_" + suffix, "email": email,
                            "passwordHash": PASSWORD})
    check(answer.get("status") == 200, "Register: %s" % answer)
    answer = browser.fetch(driver, SERVICE + "Login", {"email": email, "passwordHash": PASSWORD})
    check(answer.get("status") == 200, "Login: %s" % answer)
    return session_at_server(driver, server)


def session_at_server(driver, server):
    """GetSession from the server's own origin, by the cookie."""
    driver.get(server + "/")
    answer = browser.fetch(driver, SERVICE + "GetSession", {})
    check(answer.get("status") == 200, "GetSession on the server's origin: %s" % answer)
    return answer["body"]


def main(server, foreign, allowed):
    with browser.Chromium() as driver:
        session = sign_in(driver, server, browser.unique_suffix())
        print("signed in:", session)
        logout_url = server + SERVICE + "Logout"
        logout = {"userId": session["userId"]}

        driver.get(foreign + "/")
        driver.get_log("performance")  # forget the requests so far

        answer = browser.fetch(driver, logout_url, logout, credentials="include")
        check("error" in answer, "a foreign page read Logout's answer: %s" % answer)
        preflights = [r for r in browser.network_responses(driver, SERVICE + "Logout")]
        print("CORS Logout from the foreign origin:", answer, preflights)
        for method, status, headers in preflights:
            check(method == "OPTIONS" or status >= 400,
                  "the foreign POST got through: %s %s" % (method, status))
            check(headers.get("access-control-allow-origin") not in (foreign, "*"),
                  "the preflight allowed the foreign origin: %s" % headers)

        answer = browser.fetch(driver, logout_url, logout, credentials="include", mode="no-cors",
                               headers={"Content-Type": "text/plain"})
        check(answer.get("type") == "opaque", "no-cors fetch: %s" % answer)
        answer = browser.fetch(driver, logout_url, None, credentials="include", mode="no-cors",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        driver.execute_script(_FORM_POST_SCRIPT, logout_url)
        browser.wait_for(driver, lambda d: d.current_url.startswith(logout_url), "the form post")
        print("form post answered:", driver.find_element(By.TAG_NAME, "body").text[:200])
        simple = browser.network_responses(driver, SERVICE + "Logout")
        print("simple Logout posts from the foreign origin:", [(m, s) for m, s, _ in simple])
        check(len(simple) == 3, "expected three simple posts: %s" % simple)
        for method, status, _ in simple:
            check(method == "POST" and status == 403,
                  "a foreign simple post was not refused with 403: %s %s" % (method, status))

        survived = session_at_server(driver, server)
        check(survived["sessionId"] == session["sessionId"],
              "the session did not survive: %s, then %s" % (session, survived))
        print("the session survived the foreign posts")

        # The control: an allowed origin reads the session with the same cookies.
        driver.get(allowed + "/")
        answer = browser.fetch(driver, server + SERVICE + "GetSession", {},
                               credentials="include")
        check(answer.get("status") == 200 and
              answer["body"].get("sessionId") == session["sessionId"],
              "GetSession from the allowed origin: %s" % answer)
        print("the allowed origin reads the session:", answer["body"])
    print("cross origin: ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
