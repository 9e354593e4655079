"""From imported recommendations to clusters, priorities, the follow-up plan, workbooks, the draft, the public view."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from nmrf.domain.draft import count_words, to_markdown
from nmrf.domain.similarity import Item, cluster_items, explain, vectorise
from nmrf.errors import NmrfError
from nmrf.models import Cluster, Cycle, CycleEvent, InputAnswer, Milestone, Recommendation, Record
from nmrf.models.db import session_scope
from nmrf.domain.reference import UPR_INFO_CSV
from nmrf.services.clustering import cluster_recommendations, why
from nmrf.services.cycles import advance_cycle, launch_cycle, set_official_date
from nmrf.services.drafts import compile_draft
from nmrf.services.followup import add_action, assign, assign_theme, update_action
from nmrf.services.inputs import import_workbook, request_workbooks
from nmrf.services.recommendation_rows import cluster_rows, recommendation_rows
from nmrf.services.people import get_state
from nmrf.services.publication import public_view, render
from nmrf.services.recommendations import get_cluster, import_recommendations, record_factors
from tests.conftest import NOW, at
from tests.support.paths import UHRI as UHRI_CSV

UHRI = UHRI_CSV
VIEWS = ("state,mechanism,body,document,paragraph,date,text,themes,sdgs,affected_persons,article,urgent,"
         "confidential,kind\nCL,CCPR,Human Rights Committee,CCPR/C/130/D/1234/2019,9,2021-07-20,"
         "Provide the author with an effective remedy for the torture he suffered in police custody.,"
         "torture,16,,,no,no,views\n")


@pytest.fixture
def loaded(engine):
    """In English: these tests assert the workbook's and the draft's English texts (each language's are
    tests/test_i18n_renderings.py's)."""
    from tests.conftest import load_example

    return load_example(engine, language="en")


@pytest.fixture
def chile(loaded):
    """Chile's recommendations: UPR Info (122), the UHRI file (21) and one decision on a communication, clustered."""
    with session_scope(loaded, actor="test") as s:
        state = get_state(session=s)
        for data, fmt in ((UPR_INFO_CSV.read_bytes(), "upr-info"), (UHRI.read_bytes(), "uhri"),
                          (VIEWS.encode(), "template")):
            import_recommendations(session=s, data=data, file_name=fmt, fmt=fmt, now=NOW, actor="test",
                                   states=[state])
        cluster_recommendations(session=s, now=NOW, state=state)
    return loaded


def _rec(s, needle: str) -> Recommendation:
    return next(r for r in s.exec(select(Recommendation)) if needle in r.text)


def test_every_two_members_of_a_cluster_are_linked_and_the_link_says_why():
    items = [Item(1, "a", "Combat domestic violence against women through a specific law.", ("violence-against-women",), "UPR"),
             Item(2, "b", "Adopt a law to combat domestic violence against women and protect victims.", ("violence-against-women",), "CEDAW"),
             Item(3, "c", "Ratify the Rome Statute of the International Criminal Court.", ("international-norms",), "UPR")]
    groups = cluster_items(items)
    assert [1, 2] in groups and [3] in groups
    link = explain(items[0], items[1], vectorise(items))
    assert link.linked and "violence-against-women" in link.shared_themes
    assert {"domestic", "violence"} <= {t for t, _ in link.shared_terms}
    far = explain(items[0], items[2], vectorise(items))
    assert not far.linked and far.why_not


def test_a_recorded_cluster_keeps_its_members_when_more_recommendations_arrive():
    base = [Item(1, "a", "Abolish the death penalty.", ("death-penalty",), "UPR", cluster=10),
            Item(2, "b", "Ratify the Rome Statute.", ("international-norms",), "UPR", cluster=10)]
    new = Item(3, "c", "Abolish the death penalty in law and practice.", ("death-penalty",), "CCPR")
    # 3 says what 1 says, but not what 2 says: it may not join (every two members must be linked),
    # and the recorded cluster is not broken up to make room for it.
    assert cluster_items([*base, new]) == [[1, 2], [3]]
    fresh = [Item(1, "a", "Abolish the death penalty.", ("death-penalty",), "UPR"), new]
    assert cluster_items(fresh) == [[1, 3]]


def test_clustering_links_treaty_bodies_and_the_upr_and_is_stable(chile):
    with session_scope(chile, actor="test") as s:
        state = get_state(session=s)
        cross = cluster_rows(session=s, state=state, several=True)
        assert len(cross) >= 5
        assert any(set(c.mechanisms) == {"CAT", "UPR"} for c in cross)
        before = {r.id: r.cluster_id for r in s.exec(select(Recommendation))}
        again = cluster_recommendations(session=s, now=NOW, state=state)
        assert again.created == 0
        assert {r.id: r.cluster_id for r in s.exec(select(Recommendation))} == before
        cat = _rec(s, "reduce overcrowding in prisons")
        upr = _rec(s, "improve conditions of detention and reduce overcrowding")
        assert cat.cluster_id == upr.cluster_id
        link = why(session=s, a=cat, b=upr)
        assert link.linked and "overcrowding" in {t for t, _ in link.shared_terms}


def test_priority_computes_a_and_b_and_lists_by_the_recorded_factors(chile):
    with session_scope(chile, actor="test") as s:
        state = get_state(session=s)
        cat = _rec(s, "reduce overcrowding in prisons")  # "Take urgent measures" from CAT
        rows = {r.id: r for r in recommendation_rows(session=s, state=state)}
        assert rows[cat.id].priority.urgent and rows[cat.id].priority.several_mechanisms
        upr_urgent = [r for r in rows.values() if r.mechanism == "UPR" and r.priority.urgent]
        assert not upr_urgent  # (a) is about treaty bodies only
        members = list(s.exec(select(Recommendation).where(Recommendation.cluster_id == cat.cluster_id)))
        record_factors(session=s, recs=members, values={"no_budget": False, "national_priority": True,
                                                        "disadvantaged_groups": True}, note="", now=NOW,
                       actor="ana-rojas")
        ranked = recommendation_rows(session=s, state=state)
        assert ranked[0].id == cat.id and ranked[0].priority.score == 4
        only = recommendation_rows(session=s, state=state, national=True)
        assert {r.id for r in only} == {m.id for m in members}
        assert all(r.priority.urgent for r in recommendation_rows(session=s, state=state, urgent=True))


@pytest.mark.both_databases
def test_an_action_is_a_milestone_that_moves_is_missed_and_is_done_like_any_deadline(chile):
    with session_scope(chile, actor="test") as s:
        state = get_state(session=s)
        cl = get_cluster(session=s, state=state, ref=_rec(s, "reduce overcrowding in prisons").cluster_id)
        with pytest.raises(NmrfError, match="no lead institution"):
            add_action(session=s, state=state, cluster=cl, title="x", due=date(2027, 3, 1), indicator="",
                       indicator_kind="process", today=date(2027, 1, 4), now=NOW, actor="test")
        assign(session=s, state=state, lead="justice", supporting=["interior"], now=NOW, actor="test", cluster=cl)
        action, m = add_action(session=s, state=state, cluster=cl, title="New prison places", due=date(2027, 3, 1),
                               indicator="prison occupancy rate", indicator_kind="outcome", today=date(2027, 1, 4),
                               now=NOW, actor="test")
        cycle = s.get(Cycle, action.cycle_id)
        assert cycle.template == "follow_up_plan" and m.key == f"action-{cl.id}-1"
        assert (m.owner_role, m.side, m.due_date, m.template_key) == ("focal_point", "internal", date(2027, 3, 1), "action")
        seq = m.sequence
        update_action(session=s, state=state, action=action, now=at(date(2027, 2, 1)), actor="test",
                      due=date(2027, 4, 1), note="budget approved late")
        assert (m.due_date, m.sequence, m.updated_at) == (date(2027, 4, 1), seq + 1, at(date(2027, 2, 1)))
        assert s.exec(select(Record).where(Record.milestone_id == m.id, Record.kind == "redated")).first()
        events = advance_cycle(session=s, cycle=cycle, today=date(2027, 4, 5), now=at(date(2027, 4, 5)))
        assert any(e.kind == "missed" and e.milestone_id == m.id for e in events)
        update_action(session=s, state=state, action=action, now=at(date(2027, 4, 10)), actor="test", status="done",
                      by="paula-herrera", note="1,200 places opened")
        assert m.status == "done" and m.completed_actor == "Paula Herrera"
        advance_cycle(session=s, cycle=cycle, today=date(2027, 4, 11), now=at(date(2027, 4, 11)))
        assert cycle.status == "completed"
        # An official date set on an action moves it too (the core's set-date).
        action2, m2 = add_action(session=s, state=state, cluster=cl, title="Inspection", due=date(2027, 6, 1),
                                 indicator="", indicator_kind="process", today=date(2027, 4, 12),
                                 now=at(date(2027, 4, 12)), actor="test")
        assert cycle.status == "active"
        set_official_date(session=s, cycle=cycle, key=m2.key, day=date(2027, 7, 1), source="decree", now=NOW,
                          actor="test")
        assert m2.due_date == date(2027, 7, 1)


def _upr_cycle(s, state):
    return launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                        dates={"review": date(2028, 5, 1)}, now=NOW, actor="test").cycle


@pytest.mark.both_databases
def test_workbooks_go_out_come_back_strictly_and_complete_the_input(chile, tmp_path):
    with session_scope(chile, actor="test") as s:
        state = get_state(session=s)
        assign_theme(session=s, state=state, theme="women", lead="women", supporting=["justice"], now=NOW, actor="test")
        cycle = _upr_cycle(s, state)
        sent = request_workbooks(session=s, state=state, cycle=cycle, out_dir=tmp_path, now=NOW, actor="test",
                                 institutions=["women", "justice"])
        again = request_workbooks(session=s, state=state, cycle=cycle, out_dir=tmp_path, now=NOW, actor="test",
                                  institutions=["women"])
        assert again.sent[0].reused
    path = next(x.file for x in sent.sent if x.institution == "women")
    wb = load_workbook(path)
    assert {"Recommendations", "About", "Calendar", "Clusters", "nmrf"} <= set(wb.sheetnames)
    about = dict(r for r in wb["About"].iter_rows(values_only=True))
    assert about["Word limit of the report"] == "10,700 words" and about["Deadline for your answers"]
    ws = wb["Recommendations"]
    n = ws.max_row - 1
    bad = load_workbook(path)
    bws = bad["Recommendations"]
    bws["L2"] = 42
    bws["M3"] = "finished"
    bws.delete_rows(4)
    bad.save(tmp_path / "bad.xlsx")
    with session_scope(chile, actor="test") as s, pytest.raises(NmrfError) as err:
        import_workbook(session=s, state=get_state(session=s), data=(tmp_path / "bad.xlsx").read_bytes(),
                        file_name="bad.xlsx", now=NOW, actor="test")
    text = str(err.value)
    assert "Recommendations!L2: Answer: expected text, got a number (42)" in text
    assert "Recommendations!M3: Implementation: 'finished'" in text
    assert "1 row(s) missing" in text
    for row in ws.iter_rows(min_row=2):
        row[11].value, row[12].value = f"Answer on {row[0].value}: a law was passed.", "implemented"
    wb.save(tmp_path / "filled.xlsx")
    with session_scope(chile, actor="test") as s:
        state = get_state(session=s)
        assert not s.exec(select(InputAnswer)).first()  # the refused workbook recorded nothing
        got = import_workbook(session=s, state=state, data=(tmp_path / "filled.xlsx").read_bytes(),
                              file_name="filled.xlsx", now=NOW, actor="test")
        assert (got.answered, got.recorded, got.milestone_done) == (n, n, "input:women")
        again = import_workbook(session=s, state=state, data=(tmp_path / "filled.xlsx").read_bytes(),
                                file_name="filled.xlsx", now=NOW, actor="test")
        assert again.recorded == 0
        cycle = s.exec(select(Cycle).where(Cycle.template == "upr_review")).one()
        ms = s.exec(select(Milestone).where(Milestone.cycle_id == cycle.id, Milestone.key == "input:women")).one()
        assert ms.status == "done"
        d = compile_draft(session=s, state=state, cycle=cycle, today=date(2027, 9, 1))
    md = to_markdown(d)
    assert d.word_limit == 10700 and d.words == count_words(d.body_text()) > 0
    assert f"of 10,700 words" in d.limit_text()
    assert "Ministry of Justice and Human Rights" in d.missing_from  # it supports and has not answered
    assert "[MISSING]" in md and "no answer from Ministry of Justice and Human Rights (supporting)" in md
    assert "a law was passed" in md and "Ministry of Women and Gender Equity" not in d.missing_from


def test_the_draft_is_written_as_docx_and_can_be_organised_by_article(chile, tmp_path):
    from docx import Document

    from nmrf.documents.draft_docx import write_docx

    with session_scope(chile, actor="test") as s:
        state = get_state(session=s)
        cycle = launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                             dates={"submission": date(2027, 10, 1)}, now=NOW, actor="test").cycle
        d = compile_draft(session=s, state=state, cycle=cycle, today=date(2027, 6, 1), by="article")
    assert d.word_limit == 21200
    (tmp_path / "d.docx").write_bytes(write_docx(d, created=NOW))
    text = "\n".join(p.text for p in Document(str(tmp_path / "d.docx")).paragraphs)
    assert "Word count:" in text and "of 21,200 words" in text and "[MISSING]" in text


def test_the_public_view_leaves_out_individual_communications_and_confidential_ones(chile):
    with session_scope(chile, actor="test") as s:
        state = get_state(session=s)
        views = _rec(s, "effective remedy for the torture")
        assert views.kind == "views"
        views.confidential = False  # even if someone unflags it
        other = _rec(s, "Rome Statute of the International Criminal Court")
        other.confidential = True
        s.flush()
        view = public_view(session=s, state=state, today=date(2027, 1, 4))
    texts = {r.text for r in view.rows}
    assert views.text not in texts and other.text not in texts and view.left_out == 2
    for fmt in (".json", ".csv", ".md"):
        out = render(view, fmt)
        assert "effective remedy" not in out and "Defensoría de la Niñez" in out
