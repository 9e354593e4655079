"""The public reference data shipped with nmrf: ratifications, UPR review order, regional parties.

Read from files inside the package (nmrf.domain.packaged says where; never fetched at run time) and cached.
"""

from __future__ import annotations

import csv
from datetime import date
from functools import lru_cache

import yaml

from nmrf.domain.inventory import Ratification, UprSchedule
from nmrf.domain.packaged import DATA_DIR, RATIFICATIONS_DIR, UPR_INFO_CSV  # noqa: F401  (UPR_INFO_CSV re-read by tests)
from nmrf.domain.review_calendars import UPR_CALENDAR_PATH, ReviewCalendar, parse_review_calendar
from nmrf.domain.rules import load_catalogue



@lru_cache(maxsize=1)
def all_ratifications() -> dict[str, dict[str, Ratification]]:
    """iso2 -> instrument -> Ratification, for the 193 UN member States."""
    members = member_names()
    by_name = {name.casefold(): code for code, name in members.items()}
    out: dict[str, dict[str, Ratification]] = {code: {} for code in members}
    for path in sorted(RATIFICATIONS_DIR.glob("hr_status_*.csv")):
        instrument = path.stem.removeprefix("hr_status_")
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                # The published files have quirks (South Sudan coded "S", a
                # non-member territory listed): fall back on the name, skip non-members.
                code = row["iso2"] if row["iso2"] in members else by_name.get(row["member"].casefold())
                if code is None:
                    continue
                year = row["year ratification or accession"].strip()
                out[code][instrument] = Ratification(
                    party=row["state party"].strip() == "1",
                    year=int(year) if year else None,
                    status=row["status"].strip(),
                )
    regional = yaml.safe_load((DATA_DIR / "regional.yaml").read_text(encoding="utf-8"))
    for instrument, spec in regional.items():
        for code in out:
            out[code][instrument] = Ratification(party=code in spec["parties"], year=None,
                                                 status="state party" if code in spec["parties"] else "no action")
    return out


# The ratification data still codes Timor-Leste TP (East Timor, withdrawn from ISO 3166 in 2002).
_RECODED = {"TP": "TL"}


@lru_cache(maxsize=1)
def member_names() -> dict[str, str]:
    """iso2 -> name, for the 193 UN member States, as the ratification data names them."""
    with (RATIFICATIONS_DIR / "hr_status_crc.csv").open(newline="", encoding="utf-8") as fh:
        return {_RECODED.get(row["iso2"], row["iso2"]): row["member"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def upr_schedule() -> UprSchedule:
    data = yaml.safe_load((DATA_DIR / "upr_order.yaml").read_text(encoding="utf-8"))
    return UprSchedule(
        first_cycle_session={k: int(v) for k, v in data["first_cycle_session"].items()},
        session_dates={int(k): (v if isinstance(v, date) else date.fromisoformat(v))
                       for k, v in data["session_dates"].items()},
        fourth_cycle_first_session=int(data["fourth_cycle_first_session"]),
    )


@lru_cache(maxsize=1)
def upr_calendar() -> ReviewCalendar:
    """OHCHR's published UPR calendar of the current cycle (sessions, States, deadlines), checked."""
    return parse_review_calendar(UPR_CALENDAR_PATH, known_states=member_names(),
                                 mechanism=load_catalogue().mechanism("UPR"))
