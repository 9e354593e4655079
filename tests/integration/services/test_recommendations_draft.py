"""A draft a State could send: OHCHR's structure, numbered paragraphs, A4 with page numbers, citations by
document symbol and paragraph, institutions' inputs with their source, what is missing marked, the word count."""

from __future__ import annotations

from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.domain.draft import count_words
from nmrf.domain.i18n import translator
from nmrf.models import Cluster, Cycle, Recommendation
from nmrf.models.db import session_scope
from nmrf.domain.reference import DATA_DIR, UPR_INFO_CSV
from nmrf.services.clustering import cluster_recommendations
from nmrf.services.cycles import launch_cycle
from nmrf.services.drafts import compile_draft, report_language
from nmrf.services.followup import add_action, assign_theme, update_action
from nmrf.services.inputs import import_workbook, request_workbooks
from nmrf.services.people import get_state
from nmrf.services.recommendations import import_recommendations
from tests.conftest import NOW, at

UHRI = DATA_DIR / "uhri" / "uhri-chile-sample.csv"
CEDAW = ("state,mechanism,body,document,paragraph,date,text,themes,sdgs,affected_persons,article,urgent,"
         "confidential,kind\n"
         "CL,CEDAW,,CEDAW/C/CHL/CO/7,13,2018-03-14,Adopt a comprehensive definition of discrimination against "
         "women.,Discrimination against women,5,women,1,,,concluding_observations\n"
         "CL,CEDAW,,CEDAW/C/CHL/CO/7,23,2018-03-14,Adopt the bill on the right of women to a life free of "
         "violence.,Gender-based violence,5,women,2,yes,,concluding_observations\n"
         "CL,CEDAW,,CEDAW/C/CHL/CO/7,7,2018-03-14,Make the Convention known to the judiciary.,"
         "Women's rights,,,,,,concluding_observations\n")


@pytest.fixture
def answered(loaded, tmp_path):
    """Chile's UPR recommendations, clustered; the women's ministry has answered its workbook; one follow-up
    action done and one planned."""
    with session_scope(loaded, actor="test") as s:
        state = get_state(session=s)
        for data, fmt in ((UPR_INFO_CSV.read_bytes(), "upr-info"), (UHRI.read_bytes(), "uhri"),
                          (CEDAW.encode(), "template")):
            import_recommendations(session=s, data=data, file_name=fmt, fmt=fmt, now=NOW, actor="test",
                                   states=[state])
        cluster_recommendations(session=s, now=NOW, state=state)
        assign_theme(session=s, state=state, theme="women", lead="women", supporting=["justice"], now=NOW,
                     actor="test")
        cycle = launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                             dates={"review": date(2028, 5, 1)}, now=NOW, actor="test").cycle
        sent = request_workbooks(session=s, state=state, cycle=cycle, out_dir=tmp_path, now=NOW, actor="test",
                                 institutions=["women"])
        cl = s.exec(select(Cluster).where(Cluster.theme == "women").order_by(Cluster.id)).first()
        done, _ = add_action(session=s, state=state, cluster=cl, title="Law 21.212 on femicide published",
                             due=date(2027, 3, 1), indicator="law published", indicator_kind="structural",
                             today=date(2027, 1, 4), now=NOW, actor="test")
        update_action(session=s, state=state, action=done, now=at(date(2027, 2, 1)), actor="test", status="done",
                      by="valentina-diaz", note="published")
        add_action(session=s, state=state, cluster=cl, title="National plan against violence 2028-2032",
                   due=date(2028, 3, 1), indicator="plan adopted", indicator_kind="structural",
                   today=date(2027, 1, 4), now=NOW, actor="test")
    path = sent.sent[0].file
    wb = load_workbook(path)
    ws = wb.worksheets[0]  # "Recomendaciones": the workbook is in the ministry's working language (Spanish)
    for row in ws.iter_rows(min_row=2):
        row[11].value, row[12].value = f"Se aprobó la Ley 21.212 (ref. {row[0].value}).", "implemented"
    wb.save(tmp_path / "filled.xlsx")
    with session_scope(loaded, actor="test") as s:
        import_workbook(session=s, state=get_state(session=s), data=(tmp_path / "filled.xlsx").read_bytes(),
                        file_name="filled.xlsx", now=NOW, actor="test")
    return loaded


def _numbering_format(doc: Document, style_name: str) -> str:
    """The number format Word applies to paragraphs of this style (through numbering.xml)."""
    style = doc.styles[style_name].element
    num_id = style.find(qn("w:pPr")).find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))
    numbering = doc.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(a for a in numbering.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id)
    return abstract.find(qn("w:lvl")).find(qn("w:numFmt")).get(qn("w:val"))


def test_the_upr_draft_follows_the_guidelines_in_spanish_on_a4_with_numbered_paragraphs(answered, tmp_path, db_url):
    out = tmp_path / "informe.docx"
    with session_scope(answered, readonly=True) as s:
        state = get_state(session=s)
        assert report_language(state, "UPR") == "es"  # Chile's profile: Spanish
        cycle_id = s.exec(select(Cycle.id).where(Cycle.template == "upr_review")).one()
    result = CliRunner().invoke(app, ["inputs", "draft", str(cycle_id), "--out", str(out), "--as-of", "2027-09-01"])
    assert result.exit_code == 0, result.output
    doc = Document(str(out))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4, in twips
    footer = section.footer.paragraphs[0]._p
    assert any(f.get(qn("w:instr")).strip() == "PAGE" for f in footer.iter(qn("w:fldSimple")))  # page numbers
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    chapters = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][:-1]  # the last: the annex
    assert chapters == ["I. Metodología y proceso de consulta", "II. Novedades desde el examen anterior",
                        "III. Aplicación de las recomendaciones del examen anterior",
                        "IV. Logros, mejores prácticas, retos y limitaciones",
                        "V. Prioridades, iniciativas y compromisos nacionales clave"]
    numbered = [p for p in doc.paragraphs if p.style.name == "List Number"]
    assert len(numbered) > 10 and _numbering_format(doc, "List Number") == "decimal"
    body = "\n".join(p.text for p in numbered)
    # Recommendations cited by document symbol and paragraph, with the recommending State.
    assert "A/HRC/26/5, párr. 121.33 (Spain)" in body
    # An institution's input under its theme, with its source.
    assert "Se aprobó la Ley 21.212" in body and "Fuente: Ministry of Women and Gender Equity, contribución del" in body
    # The record fills chapters II and V; what only the secretariat can write is marked, not numbered.
    assert "Law 21.212 on femicide published, concluido el 2027-02-01" in body
    assert "se compromete a: National plan against violence 2028-2032, a más tardar el 2028-03-01" in body
    # The editorial marker is the report's language's too ([FALTA] in Spanish), never the English [MISSING].
    assert not any("[MISSING]" in p.text for p in doc.paragraphs)
    notes = [p.text for p in doc.paragraphs if p.text.startswith("[FALTA]")]
    assert any("describir la consulta con la sociedad civil" in n for n in notes)
    assert any("sin respuesta de Ministry of Justice and Human Rights (de apoyo)" in n for n in notes)
    assert any("la fuente no los indica" in n for n in notes)  # UPR Info gives no symbol or paragraph
    assert not any(p.text.startswith("[FALTA]") for p in numbered)
    # The word count: against the limit, annex and editorial notes left out.
    with session_scope(answered, readonly=True) as s:
        state = get_state(session=s)
        d = compile_draft(session=s, state=state, cycle=s.get(Cycle, cycle_id), today=date(2027, 9, 1),
                          language="es")
    counted = count_words("\n".join([d.title, *headings[:-1], *(p.text for p in numbered)]))  # not the annex
    # Numbers grouped the Spanish way (10.700; a four-digit count stays ungrouped, as CLDR writes Spanish).
    spanish = translator("es").format_number
    assert spanish(10700) == "10.700"
    assert d.words == counted and f"{spanish(d.words)} de 10.700 palabras" in "\n".join(p.text for p in doc.paragraphs)
    assert len(d.numbered()) == len(numbered)


def test_a_treaty_body_report_answers_each_concluding_observation_under_its_article(answered):
    with session_scope(answered, actor="test") as s:
        state = get_state(session=s)
        cycle = launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                             dates={"submission": date(2027, 10, 1)}, now=NOW, actor="test").cycle
        d = compile_draft(session=s, state=state, cycle=cycle, today=date(2027, 6, 1), language="en")
        n_cedaw = len(s.exec(select(Recommendation.id).where(Recommendation.mechanism == "CEDAW")).all())
    assert d.report_type == "treaty_body" and d.word_limit == 21200
    titles = [s.title for s in d.sections]
    assert titles[:2] == ["I. Introduction and methodology", "II. Implementation of the Convention, article by article"]
    assert titles[2:] == ["A. Article 1", "B. Article 2",
                          "C. General measures and concluding observations not linked to an article"]
    art2 = d.sections[3].blocks
    assert [b.paragraphs[0].text for b in art2] == ["Concluding observation CEDAW/C/CHL/CO/7, para. 23."]
    # Every concluding observation is answered on its own, under its article.
    observations = [b for s in d.sections[2:] for b in s.blocks]
    assert len(observations) == n_cedaw == 8  # 3 with an article, 5 from the UHRI sample without


def test_a_french_draft_is_tagged_french_and_numbers_only_its_paragraphs():
    from nmrf.documents.draft_docx import write_docx
    from nmrf.domain.draft import Block, Draft, Paragraph, Section

    d = Draft(title="T", subtitle="S", word_limit=100, language="fr",
              sections=[Section("I. Méthodologie", (Block("", (Paragraph("Un.", "Source : X"),), ("à écrire",)),))])
    doc = Document(__import__("io").BytesIO(write_docx(d, created=NOW)))
    assert doc.core_properties.language == "fr-FR"
    assert [p.text for p in doc.paragraphs if p.style.name == "List Number"] == ["Un. (Source : X)"]
    assert "[MANQUANT] à écrire" in [p.text for p in doc.paragraphs]


@pytest.mark.parametrize("lang", ["es", "fr", "ru", "ar", "zh", "pt"])
def test_the_reports_own_words_are_translated_into_every_catalog_language(lang):
    from nmrf.domain.draft import MESSAGES, texts
    from nmrf.domain.i18n import placeholders

    words = texts(lang)
    english = texts("en")
    for key, msgid in MESSAGES.items():
        assert placeholders(words[key]) == placeholders(msgid), key
        if key not in ("tb.article", "m.answer") and len(msgid) > 12:  # "Article {article}" is "Article" in French
            assert words[key] != english[key], (lang, key)
