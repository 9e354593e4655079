"""Signing in to the console in Chromium, for the browser tests whose subject comes after it. The sign-in
journey itself, with its accessibility checks and a link opened in another browser, is
tests/e2e/web/test_console_browser.py."""

from __future__ import annotations

import re
import time
from typing import Any

from nmrf.domain.i18n import translator

# The example secretariat reads Spanish: the console speaks it, so the tests look for what the catalog says.
ES = translator("es", fallback="es")
T = ES.gettext


def mailed_sign_in_link(smtp: Any, address: str) -> str:
    """The sign-in link the console sent to `address` (waits up to 20 s for the mail)."""
    deadline = time.monotonic() + 20
    while not any(m.recipients == [address] for m in smtp.mails) and time.monotonic() < deadline:
        time.sleep(0.05)
    mail = next(m for m in smtp.mails if m.recipients == [address])
    return re.search(r"(http://127\.0\.0\.1:\d+/console/sign-in/[A-Za-z0-9_-]{43})", mail.text).group(1)


def ask_for_link(browser: Any, server: str, address: str) -> Any:
    """A new browser (Spanish) at the console, which asks to sign in; the link asked for `address`."""
    page = browser.new_context(locale="es-CL").new_page()  # the sign-in pages speak the browser's language
    page.goto(server + "/console")
    assert page.url.endswith("/console/sign-in"), "without a session the console asks to sign in"
    page.get_by_label(T("E-mail address"), exact=True).fill(address)
    page.get_by_role("button", name=T("Send me a sign-in link")).click()
    page.get_by_role("heading", name=T("Check your messages")).wait_for()
    return page


def signed_in(browser: Any, server: str, smtp: Any, address: str) -> Any:
    """A page of the console, signed in as `address` through the link it mails."""
    page = ask_for_link(browser, server, address)
    page.goto(mailed_sign_in_link(smtp, address))
    page.get_by_role("button", name=T("Sign in")).click()
    page.wait_for_url(server + "/console")
    return page
