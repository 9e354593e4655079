"""Benchmark: import UPR Info's export (6,094 rows) and cluster it, with floors beside the figures.

Not a test. Run: .venv/bin/python bench/recommendations.py
Floors: the csv module's own parse of the same decoded text, and a bare
sqlite3 executemany of the same rows into a table of the same columns.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import sqlite3
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nmrf-bench-recs-"))
    os.environ["NMRF_HOME"] = str(tmp)
    os.environ["NMRF_DATABASE_URL"] = f"sqlite:///{tmp / 'nmrf.db'}"
    from nmrf.domain.recommendation_files import parse
    from nmrf.domain.taxonomy import load_taxonomy
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.profile import EXAMPLE_PROFILE, load_profile
    from nmrf.domain.reference import UPR_INFO_CSV
    from nmrf.services.clustering import cluster_recommendations
    from nmrf.services.profiles import apply_profile
    from nmrf.services.recommendations import import_recommendations

    data = UPR_INFO_CSV.read_bytes()
    taxonomy = load_taxonomy()
    now = datetime(2027, 1, 4, 12, tzinfo=UTC)

    # Floor 1: the csv module alone on the decoded text.
    text = data.decode("mac_roman")
    t = time.perf_counter()
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    csv_s = time.perf_counter() - t

    # Ours: decode (with detection), check and map every row.
    t = time.perf_counter()
    parsed = parse(data, fmt="upr-info", file="upr", taxonomy=taxonomy)
    parse_s = time.perf_counter() - t
    n = len(parsed.rows)
    assert n == len(rows) == 6094

    engine = make_engine(os.environ["NMRF_DATABASE_URL"])
    upgrade_schema(engine)
    with session_scope(engine, actor="bench") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=now)

    def run(engine, measure_memory: bool):  # type: ignore[no-untyped-def]
        if measure_memory:
            tracemalloc.start()
        t = time.perf_counter()
        with session_scope(engine, actor="bench") as s:
            import_recommendations(session=s, data=data, file_name="upr", fmt="upr-info", now=now, actor="bench",
                                   states=None)
        import_s = time.perf_counter() - t
        import_peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
        t = time.perf_counter()
        with session_scope(engine, actor="bench") as s:
            again = import_recommendations(session=s, data=data, file_name="upr", fmt="upr-info", now=now,
                                           actor="bench", states=None)
        reimport_s = time.perf_counter() - t
        assert not again.changed
        if measure_memory:
            tracemalloc.reset_peak()
        t = time.perf_counter()
        with session_scope(engine, actor="bench") as s:
            r = cluster_recommendations(session=s, now=now, state_codes=None)
        cluster_s = time.perf_counter() - t
        cluster_peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
        if measure_memory:
            tracemalloc.stop()
        return import_s, reimport_s, cluster_s, r, import_peak, cluster_peak

    import_s, reimport_s, cluster_s, r, _, _ = run(engine, False)
    # Memory on a second, fresh database (tracemalloc slows Python down: not timed).
    engine2 = make_engine(f"sqlite:///{tmp / 'memory.db'}")
    upgrade_schema(engine2)
    with session_scope(engine2, actor="bench") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=now)
    *_, import_peak, cluster_peak = run(engine2, True)

    # Floor 2: a bare executemany of the same values into a table of the same columns.
    con = sqlite3.connect(tmp / "floor.db")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    cols = ("uid", "state_code", "source", "kind", "mechanism", "body", "document", "paragraph", "session",
            "article", "text", "source_themes", "themes", "theme_basis", "sdgs", "affected_persons", "response",
            "position", "action_category", "urgent_flag", "confidential", "raw", "source_line")
    con.execute(f"CREATE TABLE rec (id INTEGER PRIMARY KEY, {', '.join(cols)}, UNIQUE(uid))")
    values = [(x.uid, x.state_code, x.source, x.kind, x.mechanism, x.body, x.document, x.paragraph, x.session,
               x.article, x.text, json.dumps(list(x.source_themes)), json.dumps(list(x.themes)), x.theme_basis,
               json.dumps(list(x.sdgs)), json.dumps(list(x.affected_persons)), x.response, x.position,
               x.action_category, x.urgent_flag, x.confidential, json.dumps(x.raw), x.line) for x in parsed.rows]
    t = time.perf_counter()
    with con:
        con.executemany(f"INSERT INTO rec ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)
    floor_insert_s = time.perf_counter() - t
    con.close()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def rate(seconds: float) -> str:
        return f"{n / seconds:>10,.0f} rows/s ({seconds * 1000:7.1f} ms)"

    print(f"UPR Info sessions 1-5: {n:,} rows, {len(data) / 1e6:.1f} MB, encoding {parsed.encoding}")
    print(f"parse   ours  {rate(parse_s)}   floor csv module {rate(csv_s)}   ratio {parse_s / csv_s:5.1f}x")
    write_s = import_s - parse_s
    print(f"import  ours  {rate(import_s)}   (parse + check + insert, one transaction)")
    print(f"insert  ours  {rate(write_s)}   floor executemany {rate(floor_insert_s)}   ratio {write_s / floor_insert_s:5.1f}x")
    print(f"re-import (nothing changes) {rate(reimport_s)}")
    print(f"cluster       {rate(cluster_s)}   {r.clusters:,} clusters over {r.states} States, "
          f"{r.cross_mechanism} cross-mechanism")
    print(f"peak Python memory: import {import_peak / 1e6:.1f} MB, cluster {cluster_peak / 1e6:.1f} MB; "
          f"process max RSS {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
