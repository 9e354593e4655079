"""Inputs handed in as documents and records made on someone's behalf: from the page (HTTP on 127.0.0.1)
and from the command line. Files are checked by content; nothing is kept when one is refused."""

from __future__ import annotations

import hashlib
import html
import io
import re
import threading
import zipfile
from datetime import date

import docx
import httpx
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.domain.draft import texts, to_markdown
from nmrf.models import Cycle, DocumentContent, InputDocument, Milestone, Record
from nmrf.models.db import session_scope
from nmrf.domain.i18n import SUPPORTED, translator
from nmrf.notifications.page_links import compose_page_link
from nmrf.services.drafts import compile_draft
from nmrf.services.people import get_state

pytestmark = pytest.mark.both_databases
T = translator("es", fallback="es").gettext
INPUT = T("Information for the national report")  # the catalogue's titles, in her language
SIGNOFF = T("Ministerial sign-off of the draft national report")  # Valentina Díaz reads Spanish


def a_docx(*paragraphs: str) -> bytes:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def an_odt(*paragraphs: str) -> bytes:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
               f"{body}</office:text></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")  # stored, first
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    return out.getvalue()


def a_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def a_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (150 * 1024 * 1024))
    return out.getvalue()


def _link(person: str) -> str:
    got = CliRunner().invoke(cli, ["people", "link", person])
    assert got.exit_code == 0, got.output
    return re.search(r"(http://\S+/p/[A-Za-z0-9_-]{43})", got.output).group(1)


def _milestone(engine, key: str) -> Milestone:  # type: ignore[no-untyped-def]
    with session_scope(engine, readonly=True) as s:
        return s.exec(select(Milestone).where(Milestone.key == key)).one()


def _post_document(url: str, milestone_id: int, data: bytes, name: str, *, csrf: str | None = None) -> httpx.Response:
    page = httpx.get(url)
    if csrf is None:
        csrf = re.search(rf'action="/p/[^"]+/document/{milestone_id}".*?name="csrf" value="([^"]+)"', page.text,
                         re.S).group(1)
    return httpx.post(f"{url}/document/{milestone_id}", data={"csrf": csrf}, files={"file": (name, data)},
                      timeout=60)


def test_a_document_handed_in_on_the_page_is_kept_with_its_checksum_and_the_draft_includes_it_as_the_ministrys(
        server, world):  # type: ignore[no-untyped-def]
    url = _link("valentina-diaz")
    m = _milestone(world, "input:women")
    data = a_docx("The Ministry of Women adopted the national plan against violence in 2027.",
                  "Shelters opened in every region.")
    r = _post_document(url, m.id, data, "aporte-mujer.docx")
    assert r.status_code == 200, r.text
    assert T("Document accepted") in r.text and "aporte-mujer.docx (DOCX)" in r.text
    assert INPUT in re.search(r'<ul class="recorded">.*?</ul>', r.text, re.S).group(0)
    with session_scope(world, readonly=True) as s:
        doc = s.exec(select(InputDocument)).one()
        assert doc.sha256 == hashlib.sha256(data).hexdigest() and doc.size == len(data) and doc.kind == "docx"
        assert doc.recorded_by == "valentina-diaz" and doc.via == "page"
        assert s.get(DocumentContent, doc.id).content == data
        m = s.exec(select(Milestone).where(Milestone.key == "input:women")).one()
        assert m.status == "done" and m.completed_actor == "Valentina Díaz"
        rec = s.exec(select(Record).where(Record.milestone_id == m.id)).one()
        assert rec.data["document_id"] == doc.id and rec.data["via"] == "page"
        cycle = s.get(Cycle, m.cycle_id)
        d = compile_draft(session=s, state=get_state(session=s), cycle=cycle, today=date(2027, 9, 21))
    md = to_markdown(d)
    assert "Inputs received as documents" in md
    # Her paragraphs, marked as her ministry's (with the day it was handed in), and the file's checksum.
    source = texts("en")["source"].format(institution="Ministry of Women and Gender Equity", date="2027-09-20")
    assert f"The Ministry of Women adopted the national plan against violence in 2027. ({source})" in md
    assert f"aporte-mujer.docx, DOCX, SHA-256 {hashlib.sha256(data).hexdigest()[:16]}" in md
    assert "Ministry of Women and Gender Equity" not in d.missing_from
    assert "no answer from Ministry of Women and Gender Equity" not in md


@pytest.mark.parametrize(("name", "data", "reason", "status"), [
    ("notes.docx", b"just some text, not a document", "This file is not a Word document (DOCX), an OpenDocument "
     "text (ODT) or a PDF: its content says otherwise, whatever its name.", 400),
    ("answers.docx", None, "This is a workbook: hand it in with the workbook form, which checks its answers.", 400),
    ("bomb.docx", "bomb", "This file inflates to far more than a document holds (a decompression bomb?).", 400),
    ("huge.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024), "The file is too big: the limit is 10 MB.", 413),
    ("empty.pdf", b"", "The file is empty.", 400),
])
def test_a_file_that_is_not_an_acceptable_document_is_refused_with_the_reason_and_nothing_is_kept(
        server, world, name, data, reason, status):  # type: ignore[no-untyped-def]
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("xl/workbook.xml", "<workbook/>")
        data = out.getvalue()
    elif data == "bomb":
        data = a_bomb()
    url = _link("valentina-diaz")
    m = _milestone(world, "input:women")
    r = _post_document(url, m.id, data, name)
    assert r.status_code == status
    assert html.escape(T(reason), quote=True) in r.text and T("The file was refused") in r.text
    with session_scope(world, readonly=True) as s:
        assert s.exec(select(InputDocument)).first() is None
        assert s.exec(select(Milestone).where(Milestone.key == "input:women")).one().status != "done"


def test_a_form_without_the_token_this_server_signed_for_it_records_nothing(server, world):  # type: ignore[no-untyped-def]
    url = _link("valentina-diaz")
    m = _milestone(world, "input:women")
    for csrf in ("", "forged", None):
        token = csrf
        if csrf is None:  # a real token, but for the sign-off form of another item
            page = httpx.get(_link_again("minister-women"))
            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = _post_document(url, m.id, a_pdf(), "input.pdf", csrf=token)
        assert r.status_code == 400 and html.escape(T("This form is out of date (it was opened long ago or "
                                                        "elsewhere). Reload the page and try again."), quote=True) in r.text
    with session_scope(world, readonly=True) as s:
        assert s.exec(select(InputDocument)).first() is None


def _link_again(person: str) -> str:
    got = CliRunner().invoke(cli, ["people", "rotate", person])
    return re.search(r"(http://\S+/p/[A-Za-z0-9_-]{43})", got.output).group(1)


def test_two_uploads_at_once_for_the_same_input_one_is_recorded_and_the_other_is_told(server, world):  # type: ignore[no-untyped-def]
    url = _link("valentina-diaz")
    m = _milestone(world, "input:women")
    page = httpx.get(url).text
    csrf = re.search(rf'action="/p/[^"]+/document/{m.id}".*?name="csrf" value="([^"]+)"', page, re.S).group(1)
    barrier = threading.Barrier(2)
    results: list[httpx.Response] = []

    def upload(n: int) -> None:
        barrier.wait()
        results.append(_post_document(url, m.id, a_docx(f"Version {n} of our input."), f"v{n}.docx", csrf=csrf))

    threads = [threading.Thread(target=upload, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.status_code for r in results) == [200, 409]
    loser = next(r for r in results if r.status_code == 409)
    with session_scope(world, readonly=True) as s:
        assert len(list(s.exec(select(InputDocument)))) == 1
        won = s.get(Milestone, m.id)
    # The other is told, in her language, that it was handed in already, when and by whom.
    told = T("Already handed in: %(key)s was recorded %(status)s on %(when)s UTC by %(who)s.") % {
        "key": won.key, "status": T("done"), "when": f"{won.completed_at:%Y-%m-%d %H:%M}", "who": won.completed_actor}
    assert html.escape(told, quote=True) in loser.text, loser.text[-3000:]


def test_the_command_line_records_on_someones_behalf_keeping_who_typed_it_with_the_document_or_evidence(
        server, world, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NMRF_ACTOR", "ana-rojas")
    monkeypatch.setenv("NMRF_LANG", "en")  # Ana Rojas reads Spanish: the command line would speak it to her
    runner = CliRunner()
    odt = tmp_path / "aporte-justicia.odt"
    odt.write_bytes(an_odt("Justice trained every judge on the Convention.", "A new public defender office."))
    got = runner.invoke(cli, ["record", "input", "1", "justice", "--by", "paula-herrera", "--document", str(odt),
                              "--as-of", "2027-09-20"])
    assert got.exit_code == 0, got.output
    assert "input:justice done by paula-herrera (recorded by ana-rojas)" in got.output
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(a_pdf())
    no_by = runner.invoke(cli, ["record", "signoff", "1", "justice", "--evidence", str(pdf)])
    assert no_by.exit_code == 2 and "--by" in no_by.output
    got = runner.invoke(cli, ["record", "signoff", "1", "justice", "--by", "minister-justice", "--evidence", str(pdf),
                              "--as-of", "2027-12-20"])
    assert got.exit_code == 0, got.output
    fake = tmp_path / "letter2.pdf"
    fake.write_text("not a pdf")
    refused = runner.invoke(cli, ["record", "input", "1", "women", "--by", "valentina-diaz", "--document", str(fake)])
    assert refused.exit_code == 2 and "is not a Word document" in " ".join(refused.output.split())
    with session_scope(world, readonly=True) as s:
        sign = s.exec(select(Milestone).where(Milestone.key == "signoff:justice")).one()
        rec = s.exec(select(Record).where(Record.milestone_id == sign.id)).one()
        assert rec.actor == "ana-rojas" and rec.data["recorded_by"] == "ana-rojas"
        assert rec.data["on_behalf_of"] == "minister-justice" and rec.data["via"] == "command line"
        evidence = s.get(InputDocument, rec.data["evidence_id"])
        assert evidence.role == "evidence" and evidence.kind == "pdf" and evidence.on_behalf_of == "minister-justice"
        assert s.exec(select(Milestone).where(Milestone.key == "input:women")).one().status != "done"
        d = compile_draft(session=s, state=get_state(session=s), cycle=s.get(Cycle, 1), today=date(2027, 12, 20))
    md = to_markdown(d)
    source = texts("en")["source"].format(institution="Ministry of Justice and Human Rights", date="2027-09-2")
    assert f"Justice trained every judge on the Convention. ({source[:-4]}" in md  # hers, the day it came


def test_the_draft_lists_a_pdf_input_as_an_annex_and_says_when_an_input_was_recorded_without_its_text(
        server, world, tmp_path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    pdf = tmp_path / "justice.pdf"
    pdf.write_bytes(a_pdf())
    assert runner.invoke(cli, ["record", "input", "1", "justice", "--by", "paula-herrera", "--document", str(pdf),
                               "--as-of", "2027-09-20"]).exit_code == 0
    assert runner.invoke(cli, ["record", "input", "1", "women", "--by", "valentina-diaz",
                               "--as-of", "2027-09-20"]).exit_code == 0
    with session_scope(world, readonly=True) as s:
        d = compile_draft(session=s, state=get_state(session=s), cycle=s.get(Cycle, 1), today=date(2027, 9, 21))
    md = to_markdown(d)
    assert "**Ministry of Justice and Human Rights** (justice.pdf, PDF, SHA-256" in md  # in the annex
    assert "Ministry of Justice and Human Rights (justice.pdf, PDF, SHA-256" in md and "): annexed" in md
    assert "Its input was recorded received on 2027-09-20 by Valentina Díaz, but its text is not in nmrf" in md


@pytest.mark.parametrize("language", sorted(SUPPORTED))
def test_the_message_carrying_a_page_link_names_no_command_in_any_language(language):
    subject, body = compose_page_link(language=language, name="Rodrigo Vera", state="Chile",
                                      secretariat="the NMRF secretariat", url="https://nmrf.example/p/x")
    assert "nmrf " not in subject + body and "https://nmrf.example/p/x" in body
