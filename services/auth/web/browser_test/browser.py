"""Headless Chromium for the browser tests, driven by Debian's python3-selenium and chromedriver.

    with browser.Chromium() as driver:
        driver.get(server + "/")
        ...
        browser.fetch(driver, "/auth.v1.AuthService/GetSession", {})  # status, headers, body

Run by /usr/bin/python3 (Debian's selenium), never a python3 that happens to be first on PATH.
Chromium gets a fresh profile in $TEST_TMPDIR and the flags that keep it off the network: without
them it keeps calling Google's services, which the test machines cannot reach.
"""

import json
import os
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
QUIET_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
]
TIMEOUT_SECONDS = 20


class Chromium:
    """A headless Chromium with its own profile; quits (and its chromedriver) on exit."""

    def __enter__(self):
        tmp = os.environ.get("TEST_TMPDIR", tempfile.gettempdir())
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in QUIET_FLAGS:
            options.add_argument(flag)
        options.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="chromium-", dir=tmp))
        # The DevTools network log: what the server answered to requests a page cannot read
        # (an opaque no-cors response, a refused preflight).
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        service = Service(executable_path=CHROMEDRIVER,
                          log_path=os.path.join(tmp, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_script_timeout(TIMEOUT_SECONDS)
        self.driver.set_page_load_timeout(TIMEOUT_SECONDS)
        return self.driver

    def __exit__(self, *unused):
        for entry in self.driver.get_log("browser"):
            print("browser console:", entry.get("level"), entry.get("message"))
        self.driver.quit()


# Runs fetch() in the page and returns {"status", "headers", "body"} (body parsed as JSON when it
# is), or {"error": "..."} when fetch itself rejects (a refused CORS request, a network error).
_FETCH_SCRIPT = """
const [url, body, init, done] = arguments;
fetch(url, Object.assign({
  method: 'POST',
  headers: {'Content-Type': 'application/json', 'Connect-Protocol-Version': '1'},
  body: body === null ? undefined : JSON.stringify(body),
}, init)).then(async (response) => {
  const text = await response.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch (e) {}
  done({status: response.status, type: response.type,
        headers: Object.fromEntries(response.headers.entries()), body: parsed});
}, (error) => done({error: String(error)}));
"""


def fetch(driver, url, body, **init):
    """POSTs `body` as Connect JSON from the current page (fetch init overrides in `init`)."""
    return driver.execute_async_script(_FETCH_SCRIPT, url, body, init)


def wait_for(driver, condition, what):
    """Waits until condition(driver) is truthy; fails naming `what`."""
    return WebDriverWait(driver, TIMEOUT_SECONDS).until(condition, message="waiting for " + what)


def network_responses(driver, url_part):
    """(method, status, headers) of each response whose URL contains `url_part`, from the
    DevTools performance log, oldest first (reading the log empties it)."""
    requests = {}
    responses = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            requests[params["requestId"]] = params["request"]["method"]
        elif message["method"] == "Network.responseReceived":
            response = params["response"]
            if url_part in response["url"]:
                responses.append((requests.get(params["requestId"], "?"), response["status"],
                                  {k.lower(): v for k, v in response["headers"].items()}))
    return responses


def unique_suffix():
    """A suffix that keeps usernames, emails and phone numbers of one run apart."""
    return "%d%03d" % (os.getpid() % 100000, int(time.time() * 1000) % 1000)


def check(condition, message):
    """Fails the scenario with `message` (an AssertionError, exit code 1)."""
    if not condition:
        raise AssertionError(message)
