"""The request actually goes out (issue 12, item 4): when the information-request stage opens, each focal point
is sent a message in their language with their institution's workbook attached (a download link on a channel
that cannot carry files) and their page's link; the NHRI is sent the draft to comment and each minister the
draft to sign off. Real SQLite file, real SMTP server and HTTP endpoint on 127.0.0.1, the real page app."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from tests.support.notify import make_world, outbox, record, sweep, to_whom

from nmrf.models import Attachment, Person, StageNotice
from nmrf.models.db import session_scope
from nmrf.services.clustering import cluster_recommendations
from nmrf.services.followup import assign_theme
from nmrf.services.people import get_state
from nmrf.services.recommendations import import_recommendations
from nmrf.settings import get_settings
from nmrf.web.app import create_app
from tests.conftest import NOW

REQUEST_DAY = date(2027, 4, 1)  # six months before the CEDAW report is due (2027-10-01)
# Three CEDAW concluding observations, on women's rights: the women's ministry leads, justice supports.
CEDAW = ("state,mechanism,body,document,paragraph,date,text,themes,sdgs,affected_persons,article,urgent,"
         "confidential,kind\n"
         "CL,CEDAW,,CEDAW/C/CHL/CO/7,13,2018-03-14,Adopt a comprehensive definition of discrimination against "
         "women.,Discrimination against women,5,women,1,,,concluding_observations\n"
         "CL,CEDAW,,CEDAW/C/CHL/CO/7,23,2018-03-14,Adopt the bill on the right of women to a life free of "
         "violence.,Gender-based violence,5,women,2,yes,,concluding_observations\n"
         "CL,CEDAW,,CEDAW/C/CHL/CO/7,7,2018-03-14,Make the Convention known to the judiciary.,"
         "Women's rights,,,,,,concluding_observations\n")
ON_TIME = ("foreign-affairs", "justice", "health", "education", "women", "social-development", "statistics",
           "judiciary", "labour")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _world(db_url, smtp, http, supporting=("justice",)):
    w = make_world(db_url, smtp, http)
    with session_scope(w.engine, actor="test") as s:
        state = get_state(session=s)
        import_recommendations(session=s, data=CEDAW.encode(), file_name="cedaw.csv", fmt="template", now=NOW,
                               actor="test", states=[state])
        cluster_recommendations(session=s, now=NOW, state=state)
        assign_theme(session=s, state=state, theme="women", lead="women", supporting=list(supporting), now=NOW,
                     actor="test")
    return w


def _attachments(mail) -> list:
    return list(mail.message.iter_attachments())


def _mail_to(smtp, address: str, subject_start: str):
    found = [m for m in smtp.mails if m.recipients == [address] and m.subject.startswith(subject_start)]
    assert len(found) == 1, [(m.recipients, m.subject) for m in smtp.mails]
    return found[0]


def test_the_request_goes_to_each_focal_point_with_the_workbook_of_their_institution_once(db_url, smtp, http):
    w = _world(db_url, smtp, http)
    result = sweep(w.engine, REQUEST_DAY)
    # Nine institutions asked for input, one focal point each (Camila Reyes holds two roles, one of them for
    # the interior ministry, which does not report to CEDAW); two of them lead or support a recommendation.
    assert result["stage_messages"] == 9 and result["stage_files"] == 2
    requests = [m for m in smtp.mails if m.subject.startswith(("Solicitud de información", "Demande d'information"))]
    assert len(requests) == 9 and len({m.recipients[0] for m in requests}) == 9

    valentina = _mail_to(smtp, "valentina.diaz@example.gob.cl", "Solicitud de información")
    [part] = _attachments(valentina)
    assert part.get_filename() == "request-1-CEDAW-women.xlsx" and part.get_content_type() == XLSX
    wb = load_workbook(io.BytesIO(part.get_content()))
    ws = wb.worksheets[0]
    assert ws.title == "Recomendaciones"  # the ministry's working language: Spanish
    meta = {r[0].value: r[1].value for r in wb["nmrf"].iter_rows()}
    assert meta["institution"] == "women" and meta["language"] == "es" and meta["cycle"].startswith("CEDAW/")
    texts = [row[6].value for row in ws.iter_rows(min_row=2)]
    assert texts and set(texts) <= {line.split(",")[6] for line in CEDAW.splitlines()[1:]}
    text = valentina.text
    assert "Hola Valentina Díaz" in text and "Ministry of Women and Gender Equity" in text
    assert "martes 1 de junio de 2027" in text  # the inputs' deadline, in her language
    assert "Adjunto: request-1-CEDAW-women.xlsx" in text
    assert f"({len(texts)} recomendaci" in text  # how many it asks about
    page = re.search(r"(http://127\.0\.0\.1:8765/p/\S+)", text).group(1)
    assert "nmrf " not in text  # no command line for someone outside the secretariat

    # Diego Fuentes reads French; his ministry works in Spanish: a French message, no workbook (foreign affairs
    # answers for none of these recommendations): he is told to hand in a document on his page.
    diego = _mail_to(smtp, "diego.fuentes@example.gob.cl", "Demande d'information")
    assert not _attachments(diego) and "Bonjour Diego Fuentes" in diego.text and "/p/" in diego.text

    # Camila Reyes also has a chat channel (json://): the same message, with a link to download... her
    # institution has no workbook, so the chat says where to hand in a document, like her e-mail.
    camila_chat = [p for p in http.posts if p.body.get("nmrf", {}).get("kind") == "request"]
    assert len(camila_chat) == 1 and "link_body" not in camila_chat[0].body["nmrf"]

    # Handed back unchanged through her page, the attached workbook is a valid workbook of her institution's:
    # accepted, nothing answered yet, so the input stays open.
    app = create_app(get_settings(), engine=w.engine)
    token = page.split("/p/", 1)[1]
    with TestClient(app) as client:
        shown = client.get(f"/p/{token}")
        assert shown.status_code == 200
        csrf = re.search(r'name="csrf" value="([^"]+)"[^>]*>\s*(?:<[^>]+>\s*)*?[^<]*?', shown.text)
        milestone_id = re.search(r"/p/[^/\"]+/input/(\d+)", shown.text).group(1)
        form_csrf = re.search(rf'action="/p/{re.escape(token)}/input/{milestone_id}"[\s\S]*?name="csrf" '
                              r'value="([^"]+)"', shown.text).group(1)
        got = client.post(f"/p/{token}/input/{milestone_id}", data={"csrf": form_csrf},
                          files={"file": ("request-1-CEDAW-women.xlsx", part.get_content(), XLSX)})
        assert got.status_code == 200, got.text
        assert "Libro aceptado" in got.text or "Workbook accepted" in got.text, got.text
        assert csrf is not None
        # The page's own download is the same request (the same token): either copy comes back.
        download = client.get(f"/p/{token}/workbook/{milestone_id}")
        assert download.status_code == 200
        again = load_workbook(io.BytesIO(download.content))
        assert again["nmrf"]["B1"].value == wb["nmrf"]["B1"].value

    # Sweeping again, the same day or later, writes and sends none of it twice.
    sent = len(smtp.mails)
    for day in (REQUEST_DAY, date(2027, 4, 2)):
        again = sweep(w.engine, day)
        assert again["stage_messages"] == 0
    assert len([m for m in smtp.mails[sent:] if m.subject.startswith("Solicitud")]) == 0
    with session_scope(w.engine, readonly=True) as s:
        notices = s.execute(select(StageNotice).where(StageNotice.kind == "request")).scalars().all()
        assert len(notices) == 9 and sum(n.messages for n in notices) == 9
        women = [n for n in notices if n.file_name == "request-1-CEDAW-women.xlsx"]
        assert len(women) == 1 and women[0].media_type == XLSX and len(women[0].sha256) == 64
        stored = s.execute(select(Attachment).where(Attachment.file_name == "request-1-CEDAW-women.xlsx")).scalars().all()
        assert [a.sha256 for a in stored] == [women[0].sha256]


def test_a_retry_sends_the_stored_file_and_a_chat_channel_gets_the_download_link(db_url, smtp, http):
    # Camila Reyes, the social-development focal point with an e-mail and a chat channel, supports the theme
    # in this world: her institution has a workbook.
    w = _world(db_url, smtp, http, supporting=("justice", "social-development"))
    smtp.mode = "fail"  # the mail server refuses at first: the message is retried later
    sweep(w.engine, REQUEST_DAY)
    chat = [p for p in http.posts if p.body.get("nmrf", {}).get("kind") == "request"]
    assert len(chat) == 1
    body = chat[0].body
    assert "/workbook/" in body["message"]
    assert "Adjunto" not in body["message"]  # nothing attached on a chat: the link says where to get it
    url = re.search(r"(http://127\.0\.0\.1:8765/p/\S+/workbook/\d+)", body["message"])
    assert url is not None and body["nmrf"]["files"][0]["name"] == "request-1-CEDAW-social-development.xlsx"
    app = create_app(get_settings(), engine=w.engine)
    with TestClient(app) as client:
        got = client.get(url.group(1).replace("http://127.0.0.1:8765", ""))
        assert got.status_code == 200 and got.headers["content-type"] == XLSX
        assert load_workbook(io.BytesIO(got.content)).worksheets[0].title == "Recomendaciones"
    assert not smtp.mails
    smtp.mode = "ok"
    from datetime import timedelta
    from tests.support.notify import at

    sweep(w.engine, now=at(REQUEST_DAY, 13) + timedelta(hours=2))
    camila = _mail_to(smtp, "camila.reyes@example.gob.cl", "Solicitud de información")
    [part] = _attachments(camila)
    stored = next(n for n, _ in outbox(w.engine) if n.kind == "request" and n.data["recipient"] == "camila-reyes")
    import hashlib

    assert hashlib.sha256(part.get_content()).hexdigest() == stored.data["files"][0]["sha256"]
    # The outbox shows what was sent: the file with its checksum, attached on e-mail, a link on the chat.
    from typer.testing import CliRunner

    from nmrf.cli.app import app as cli

    shown = CliRunner().invoke(cli, ["--lang", "en", "outbox", "show", str(stored.id)])
    assert shown.exit_code == 0, shown.output
    out = " ".join(shown.output.split())
    assert f"File: request-1-CEDAW-social-development.xlsx ({XLSX}" in out and stored.data["files"][0]["sha256"] in out
    assert "file attached" in out and "download link instead of the file" in out


def test_the_nhri_and_the_ministers_receive_the_draft_as_a_word_document(db_url, smtp, http):
    w = _world(db_url, smtp, http)
    sweep(w.engine, REQUEST_DAY)
    for inst in ON_TIME:
        record(w.engine, w.cycle_id, f"input:{inst}", date(2027, 5, 20), by=None)
    record(w.engine, w.cycle_id, "draft", date(2027, 7, 20))
    smtp.clear()
    result = sweep(w.engine, date(2027, 7, 21))
    assert result["stage_messages_by_kind"] == {"comment": 1}, result
    lucia = _mail_to(smtp, "lucia.ortega@example.org", "Proyecto para sus comentarios")
    [part] = _attachments(lucia)
    assert part.get_filename() == "draft-1-CEDAW.docx" and part.get_content_type() == DOCX
    doc = Document(io.BytesIO(part.get_content()))
    assert any("CEDAW/C/CHL/CO/7" in p.text for p in doc.paragraphs)  # the draft answers the observations
    assert "Envíe sus comentarios a" in lucia.text and "mnrs@example.gob.cl" in lucia.text

    record(w.engine, w.cycle_id, "nhri_comment", date(2027, 8, 9))
    smtp.clear()
    result = sweep(w.engine, date(2027, 8, 31))  # after the consultation: the sign-off opens
    ministers = [m for m in smtp.mails if m.subject.startswith("Proyecto para aprobar")]
    assert result["stage_messages_by_kind"]["signoff"] == len(ministers) >= 7
    labour = _mail_to(smtp, "ministro.trabajo@example.gob.cl", "Proyecto para aprobar")
    [part] = _attachments(labour)
    assert any("CEDAW/C/CHL/CO/7" in p.text for p in Document(io.BytesIO(part.get_content())).paragraphs)
    assert "/p/" in labour.text and "nmrf " not in labour.text
    # One draft, stored once, attached to every minister's message.
    with session_scope(w.engine, readonly=True) as s:
        shas = set(s.execute(select(Attachment.sha256).where(Attachment.file_name == "draft-1-CEDAW.docx")).scalars())
        assert len(shas) == 2  # the NHRI's draft, then the ministers' (with the NHRI's comment recorded)
    # The draft downloads from a minister's page too (the link a chat channel gets).
    page = re.search(r"http://127\.0\.0\.1:8765(/p/\S+)", labour.text).group(1)
    app = create_app(get_settings(), engine=w.engine)
    with TestClient(app) as client:
        shown = client.get(page)
        link = re.search(rf"({re.escape(page)}/draft/\d+)", shown.text)
        assert link is not None, shown.text
        got = client.get(link.group(1))
        assert got.status_code == 200 and got.content == part.get_content()


def test_a_reminder_due_the_day_the_request_goes_out_is_not_sent_on_top_of_it(db_url, smtp, http):
    w = _world(db_url, smtp, http)
    sweep(w.engine, date(2027, 5, 18))  # first sweep late: the request and the 14-day reminder fall together
    rodrigo = [(kind, step) for who, kind, step in to_whom(w.engine) if who == "rodrigo-vera"]
    assert rodrigo == [("request", "request"), ("reminder", "r14d")]
    mails = [m for m in smtp.mails if m.recipients == ["rodrigo.vera@example.gob.cl"]]
    assert [m.subject.split(":")[0] for m in mails] == ["Solicitud de información"]
    (n, ds), = [(n, ds) for n, ds in outbox(w.engine) if n.kind == "reminder" and n.data["recipient"] == "rodrigo-vera"]
    assert n.status == "cancelled" and not ds
    assert sweep(w.engine, date(2027, 5, 19))["created"] == 0  # nor the next day


def test_without_a_public_address_the_request_waits_held_with_its_file(db_url, smtp, http, monkeypatch):
    w = _world(db_url, smtp, http)
    monkeypatch.delenv("NMRF_PUBLIC_URL", raising=False)
    result = sweep(w.engine, REQUEST_DAY)
    assert result["stage_messages"] == 9 and result["held_for_address"] >= 9
    assert not [m for m in smtp.mails if m.subject.startswith("Solicitud")]
    monkeypatch.setenv("NMRF_PUBLIC_URL", "https://nmrf.example.gob.cl")
    result = sweep(w.engine, REQUEST_DAY)
    assert result["released"] >= 9
    valentina = _mail_to(smtp, "valentina.diaz@example.gob.cl", "Solicitud de información")
    assert "https://nmrf.example.gob.cl/p/" in valentina.text and "127.0.0.1" not in valentina.text
    assert [p.get_filename() for p in _attachments(valentina)] == ["request-1-CEDAW-women.xlsx"]


def test_a_request_still_waiting_when_the_input_is_handed_in_is_stopped(db_url, smtp, http):
    w = _world(db_url, smtp, http)
    from tests.support.notify import at

    # 23:00 in Santiago: the requests are written and held by quiet hours until the morning.
    sweep(w.engine, now=at(REQUEST_DAY, 23))
    record(w.engine, w.cycle_id, "input:women", REQUEST_DAY, by="valentina-diaz")
    sweep(w.engine, now=at(date(2027, 4, 2), 9))
    assert not [m for m in smtp.mails if m.recipients == ["valentina.diaz@example.gob.cl"]]
    assert [m for m in smtp.mails if m.recipients == ["paula.herrera@example.gob.cl"]]
    with session_scope(w.engine, readonly=True) as s:
        pid = s.execute(select(Person.id).where(Person.key == "valentina-diaz")).scalar_one()
    (n, ds), = [(n, ds) for n, ds in outbox(w.engine) if n.person_id == pid]
    assert n.status == "cancelled" and [d.status for d in ds] == ["cancelled"]
