"""Benchmark: the largest UHRI export we can build from the shipped data (CSV and XLSX), and the public site of a
State with 2,000 recommendations. Not a test.

    .venv/bin/python bench/public_site.py            # about a minute on 2 cores

1. Import. Every recommendation shipped with nmrf (UPR Info's 6,094, the UHRI sample's 21, the 24 French and
   Spanish concluding observations) written as one UHRI export: a CSV and the same rows as an XLSX workbook.
   Ours (decode, check, map every row, write them in one transaction) beside the bare parse (the csv module on
   the decoded text; openpyxl's read-only load of the cells), rows per second and peak Python memory
   (tracemalloc, on a separate run: it slows Python down).
2. The site. 2,000 real recommendation texts (UPR Info's first 2,000 rows) addressed to one State, clustered,
   its themes assigned to institutions, one action per theme cluster; the site built in two languages (every
   file in memory) and written to a folder: time and size.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path


def uhri_rows() -> list[list[str]]:
    """Every shipped recommendation as a row of a UHRI export."""
    from nmrf.domain.reference import DATA_DIR, UPR_INFO_CSV

    header = ["Country", "Body", "Recommending State(s)", "Document symbol", "Paragraph", "Recommendation",
              "Themes", "Affected persons", "SDG goals", "UPR position", "Publication date"]
    rows = [header]
    text = UPR_INFO_CSV.read_bytes().decode("mac_roman")
    for n, r in enumerate(list(csv.reader(io.StringIO(text, newline="")))[1:], start=1):
        rows.append([r[0], "Universal Periodic Review", r[4], f"UPR session {r[10]}", str(n), r[3],
                     "; ".join(t.strip() for t in r[9].split(",") if t.strip()), "", "", r[7], ""])
    for name in ("uhri-chile-sample.csv", "uhri-chile-fr-es.csv"):
        data = (DATA_DIR / "uhri" / name).read_text(encoding="utf-8-sig")
        rows.extend(list(csv.reader(io.StringIO(data, newline="")))[1:])
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Recommendations")
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def fresh_db(tmp: Path, name: str):  # type: ignore[no-untyped-def]
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.profile import EXAMPLE_PROFILE, load_profile
    from nmrf.services.profiles import apply_profile

    engine = make_engine(f"sqlite:///{tmp / name}")
    upgrade_schema(engine)
    with session_scope(engine, actor="bench") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=NOW)
    return engine


NOW = datetime(2027, 1, 4, 12, tzinfo=UTC)


def bench_import(tmp: Path) -> None:
    from openpyxl import load_workbook

    from nmrf.models.db import session_scope
    from nmrf.services.recommendations import import_recommendations

    rows = uhri_rows()
    n = len(rows) - 1
    files = {"CSV": as_csv(rows), "XLSX": as_xlsx(rows)}
    print(f"1. The largest UHRI export buildable from the shipped data: {n:,} rows "
          f"(CSV {len(files['CSV']) / 1e6:.1f} MB, XLSX {len(files['XLSX']) / 1e6:.1f} MB)")

    def bare(kind: str, data: bytes) -> None:
        if kind == "CSV":
            list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        else:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            list(wb.worksheets[0].iter_rows(values_only=True))
            wb.close()

    def ours(kind: str, data: bytes, engine) -> None:  # type: ignore[no-untyped-def]
        with session_scope(engine, actor="bench") as s:
            result = import_recommendations(session=s, data=data, file_name=f"export.{kind.lower()}", fmt="uhri",
                                            now=NOW, actor="bench", states=None)
        assert result.created == n, (result.created, n)
        engine.dispose()

    for kind, data in files.items():
        t = time.perf_counter()
        bare(kind, data)
        bare_s = time.perf_counter() - t
        engine = fresh_db(tmp, f"import-{kind}.db")  # the schema and the profile, not timed
        t = time.perf_counter()
        ours(kind, data, engine)
        ours_s = time.perf_counter() - t
        tracemalloc.start()
        bare(kind, data)
        bare_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        engine = fresh_db(tmp, f"import-{kind}-mem.db")
        tracemalloc.start()
        ours(kind, data, engine)
        ours_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"   {kind:<5} ours {n / ours_s:>7,.0f} rows/s ({ours_s:5.2f} s), peak {ours_peak / 1e6:5.1f} MB   "
              f"bare parse {n / bare_s:>8,.0f} rows/s ({bare_s:5.2f} s), peak {bare_peak / 1e6:5.1f} MB   "
              f"ratio {ours_s / bare_s:4.1f}x time, {ours_peak / max(bare_peak, 1):4.1f}x memory")


def bench_site(tmp: Path, size: int = 2000) -> None:
    from sqlmodel import select

    from nmrf.models import Cluster
    from nmrf.models.db import session_scope
    from nmrf.domain.reference import UPR_INFO_CSV
    from nmrf.services.clustering import cluster_recommendations
    from nmrf.services.followup import add_action, assign_theme
    from nmrf.services.people import get_state
    from nmrf.services.publication import public_site, write_site
    from nmrf.services.recommendations import import_recommendations

    text = UPR_INFO_CSV.read_bytes().decode("mac_roman")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for r in rows[1:size + 1]:
        r[0] = "Chile"  # real texts, addressed to one State
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows[:size + 1])
    engine = fresh_db(tmp, "site.db")
    t = time.perf_counter()
    with session_scope(engine, actor="bench") as s:
        state = get_state(session=s)
        import_recommendations(session=s, data=buf.getvalue().encode(), file_name="upr.csv", fmt="upr-info",
                               now=NOW, actor="bench", states=[state])
        r = cluster_recommendations(session=s, now=NOW, state=state)
        for theme, lead in (("women", "women"), ("justice", "justice"), ("torture", "justice"),
                            ("children", "social-development"), ("indigenous", "social-development"),
                            ("international-norms", "foreign-affairs")):
            assign_theme(session=s, state=state, theme=theme, lead=lead, supporting=[], now=NOW, actor="bench")
        for cl in s.exec(select(Cluster).where(Cluster.state_id == state.id, Cluster.theme == "women").limit(20)):
            add_action(session=s, state=state, cluster=cl, title=f"Action on {cl.label[:60]}", due=date(2027, 12, 1),
                       indicator="adopted", indicator_kind="structural", today=date(2027, 1, 4), now=NOW,
                       actor="bench")
    setup_s = time.perf_counter() - t
    with session_scope(engine, readonly=True) as s:
        state = get_state(session=s)
        t = time.perf_counter()
        files = public_site(session=s, state=state, today=date(2027, 1, 4), languages=["es", "en"])
        build_s = time.perf_counter() - t
    out = tmp / "site"
    t = time.perf_counter()
    _, total = write_site(files, out)
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    write_site(files, out)
    rewrite_s = time.perf_counter() - t
    pages = sum(1 for k in files if k.endswith(".html"))
    index = len(files["es/search-index.js"])
    print(f"2. The public site of a State with {size:,} recommendations ({r.clusters:,} clusters; setup "
          f"{setup_s:.1f} s), in 2 languages:")
    print(f"   build {build_s:5.2f} s ({pages:,} pages, {pages / build_s:,.0f} pages/s), write {write_s:5.2f} s, "
          f"write again unchanged {rewrite_s:5.2f} s; {len(files):,} files, {total / 1e6:.1f} MB "
          f"(search index {index / 1e6:.2f} MB per language)")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nmrf-bench-site-"))
    os.environ["NMRF_HOME"] = str(tmp)
    os.environ["NMRF_DATABASE_URL"] = f"sqlite:///{tmp / 'nmrf.db'}"
    bench_import(tmp)
    bench_site(tmp)


if __name__ == "__main__":
    main()
