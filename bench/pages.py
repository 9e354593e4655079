"""Benchmark of the personal pages: the 193-State world of bench/feeds.py, every person's page served by the
app of `nmrf serve` on 127.0.0.1, beside the same people's calendar feeds on the same server.

Not a test: it prints figures, with the floor beside them.

1. World: bench/feeds.py's (every UN member State with the example NMRF, three cycles each); one page link
   and one feed link per person.
2. The floor: the page's own work in process, without HTTP: what the person owes read from the database
   (services.pages.page_view) and the template rendered, one person after another.
3. The server in its own process; the load from a concurrent Python client (wrk when installed), spread
   over a sample of people: their pages, then the same people's feeds (from the feed cache, as served).

    .venv/bin/python bench/pages.py [--states 193] [--sample 2000] [--seconds 5] [--connections 8] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import feeds as feeds_bench  # noqa: E402  (the world, the server and the load of the feed benchmark)

NOW = feeds_bench.NOW


def issue_page_links(db_url: str) -> list[tuple[str, str]]:
    """(page path, feed path) of every person: a new page link and a new feed link each."""
    from sqlmodel import select

    from nmrf.calendars.links import Subject, active_link, issue_link, rotate
    from nmrf.models import Person
    from nmrf.models.db import make_engine, session_scope
    from nmrf.services.pages import issue_page_link

    engine = make_engine(db_url)
    out = []
    with session_scope(engine, actor="bench") as s:
        for person in s.exec(select(Person).order_by(Person.id)):
            _, page = issue_page_link(session=s, person=person, now=NOW, actor="bench")
            subject = Subject("person", person)
            old = active_link(session=s, subject=subject)
            _, feed = (rotate(session=s, link=old, now=NOW, actor="bench") if old else
                       issue_link(session=s, subject=subject, now=NOW, actor="bench"))
            out.append((f"/p/{page}", f"/feeds/{feed}.ics"))
    engine.dispose()
    return out


def floor(db_url: str, tokens: list[str], repeats: int) -> dict:
    """The page's own work in process: page_view and the template, per person; best of `repeats`."""
    from nmrf.models.db import make_engine, session_scope
    from nmrf.services.pages import find_page_link, page_view
    from nmrf.web.templating import render

    engine = make_engine(db_url)
    best = None
    today = NOW.date()
    for _ in range(repeats):
        times = []
        for token in tokens:
            t = time.perf_counter()
            with session_scope(engine, readonly=True) as s:
                link, person = find_page_link(session=s, token=token)  # type: ignore[misc]
                view = page_view(session=s, person=person, today=today)
            render("page.html", language=person.language, fallback=view.state.language, view=view, token=token,
                   csrf={}, problems=[], problems_title="", notice="", notice_title="", calendar=None,
                   upload_problems=False)
            times.append(time.perf_counter() - t)
        run = {"per_s": len(times) / sum(times), "p50_ms": feeds_bench.pct(times, 50) * 1000,
               "p95_ms": feeds_bench.pct(times, 95) * 1000}
        best = run if best is None or run["per_s"] > best["per_s"] else best
    engine.dispose()
    return best  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--states", type=int, default=193)
    parser.add_argument("--sample", type=int, default=2000, help="People whose pages and feeds the load asks for.")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", type=Path, help="Keep (or reuse) the world's database in this folder.")
    args = parser.parse_args()

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nmrf-bench-pages-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(workdir / "prefect"))
    db_path = workdir / "world.db"
    db_url = f"sqlite:///{db_path}"
    links_file = workdir / "page-links.json"
    try:
        if db_path.exists() and links_file.exists():
            world = json.loads((workdir / "world.json").read_text())
            pairs = [tuple(x) for x in json.loads(links_file.read_text())]
            print(f"world reused from {workdir}")
        else:
            world = feeds_bench.build_world(db_url, args.states)
            pairs = issue_page_links(db_url)
            (workdir / "world.json").write_text(json.dumps(world))
            links_file.write_text(json.dumps(pairs))
        print(f"world: {world['states']} States, {world['people']} people, {world['cycles']} cycles, "
              f"{world['milestones']} milestones; {len(pairs)} page links and as many feed links")
        sample = random.Random(12).sample(pairs, min(args.sample, len(pairs)))
        pages = [p for p, _ in sample]
        feeds = [f for _, f in sample]
        print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; each figure is the best of "
              f"{args.repeats} runs)")
        f = floor(db_url, [p.removeprefix("/p/") for p in pages[:500]], args.repeats)
        print(f"floor, the page's own work in process (page_view + template, {min(500, len(pages))} people): "
              f"{f['per_s']:.0f} pages/s, p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms")

        def best(port: int, paths: list[str], connections: int) -> dict:
            runs = [feeds_bench.load(port, paths, [""] * len(paths), "full", args.seconds, connections, workdir)
                    for _ in range(args.repeats)]
            return max(runs, key=lambda r: r["rps"])

        server = feeds_bench.Server(db_url, cache_mb=512)
        rows = []
        try:
            cold, _, size = feeds_bench.fetch_all(server.port, pages)
            print(f"pages, first request of each of {len(pages)} people, one at a time: p50 "
                  f"{feeds_bench.pct(cold, 50) * 1000:.1f} ms, p95 {feeds_bench.pct(cold, 95) * 1000:.1f} ms; "
                  f"mean body {size / len(pages) / 1024:.1f} KiB")
            feeds_bench.fetch_all(server.port, feeds)  # the feed cache warm, as a running server's is
            for n in (1, args.connections):
                rows.append((f"page, {n} connection(s)", best(server.port, pages, n)))
                rows.append((f"feed (same people), {n} conn.", best(server.port, feeds, n)))
        finally:
            server.stop()
        tool = rows[0][1]["tool"]
        print(f"\nserver: `nmrf serve`'s app (uvicorn, 1 process) on 127.0.0.1; load: {tool}, {args.seconds} s "
              f"per run over {len(pages)} people")
        print(f"{'':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs floor':>9}")
        for name, r in rows:
            print(f"{name:34} {r['rps']:8.0f} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} {r['p99_ms']:8.2f} "
                  f"{r['errors']:7d} {r['rps'] / f['per_s']:8.2f}x")
        print(f"{'floor (page_view + template)':34} {f['per_s']:8.0f} {f['p50_ms']:8.2f} {f['p95_ms']:8.2f}")
        print(f"\nratio = server requests/s / in-process pages/s. Aim: a personal page under 50 ms at p95. "
              f"Load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
