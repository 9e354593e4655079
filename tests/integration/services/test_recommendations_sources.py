"""Recommendation files as the UN publishes them today: observers, variant spellings, current UHRI themes,
"N - NAME" SDG cells, XLSX; unknown names kept and flagged, never a reason to refuse the file."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select

from nmrf.domain.recommendation_files import _sdgs, parse
from nmrf.domain.taxonomy import load_taxonomy, state_code, un_states
from nmrf.errors import NmrfError
from nmrf.models import Recommendation, State
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.domain.reference import UPR_INFO_CSV, all_ratifications, member_names
from nmrf.services.people import get_state
from nmrf.services.profiles import apply_profile
from nmrf.services.recommendations import flagged, import_recommendations
from tests.conftest import NOW

from tests.support.paths import DATA, ROOT  # noqa: E402
CURRENT = DATA / "uhri-current.csv"


def _import(engine, data: bytes, fmt: str = "uhri", *, name: str = "file.csv", all_states: bool = False):
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        return import_recommendations(session=s, data=data, file_name=name, fmt=fmt, now=NOW, actor="test",
                                      states=None if all_states else [state])


def _stored(engine) -> dict[int, Recommendation]:
    with session_scope(engine, readonly=True) as s:
        rows = {r.source_line: r for r in s.exec(select(Recommendation))}
        s.expunge_all()
    return rows


def _source() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(CURRENT.read_bytes().decode("utf-8-sig"), newline="")))


def _as_xlsx(rows: list[dict[str, str]], *, title: str | None = None) -> bytes:
    """The rows as an XLSX export writes them: dates as dates, a paragraph number as a number."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.append([])
    header = list(rows[0])
    ws.append(header)
    for row in rows:
        cells: list[object] = []
        for k in header:
            v = row[k]
            if k == "Publication date" and v:
                cells.append(date.fromisoformat(v))
            elif k == "Paragraph" and v.isdigit():
                cells.append(int(v))
            else:
                cells.append(v or None)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- States

def test_every_un_member_and_observer_state_is_known_and_timor_leste_is_tl():
    states = un_states()
    assert len(states.names) == 195 and states.observers == {"VA", "PS"}
    assert set(member_names()) | {"VA", "PS"} == set(states.names)
    assert state_code("Timor-Leste") == "TL" and "TP" not in states.names
    assert all_ratifications()["TL"]["crc"].party  # the ratification data's TP is read as TL


@pytest.mark.parametrize("spelling, code", [
    ("Holy See", "VA"), ("State of Palestine", "PS"), ("Palestine", "PS"), ("Trinidad & Tobago", "TT"),
    ("Bosnia & Herzegovina", "BA"), ("Korea, Republic of", "KR"), ("Iran, Islamic Republic of", "IR"),
    ("St. Vincent & the Grenadines", "VC"), ("St Lucia", "LC"), ("The Gambia", "GM"), ("Türkiye", "TR"),
    ("Côte d’Ivoire", "CI"), ("Congo, Democratic Republic of the", "CD"), ("Netherlands (Kingdom of the)", "NL"),
    ("Lao PDR", "LA"), ("Viet Nam", "VN"), ("UK", "GB"),
])
def test_the_spellings_real_exports_use_name_the_right_state(spelling, code):
    assert state_code(spelling) == code


def test_every_recommending_state_of_the_upr_info_file_is_known_but_its_unknown_marker():
    parsed = parse(UPR_INFO_CSV.read_bytes(), fmt="upr-info", file="x", taxonomy=load_taxonomy())
    assert not parsed.problems and len(parsed.rows) == 6094
    # The file's own "(Unknown)" (written as HTML entities) is the only body no list knows: kept, flagged.
    assert set(parsed.unknown_bodies) == {"&#40;Unknown&#41;"}
    by_body = {r.body: r for r in parsed.rows}
    assert by_body["Holy See"].body_known and by_body["Palestine"].body_known
    assert not by_body["&#40;Unknown&#41;"].body_known


# ---------------------------------------------------------------- a current UHRI export

@pytest.mark.both_databases
def test_a_current_uhri_export_is_imported_whole_with_observers_and_unknown_names_flagged(loaded):
    result = _import(loaded, CURRENT.read_bytes())
    source = _source()
    assert result.created == len(source) == 9
    stored = _stored(loaded)
    bodies = {r.body: r for r in stored.values()}
    assert bodies["Holy See"].body_known and bodies["State of Palestine"].body_known
    assert bodies["Trinidad & Tobago"].body_known and bodies["Korea, Republic of"].body_known
    assert not bodies["Republic of Utopia"].body_known  # kept as written, flagged
    assert bodies["Comité pour l'élimination de la discrimination raciale"].mechanism == "CERD"
    assert any("'Republic of Utopia' (1 row(s)) is not one we know" in w for w in result.parsed.warnings)
    with session_scope(loaded, readonly=True) as s:
        unknown, unmapped = flagged(session=s, state=get_state(session=s))
    assert unknown == {"Republic of Utopia": 1}
    assert unmapped == {"Indigenous data sovereignty": 1,
                        "National mechanism for implementation, reporting and follow-up": 1}
    again = _import(loaded, CURRENT.read_bytes())
    assert not again.changed and again.unchanged == 9


def test_no_source_theme_is_ever_dropped_and_current_names_map_with_their_codes(loaded):
    _import(loaded, CURRENT.read_bytes())
    taxonomy = load_taxonomy()
    for line, row in enumerate(_source(), start=2):
        rec = _stored(loaded)[line]
        given = [t.strip() for t in row["Themes"].split(";")]
        # The cell split as the UHRI means it: "Children: definition; general principles; protection" is one.
        assert "; ".join(rec.source_themes) == "; ".join(given)
        for theme in rec.source_themes:
            is_sdg = theme.startswith("S16 SDG")
            mapped = taxonomy.map_source("uhri", theme)
            assert is_sdg or mapped is not None or theme in rec.unmapped_themes, theme
            if mapped:
                assert set(mapped) <= set(rec.themes)
    crc = next(r for r in _stored(loaded).values() if r.mechanism == "CRC")
    assert crc.source_themes[0] == "F31 Children: definition; general principles; protection"
    assert crc.themes == ["children"] and crc.unmapped_themes == [] and crc.sdgs == [16]


def test_sdgs_are_the_sources_own_and_those_implied_by_themes_are_kept_apart(loaded):
    _import(loaded, CURRENT.read_bytes())
    stored = {r.body: r for r in _stored(loaded).values()}
    holy_see = stored["Holy See"]  # "16 - PEACE, JUSTICE AND STRONG INSTITUTIONS"; family implies 5 and 16
    assert holy_see.sdgs == [16] and holy_see.inferred_sdgs == [5]
    korea = stored["Korea, Republic of"]  # "3 - GOOD HEALTH AND WELL-BEING, 5 - GENDER EQUALITY"
    assert korea.sdgs == [3, 5] and korea.inferred_sdgs == []
    assert stored["Republic of Utopia"].sdgs == [16, 17]  # "S16 SDG 16 - ...; 17"
    assert stored["Holy See"].position == "noted" and stored["State of Palestine"].position == "supported"


def test_the_upr_info_file_gives_no_sdgs_so_all_of_them_are_inferred(loaded):
    _import(loaded, UPR_INFO_CSV.read_bytes(), "upr-info")
    recs = list(_stored(loaded).values())
    assert len(recs) == 122 and all(r.sdgs == [] for r in recs)
    taxonomy = load_taxonomy()
    assert all(r.inferred_sdgs == taxonomy.sdgs_for(r.themes) for r in recs)


@pytest.mark.parametrize("cell, goals", [
    ("1 - NO POVERTY", [1]), ("SDG 1", [1]), ("Goal 1", [1]), ("1", [1]), ("SDG1", [1]),
    ("Goal 5 - Gender equality; Goal 16 - Peace, justice and strong institutions", [5, 16]),
    ("1 - NO POVERTY, 5 - GENDER EQUALITY", [1, 5]), ("5, 16", [5, 16]), ("5 16", [5, 16]),
    ("S05 SDG 5 - gender equality", [5]), ("ODS 4 - Educación de calidad", [4]), ("", []),
])
def test_sdg_cells_are_read_in_every_form_ohchr_and_upr_info_write_them(cell, goals):
    assert _sdgs(cell) == goals


@pytest.mark.parametrize("cell", ["Space travel", "18 - SPACE", "Goal 0"])
def test_a_cell_that_names_no_sdg_is_refused_with_what_was_expected(cell):
    with pytest.raises(ValueError):
        _sdgs(cell)


def test_an_xlsx_export_with_a_title_above_its_header_is_the_same_recommendations(loaded):
    csv_result = _import(loaded, CURRENT.read_bytes())
    xlsx = _as_xlsx(_source(), title="Universal Human Rights Index - export")
    parsed = parse(xlsx, fmt="uhri", file="export.xlsx", taxonomy=load_taxonomy())
    assert not parsed.problems and parsed.encoding == "xlsx"
    assert [r.line for r in parsed.rows] == list(range(4, 13))  # Excel's row numbers
    again = _import(loaded, xlsx, name="export.xlsx")
    assert csv_result.created == 9 and not again.changed and again.unchanged == 9


def test_a_bad_xlsx_row_is_refused_with_its_row_number_and_nothing_is_imported(loaded):
    rows = _source()
    rows[3]["SDG goals"] = "Space travel"
    with pytest.raises(NmrfError) as err:
        _import(loaded, _as_xlsx(rows), name="export.xlsx")
    assert "export.xlsx:5: SDG goals: 'Space travel' names no goal" in str(err.value)
    with session_scope(loaded, readonly=True) as s:
        assert s.exec(select(func.count()).select_from(Recommendation)).one() == 0


def test_an_unknown_state_under_review_still_refuses_the_file_with_its_line(loaded):
    data = CURRENT.read_bytes().replace(b"\r\nChile,Committee on the Rights", b"\r\nAtlantis,Committee on the Rights")
    with pytest.raises(NmrfError) as err:
        _import(loaded, data, all_states=True, name="x.csv")
    assert "x.csv:9: State under review 'Atlantis'" in str(err.value)
    with session_scope(loaded, readonly=True) as s:
        assert s.exec(select(func.count()).select_from(Recommendation)).one() == 0


def test_aliases_in_the_states_own_profile_fix_flagged_names_on_the_next_import(loaded, tmp_path):
    _import(loaded, CURRENT.read_bytes())
    profile = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    profile["recommendations"] = {"aliases": {
        "states": {"UY": ["Republic of Utopia"]},
        "themes": {"indigenous": ["Indigenous data sovereignty"], "upr-cooperation":
                   ["National mechanism for implementation, reporting and follow-up"]}}}
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    with session_scope(loaded, actor="test") as s:
        apply_profile(session=s, profile=load_profile(path), now=NOW)
        assert s.exec(select(State)).one().recommendation_aliases["states"] == {"UY": ["Republic of Utopia"]}
    result = _import(loaded, CURRENT.read_bytes())
    assert len(result.updated) == 2 and not result.parsed.warnings
    with session_scope(loaded, readonly=True) as s:
        assert flagged(session=s) == ({}, {})


def test_a_profile_alias_for_an_unknown_state_code_or_theme_is_refused_with_its_line(tmp_path):
    profile = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    profile["recommendations"] = {"aliases": {"states": {"XX": ["Atlantis"]}, "themes": {"space": ["Space"]}}}
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    with pytest.raises(NmrfError) as err:
        load_profile(path)
    text = str(err.value)
    assert "'XX' is not the ISO code of a UN member or observer State" in text
    assert "'space' is not a theme of the shared taxonomy" in text


def test_the_current_uhri_theme_list_maps_onto_the_taxonomy():
    taxonomy = load_taxonomy()
    current = taxonomy.sources["uhri"]
    assert len(current) >= 62
    assert all(set(keys) <= set(taxonomy.themes) for keys in current.values())
    # The older names still map, onto the same themes.
    assert taxonomy.map_source("uhri", "Torture and other CID treatment") == ("torture",)
    assert taxonomy.map_source("uhri", "D25 Prohibition of torture and cruel, inhuman or degrading treatment") == \
        ("torture",)


def test_every_migration_revision_fits_the_32_characters_of_alembic_version():
    versions = ROOT / "nmrf" / "migrations" / "versions"
    import re

    ids = [re.search(r"^revision: str = '([^']+)'", p.read_text(encoding="utf-8"), re.M).group(1)
           for p in versions.glob("*.py")]
    assert ids and all(len(i) <= 32 for i in ids), [i for i in ids if len(i) > 32]


def test_a_upr_info_export_with_variant_spellings_and_new_themes_is_imported_whole_and_again_unchanged(loaded):
    header = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\n"
    rows = ('Chile,GRULAC,,"Adopt a law on hate speech.",Trinidad & Tobago,GRULAC,,Supported,5,'
            '"Racial discrimination,Hate speech online",32\r\n'
            'Chile,GRULAC,,"Protect the family.",Holy See,Observer,,Noted,2,"Other",32\r\n'
            'Chile,GRULAC,,"Ratify the Escazu Agreement.",State of Palestine,Observer,,Supported,5,'
            '"Environment,Escazu Agreement",32\r\n'
            'Korea (Republic of),APG,,"Abolish the death penalty.",Republic of Utopia,,,Noted,5,"Death penalty",32\r\n')
    data = (header + rows).encode("utf-8")
    first = _import(loaded, data, "upr-info", all_states=True)
    assert first.created == 4 and not first.parsed.problems
    stored = {r.text: r for r in _stored(loaded).values()}
    assert stored["Abolish the death penalty."].state_code == "KR"
    assert not stored["Abolish the death penalty."].body_known and stored["Protect the family."].body_known
    hate = stored["Adopt a law on hate speech."]
    assert hate.source_themes == ["Racial discrimination", "Hate speech online"]
    assert hate.themes == ["racial-discrimination"] and hate.unmapped_themes == ["Hate speech online"]
    assert stored["Ratify the Escazu Agreement."].unmapped_themes == ["Escazu Agreement"]
    assert hate.position == "supported" and stored["Protect the family."].position == "noted"
    again = _import(loaded, data, "upr-info", all_states=True)
    assert not again.changed and again.unchanged == 4
