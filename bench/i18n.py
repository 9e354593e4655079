"""Benchmark: what translation costs on the sweep and on feed building.

    .venv/bin/python bench/i18n.py [--states 8] [--repeats 5]

The world: bench/feeds.py's synthetic States (the example profile, renamed, with deputies and heads of
unit; about 40 people each, each with an e-mail address) with a UPR review, a CEDAW and a CRC report each, every reader's language
English. The same work is timed three ways, side by side:
- English with the catalogs off (every translator the identity: the floor, nmrf's texts as in the code),
- English with the catalogs on (what runs: gettext lookups, Babel's dates, Jinja's i18n calls),
- French with the catalogs on (the same readers switched to French: every text translated).
The work: a dry-run sweep on the day the CEDAW inputs fall due (advance the cycles, decide, compose every
message, roll back), and every person's calendar feed built and serialised. Each figure is the process's
CPU time (time.process_time: on a shared machine, wall time mostly measures the neighbours), the best of
`--repeats` runs, the three ways interleaved; the ratio is to the floor. Not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml  # noqa: E402

from feeds import NOW, synthetic_profile  # noqa: E402

SWEEP_DAY = date(2027, 6, 8)


def build(db_url: str, states: int) -> dict:
    from sqlalchemy import func, select

    from nmrf.models import Milestone, Person
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.profile import EXAMPLE_PROFILE, Profile
    from nmrf.domain.reference import member_names
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.profiles import apply_profile

    engine = make_engine(db_url)
    upgrade_schema(engine)
    base = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    started = time.perf_counter()
    for n, (code, name) in enumerate(sorted(member_names().items())[:states]):
        data = synthetic_profile(code, name, base)
        data["state"]["language"] = "en"
        for person in data["people"]:
            person["language"] = "en"
            # Every reader has an address, so that the sweep composes their messages (a dry run sends none).
            person["addresses"] = [{"label": "email", "url": f"mailto://{person['key']}@example.gob.cl"}]
        profile = Profile.model_validate(data)
        launch = NOW - timedelta(days=90)
        shift = timedelta(days=(n * 3) % 30)
        with session_scope(engine, actor="bench") as s:
            state = apply_profile(session=s, profile=profile, now=launch).state
            for template, mech, anchor, day in (("upr_review", "UPR", "review", date(2028, 1, 20) + shift),
                                                ("periodic_report", "CEDAW", "submission", date(2027, 10, 1)),
                                                ("periodic_report", "CRC", "submission", date(2027, 11, 1) + shift)):
                launch_cycle(session=s, state=state, template=template, mechanism=mech, dates={anchor: day},
                             sources={anchor: "bench"}, now=launch, actor="bench")
    with session_scope(engine, readonly=True) as s:
        people = s.execute(select(func.count()).select_from(Person)).scalar()
        milestones = s.execute(select(func.count()).select_from(Milestone)).scalar()
    return {"engine": engine, "people": people, "milestones": milestones, "seconds": time.perf_counter() - started}


def _reset_caches() -> None:
    """Templates keep the translator they were built with: rebuild them when the catalogs go on or off."""
    from nmrf.notifications import messages

    messages._env.cache_clear()
    messages._template.cache_clear()


def feeds(engine) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from nmrf.calendars.build import render_feed
    from nmrf.calendars.queries import person_feed
    from nmrf.models import Person
    from nmrf.models.db import session_scope

    started = time.process_time()
    n = size = 0
    views: dict = {}
    with session_scope(engine, readonly=True) as s:
        for person in s.exec(select(Person).order_by(Person.id)):
            feed = person_feed(session=s, person=person, now=NOW, views=views)
            size += len(render_feed(feed.spec, feed.items, now=NOW).body)
            n += 1
    return time.process_time() - started, n, size


def sweep(engine) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    from nmrf.notifications.sweeping import run_sweep
    from nmrf.settings import get_settings

    started = time.process_time()
    result = run_sweep(engine=engine, settings=get_settings(), as_of=SWEEP_DAY, dry_run=True)
    return time.process_time() - started, int(result.get("created", 0) or 0)


def set_language(engine, lang: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from nmrf.models import Person
    from nmrf.models.db import session_scope

    with session_scope(engine, actor="bench") as s:
        s.execute(update(Person).values(language=lang))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--states", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from nmrf.domain.i18n import catalogs_disabled

    with tempfile.TemporaryDirectory(prefix="nmrf-bench-i18n-") as tmp:
        world = build(f"sqlite:///{tmp}/nmrf.db", args.states)
        engine = world["engine"]
        print(f"world: {args.states} States, {world['people']} people, {world['milestones']} deadlines "
              f"(built in {world['seconds']:.1f} s)")
        best: dict[tuple[str, str], float] = {}
        counts: dict[str, object] = {}
        ways = (("English, catalogs off", "en", True), ("English, catalogs on", "en", False),
                ("French, catalogs on", "fr", False))
        # Warm-up: catalogs compiled, templates built, imports done (a long-running sweep has them).
        for _, lang, off in ways:
            set_language(engine, lang)
            _reset_caches()
            if off:
                with catalogs_disabled():
                    feeds(engine), sweep(engine)
            else:
                feeds(engine), sweep(engine)
        for _ in range(args.repeats):
            for way, lang, off in ways:
                set_language(engine, lang)
                _reset_caches()
                if off:
                    with catalogs_disabled():
                        (f, n, size), (w, msgs) = feeds(engine), sweep(engine)
                else:
                    (f, n, size), (w, msgs) = feeds(engine), sweep(engine)
                best[(way, "feeds")] = min(best.get((way, "feeds"), f), f)
                best[(way, "sweep")] = min(best.get((way, "sweep"), w), w)
                counts[way] = (n, size, msgs)
        engine.dispose()
    floor = ways[0][0]
    print(f"\n{'work':<44}" + "".join(f"{w:>24}" for w, _, _ in ways) + f"{'ratio en':>10}{'ratio fr':>10}")
    n, size, msgs = counts[floor]  # type: ignore[misc]
    for key, label in (("feeds", f"feeds: {n} people's, built and serialised"),
                       ("sweep", f"sweep (dry run, {SWEEP_DAY}): {msgs} messages composed")):
        row = f"{label:<44}" + "".join(f"{best[(w, key)]:>22.3f} s" for w, _, _ in ways)
        row += f"{best[(ways[1][0], key)] / best[(floor, key)]:>9.2f}x{best[(ways[2][0], key)] / best[(floor, key)]:>9.2f}x"
        print(row)
    print(f"\nfloor: {floor} (every translator the identity); CPU seconds, best of {args.repeats} runs each, "
          "interleaved.")
    print(f"feed bytes: {', '.join(f'{w}: {c[1]:,}' for w, c in counts.items())}")  # type: ignore[index]


if __name__ == "__main__":
    main()
