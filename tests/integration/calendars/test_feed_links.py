"""Private links on the command line: issued once, stored as a hash, rotated, revoked; the export."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select
from typer.testing import CliRunner
from tests.support.feed_worlds import World, issue

from nmrf.calendars.links import find_link
from nmrf.cli.app import app
from nmrf.models import AuditEntry, FeedLink
from nmrf.models.db import session_scope
from tests.support.paths import ROOT

LINK = re.compile(r"(webcal|https?)://([^/\s]+)(/\S*)?/feeds/([A-Za-z0-9_-]{43})\.ics")


def nmrf(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def tokens_in(output: str) -> set[str]:
    return {m.group(4) for m in LINK.finditer(output)}


def test_a_link_holds_256_random_bits_and_only_its_hash_is_stored(world: World, db_url: str) -> None:
    token = issue(world.engine, "jorge-nunez")
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    with session_scope(world.engine, readonly=True) as s:
        stored_hash = s.exec(select(FeedLink)).scalars().one().token_hash
        history = [e.changes for e in s.exec(select(AuditEntry).where(AuditEntry.table_name == "feed_link")).scalars()]
    assert stored_hash == hashlib.sha256(token.encode()).hexdigest()
    assert history and all(str(c["token_hash"][1]).startswith("redacted:") for c in history)
    assert stored_hash not in str(history)
    world.engine.dispose()
    path = Path(db_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert token.encode() not in stored


def test_nmrf_feeds_url_prints_webcal_and_http_links_and_shows_a_secret_only_once(world: World) -> None:
    code, out = nmrf("feeds", "url", "jorge-nunez")
    assert code == 0, out
    [token] = tokens_in(out)
    assert f"webcal://127.0.0.1:8765/feeds/{token}.ics" in out
    assert f"http://127.0.0.1:8765/feeds/{token}.ics" in out
    code, again = nmrf("feeds", "url", "jorge-nunez")
    assert code == 2 and "already has a link" in again and not tokens_in(again)
    code, listing = nmrf("feeds", "list")
    assert code == 0 and "jorge-nunez" in listing and token not in listing


def test_links_use_the_public_url_for_https_and_webcal(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NMRF_PUBLIC_URL", "https://calendars.example.gob.cl/nmrf/")
    code, out = nmrf("feeds", "url", "paula-herrera")
    [token] = tokens_in(out)
    assert f"webcal://calendars.example.gob.cl/nmrf/feeds/{token}.ics" in out
    assert f"https://calendars.example.gob.cl/nmrf/feeds/{token}.ics" in out


def test_a_rotated_or_revoked_link_stops_working_at_once(world: World) -> None:
    [old] = tokens_in(nmrf("feeds", "url", "jorge-nunez")[1])
    code, out = nmrf("feeds", "rotate", "jorge-nunez")
    assert code == 0
    [new] = tokens_in(out)
    with session_scope(world.engine, readonly=True) as s:
        assert find_link(session=s, token=old) is None and find_link(session=s, token=new) is not None
    code, out = nmrf("feeds", "revoke", "jorge-nunez", "--note", "phone lost")
    assert code == 0, out
    with session_scope(world.engine, readonly=True) as s:
        assert find_link(session=s, token=new) is None
    code, out = nmrf("feeds", "revoke", "jorge-nunez", "--note", "again")
    assert code == 2 and "no active link" in out


def test_shared_feed_links_are_given_to_a_person_and_a_confidential_cycle_only_to_members(world: World) -> None:
    code, out = nmrf("feeds", "url", "jorge-nunez", "--institution", "health")
    assert code == 0 and "the feed of Ministry of Health, given to Jorge Núñez" in out
    code, out = nmrf("feeds", "url", "ana-rojas", "--secretariat")
    assert code == 0 and tokens_in(out)
    code, out = nmrf("cycle", "launch", "sp_communication_reply", "-m", "SP", "--date", "transmitted=2027-03-05",
                     "--reference", "UA CHL 2/2027", "--member", "tomas-silva", "--as-of", "2027-03-06")
    assert code == 0, out
    code, out = nmrf("feeds", "url", "claire-dubois", "--cycle", "3")
    assert code == 2 and "confidential" in out and not tokens_in(out)
    code, out = nmrf("feeds", "url", "tomas-silva", "--cycle", "3")
    assert code == 0 and tokens_in(out)


def test_the_export_writes_every_active_feed_under_a_secret_name_and_removes_revoked_ones(
        world: World, tmp_path: Path) -> None:
    tokens = [issue(world.engine, "jorge-nunez"), issue(world.engine, "ana-rojas", scope="secretariat"),
              issue(world.engine, "paula-herrera", scope="institution", institution="justice")]
    out_dir = tmp_path / "public"
    code, out = nmrf("feeds", "export", str(out_dir), "--as-of", "2027-03-10")
    assert code == 0 and "3 feed(s) written" in out, out
    files = sorted(out_dir.iterdir())
    assert len(files) == 3 and all(re.fullmatch(r"[0-9a-f]{64}\.ics", f.name) for f in files)
    assert not any(t in f.name or t in out for t in tokens for f in files)
    for f in files:
        cal = Calendar.from_ical(f.read_bytes())
        stamps = [ev.decoded("LAST-MODIFIED") for ev in cal.walk("VEVENT")]
        assert stamps and int(f.stat().st_mtime) == int(max(stamps).timestamp())
    before = {f.name: f.stat().st_mtime_ns for f in files}
    code, out = nmrf("feeds", "export", str(out_dir), "--as-of", "2027-03-10")
    assert "0 feed(s) written, 3 unchanged" in out
    assert {f.name: f.stat().st_mtime_ns for f in out_dir.iterdir()} == before
    assert nmrf("feeds", "revoke", "jorge-nunez", "--note", "left")[0] == 0
    code, out = nmrf("feeds", "export", str(out_dir), "--as-of", "2027-03-10")
    assert "1 removed" in out and len(list(out_dir.iterdir())) == 2


def test_nmrf_feeds_show_prints_a_persons_feed(world: World) -> None:
    code, out = nmrf("feeds", "show", "jorge-nunez", "--as-of", "2027-03-10")
    assert code == 0
    titles = [str(e["SUMMARY"]) for e in Calendar.from_ical(out.encode()).walk("VEVENT")]
    assert "CEDAW: Information from the institution for the report (Ministry of Health)" in titles


def test_meetings_on_the_command_line(world: World) -> None:
    code, out = nmrf("meeting", "add", "plenary-may", "--kind", "plenary", "--title", "Plenary of the NMRF",
                     "--at", "2027-05-12 10:00", "--timezone", "Europe/Geneva", "--role", "focal_point",
                     "--role", "secretariat", "--location", "Palais des Nations", "--as-of", "2027-03-10")
    assert code == 2 and "IANA" in out  # Europe/Geneva does not exist: Europe/Zurich does
    code, out = nmrf("meeting", "add", "plenary-may", "--kind", "plenary", "--title", "Plenary of the NMRF",
                     "--at", "2027-05-12 10:00", "--timezone", "Europe/Zurich", "--role", "focal_point",
                     "--role", "secretariat", "--location", "Palais des Nations", "--as-of", "2027-03-10")
    assert code == 0, out
    code, out = nmrf("meeting", "add", "bad", "--kind", "party", "--title", "x", "--at", "2027-05-12 10:00",
                     "--role", "king", "--institution", "nowhere")
    assert code == 2 and "--kind 'party'" in out and "king" in out and "nowhere" in out
    assert nmrf("meeting", "move", "plenary-may", "--at", "2027-05-13 14:00", "--as-of", "2027-03-11")[0] == 0
    code, out = nmrf("meeting", "list")
    assert "2027-05-13 14:00 Europe/Zurich" in out
    assert nmrf("meeting", "cancel", "plenary-may", "--note", "no quorum", "--as-of", "2027-03-12")[0] == 0
    code, out = nmrf("feeds", "show", "jorge-nunez", "--as-of", "2027-03-13")
    [plenary] = [e for e in Calendar.from_ical(out.encode()).walk("VEVENT") if "Plenary" in str(e["SUMMARY"])]
    assert str(plenary["SUMMARY"]) == "CANCELLED: NMRF: Plenary of the NMRF" and int(plenary["SEQUENCE"]) == 2


def test_revision_ids_of_this_part_are_as_agreed() -> None:
    text = (ROOT / "nmrf/migrations/versions/0002_feeds.py").read_text()
    assert "revision: str = '0002_feeds'" in text and "down_revision: str | Sequence[str] | None = '0001_core'" in text
