"""Importing recommendations: the real UPR Info file, a UHRI-style file, our template; all or nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from nmrf.domain.recommendation_files import decode, parse
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.errors import NmrfError
from nmrf.models import AuditEntry, Recommendation, RecommendationImport
from nmrf.models.db import session_scope
from nmrf.domain.reference import UPR_INFO_CSV
from nmrf.services.people import get_state
from nmrf.services.recommendations import import_recommendations
from tests.conftest import NOW
from tests.support.paths import DATA as TEST_DATA, ROOT

DATA = TEST_DATA
UHRI = DATA / "uhri-chile.csv"


def _import(engine, data: bytes, fmt: str, *, all_states: bool = False, name: str = "file.csv"):
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        return import_recommendations(session=s, data=data, file_name=name, fmt=fmt, now=NOW, actor="test",
                                      states=None if all_states else [state])


def _source_rows() -> list[list[str]]:
    # An independent reading of the file: Python's csv module on the Mac Roman text.
    text = UPR_INFO_CSV.read_bytes().decode("mac_roman")
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def test_the_upr_info_file_is_read_as_mac_roman_so_accents_come_out_right():
    text, encoding, note = decode(UPR_INFO_CSV.read_bytes())
    assert encoding == "mac_roman"
    assert "Equité - Reconciliation" in text and "Hissène Habré" in text
    assert "EquitŽ" not in text and "Ã" not in text  # no mojibake
    assert "Equité" in note


@pytest.mark.both_databases
def test_importing_the_whole_upr_info_file_keeps_every_row_text_and_theme(loaded):
    result = _import(loaded, UPR_INFO_CSV.read_bytes(), "upr-info", all_states=True)
    rows = _source_rows()
    assert len(rows) == 6094 and result.created == 6094
    with session_scope(loaded, readonly=True) as s:
        stored = list(s.exec(select(Recommendation).order_by(Recommendation.source_line)))
        assert len(stored) == 6094
        taxonomy = load_taxonomy()
        for rec, src in zip(stored, rows, strict=True):
            assert rec.text == src[3]  # identical to the source once decoded, trailing spaces included
            assert rec.source_themes == [t.strip() for t in src[9].split(",") if t.strip()]
            assert rec.body == src[4] and rec.response == src[7] and rec.session == src[10]
            assert rec.themes and all(t in taxonomy.themes for t in rec.themes)
        chile = [r for r in stored if r.state_code == "CL"]
        assert len(chile) == 122 and all(r.state_id is not None for r in chile)
        assert sum(1 for r in stored if r.state_id is None) == 6094 - 122  # other States: kept, not linked
        habre = [r for r in stored if "Habré" in r.text]
        assert len(habre) == 2


@pytest.mark.both_databases
def test_reimporting_the_same_file_changes_nothing_and_leaves_no_trace(loaded):
    data = UPR_INFO_CSV.read_bytes()
    _import(loaded, data, "upr-info")
    with session_scope(loaded, readonly=True) as s:
        before = (s.exec(select(func.count()).select_from(Recommendation)).one(),
                  s.exec(select(func.count()).select_from(AuditEntry)).one(),
                  s.exec(select(func.count()).select_from(RecommendationImport)).one())
    again = _import(loaded, data, "upr-info")
    assert not again.changed and again.unchanged == 122
    with session_scope(loaded, readonly=True) as s:
        after = (s.exec(select(func.count()).select_from(Recommendation)).one(),
                 s.exec(select(func.count()).select_from(AuditEntry)).one(),
                 s.exec(select(func.count()).select_from(RecommendationImport)).one())
    assert after == before == (122, after[1], 1)


def test_a_file_re_saved_in_utf8_with_crlf_is_the_same_recommendations(loaded):
    first = _import(loaded, UPR_INFO_CSV.read_bytes(), "upr-info")
    text = UPR_INFO_CSV.read_bytes().decode("mac_roman").replace("\r", "\r\n")
    second = _import(loaded, text.encode("utf-8"), "upr-info")
    assert first.created == 122 and second.created == 0 and second.unchanged == 122


def test_by_default_only_the_databases_state_is_kept_and_the_rest_is_counted(loaded):
    result = _import(loaded, UPR_INFO_CSV.read_bytes(), "upr-info")
    assert result.kept == 122 and sum(result.other_states.values()) == 6094 - 122
    assert len(result.other_states) == 79


@pytest.mark.both_databases
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(loaded):
    lines = UPR_INFO_CSV.read_bytes().split(b"\r")
    lines[300] = lines[300].replace(b",Accepted,5,", b",Accepted,9,").replace(b",Noted,5,", b",Noted,9,")
    lines[301] = lines[301].rsplit(b",", 1)[0] + b",five"
    broken = b"\r".join(lines)
    with pytest.raises(NmrfError) as err:
        _import(loaded, broken, "upr-info", name="broken.csv")
    text = str(err.value)
    assert "broken.csv:302: Session: 'five' is not a UPR session number" in text
    with session_scope(loaded, readonly=True) as s:
        assert s.exec(select(func.count()).select_from(Recommendation)).one() == 0


def test_changed_columns_are_refused_with_what_was_expected(loaded):
    data = UPR_INFO_CSV.read_bytes().replace(b"To,To-Rgrp", b"Country,To-Rgrp", 1)
    with pytest.raises(NmrfError) as err:
        _import(loaded, data, "upr-info")
    assert "missing column(s) To" in str(err.value) and "unexpected column(s) 'Country'" in str(err.value)


@pytest.mark.both_databases
def test_the_uhri_file_keeps_texts_themes_goals_and_affected_persons(loaded):
    data = UHRI.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    result = _import(loaded, data, "uhri")
    source = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert result.created == len(source) == 21
    with session_scope(loaded, readonly=True) as s:
        stored = {r.source_line: r for r in s.exec(select(Recommendation))}
    for line, row in enumerate(source, start=2):
        rec = stored[line]
        assert rec.text == row["Recommendation"]
        assert rec.source_themes == [t.strip() for t in row["Themes"].split(";")]
        assert set(rec.sdgs) >= {int(g.split()[1]) for g in row["SDG goals"].split(";")}
        assert rec.affected_persons == [p.strip() for p in row["Affected persons"].split(";")]
        assert rec.document == row["Document symbol"]
    mechanisms = {r.mechanism for r in stored.values()}
    assert mechanisms == {"CEDAW", "CAT", "CRC", "SP", "UPR"}
    assert any("Defensoría de la Niñez" in r.text for r in stored.values())
    assert not _import(loaded, data, "uhri").changed


def test_the_demo_ships_the_same_uhri_file_as_the_tests():
    shipped = ROOT / "nmrf" / "data" / "uhri" / "uhri-chile-sample.csv"
    assert shipped.read_bytes() == UHRI.read_bytes()


def test_our_template_flags_individual_communications_confidential_and_keeps_unknown_themes_as_unmapped(loaded):
    header = "state,mechanism,body,document,paragraph,date,text,themes,sdgs,affected_persons,article,urgent,confidential,kind\n"
    good = ("CL,CCPR,Human Rights Committee,CCPR/C/130/D/1234/2019,9,2021-07-20,"
            "Provide the author with an effective remedy.,Administration of justice and fair trial,16,,,no,no,views\n"
            "Chile,CEDAW,,CEDAW/C/CHL/CO/7,21(a),2018-03-14,Adopt the bill on violence against women.,"
            "violence-against-women,5,women,2,yes,,concluding_observations\n")
    result = _import(loaded, (header + good).encode(), "template")
    assert result.created == 2
    with session_scope(loaded, readonly=True) as s:
        recs = {r.mechanism: r for r in s.exec(select(Recommendation))}
    assert recs["CCPR"].confidential and recs["CCPR"].kind == "views"
    assert recs["CEDAW"].urgent_flag and recs["CEDAW"].article == "2" and recs["CEDAW"].paragraph == "21(a)"
    # Issue 15: a theme no list knows is kept verbatim and shown as unmapped, never a reason to refuse the file.
    odd = header + "CL,CEDAW,,CEDAW/C/CHL/CO/7,3,2018-03-14,Something.,Space travel,,,,,,\n"
    result = _import(loaded, odd.encode(), "template")
    assert result.created == 1
    assert any("'Space travel' (1 row(s)) is not in the shared taxonomy" in w for w in result.parsed.warnings)
    with session_scope(loaded, readonly=True) as s:
        rec = s.exec(select(Recommendation).where(Recommendation.paragraph == "3")).one()
    assert rec.source_themes == ["Space travel"] and rec.unmapped_themes == ["Space travel"]


def test_a_windows_1252_file_is_told_apart_from_mac_roman():
    text = "To,Text\nChile,Garantizar la participación de las niñas\n"
    assert decode(text.encode("cp1252"))[1] == "cp1252"
    assert decode(text.replace("\n", "\r").encode("mac_roman"))[1] == "mac_roman"
    assert decode(text.encode("cp1252"))[0] == text


def test_the_taxonomy_maps_every_upr_info_theme_and_links_themes_to_sdgs():
    taxonomy = load_taxonomy()
    parsed = parse(UPR_INFO_CSV.read_bytes(), fmt="upr-info", file="x", taxonomy=taxonomy)
    given = {t for r in parsed.rows for t in r.source_themes}
    assert len(given) == 54
    assert all(taxonomy.map_source("upr-info", t) for t in given)
    assert sorted(taxonomy.sdgs) == list(range(1, 18))
    assert taxonomy.lookup("Women's rights") == "women" and 5 in taxonomy.themes["women"].sdgs
