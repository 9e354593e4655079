"""The profile's languages and names per language (issue 11): fr-SN is French, wo is warned about and falls
back, xx is refused with the supported list and the pattern it expects, printed intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.domain.i18n import pick_name, resolve_language, translator
from nmrf.errors import NmrfError
from nmrf.models import Institution, Person, State
from nmrf.models.db import make_engine, session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile, load_warnings

EXAMPLE = EXAMPLE_PROFILE.read_text(encoding="utf-8")
runner = CliRunner()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "senegal.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def francophone(text: str = EXAMPLE) -> str:
    """The example profile as a francophone secretariat writes it: State in fr-SN, names in two languages."""
    return (text.replace("  language: es\n", "  language: fr-SN\n", 1)
            .replace("  name: {es: Chile, en: Chile, fr: Chili}\n", "  name: {fr: Sénégal, en: Senegal, es: Senegal}\n", 1)
            .replace("name: Ministry of Health,", "name: {fr: Ministère de la Santé, en: Ministry of Health},", 1))


def language_warnings(profile):  # type: ignore[no-untyped-def]
    """The load's warnings about languages (the example profile also warns of escalation levels nobody holds)."""
    return [w for w in load_warnings(profile) if w.field.endswith(".language")]


def test_a_regional_tag_is_read_as_its_language_and_the_state_name_as_the_states_language(tmp_path: Path):
    text = francophone()
    assert "{fr: Ministère de la Santé" in text, "the example profile changed: adapt this test"
    profile = load_profile(write(tmp_path, text))
    assert profile.state.language == "fr-SN" and profile.state.name == "Sénégal"
    assert profile.state.names == {"fr": "Sénégal", "en": "Senegal", "es": "Senegal"}
    health = next(i for i in profile.institutions if i.key == "health")
    assert health.name == "Ministère de la Santé" and health.names["en"] == "Ministry of Health"
    assert language_warnings(profile) == []
    assert translator("fr-SN").gettext("Concluding observations received") == "Observations finales reçues"


def test_a_real_language_without_a_catalog_is_accepted_with_a_warning_naming_the_fallback(tmp_path: Path):
    text = francophone().replace("language: en\n", "language: wo\n", 1)
    path = write(tmp_path, text)
    profile = load_profile(path)
    [warning] = language_warnings(profile)
    assert warning.line == line_of(text, "language: wo") and warning.field.endswith(".language")
    assert "'wo' has no translation in nmrf; its readers get fr (français)" in warning.message
    assert "ar, zh, en, fr, ru, es, pt" in warning.message


def test_an_unknown_language_is_refused_with_the_supported_list_and_the_pattern_intact(db_url: str,
                                                                                      tmp_path: Path):
    text = francophone().replace("language: en\n", "language: xx\n", 1)
    path = write(tmp_path, text)
    with pytest.raises(NmrfError) as err:
        load_profile(path)
    [problem] = err.value.problems
    assert problem.line == line_of(text, "language: xx")
    assert "'xx' is not a language nmrf knows; supported languages: ar, zh, en, fr, ru, es, pt" in problem.message
    result = runner.invoke(app, ["init", "--profile", str(path)], catch_exceptions=False)
    assert result.exit_code == 2 and "ar, zh, en, fr, ru, es, pt" in result.output
    # A pattern in an error is printed as written (it used to lose '[A-Z]' to the terminal's markup).
    bad = francophone().replace("  code: CL\n", "  code: cl\n", 1)
    assert bad != francophone()
    result = runner.invoke(app, ["init", "--profile", str(write(tmp_path, bad))], catch_exceptions=False)
    assert result.exit_code == 2 and "'^[A-Z]{2}$'" in result.output


def test_init_warns_on_wo_and_stores_the_names_per_language(db_url: str, tmp_path: Path):
    text = francophone().replace("language: en\n", "language: wo\n", 1)
    result = runner.invoke(app, ["init", "--profile", str(write(tmp_path, text))], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "'wo' has no translation in nmrf" in result.output
    with session_scope(make_engine(db_url), readonly=True) as s:
        state = s.exec(select(State)).one()
        assert state.names["name"]["en"] == "Senegal" and state.language == "fr-SN"
        health = s.exec(select(Institution).where(Institution.key == "health")).one()
        assert health.names == {"fr": "Ministère de la Santé", "en": "Ministry of Health"}
        assert s.exec(select(Person).where(Person.language == "wo")).first() is not None


def test_names_fall_back_from_the_readers_tag_to_its_language_to_the_states_to_english():
    names = {"fr": "Ministère de la Santé", "en": "Ministry of Health", "pt-BR": "Ministério da Saúde"}
    assert pick_name(names, "x", "fr-SN") == "Ministère de la Santé"
    assert pick_name(names, "x", "pt") == "Ministério da Saúde"
    assert pick_name(names, "x", "ar", fallback="fr") == "Ministère de la Santé"
    assert pick_name(names, "x", "ru") == "Ministry of Health"
    assert pick_name({"fr": "Sénégal"}, "Sénégal", "zh") == "Sénégal"
    assert pick_name({}, "As written", "ar") == "As written"


def test_language_codes_resolve_as_said():
    assert resolve_language("fr-SN").catalog == "fr" and resolve_language("fr_sn").code == "fr-SN"
    assert resolve_language("zh-Hans").catalog == "zh"
    assert resolve_language("wo", fallback="fr-SN").catalog == "fr"
    assert resolve_language("wo").catalog == "en"
