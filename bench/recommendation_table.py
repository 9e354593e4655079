"""Benchmark: the console's recommendations table on one State holding all 6,094 rows of UPR Info's export,
clustered, the women's theme assigned: a page of each filter, beside two figures.

Not a test. Run: .venv/bin/python bench/recommendation_table.py [--repeats 20]
Floor: a bare sqlite3 query of the same page's ids and count (no ORM, no status, no names). Beside it, what
the table did before filtering in SQL: load every row of the State, then filter and slice in Python.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

FILTERS = {
    "no filter": {},
    "theme": {"theme": "women"},
    "SDG (either list)": {"sdg": "5"},
    "institution (lead)": {"institution": "women", "role": "lead"},
    "status": {"status": "no_action_planned"},
    "factor unassessed": {"no_budget": "unassessed"},
    "text": {"q": "torture"},
    "combined": {"theme": "women", "sdg": "5", "institution": "women", "status": "no_action_planned",
                 "no_budget": "unassessed"},
}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nmrf-bench-table-"))
    db = tmp / "nmrf.db"
    os.environ["NMRF_HOME"] = str(tmp)
    os.environ["NMRF_DATABASE_URL"] = f"sqlite:///{db}"
    from sqlmodel import select, update

    from nmrf.domain.i18n import translator
    from nmrf.domain.reference import UPR_INFO_CSV
    from nmrf.models import Recommendation
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.profile import EXAMPLE_PROFILE, load_profile
    from nmrf.services.clustering import cluster_recommendations
    from nmrf.services.followup import assign_theme
    from nmrf.services.people import get_state
    from nmrf.services.profiles import apply_profile
    from nmrf.services.recommendation_table import read_filters, recommendations_table
    from nmrf.services.recommendations import import_recommendations

    now = datetime(2027, 1, 4, 12, tzinfo=UTC)
    engine = make_engine(os.environ["NMRF_DATABASE_URL"])
    upgrade_schema(engine)
    with session_scope(engine, actor="bench") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=now)
    with session_scope(engine, actor="bench") as s:
        import_recommendations(session=s, data=UPR_INFO_CSV.read_bytes(), file_name=UPR_INFO_CSV.name,
                               fmt="upr-info", now=now, actor="bench")
        state = get_state(session=s)
        s.exec(update(Recommendation).values(state_id=state.id, state_code=state.code))  # type: ignore[call-overload]
    with session_scope(engine, actor="bench") as s:
        state = get_state(session=s)
        cluster_recommendations(session=s, now=now, state=state)
        assign_theme(session=s, state=state, theme="women", lead="women", supporting=["justice"], now=now,
                     actor="bench")
    t_es = translator("es", fallback="es")
    raw = sqlite3.connect(db)
    print(f"one State, {raw.execute('SELECT count(*) FROM recommendation').fetchone()[0]:,} recommendations, "
          f"{raw.execute('SELECT count(*) FROM cluster').fetchone()[0]:,} clusters; load average "
          f"{os.getloadavg()[0]:.2f} (2 cores); {args.repeats} repeats")
    print(f"{'filter':20} {'rows':>6} {'ours p50/p95 ms':>17} {'floor p50 ms':>13} {'load-all p50 ms':>16}")
    for name, asked in FILTERS.items():
        filters, problems = read_filters(asked)
        assert not problems
        ours, every = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            with session_scope(engine, readonly=True) as s:
                page = recommendations_table(session=s, state=get_state(session=s), filters=filters, t=t_es)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            with session_scope(engine, readonly=True) as s:
                rows = list(s.exec(select(Recommendation).where(Recommendation.state_id == page.rows[0].rec.state_id
                                                                if page.rows else 0).order_by(Recommendation.id)))
                kept = [r for r in rows if not filters.theme or filters.theme in r.themes][:50]
            every.append(time.perf_counter() - t)
            assert kept is not None
        # The floor: the same page's ids and count of the theme filter alone (json_each), or of every row.
        where = ("WHERE EXISTS (SELECT 1 FROM json_each(recommendation.themes) WHERE value = 'women')"
                 if filters.theme else "")
        floor = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            raw.execute(f"SELECT count(*) FROM recommendation {where}").fetchone()  # noqa: S608 (constant text)
            raw.execute(f"SELECT id FROM recommendation {where} ORDER BY id LIMIT 50").fetchall()  # noqa: S608
            floor.append(time.perf_counter() - t)
        print(f"{name:20} {page.total:6d} {pct(ours, 50) * 1000:8.1f} / {pct(ours, 95) * 1000:6.1f} "
              f"{pct(floor, 50) * 1000:13.1f} {pct(every, 50) * 1000:16.1f}")
    print("floor = count and page of ids in bare sqlite3, with the theme filter where one is asked, else none. "
          "ours = read_filters + recommendations_table (count, page, status and who answers for each row, the "
          "form's choices named in Spanish), in process, no HTTP or template. load-all = every row of the State "
          "loaded as the table did before, filtered by theme and sliced in Python.")
    raw.close()
    engine.dispose()


if __name__ == "__main__":
    main()
