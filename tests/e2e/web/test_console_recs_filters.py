"""The recommendations table's filters on real data (the example profile, Chile's UPR recommendations from UPR
Info and a UHRI export, clustered; factors, responsibilities, actions and a returned workbook recorded through
the services), each checked against what the database holds, read another way: the rows' own JSON lists and
columns, who answers for each as nmrf.services.followup reads it, the status the public view gives. On SQLite
and, when a server is given, on PostgreSQL (the JSON lists are searched with each engine's own functions)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from sqlmodel import select
from tests.e2e.web.conftest import NOW
from tests.e2e.web.test_console_api import _token

from nmrf.domain.i18n import translator
from nmrf.domain.packaged import UHRI_CHILE_CSV
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.domain.reference import UPR_INFO_CSV
from nmrf.models import Cluster, Cycle, Recommendation
from nmrf.models.db import session_scope
from nmrf.services.clustering import cluster_recommendations
from nmrf.services.followup import add_action, assign, responsibilities_by_recommendation, update_action
from nmrf.services.inputs import import_workbook, request_workbooks
from nmrf.services.people import get_state
from nmrf.services.publication import public_view
from nmrf.services.recommendation_table import RecFilters, read_filters, recommendations_table
from nmrf.services.recommendations import import_recommendations, record_factors

pytestmark = pytest.mark.both_databases
TODAY = date(2027, 9, 20)
# What a ministry writes in the Implementation column, row after row (the workbook's Spanish choices).
REPORTED = ["aplicada", "en curso", "parcialmente aplicada", "no iniciada", "no aplicable"]


@pytest.fixture
def recs(world, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The world of the console's tests with more to filter on: the UHRI export's treaty-body recommendations
    (other mechanisms, SDGs given by the source), the guide's factors on some, one recommendation of the women's
    theme given its own lead (health, which then answers for it instead of its cluster's), actions (one cluster's
    all done, another's open) and the women's workbook returned with a status on each row."""
    with session_scope(world, actor="test") as s:
        state = get_state(session=s)
        import_recommendations(session=s, data=UHRI_CHILE_CSV.read_bytes(), file_name=UHRI_CHILE_CSV.name,
                               fmt="uhri", now=NOW, actor="test", states=[state])
        cluster_recommendations(session=s, now=NOW, state=state)
        rows = list(s.exec(select(Recommendation).where(Recommendation.state_id == state.id)
                           .order_by(Recommendation.id)))
        record_factors(session=s, recs=rows[0:40], values={"no_budget": True, "national_priority": True},
                       note="", now=NOW, actor="test")
        record_factors(session=s, recs=rows[40:70], values={"no_budget": False, "disadvantaged_groups": True},
                       note="", now=NOW, actor="test")
        clustered = [r for r in rows if r.cluster_id is not None]
        women = [r for r in clustered if "women" in r.themes]
        assign(session=s, state=state, lead="health", supporting=["education"], now=NOW, actor="test",
               rec=women[0])
        others = sorted({r.cluster_id for r in clustered if "women" not in r.themes})
        done, running = (s.get(Cluster, others[0]), s.get(Cluster, others[1]))
        assign(session=s, state=state, lead="justice", supporting=[], now=NOW, actor="test", cluster=done)
        assign(session=s, state=state, lead="interior", supporting=["justice"], now=NOW, actor="test",
               cluster=running)
        a, _ = add_action(session=s, state=state, cluster=done, title="Protocol", due=date(2027, 12, 1),
                          indicator="", indicator_kind="structural", today=TODAY, now=NOW, actor="test")
        update_action(session=s, state=state, action=a, now=NOW, actor="test", status="done")
        add_action(session=s, state=state, cluster=running, title="Bill", due=date(2028, 3, 1), indicator="",
                   indicator_kind="structural", today=TODAY, now=NOW, actor="test")
        upr = s.exec(select(Cycle).where(Cycle.template == "upr_review")).one()
        sent = request_workbooks(session=s, state=state, cycle=upr, out_dir=tmp_path, now=NOW, actor="test",
                                 institutions=["women"])
    book = load_workbook(sent.sent[0].file)
    sheet = book.worksheets[0]
    for n, row in enumerate(sheet.iter_rows(min_row=2)):
        row[11].value = f"Respuesta {n}"
        row[12].value = REPORTED[n % len(REPORTED)]
    back = tmp_path / "returned.xlsx"
    book.save(back)
    with session_scope(world, actor="valentina-diaz") as s:
        got = import_workbook(session=s, state=get_state(session=s), data=back.read_bytes(), file_name=back.name,
                              now=NOW, actor="valentina-diaz")
        assert got.answered > 10
    return world


def _all(engine, **asked) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
    """The ids the table lists (every page, 50 at a time) and the total it counts, for these query values."""
    filters, problems = read_filters({k: str(v) for k, v in asked.items()})
    assert problems == []
    ids, page = [], 1
    with session_scope(engine, readonly=True) as s:
        state = get_state(session=s)
        while True:
            t = recommendations_table(session=s, state=state, filters=filters, page=page, choices=False)
            ids += [r.rec.id for r in t.rows]
            if page >= t.pages:
                return ids, t.total
            page += 1


def _held(engine):  # type: ignore[no-untyped-def]
    """Every recommendation, with who answers for it (the follow-up service) and its public status."""
    with session_scope(engine, readonly=True) as s:
        state = get_state(session=s)
        rows = list(s.exec(select(Recommendation).where(Recommendation.state_id == state.id)
                           .order_by(Recommendation.id)))
        who = responsibilities_by_recommendation(session=s, state=state)
        public = {r.ref: r.status_code for r in public_view(session=s, state=state, today=TODAY).rows}
        s.expunge_all()
    return rows, who, public


def _expect(ids: tuple[list[int], int], wanted: list[int]) -> None:
    got, total = ids
    assert got == wanted and total == len(wanted)


def test_each_filter_lists_what_the_database_holds_counted_and_paged(recs):  # type: ignore[no-untyped-def]
    rows, who, public = _held(recs)
    every = [r.id for r in rows]
    assert _all(recs) == (every, len(every)) and len(every) > 100
    assert len({r.mechanism for r in rows}) > 2

    for theme in ("women", "torture", "children"):
        wanted = [r.id for r in rows if theme in r.themes]
        assert wanted, theme
        _expect(_all(recs, theme=theme), wanted)
    for goal in (5, 16):
        own = [r.id for r in rows if goal in r.sdgs]
        inferred = [r.id for r in rows if goal in r.inferred_sdgs]
        assert own and inferred, goal
        _expect(_all(recs, sdg=goal, sdg_basis="source"), own)
        _expect(_all(recs, sdg=goal, sdg_basis="inferred"), inferred)
        _expect(_all(recs, sdg=goal), sorted(set(own) | set(inferred)))
    for mechanism in sorted({r.mechanism for r in rows}):
        _expect(_all(recs, mechanism=mechanism), [r.id for r in rows if r.mechanism == mechanism])

    for key in ("women", "justice", "health", "interior", "education"):
        lead = [r.id for r in rows if who[r.id].lead is not None and who[r.id].lead.key == key]
        supporting = [r.id for r in rows if key in {i.key for i in who[r.id].supporting}]
        assert lead or supporting, key
        _expect(_all(recs, institution=key, role="lead"), lead)
        _expect(_all(recs, institution=key, role="supporting"), supporting)
        _expect(_all(recs, institution=key), sorted(set(lead) | set(supporting)))
    # The recommendation given its own lead answers to it alone, not to its cluster's institutions.
    own = next(r for r in rows if who[r.id].level == "recommendation")
    assert own.id in _all(recs, institution="health", role="lead")[0]
    assert own.id not in _all(recs, institution="women")[0]

    statuses = {public[r.uid] for r in rows}
    assert {"implemented", "in_progress", "partially_implemented", "not_started", "not_applicable",
            "no_action_planned", "actions_completed"} <= statuses
    for status in statuses:
        _expect(_all(recs, status=status), [r.id for r in rows if public[r.uid] == status])

    for factor in ("no_budget", "national_priority", "disadvantaged_groups"):
        for value, stored in (("yes", True), ("no", False), ("unassessed", None)):
            _expect(_all(recs, **{factor: value}), [r.id for r in rows if getattr(r, factor) is stored])
    cluster = rows[5].cluster_id
    _expect(_all(recs, cluster=cluster), [r.id for r in rows if r.cluster_id == cluster])
    _expect(_all(recs, position="none"), [r.id for r in rows if r.position == ""])
    _expect(_all(recs, position="supported"), [r.id for r in rows if r.position == "supported"])
    _expect(_all(recs, q="TORTURE"), [r.id for r in rows if any("torture" in f.lower()
                                                               for f in (r.text, r.body, r.document))])
    # Letters beyond A-Z fold too, on SQLite as on PostgreSQL: "état" finds "l'État partie".
    with session_scope(recs, actor="test") as s:
        s.get(Recommendation, every[3]).text += " Ce que l'État partie a fait."
    for q in ("état", "ÉTAT", "État"):
        _expect(_all(recs, q=q), [every[3]])
    # The reader's % and _ are letters, not wildcards (as wildcards they would match every row).
    for letter in ("%", "_"):
        _expect(_all(recs, q=letter), [r.id for r in rows if any(letter in f for f in (r.text, r.body, r.document))])


def test_filters_combine_and_the_page_shows_why_each_row_matched(recs):  # type: ignore[no-untyped-def]
    rows, who, public = _held(recs)
    wanted = [r.id for r in rows if "women" in r.themes and who[r.id].lead is not None
              and who[r.id].lead.key == "women" and public[r.uid] == "in_progress"]
    assert wanted
    _expect(_all(recs, theme="women", institution="women", role="lead", status="in_progress"), wanted)
    _expect(_all(recs, theme="women", institution="women", role="lead", status="in_progress",
                 no_budget="no"), [i for i in wanted if next(r for r in rows if r.id == i).no_budget is False])
    both = [r.id for r in rows if r.no_budget is True and 16 in r.sdgs + r.inferred_sdgs and r.mechanism == "UPR"]
    _expect(_all(recs, no_budget="yes", sdg=16, mechanism="UPR"), both)
    _expect(_all(recs, theme="women", sdg=5, status="actions_completed", institution="justice"), [
        r.id for r in rows if "women" in r.themes and 5 in r.sdgs + r.inferred_sdgs
        and public[r.uid] == "actions_completed" and "justice" in {
            *(i.key for i in who[r.id].supporting), *([who[r.id].lead.key] if who[r.id].lead else [])}])

    # Paging in SQL: page 2 is rows 51-100 of the filtered list, the count is the whole list's.
    everything = [r.id for r in rows if 16 in r.sdgs + r.inferred_sdgs]
    assert len(everything) > 100
    filters, _ = read_filters({"sdg": "16"})
    es = translator("es", fallback="es")
    with session_scope(recs, readonly=True) as s:
        t = recommendations_table(session=s, state=get_state(session=s), filters=filters, page=2, t=es)
        assert [r.rec.id for r in t.rows] == everything[50:100] and t.total == len(everything)
        assert t.pages == -(-len(everything) // 50) and t.filters.as_query() == {"sdg": "16"}
        row = next(r for r in t.rows if r.lead is not None)
        assert row.lead_name == (row.lead.names or {}).get("es", row.lead.name)
        assert row.theme_names and all(n not in ("", None) for n in row.theme_names)
        # The choices: the themes in use, named in Spanish; the seventeen goals; the profile's institutions.
        taxonomy = load_taxonomy()
        assert set(t.themes) == {(k, es.gettext(taxonomy.themes[k].name)) for r in rows for k in r.themes}
        assert [g for g, _ in t.sdgs] == list(range(1, 18)) and t.sdgs[4][1].startswith("5. ")
        assert {"women", "health", "justice"} <= {k for k, _ in t.institutions}


def test_a_value_that_cannot_be_read_is_left_out_and_named_with_its_field(recs):  # type: ignore[no-untyped-def]
    rows, _, _ = _held(recs)
    filters, problems = read_filters({"sdg": "99", "theme": "astrology", "status": "finished", "cluster": "x1",
                                      "no_budget": "maybe", "role": "boss", "sdg_basis": "?", "position": "for",
                                      "mechanism": "UPR"})
    assert [p.field for p in problems] == ["theme", "sdg", "sdg_basis", "role", "status", "position", "no_budget",
                                           "cluster"]
    assert filters == RecFilters(mechanism="UPR")  # the rest applies
    # A digit that int() cannot read, a NUL in the words (PostgreSQL refuses it in a query): named, not a crash.
    assert [p.field for p in read_filters({"q": "tor\x00ture", "sdg": "²", "cluster": "²"})[1]] == [
        "q", "sdg", "cluster"]
    with session_scope(recs, readonly=True) as s:
        t = recommendations_table(session=s, state=get_state(session=s), filters=RecFilters(institution="nobody"),
                                  problems=problems)
        assert [p.field for p in t.problems][-1] == "institution" and t.total == len(rows)
        assert t.filters.institution == ""
    # In the reader's language.
    es = translator("es", fallback="es")
    said = problems[1].translated(es.gettext).message
    assert said != problems[1].message and "17" in said


def test_the_api_lists_with_the_same_filters_and_refuses_a_bad_value_in_the_holders_language(
        server, recs):  # type: ignore[no-untyped-def]
    _, secret = _token(recs, "ana-rojas", "read")
    auth = {"Authorization": f"Bearer {secret}"}
    asked = {"theme": "women", "institution": "women", "role": "lead", "status": "in_progress"}
    got = httpx.get(server + "/api/v1/recommendations", params=asked, headers=auth)
    assert got.status_code == 200, got.text
    body = got.json()
    ids, total = _all(recs, **asked)
    assert [r["id"] for r in body["rows"]] == ids[:50] and body["total"] == total and body["filters"] == asked
    assert all("women" in r["themes"] and r["lead"] == "women" and r["status"] == "in_progress"
               for r in body["rows"])
    bad = httpx.get(server + "/api/v1/recommendations", params={"sdg": "99", "institution": "nobody"},
                    headers=auth)
    nul = httpx.get(server + "/api/v1/recommendations", params={"q": "tor\x00ture"}, headers=auth)
    assert nul.status_code == 422 and [p["field"] for p in nul.json()["problems"]] == ["q"]
    assert bad.status_code == 422
    problems = {p["field"]: p["message"] for p in bad.json()["problems"]}
    es = translator("es", fallback="es")
    assert problems == {"sdg": es.gettext("Choose a goal from 1 to 17."),
                        "institution": es.gettext("Choose an institution from the list: this one is not in the "
                                                  "profile.")}
