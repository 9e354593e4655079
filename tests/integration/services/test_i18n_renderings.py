"""Everything a person reads, rendered for a reader of each of the seven languages, holds no English
sentence of ours (issue 11): every kind of message, a person's calendar feed, the acknowledgement page,
an information-request workbook and a draft. Pages say their language and direction.

"English sentence of ours" is built from the English catalog itself: every literal run of three words or
more in a msgid (placeholders cut out). Names people wrote (institutions, persons, the State), the
recommendations' own texts and the rules' cited sources are quoted as written, so they are taken out of a
rendering before it is searched.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import Engine, update
from sqlmodel import select

from nmrf.domain.i18n import SUPPORTED, text_direction, translator
from nmrf.models import Cluster, Cycle, Institution, Meeting, Milestone, Person, Recommendation, State
from nmrf.models.db import make_engine, session_scope, upgrade_schema
from tests.conftest import NOW, load_example
from tests.support.english import english_left

OTHERS = [lang for lang in SUPPORTED if lang != "en"]
PERSON = "jorge-nunez"  # focal point of the Ministry of Health
INSTITUTION = "women"


@dataclass
class World:
    engine: Engine
    cedaw: int
    upr: int
    quoted: set[str]


def _quoted(engine: Engine) -> set[str]:
    """What is quoted as written: names, recommendation texts, cluster labels, sources, commands' words."""
    with session_scope(engine, readonly=True) as s:
        out = {i.name for i in s.exec(select(Institution))} | {p.name for p in s.exec(select(Person))}
        st = s.exec(select(State)).one()
        out |= {st.name, st.secretariat}
        for r in s.exec(select(Recommendation)):
            out |= {r.text, r.body, r.document}
        out |= {c.label for c in s.exec(select(Cluster))}
        out |= {c.label.split(": ", 1)[-1].capitalize() for c in s.exec(select(Cluster))}
        out |= {m.source for m in s.exec(select(Milestone)) if m.source}
        out |= {m.official_source for m in s.exec(select(Milestone)) if m.official_source}
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from nmrf.domain.reference import UPR_INFO_CSV
    from nmrf.services.clustering import cluster_recommendations
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.followup import assign_theme
    from nmrf.services.people import get_state
    from nmrf.services.recommendations import import_recommendations

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('i18n')}/nmrf.db")
    upgrade_schema(engine)
    load_example(engine)
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        cedaw = launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                             dates={"submission": date(2027, 10, 1)}, sources={"submission": "CO para 60"},
                             now=NOW, actor="test").cycle.id
        upr = launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                           dates={"review": date(2028, 5, 1)}, now=NOW, actor="test").cycle.id
        import_recommendations(session=s, data=UPR_INFO_CSV.read_bytes(), file_name="upr-info", fmt="upr-info",
                               now=NOW, actor="test", states=[state])
        cluster_recommendations(session=s, now=NOW, state=state)
        assign_theme(session=s, state=state, theme="women", lead="women", supporting=["justice"], now=NOW,
                     actor="test")
    return World(engine, cedaw, upr, _quoted(engine))


def _speak(engine: Engine, lang: str) -> None:
    """The reader (a person, an institution) speaks `lang`."""
    with session_scope(engine, actor="test") as s:
        s.execute(update(Person).where(Person.key == PERSON).values(language=lang))
        s.execute(update(Institution).where(Institution.key == INSTITUTION).values(language=lang))


# ---------------------------------------------------------------- messages

def _messages(lang: str) -> list[str]:
    from nmrf.notifications.alerts import compose_alert
    from nmrf.notifications.compose import AckFacts, ItemFacts, compose_digest, compose_single
    from nmrf.notifications.decide import Intent, Item, Recipient
    from nmrf.notifications.messages import render, window_label
    from nmrf.domain.dates import national_calendar

    cal = national_calendar("CL")
    today = date(2027, 6, 15)
    facts = ItemFacts(
        milestone_id=7, key="input:health", title="Information from the institution for the report",
        stage="inputs", cycle_id=1, cycle_title="Periodic report of Chile to CEDAW", institution_key="health",
        institution_name="Ministry of Health", due_date=date(2027, 6, 1), owner_names=("Jorge Núñez",),
        owner_keys=("jorge-nunez",), blocks=(("Draft report compiled from the inputs", date(2027, 7, 1)),),
        waiting=("Tomás Silva",), cycle_template="periodic_report", mechanism="CEDAW", state_name="Chile")
    who = Recipient(1, 1, "jorge-nunez", "Jorge Núñez", 3, "America/Santiago", lang, None)
    item = Item(7, 1, 1, 0, "inputs", "focal_point", 3, date(2027, 6, 1))
    out = []
    for kind, ack in (("reminder", None), ("escalation", None),
                      ("escalation", AckFacts("Ana Rojas", date(2027, 6, 9), "seen", date(2027, 6, 11), True)),
                      ("lapse", AckFacts("Ana Rojas", date(2027, 6, 9), "", date(2027, 6, 11), True))):
        intent = Intent(f"k-{kind}", kind, "s", item, 0, 1, 1, "owner", today, level=2, levels=3)
        subject, body, _ = compose_single(intent, facts, who, today if kind != "reminder" else date(2027, 5, 20),
                                          cal, ack, "https://nmrf.example/ack/TOKEN")
        out += [subject, body]
    for days in (1, 3):
        intent = Intent("k-r", "reminder", "s", item, 0, 1, 1, "head_of_unit", today)
        out += compose_single(intent, facts, who, date(2027, 6, 1) - timedelta(days=days), cal, None, None)[:2]
    entries = [(Intent("k-d", "escalation", "s", item, 0, 1, 1, "owner", today), facts),
               (Intent("k-e", "reminder", "s", item, 0, 1, 1, "owner", today),
                ItemFacts(**{**facts.__dict__, "due_date": date(2027, 7, 1), "key": "draft"}))]
    out += compose_digest("k-dg", entries, who, today, window_label("week", today, lang))[:2]
    out += render("test", lang, {"secretariat": "Secretariat", "name": "Jorge Núñez", "label": "email"},
                  ref="nmrf-1")
    for last in (None, datetime(2027, 6, 15, 10, tzinfo=UTC)):
        out += compose_alert(language=lang, timezone="America/Santiago", secretariat="Secretariat",
                             last_success=last, now=datetime(2027, 6, 15, 12, tzinfo=UTC), window_seconds=3600,
                             dedup_key="a")
    return out


@pytest.mark.parametrize("lang", OTHERS)
def test_every_kind_of_message_is_in_the_readers_language(lang: str):
    texts = _messages(lang)
    left = english_left("\n".join(texts), {"Ministry of Health", "Jorge Núñez", "Tomás Silva", "Ana Rojas",
                                           "Chile", "Secretariat", "seen"})
    assert not left, f"{lang}: English left: {left[:5]}"
    # The title and the cycle are translated too, not only the frame around them.
    t = translator(lang)
    assert t.gettext("Information from the institution for the report") in texts[0]
    assert t.gettext("Periodic report of {state} to {mechanism}").format(state="Chile", mechanism="CEDAW") \
        in texts[1]


def test_a_french_focal_point_reads_a_french_escalation_with_french_dates():
    texts = _messages("fr")
    assert texts[2].startswith("EN RETARD de 14 jours : Informations de l'institution pour le rapport")
    assert "Échéance le mardi 1 juin 2027 : 14 jours de retard" in texts[3]
    assert "Rapport périodique de Chile au CEDAW (cycle n° 1)" in texts[3]


# ---------------------------------------------------------------- a person's feed

def _feed_text(engine: Engine) -> str:
    from nmrf.calendars.build import render_feed
    from nmrf.calendars.queries import person_feed

    with session_scope(engine, readonly=True) as s:
        person = s.exec(select(Person).where(Person.key == PERSON)).one()
        feed = person_feed(session=s, person=person, now=NOW)
        body = render_feed(feed.spec, feed.items, now=NOW).body
    cal = Calendar.from_ical(body)
    parts = [str(cal.get("X-WR-CALNAME", "")), str(cal.get("X-WR-CALDESC", ""))]
    for ev in cal.walk("VEVENT"):
        parts += [str(ev.get("SUMMARY", "")), str(ev.get("DESCRIPTION", "")),
                  ",".join(str(c) for c in (ev.get("CATEGORIES").cats if ev.get("CATEGORIES") else []))]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", SUPPORTED)
def test_a_persons_feed_is_in_their_language(world: World, lang: str):
    _speak(world.engine, lang)
    text = _feed_text(world.engine)
    assert text.count("\n") > 10
    if lang == "en":
        assert "Information from the institution for the report" in text
        return
    left = english_left(text, world.quoted)
    assert not left, f"{lang}: English left in the feed: {left[:5]}"
    assert translator(lang).gettext("Information from the institution for the report") in text


# ---------------------------------------------------------------- the acknowledgement page

@pytest.fixture(scope="module")
def server(world: World) -> Iterator[str]:
    import uvicorn
    from fastapi import FastAPI

    from nmrf.web.routes.acks import make_router
    from nmrf.settings import get_settings

    web = FastAPI()
    web.include_router(make_router(get_settings(database_url=str(world.engine.url)),
                                   clock=lambda: datetime(2027, 6, 9, 14, tzinfo=UTC)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    srv = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


def _token(world: World) -> str:
    from nmrf.notifications.acks import chain_sequence
    from nmrf.notifications.tokens import make_token, signing_key
    from nmrf.settings import get_settings

    with session_scope(world.engine, readonly=True) as s:
        person = s.exec(select(Person).where(Person.key == PERSON)).one()
        m = s.exec(select(Milestone).where(Milestone.cycle_id == world.cedaw, Milestone.key == "input:health")).one()
        seq = chain_sequence(session=s, milestone=m)
        return make_token(signing_key(get_settings()), purpose="ack", data={"m": m.id, "s": seq, "u": person.id},
                          expires_at=datetime(2027, 7, 1, tzinfo=UTC))


@pytest.mark.parametrize("lang", SUPPORTED)
def test_the_acknowledgement_pages_speak_the_readers_language_with_lang_and_dir(world: World, server: str,
                                                                               lang: str):
    _speak(world.engine, lang)
    token = _token(world)
    page = httpx.get(f"{server}/ack/{token}")
    bad_date = httpx.post(f"{server}/ack", data={"token": token, "promised_by": "12/04/2027", "lang": lang})
    past = httpx.post(f"{server}/ack", data={"token": token, "promised_by": "2027-06-01", "lang": lang})
    refused = httpx.get(f"{server}/ack/{token[:-4]}AAAA", headers={"Accept-Language": lang})
    for response in (page, bad_date, past, refused):
        assert f'<html lang="{lang}" dir="{text_direction(lang)}">' in response.text
    # The date field says its pattern whatever the browser: a text field, the pattern in words.
    assert "type='text' id='promised_by'" in page.text and "type='date'" not in page.text
    assert translator(lang).gettext("YYYY-MM-DD") in page.text
    if lang == "ar":
        assert 'dir="rtl"' in page.text
    if lang != "en":
        text = "\n".join(re.sub(r"<[^>]+>", "\n", r.text) for r in (page, bad_date, past, refused))
        text = text.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
        left = english_left(text, world.quoted)
        assert not left, f"{lang}: English left on the pages: {left[:5]}"


# ---------------------------------------------------------------- the workbook and the draft

def _cells(path: Path) -> tuple[str, object]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        if ws.sheet_state == "hidden":
            continue
        texts.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            texts += [str(v) for v in row if v is not None]
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            texts += [dv.formula1 or "", dv.error or "", dv.errorTitle or ""]
    return "\n".join(texts), wb


@pytest.mark.parametrize("lang", SUPPORTED)
def test_a_workbook_is_in_the_institutions_working_language_and_takes_its_answers_back(world: World,
                                                                                      tmp_path: Path, lang: str):
    from nmrf.errors import NmrfError
    from nmrf.services.inputs import import_workbook, request_workbooks
    from nmrf.services.people import get_state

    _speak(world.engine, lang)
    with session_scope(world.engine, actor="test") as s:
        state = get_state(session=s)
        cycle = s.get(Cycle, world.upr)
        sent = request_workbooks(session=s, state=state, cycle=cycle, out_dir=tmp_path, now=NOW, actor="test",
                                 institutions=[INSTITUTION])
    path = sent.sent[0].file
    text, wb = _cells(path)
    t = translator(lang)
    main = wb.worksheets[0]
    assert main.sheet_view.rightToLeft is (True if lang == "ar" else None) or (
        lang != "ar" and not main.sheet_view.rightToLeft)
    if lang != "en":
        left = english_left(text, world.quoted)
        assert not left, f"{lang}: English left in the workbook: {left[:5]}"
    # The drop-down offers the translated choices; the import takes them, and the English keys.
    from nmrf.documents.workbooks import implementation_label

    labels = [implementation_label(t, k) for k in ("in_progress", "implemented")]
    assert all(label in main.data_validations.dataValidation[0].formula1 for label in labels)
    rows = list(main.iter_rows(min_row=2))
    for i, row in enumerate(rows):
        row[11].value = "Answer."
        row[12].value = labels[0] if i % 2 == 0 else "implemented"
    rows[0][12].value = "finished somehow"
    wb.save(tmp_path / "returned.xlsx")
    with session_scope(world.engine, actor="test") as s, pytest.raises(NmrfError) as err:
        import_workbook(session=s, state=get_state(session=s), data=(tmp_path / "returned.xlsx").read_bytes(),
                        file_name="returned.xlsx", now=NOW, actor="test")
    refusal = str(err.value)
    # Refused with the accepted list in the workbook's language (and the English keys).
    assert "'finished somehow'" in refusal and labels[0] in refusal and "in_progress" in refusal
    assert len(err.value.problems) == 1
    rows[0][12].value = labels[0]
    wb.save(tmp_path / "returned.xlsx")
    with session_scope(world.engine, actor="test") as s:
        got = import_workbook(session=s, state=get_state(session=s), data=(tmp_path / "returned.xlsx").read_bytes(),
                              file_name="returned.xlsx", now=NOW, actor="test")
        assert got.answered == len(rows)


def test_a_french_ministry_types_en_cours_and_it_is_understood(world: World, tmp_path: Path):
    from nmrf.documents.workbooks import implementation_choices

    assert implementation_choices(translator("fr"))["en cours"] == "in_progress"
    assert implementation_choices(translator("es"))["parcialmente aplicada"] == "partially_implemented"
    assert implementation_choices(translator("fr"))["partially implemented"] == "partially_implemented"


ENGLISH_MARKERS = ("[MISSING]", "(LATE)", "(lead)", "(supporting)", "(unassigned)", "OVER THE LIMIT",
                   "no answer from", "input due", "recommendation(s)")


def _docx_text(data: bytes) -> tuple[str, object]:
    import io

    from docx import Document

    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            texts += [c.text for c in row.cells]
    return "\n".join(texts), doc


@pytest.mark.parametrize("lang", SUPPORTED)
def test_a_draft_is_in_the_language_it_is_written_in(world: World, lang: str):
    from nmrf.documents.draft_docx import write_docx
    from nmrf.domain.draft import texts, to_markdown
    from nmrf.services.drafts import compile_draft
    from nmrf.services.people import get_state

    with session_scope(world.engine, readonly=True) as s:
        state = get_state(session=s)
        d = compile_draft(session=s, state=state, cycle=s.get(Cycle, world.upr), today=date(2027, 9, 1),
                          language=lang)
    md = to_markdown(d)
    docx_text, doc = _docx_text(write_docx(d, created=NOW))
    answers: set[str] = set()
    words = texts(lang)
    marker = words["missing.note"].format(note="").strip()
    with session_scope(world.engine, readonly=True) as s:
        justice = s.exec(select(Institution).where(Institution.key == "justice")).one().name
    # The supporting ministry has not answered: the note says so, whole, in the report's language.
    no_answer = justice + words["m.answer.supporting"].split("{institution}")[1]
    assert d.language == lang and justice in d.missing_from
    assert [c.text for c in doc.tables[-1].rows[0].cells] == ["#", words["annex.source"], words["annex.text"]]
    for text in (md, docx_text):
        assert marker in text and no_answer in text
    if lang != "en":
        for text in (md, docx_text):
            left = english_left(text, world.quoted | answers)
            assert not left, f"{lang}: English left in the draft: {left[:5]}"
            # Markers too short to be "sentences" are English markers all the same.
            markers = [m for m in ENGLISH_MARKERS if m in text]
            assert not markers, f"{lang}: English markers in the draft: {markers}"
    body = doc.element.body
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    bidi = body.findall(f".//{ns}pPr/{ns}bidi")
    if lang == "ar":
        assert len(bidi) >= len(doc.paragraphs) and body.findall(f".//{ns}rPr/{ns}rtl")
        assert body.findall(f".//{ns}tblPr/{ns}bidiVisual")
    else:
        assert not bidi


def test_the_public_export_is_in_the_language_asked(world: World):
    from nmrf.services.people import get_state
    from nmrf.services.publication import public_view, render

    with session_scope(world.engine, readonly=True) as s:
        view = public_view(session=s, state=get_state(session=s), today=date(2027, 9, 1), lang="fr")
    md = render(view, ".md")
    # The State's name in French too: the example profile gives it (name: {es: Chile, en: Chile, fr: Chili}).
    assert md.startswith("# Recommandations adressées à Chili et leur suivi")
    assert not english_left(md, world.quoted)
    assert '"status": "aucune action prévue"' in render(view, ".json") or "aucune action prévue" in md


@pytest.mark.parametrize("lang", ["fr", "ar", "zh"])
def test_the_public_sites_themes_and_goals_are_in_each_pages_language(world: World, lang: str):
    from nmrf.domain.taxonomy import load_taxonomy
    from nmrf.services.people import get_state
    from nmrf.services.publication import public_site

    with session_scope(world.engine, readonly=True) as s:
        files = public_site(session=s, state=get_state(session=s), today=date(2027, 9, 1), languages=["en", lang])
    from markupsafe import escape

    taxonomy, t = load_taxonomy(), translator(lang)
    browse = files[f"{lang}/browse.html"].decode()
    english = files["en/browse.html"].decode()
    shown = [th for th in taxonomy.themes.values() if f">{escape(th.name)}<" in english]
    assert shown, "the English site lists themes"
    for th in shown:  # every theme the English page lists, the other page lists in its language only
        assert f">{escape(t.gettext(th.name))}<" in browse and f">{escape(th.name)}<" not in browse
    goals = [g for g in taxonomy.sdgs if f"sdg-{g}.html" in browse]
    assert goals and all(f"{g}. {escape(t.gettext(taxonomy.sdgs[g]))}" in browse for g in goals)
    assert not any(escape(taxonomy.sdgs[g]) in browse for g in goals)
    # A recommendation's page and the search index name its themes in the page's language too.
    page = next(v.decode() for k, v in files.items() if k.startswith(f"{lang}/r/") and "f/theme-" in v.decode())
    assert not any(f">{escape(th.name)}<" in page for th in taxonomy.themes.values() if th.name != t.gettext(th.name))
    assert not english_left(files[f"{lang}/search-index.json"].decode(), world.quoted)


@pytest.mark.parametrize("lang", OTHERS)
def test_a_meetings_categories_in_the_feed_are_in_the_readers_language(world: World, lang: str):
    """(Last in this module: it adds a meeting to the world.)"""
    from nmrf.calendars.build import render_feed
    from nmrf.calendars.meetings import local_time, schedule_meeting
    from nmrf.calendars.queries import person_feed
    from nmrf.services.people import get_state

    with session_scope(world.engine, actor="test") as s:
        if not s.exec(select(Meeting).where(Meeting.key == "plenary-2027-06")).first():
            schedule_meeting(session=s, state=get_state(session=s), key="plenary-2027-06", kind="plenary",
                             title="Plenary", starts_at=local_time("2027-06-20 10:00", "America/Santiago"),
                             minutes=120, timezone="America/Santiago", roles=["focal_point"], now=NOW)
    _speak(world.engine, lang)
    with session_scope(world.engine, readonly=True) as s:
        person = s.exec(select(Person).where(Person.key == PERSON)).one()
        feed = person_feed(session=s, person=person, now=NOW)
        cal = Calendar.from_ical(render_feed(feed.spec, feed.items, now=NOW).body)
    t = translator(lang)
    cats = [[str(c) for c in ev.get("CATEGORIES").cats] for ev in cal.walk("VEVENT") if "Plenary" in ev["SUMMARY"]]
    # The mechanism and the meeting's kind, as the reader says them (not the stored key "plenary").
    assert cats == [[t.pgettext("calendar category", "NMRF"), t.gettext("plenary")]]
    assert "plenary" not in cats[0] and "NMRF" not in cats[0]
