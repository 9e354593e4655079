"""Benchmark: the sweep over a synthetic 193-State world, and delivery to a local HTTP sink.

    .venv/bin/python bench/sweep.py [--db PATH] [--messages 1000]

The world: the 193 UN member States, each with a secretariat, ten ministries, a
statistics office and an NHRI, about 41 people each (about 8,000), and about
3,000 reporting cycles (about 40,000 deadlines) launched through the engine with
dates spread over four years around "today" (2027-06-15). Most past deadlines are
recorded done, one in ten is late; the cycles were last swept the day before.

Printed beside each figure, its floor:
- a sweep (advance the cycles whose time has come, decide, write the outbox, send)
  beside the bare SQL queries that select the same rows (run on the raw DB-API
  cursor, rows fetched, nothing else);
- delivering N messages from the outbox to the local HTTP sink (claim, send through
  apprise, record) beside plain concurrent HTTP posts of the same bodies with the
  same number of workers.
Each timing is the best of three runs where a run can repeat; not a test.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TODAY = date(2027, 6, 15)
MINISTRIES = [f"ministry-{i}" for i in range(1, 11)]
TEMPLATES = [  # (template, mechanisms, anchor, institutions per cycle)
    ("periodic_report", ["CCPR", "CESCR", "CEDAW", "CAT", "CRC", "CRPD", "CERD"], "submission", 1),
    ("follow_up_report", ["CCPR", "CEDAW", "CAT", "CERD"], "concluding_observations", 2),
    ("upr_review", ["UPR"], "review", 1),
    ("simplified_report", ["CCPR", "CAT"], "loipr_received", 1),
]


def _zones() -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        for line in Path("/usr/share/zoneinfo/zone.tab").read_text().splitlines():
            if line and not line.startswith("#"):
                code, _, name = line.split("\t")[:3]
                out.setdefault(code, name)
    except OSError:
        pass
    return out


def build_world(db_path: Path) -> dict:
    import holidays

    from nmrf.domain.clock import moment
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.profile import Profile
    from nmrf.domain.reference import member_names
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.profiles import apply_profile

    rng = random.Random(193)
    engine = make_engine(f"sqlite:///{db_path}")
    upgrade_schema(engine)
    zones = _zones()
    supported = holidays.list_supported_countries()
    started = time.monotonic()
    states = sorted(member_names().items())
    for code, name in states:
        lang = rng.choice(["en", "es", "fr"])
        insts = ([{"key": "secretariat", "name": "Secretariat", "kind": "secretariat"}]
                 + [{"key": k, "name": f"Ministry {k[-2:]}", "kind": "ministry"} for k in MINISTRIES]
                 + [{"key": "statistics", "name": "Statistics office", "kind": "statistics_office"},
                    {"key": "nhri", "name": "National human rights institution", "kind": "nhri"},
                    {"key": "cso", "name": "Civil society network", "kind": "cso"}])
        people = [{"key": "head", "name": "Head of secretariat", "institution": "secretariat",
                   "roles": ["head_of_secretariat"]}]
        people += [{"key": f"sec-{i}", "name": f"Secretariat officer {i}", "institution": "secretariat",
                    "roles": ["secretariat"]} for i in range(3)]
        for k in MINISTRIES:
            people += [{"key": f"fp-{k}", "name": f"Focal point {k}", "institution": k, "roles": ["focal_point"]},
                       {"key": f"hu-{k}", "name": f"Head of unit {k}", "institution": k, "roles": ["head_of_unit"]},
                       {"key": f"mi-{k}", "name": f"Minister {k}", "institution": k, "roles": ["minister"]}]
        people += [{"key": f"fp2-{k}", "name": f"Deputy focal point {k}", "institution": k,
                    "roles": ["focal_point"]} for k in MINISTRIES[:4]]
        people += [{"key": "fp-stats", "name": "Statistics focal point", "institution": "statistics",
                    "roles": ["focal_point"]},
                   {"key": "nhri", "name": "NHRI contact", "institution": "nhri", "roles": ["nhri_contact"]},
                   {"key": "cso", "name": "CSO contact", "institution": "cso", "roles": ["cso_contact"]}]
        for p in people:
            p["addresses"] = [{"label": "hook", "url": f"json://127.0.0.1:9/{code}/{p['key']}"}]
        profile = Profile.model_validate({
            "state": {"code": code, "name": name, "secretariat": f"NMRF of {name}",
                      "timezone": zones.get(code, "UTC"), "language": lang,
                      "holidays": {"country": code if code in supported else "US"}},
            "institutions": insts, "people": people})
        with session_scope(engine, actor="bench") as s:
            apply_profile(session=s, profile=profile, now=datetime(2027, 1, 1, tzinfo=UTC))
    people_time = time.monotonic() - started

    from sqlalchemy import select

    from nmrf.models import State

    with session_scope(engine, readonly=True) as s:
        state_ids = [(st.id, st.timezone) for st in s.execute(select(State)).scalars()]
    cycles = 0
    for sid, tz in state_ids:
        with session_scope(engine, actor="bench") as s:
            state = s.get(State, sid)
            for n in range(16):
                template, mechs, anchor, k = TEMPLATES[n % len(TEMPLATES)]
                anchor_day = TODAY + timedelta(days=rng.randint(-540, 900))
                insts = rng.sample(MINISTRIES, k) + (["statistics"] if n % 5 == 0 else [])
                try:
                    launch_cycle(session=s, state=state, template=template, mechanism=mechs[n % len(mechs)],
                                 dates={anchor: anchor_day}, now=moment(TODAY - timedelta(days=600), tz)[1],
                                 actor="bench", institutions=insts, reference=f"bench-{n}")
                    cycles += 1
                except Exception:
                    continue
    _settle(engine, rng)
    counts = _counts(engine)
    counts.update(seconds=round(time.monotonic() - started, 1), people_seconds=round(people_time, 1))
    engine.dispose()
    return counts


def _settle(engine, rng: random.Random) -> None:
    """Statuses as if the cycles had run until yesterday: most past deadlines recorded, one in
    ten late; what is due within two months open; the cycles last swept yesterday."""
    from sqlalchemy import text

    from nmrf.models.db import session_scope
    from nmrf.services.advancing import fingerprints_query

    with session_scope(engine, actor="bench") as s:
        s.execute(text("UPDATE milestone SET status='done', sequence=sequence+1, completed_at=due_date || ' 12:00:00.000000' "
                       "WHERE due_date < :d AND completion IN ('system', 'date')"), {"d": TODAY})
        s.execute(text("UPDATE milestone SET status='done', sequence=sequence+1, completed_at=due_date || ' 12:00:00.000000' "
                       "WHERE due_date < :d AND completion='person' AND (id * 7919) % 10 != 0"),
                  {"d": TODAY - timedelta(days=3)})
        s.execute(text("UPDATE milestone SET status='open' WHERE status='planned' AND completion='person' "
                       "AND due_date <= :d"), {"d": TODAY + timedelta(days=60)})
        rows = [dict(cycle_id=r.id, advanced_on=TODAY - timedelta(days=1), fingerprint=r.fingerprint,
                     at=datetime(2027, 6, 14, tzinfo=UTC)) for r in s.execute(fingerprints_query())]
        s.execute(text("DELETE FROM cycle_sweep"))
        from nmrf.models import CycleSweep

        s.execute(CycleSweep.__table__.insert(), rows)


def _counts(engine) -> dict:
    from sqlalchemy import text

    with engine.connect() as c:
        q = lambda sql: c.execute(text(sql)).scalar()  # noqa: E731
        return {"states": q("SELECT count(*) FROM state"), "people": q("SELECT count(*) FROM person"),
                "cycles": q("SELECT count(*) FROM cycle"), "deadlines": q("SELECT count(*) FROM milestone"),
                "open_person_deadlines": q("SELECT count(*) FROM milestone WHERE status='open' "
                                           "AND completion='person'")}


# ---------------------------------------------------------------- the floor

def floor_sql(engine, now: datetime) -> list[str]:
    """The SELECTs a sweep runs to read what it acts on, as plain SQL text."""
    from sqlalchemy import func, select

    from nmrf.models import (
        Acknowledgement, Address, CycleMember, EscalationChain, NotificationPolicy, Person, Record, RoleAssignment,
        State,
    )
    from nmrf.notifications.store import C, M, N, candidate_filter, candidate_ids

    from nmrf.models.db import session_scope
    from nmrf.notifications.store import load_decision_inputs

    with session_scope(engine, readonly=True) as s:
        # The window the sweep computes from its policies.
        world = load_decision_inputs(session=s, now=now, today=TODAY)
        policies = world.policies.values()
        lo = min(world.today.values()) - timedelta(days=max(p.horizon_days() for p in policies))
        hi = max(world.today.values()) + timedelta(days=max(p.lead_days() for p in policies))
    cand = candidate_ids(lo, hi)
    P, S, AD, RA, CM = Person.__table__, State.__table__, Address.__table__, RoleAssignment.__table__, CycleMember.__table__
    E, A, R = EscalationChain.__table__, Acknowledgement.__table__, Record.__table__
    from sqlalchemy import case

    from nmrf.models import CycleSweep

    CS = CycleSweep.__table__
    live = M.c.status.in_(("planned", "open"))
    statements = [
        # The cycles, with the plain aggregates the sweep's change mark is built from.
        select(C.c.id, C.c.state_id, C.c.updated_at, CS.c.advanced_on, CS.c.fingerprint, func.count(M.c.id),
               func.sum(M.c.sequence), func.max(M.c.updated_at), func.sum(case((M.c.status == "open", 1), else_=0)),
               func.min(case((live & (M.c.opens_on > CS.c.advanced_on), M.c.opens_on))),
               func.min(case((live & (M.c.due_date >= CS.c.advanced_on), M.c.due_date))))
        .select_from(C.outerjoin(CS, CS.c.cycle_id == C.c.id).outerjoin(M, M.c.cycle_id == C.c.id))
        .where(C.c.status == "active")
        .group_by(C.c.id, C.c.state_id, C.c.updated_at, CS.c.advanced_on, CS.c.fingerprint),
        select(State.__table__),
        select(NotificationPolicy.__table__),
        select(M.c.id, C.c.state_id, M.c.cycle_id, M.c.sequence, M.c.stage, M.c.owner_role, M.c.institution_id,
               M.c.due_date, C.c.confidential).select_from(M.join(C, C.c.id == M.c.cycle_id))
        .where(candidate_filter(lo, hi)),
        select(E).where(E.c.milestone_id.in_(cand)),
        select(A).where(A.c.milestone_id.in_(cand)),
        select(R.c.milestone_id, func.max(R.c.at)).where(R.c.kind == "reopened", R.c.milestone_id.in_(cand))
        .group_by(R.c.milestone_id),
        select(N.c.dedup_key).where(N.c.milestone_id.in_(cand)),
        select(N.c.dedup_key).where(N.c.kind == "digest", N.c.created_at >= now - timedelta(days=9)),
        select(AD.c.person_id).where(AD.c.active == 1),
        select(P.c.id, P.c.state_id, P.c.key, P.c.name, P.c.institution_id, P.c.timezone, P.c.language,
               P.c.quiet_hours, S.c.quiet_hours).select_from(P.join(S, S.c.id == P.c.state_id)).where(P.c.active == 1),
        select(RA.c.person_id, RA.c.role, RA.c.institution_id),
        select(CM.c.cycle_id, CM.c.person_id).select_from(CM.join(C, C.c.id == CM.c.cycle_id))
        .where(C.c.confidential == 1),
    ]
    dialect = engine.dialect
    return [str(st.compile(dialect=dialect, compile_kwargs={"literal_binds": True})) for st in statements]


def time_floor(engine, sql: list[str]) -> tuple[float, int]:
    """One run of the bare queries on the raw DB-API connection, every row fetched."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t = time.perf_counter()
        rows = sum(len(cur.execute(q).fetchall()) for q in sql)
        elapsed = time.perf_counter() - t
        cur.close()
        return elapsed, rows
    finally:
        raw.close()


# ---------------------------------------------------------------- delivery

def delivery_bench(engine, n: int, workers: int) -> dict:
    """n messages in the outbox to the HTTP sink, beside plain concurrent posts of the same bodies."""
    import requests
    from sqlalchemy import select, text

    from nmrf.models import Delivery, Notification
    from nmrf.models.db import session_scope
    from nmrf.notifications.delivery import deliver_due
    from nmrf.testing.sinks import HttpSink
    from nmrf.settings import get_settings

    settings = get_settings(notify_workers=workers, notify_timeout=10.0)
    now = datetime(2027, 6, 20, 15, tzinfo=UTC)
    with HttpSink() as sink:
        url = sink.url("/bench")
        results = []
        for run in range(3):
            with session_scope(engine, actor="bench") as s:
                s.execute(text("DELETE FROM delivery_attempt WHERE delivery_id IN (SELECT id FROM notification_delivery "
                               "WHERE idempotency_key LIKE 'bench-%')"))
                s.execute(text("DELETE FROM notification_delivery WHERE idempotency_key LIKE 'bench-%'"))
                s.execute(text("DELETE FROM notification WHERE dedup_key LIKE 'bench:%'"))
                s.execute(text("UPDATE address SET url=:u WHERE id=(SELECT min(id) FROM address)"), {"u": url})
                person, address = s.execute(text("SELECT person_id, id FROM address ORDER BY id LIMIT 1")).one()
                state = s.execute(text("SELECT state_id FROM person WHERE id=:p"), {"p": person}).scalar()
                # Everything else already sent: only the bench's messages are due.
                s.execute(text("UPDATE notification_delivery SET status='sent' WHERE status='pending'"))
                rows = [dict(state_id=state, dedup_key=f"bench:{run}:{i}", kind="reminder", step="r3d",
                             person_id=person, language="en", subject=f"Reminder {i}: input due 18 June 2027",
                             body=("Information from the institution for the report (Ministry 03)\n"
                                   "Periodic report to CEDAW (cycle #12)\nDue Friday 18 June 2027: in 3 days.\n"
                                   f"Owed by Focal point ministry-3.\nref nmrf-{i:012d}"),
                             data={"kind": "reminder", "cycle_id": 12, "milestone": "input:ministry-3"},
                             urgent=False, through_quiet_hours=False, status="pending", status_note="",
                             created_at=now, not_before=now) for i in range(n)]
                ids = s.execute(Notification.__table__.insert().returning(Notification.__table__.c.id), rows).scalars().all()
                s.execute(Delivery.__table__.insert(), [
                    dict(notification_id=nid, address_id=address, label="hook", idempotency_key=f"bench-{run}-{i}",
                         status="pending", attempts=0, next_attempt_at=now, created_at=now, updated_at=now)
                    for i, nid in enumerate(ids)])
            sink.clear()
            t = time.perf_counter()
            counts = deliver_due(engine=engine, now=now, settings=settings)
            outbox_s = time.perf_counter() - t
            assert counts.sent == n, counts.as_dict()
            bodies = [p.body for p in sink.posts]
            assert len(bodies) == n
            # The floor: the same bodies, posted by plain concurrent requests (the faster of a new
            # connection per post, as apprise does, and one kept-alive session per worker).
            import threading

            local = threading.local()

            def post_new(body: dict) -> int:
                return requests.post(f"http://127.0.0.1:{sink.port}/bench", json=body, timeout=10).status_code

            def post_kept(body: dict) -> int:
                if not hasattr(local, "s"):
                    local.s = requests.Session()
                return local.s.post(f"http://127.0.0.1:{sink.port}/bench", json=body, timeout=10).status_code

            plain_s = float("inf")
            for post in (post_new, post_kept):
                t = time.perf_counter()
                with ThreadPoolExecutor(max_workers=workers) as pool:
                    codes = list(pool.map(post, bodies))
                plain_s = min(plain_s, time.perf_counter() - t)
                assert codes.count(200) == n
            results.append((outbox_s, plain_s))
        with session_scope(engine, readonly=True) as s:
            sent = s.execute(select(Delivery).where(Delivery.idempotency_key.like("bench-%"))).scalars().all()
            assert all(d.status == "sent" for d in sent)
    best_outbox = min(r[0] for r in results)
    best_plain = min(r[1] for r in results)
    return {"messages": n, "workers": workers, "outbox_s": best_outbox, "plain_s": best_plain,
            "ratio": best_outbox / best_plain}


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="Reuse (or keep) the world in this SQLite file.")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=9, help="Steady-state sweeps timed (best kept).")
    args = parser.parse_args()

    import os

    home = Path(tempfile.mkdtemp(prefix="nmrf-bench-"))
    os.environ.setdefault("NMRF_HOME", str(home))
    db = args.db or home / "world.db"
    from nmrf.models.db import make_engine
    from nmrf.testing.sinks import HttpSink
    from nmrf.flows.sweep import run_sweep
    from nmrf.settings import get_settings

    if not db.exists():
        print(f"Building the world in {db} ...", flush=True)
        print("  " + json.dumps(build_world(db)), flush=True)
    engine = make_engine(f"sqlite:///{db}")
    from sqlalchemy import text

    with HttpSink() as sink:
        with engine.begin() as c:  # every address to the local sink
            c.execute(text("UPDATE address SET url = 'json://127.0.0.1:' || :p || '/' || person_id"),
                      {"p": sink.port})
        settings = get_settings(notify_workers=args.workers, notify_timeout=10.0)
        from nmrf.domain.clock import moment

        first_now = moment(TODAY, "UTC")[1]
        t = time.perf_counter()
        first = run_sweep(engine=engine, settings=settings, as_of=TODAY, now=first_now)
        first_s = time.perf_counter() - t
        print(f"First sweep of the day: {first_s:.2f} s: {first['cycles_checked']} cycles advanced "
              f"({first['cycles_advanced']} moved), {first['deadlines_watched']} open deadlines watched, "
              f"{first['created']} messages created ({first['digests']} digests replacing {first['digested']}), "
              f"{first['sent']} sent to the local sink", flush=True)
        # The steady state: `nmrf serve` sweeps every few minutes; most sweeps find nothing new.
        # Sweep and floor alternate (the machine is shared; the best of each is kept).
        sql = floor_sql(engine, first_now)
        times, floors = [], []
        for i in range(args.repeat):
            # A moment later: nothing new decided, nothing released from quiet hours.
            now = first_now + timedelta(seconds=i + 1)
            t = time.perf_counter()
            again = run_sweep(engine=engine, settings=settings, now=now, as_of=TODAY)
            times.append(time.perf_counter() - t)
            assert again["created"] == 0 and again["sent"] == 0, again
            floor_s, rows = time_floor(engine, sql)
            floors.append(floor_s)
        sweep_s, floor_s = min(times), min(floors)
        print(f"Sweep with nothing new (every few minutes): best of {args.repeat} {sweep_s:.3f} s "
              f"(median {statistics.median(times):.3f} s); floor (bare SQL selecting the same {rows:,} rows): "
              f"best {floor_s:.3f} s (median {statistics.median(floors):.3f} s); ratio {sweep_s / floor_s:.2f}x",
              flush=True)
        # The next day: new reminders and escalations decided, written and sent.
        nxt = TODAY + timedelta(days=1)
        t = time.perf_counter()
        day2 = run_sweep(engine=engine, settings=settings, as_of=nxt, now=moment(nxt, "UTC")[1])
        day2_s = time.perf_counter() - t
        print(f"First sweep of the next day: {day2_s:.2f} s ({day2['cycles_checked']} cycles advanced, "
              f"{day2['created']} messages created, {day2['sent']} sent)", flush=True)

    d = delivery_bench(engine, args.messages, args.workers)
    print(f"Delivering {d['messages']} messages from the outbox to the local HTTP sink ({d['workers']} workers): "
          f"{d['outbox_s']:.2f} s; floor (plain concurrent HTTP posts of the same bodies): {d['plain_s']:.2f} s; "
          f"ratio {d['ratio']:.2f}x", flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()
