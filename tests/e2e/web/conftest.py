"""Fixtures of the personal-page tests: a UPR cycle whose women's input is 4 days late, the page server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import uvicorn

from nmrf.domain.clock import moment
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.domain.reference import UPR_INFO_CSV
from nmrf.web.app import create_app, fixed_clock
from nmrf.settings import get_settings

NOW = datetime(2027, 9, 20, 15, 0, tzinfo=UTC)  # the women's input (due 2027-09-16) is 4 days late


@pytest.fixture
def world(engine, tmp_path):  # type: ignore[no-untyped-def]
    """The example NMRF with a UPR cycle, Chile's UPR recommendations clustered, the women's theme
    assigned to the Ministry of Women (lead) and Justice (supporting)."""
    from nmrf.services.clustering import cluster_recommendations
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.followup import assign_theme
    from nmrf.services.people import get_state
    from nmrf.services.profiles import apply_profile
    from nmrf.services.recommendations import import_recommendations

    _, now = moment(date(2027, 3, 1), "America/Santiago")
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=now)
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR", dates={"review": date(2028, 5, 1)},
                     sources={"review": "HRC UPR calendar"}, now=now, actor="test")
        import_recommendations(session=s, data=UPR_INFO_CSV.read_bytes(), file_name=UPR_INFO_CSV.name,
                               fmt="upr-info", now=now, actor="test", states=[state])
        cluster_recommendations(session=s, now=now, state=state)
        assign_theme(session=s, state=state, theme="women", lead="women", supporting=["justice"], now=now,
                     actor="test")
    return engine


@pytest.fixture
def server(world, db_url, monkeypatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("NMRF_PUBLIC_URL", base)
    app = create_app(get_settings(), engine=world, clock=fixed_clock(NOW))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield base
    srv.should_exit = True
    thread.join(10)
    sock.close()


