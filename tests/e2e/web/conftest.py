"""Fixtures of the personal-page tests: a UPR cycle whose women's input is 4 days late, the page server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import uvicorn
from tests.support.database import migrated_engine

from nmrf.domain.clock import moment
from nmrf.models.db import make_engine, session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.domain.reference import UPR_INFO_CSV
from nmrf.web.app import create_app, fixed_clock
from nmrf.settings import get_settings

NOW = datetime(2027, 9, 20, 15, 0, tzinfo=UTC)  # the women's input (due 2027-09-16) is 4 days late


@pytest.fixture(scope="session")
def world_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world, built once per test process in a SQLite file: building it (a profile, a cycle, the UPR
    recommendations imported and clustered) costs about half a second, copying it a millisecond."""
    path = tmp_path_factory.mktemp("world") / "world.db"
    engine = migrated_engine(f"sqlite:///{path}")
    build_world(engine)
    engine.dispose()  # the last connection closed: the WAL is folded into the file, which is whole
    return path


@pytest.fixture
def world(db_url, request):  # type: ignore[no-untyped-def]
    """The example NMRF with a UPR cycle, Chile's UPR recommendations clustered, the women's theme
    assigned to the Ministry of Women (lead) and Justice (supporting): on SQLite a copy of `world_file`,
    on PostgreSQL built in the test's emptied database."""
    if not db_url.startswith("sqlite:///"):
        yield build_world(request.getfixturevalue("engine"))
        return
    shutil.copyfile(request.getfixturevalue("world_file"), Path(db_url[len("sqlite:///"):]))
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def build_world(engine):  # type: ignore[no-untyped-def]
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


