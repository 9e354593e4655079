"""Benchmark of the secretariat's console: the 193-State world of bench/feeds.py with UPR Info's recommendations
(sessions 1-5) imported for every State, each State's head of secretariat signed in; the dashboard, a cycle
page and the recommendations table served by the app of `nmrf serve` on 127.0.0.1, under load.

Not a test: it prints figures, with the floor beside them: the same service calls and templates in process,
without HTTP.

    .venv/bin/python bench/console.py [--states 193] [--sample 50] [--seconds 5] [--connections 4] [--keep DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import feeds as feeds_bench  # noqa: E402  (the world and the server of the feed benchmark)

NOW = feeds_bench.NOW
PAGES = ("dashboard", "cycle page", "recommendations table", "recommendations, filtered")
# Filters that reach every kind of SQL the table has: a JSON list (themes), both SDG lists, the status (a
# subquery per row), a factor; an institution's responsibilities are one more EXISTS.
FILTERED = {"theme": "women", "sdg": "5", "status": "no_action_planned", "no_budget": "unassessed",
            "institution": "health"}


def prepare(db_url: str) -> list[dict]:
    """Import UPR Info's recommendations for every State; sign in each State's head of secretariat.
    One entry per State: its session secret and the three paths."""
    from sqlmodel import select

    from nmrf.models import Cycle, Person, RoleAssignment, State
    from nmrf.models.db import make_engine, session_scope
    from nmrf.domain.reference import UPR_INFO_CSV
    from nmrf.services.console_auth import issue_terminal_link, use_sign_in_link
    from nmrf.services.recommendations import import_recommendations

    engine = make_engine(db_url)
    with session_scope(engine, actor="bench") as s:
        got = import_recommendations(session=s, data=UPR_INFO_CSV.read_bytes(), file_name=UPR_INFO_CSV.name,
                                     fmt="upr-info", now=NOW, actor="bench")
        print(f"recommendations imported: {got.created}")
    out = []
    with session_scope(engine, actor="bench") as s:
        heads = s.exec(select(Person, State).join(State, State.id == Person.state_id)
                       .join(RoleAssignment, RoleAssignment.person_id == Person.id)
                       .where(RoleAssignment.role == "head_of_secretariat").order_by(State.id)).all()
        for person, state in heads:
            link = issue_terminal_link(session=s, person=person, now=NOW, base_url="http://x")
            _, secret = use_sign_in_link(session=s, token=link.rsplit("/", 1)[1], browser=None, now=NOW)
            cycle = s.exec(select(Cycle.id).where(Cycle.state_id == state.id).order_by(Cycle.id)).first()
            out.append({"state": state.code, "state_id": state.id, "cookie": secret,
                        "paths": {"dashboard": "/console", "cycle page": f"/console/cycles/{cycle}",
                                  "recommendations table": "/console/recommendations?page=1",
                                  "recommendations, filtered": "/console/recommendations?" + urlencode(FILTERED)},
                        "cycle": cycle})
    engine.dispose()
    return out


def regional(db_url: str, sample: list[dict]) -> list[dict]:
    """A regional office holding every State: the same person key (`regional-office`, an observer) in every
    State's profile, signed in once. Entries like the heads': the whole region, and the region filtered on
    each sampled State."""
    from sqlmodel import select

    from nmrf.models import Address, Person, RoleAssignment, State
    from nmrf.models.db import make_engine, session_scope
    from nmrf.services.console_auth import issue_terminal_link, use_sign_in_link

    engine = make_engine(db_url)
    with session_scope(engine, actor="bench") as s:
        states = s.exec(select(State).order_by(State.id)).all()
        have = {p.state_id for p in s.exec(select(Person).where(Person.key == "regional-office"))}
        for st in states:
            if st.id in have:
                continue
            p = Person(state_id=st.id, key="regional-office", name="Regional office", timezone="UTC", language="en")
            s.add(p)
            s.flush()
            s.add(RoleAssignment(person_id=p.id, role="observer"))
            s.add(Address(person_id=p.id, label="email", url="mailto://x@127.0.0.1?to=region@example.org"))
        s.flush()
        first = s.exec(select(Person).where(Person.key == "regional-office").order_by(Person.id)).first()
        link = issue_terminal_link(session=s, person=first, now=NOW, base_url="http://x")
        _, secret = use_sign_in_link(session=s, token=link.rsplit("/", 1)[1], browser=None, now=NOW)
    engine.dispose()
    return [{"cookie": secret, "state": e["state"],
             "paths": {"regional office": "/console/region", "regional, one State": f"/console/region?state={e['state']}"}}
            for e in sample]


def regional_floor(db_url: str, entries: list[dict]) -> dict[str, dict]:
    """The regional view's service calls and template in process, without HTTP."""
    from nmrf.models.db import make_engine, session_scope
    from nmrf.services.console_auth import signed_in
    from nmrf.services.console_region import covered_states, region_view
    from nmrf.web.routes.console.common import render_page

    engine = make_engine(db_url)
    times: dict[str, list[float]] = {"regional office": [], "regional, one State": []}
    for e in entries:
        for name, code in (("regional office", None), ("regional, one State", e["state"])):
            t = time.perf_counter()
            with session_scope(engine, readonly=True) as s:
                who = signed_in(session=s, token=e["cookie"], now=NOW)
                states = covered_states(session=s, person=who.person)  # type: ignore[union-attr]
                v = region_view(session=s, states=states, now=NOW, state_code=code)
                html = render_page("console/region.html", who=who, view=v, chosen=code or "", sign_out_csrf="x")
            times[name].append(time.perf_counter() - t)
            assert html and len(v.lines) == len(states)
    engine.dispose()
    return {n: {"p50_ms": feeds_bench.pct(v, 50) * 1000, "p95_ms": feeds_bench.pct(v, 95) * 1000} for n, v in
            times.items()}


def floor(db_url: str, sample: list[dict], repeats: int) -> dict[str, dict]:
    """The same service calls and templates in process, without HTTP: per page, p50/p95 over the sample."""
    from nmrf.models.db import make_engine, session_scope
    from nmrf.services.console import Filters, cycle_page, timeline_svg, today_view
    from nmrf.domain.i18n import translator
    from nmrf.services.console_auth import signed_in
    from nmrf.services.recommendation_table import read_filters, recommendations_table
    from nmrf.web.routes.console.common import render_page
    from nmrf.web.routes.console.views import recommendations_context

    engine = make_engine(db_url)
    today = NOW.date()
    times: dict[str, list[float]] = {p: [] for p in PAGES}
    for _ in range(repeats):
        for e in sample:
            for name in PAGES:
                t = time.perf_counter()
                with session_scope(engine, readonly=True) as s:
                    who = signed_in(session=s, token=e["cookie"], now=NOW)
                    if name == "dashboard":
                        v = today_view(session=s, state=who.state, today=today)  # type: ignore[union-attr]
                        html = render_page("console/today.html", who=who, view=v, filters=Filters(),
                                           sign_out_csrf="x")
                    elif name == "cycle page":
                        v = cycle_page(session=s, state=who.state, cycle_id=e["cycle"], today=today)  # type: ignore[union-attr]
                        html = render_page("console/cycle.html", who=who, view=v, svg=timeline_svg(v), people=[],
                                           csrf={f: "x" for f in ("official-date", "cancel", "record", "join")},
                                           version="x", sign_out_csrf="x")
                    else:
                        asked = FILTERED if name == "recommendations, filtered" else {}
                        filters, problems = read_filters(asked)
                        t_ = translator(who.person.language, fallback=who.state.language)  # type: ignore[union-attr]
                        v = recommendations_table(session=s, state=who.state, filters=filters,  # type: ignore[union-attr]
                                                  problems=problems, t=t_)
                        html = render_page("console/recommendations.html", who=who,
                                           **recommendations_context(v, dict(asked)), sign_out_csrf="x")
                times[name].append(time.perf_counter() - t)
                assert html
    engine.dispose()
    return {n: {"p50_ms": feeds_bench.pct(v, 50) * 1000, "p95_ms": feeds_bench.pct(v, 95) * 1000} for n, v in
            times.items()}


def cold(port: int, sample: list[dict], name: str) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for e in sample:
        t = time.perf_counter()
        conn.request("GET", e["paths"][name], headers={"Cookie": f"nmrf_console={e['cookie']}"})
        resp = conn.getresponse()
        resp.read()
        out.append(time.perf_counter() - t)
        if resp.status != 200:
            raise RuntimeError(f"{resp.status} for {e['paths'][name]}")
    conn.close()
    return out


def load(port: int, sample: list[dict], name: str, seconds: int, connections: int) -> dict:
    """Concurrent keep-alive clients, each request a random State's page with its session cookie."""
    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            e = rnd.choice(sample)
            t = time.perf_counter()
            conn.request("GET", e["paths"][name], headers={"Cookie": f"nmrf_console={e['cookie']}"})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t)
            if resp.status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50_ms": feeds_bench.pct(latencies, 50) * 1000,
            "p95_ms": feeds_bench.pct(latencies, 95) * 1000, "errors": errors[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--states", type=int, default=193)
    parser.add_argument("--sample", type=int, default=50, help="States whose heads the load signs in as.")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="Keep (or reuse) the world's database in this folder.")
    args = parser.parse_args()

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nmrf-bench-console-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(workdir / "prefect"))
    db_path = workdir / "world.db"
    db_url = f"sqlite:///{db_path}"
    sessions_file = workdir / "console-sessions.json"
    try:
        if db_path.exists() and sessions_file.exists():
            world = json.loads((workdir / "world.json").read_text())
            entries = json.loads(sessions_file.read_text())
            print(f"world reused from {workdir}")
        else:
            world = feeds_bench.build_world(db_url, args.states)
            (workdir / "world.json").write_text(json.dumps(world))
            entries = prepare(db_url)
            sessions_file.write_text(json.dumps(entries))
        print(f"world: {world['states']} States, {world['people']} people, {world['cycles']} cycles, "
              f"{world['milestones']} milestones; {len(entries)} heads of secretariat signed in")
        sample = random.Random(13).sample(entries, min(args.sample, len(entries)))
        print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
        f = floor(db_url, sample, args.repeats)
        region = regional(db_url, sample)
        f.update(regional_floor(db_url, region))
        server = feeds_bench.Server(db_url, cache_mb=64)
        rows = []
        try:
            for name in PAGES:
                c = cold(server.port, sample, name)
                rows.append((name, feeds_bench.pct(c, 50) * 1000, feeds_bench.pct(c, 95) * 1000,
                             load(server.port, sample, name, args.seconds, args.connections)))
            for name in ("regional office", "regional, one State"):
                c = cold(server.port, region, name)
                rows.append((name, feeds_bench.pct(c, 50) * 1000, feeds_bench.pct(c, 95) * 1000,
                             load(server.port, region, name, args.seconds, args.connections)))
        finally:
            server.stop()
        print(f"\nserver: `nmrf serve`'s app (uvicorn, 1 process) on 127.0.0.1; {len(sample)} States' heads of "
              f"secretariat; load: python threads, {args.connections} connections, {args.seconds} s per page")
        print(f"{'':24} {'one-by-one p50/p95 ms':>22} {'load req/s':>11} {'load p50':>9} {'load p95':>9} "
              f"{'errors':>7} {'floor p50/p95 ms':>18} {'p50 vs floor':>13}")
        for name, c50, c95, r in rows:
            fl = f[name]
            print(f"{name:24} {c50:10.1f} / {c95:7.1f} {r['rps']:11.0f} {r['p50_ms']:9.1f} {r['p95_ms']:9.1f} "
                  f"{r['errors']:7d} {fl['p50_ms']:8.1f} / {fl['p95_ms']:6.1f} {c50 / fl['p50_ms']:12.2f}x")
        print(f"\nfloor = the same service calls and template in process, without HTTP (one after another). "
              f"Aim: p95 under 150 ms for a State's dashboard, under 300 ms for the regional office holding every "
              f"State. Load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
