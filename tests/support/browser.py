"""What the browser tests share: Debian's Chromium, and axe-core's WCAG 2.2 A/AA check of a page."""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def chromium_or_skip() -> None:
    """Skip with the reason when Chromium is missing; fail instead where CI promised it (NMRF_REQUIRE_CHROMIUM)."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("NMRF_REQUIRE_CHROMIUM"):
        pytest.fail(f"{CHROMIUM} is missing and NMRF_REQUIRE_CHROMIUM is set (.ci/run installs it)")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run does)")


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2.2 A/AA violations on the page: each rule's id and help, and where (three places at most)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result.response["violations"]]


def assert_no_violations(page) -> None:  # type: ignore[no-untyped-def]
    found = axe_violations(page)
    assert found == [], f"axe-core found WCAG 2.2 A/AA violations on {page.url}: {found}"
