"""The demo's feed act, as a newcomer runs it."""

from __future__ import annotations

import re

import pytest

from nmrf.domain.i18n import translator
from tests.e2e.conftest import DemoRun

# Jorge Núñez reads Spanish (the example profile): his calendar's titles are the catalog's.
T = translator("es", fallback="es").gettext


@pytest.mark.slow
def test_the_demo_prints_a_webcal_link_whose_feed_holds_the_focal_points_deadlines(demo_run: DemoRun) -> None:
    assert demo_run.returncode == 0, demo_run.stderr[-3000:]
    # Under a minute of the machine's time (CPU), whatever else shares it; its wall time is demo_run.seconds.
    assert demo_run.cpu_seconds < 60
    out = demo_run.stdout
    assert re.search(r"webcal://127\.0\.0\.1:\d+/feeds/[A-Za-z0-9_-]{43}\.ics", out)
    feed = out[out.index(". Calendar feeds: what Jorge"):]  # the demo's last act, whatever its number
    assert f"CEDAW: {T('Information from the institution for the report')} (Ministry of Health)" in feed
    assert f"UPR: {T('Information for the national report')} (Ministry of Health)" in feed
    # Jorge is outside the secretariat: his calendar says where he hands his input in (issue 12), never
    # the command line the secretariat's own feed gives (tests/integration/calendars/test_feed_audience.py).
    assert "Entréguelo en su página personal: el enlace está en cada mensaje de" in feed
    assert "nmrf record" not in feed
    assert "answers 304" in feed
