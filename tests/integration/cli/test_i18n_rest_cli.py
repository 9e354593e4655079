"""What the command line still said in English, said in the reader's language: a notification address refused
at load (never with its secrets), a cost's amount grouped the reader's way, the clusters' labels, the progress
lines. The CLI in-process, a French and a Spanish reader, a real SQLite file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update
from sqlmodel import select

from nmrf.domain.cluster_labels import cluster_label, phrase_of, signal_named
from nmrf.domain.costs import money
from nmrf.domain.i18n import translator
from nmrf.domain.reference import DATA_DIR
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.models import Cluster
from nmrf.models.db import make_engine, session_scope
from nmrf.profile import EXAMPLE_PROFILE
from tests.support.cli import nmrf_for, table_column
from tests.support.english import english_left

READERS = ("fr", "es")


def nmrf(*args: str, **env: str | None):
    return nmrf_for(*args, **{"COLUMNS": "400", **env})


def one_line(text: str) -> str:
    return " ".join(text.split())


LABEL = 4  # the clusters table's column of labels


# -- 1. a notification address refused at load ------------------------------------------------------------------

USER, PASSWORD, HOST = "hunteruser", "s3cretPass", "smtp.secret-host.gob.cl"


def _profile_with_address(tmp_path: Path, url: str) -> Path:
    data = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    data["people"][3]["addresses"] = [{"label": "email", "url": url}]
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("url, msgid, values", [
    (f"mailto://{USER}:{PASSWORD}@{HOST}:99999?to=jorge@example.gob.cl",
     "%(scheme)s:// URL: port %(port)s is not a port (1 to 65535)", {"scheme": "mailto", "port": "99999"}),
    (f"mailtos://{USER}:{PASSWORD}@{HOST}?to=jorge@example.gob.cl,nobody",
     "%(scheme)s:// URL: %(num)s recipient(s) in to= are not e-mail addresses", {"scheme": "mailtos", "num": 1}),
    (f"{USER}:{PASSWORD}@{HOST}/hook",
     "not a notification URL: expected scheme://... (for example mailto://, json://, tgram://)", {}),
], ids=["port", "recipients", "no-scheme"])
def test_a_refused_notification_address_is_said_in_french_and_spanish_without_its_secrets(db_url, tmp_path, url,
                                                                                            msgid, values):
    profile = str(_profile_with_address(tmp_path, url))
    for lang in READERS:
        t = translator(lang)
        result = nmrf("--lang", lang, "init", "--profile", profile)
        said = one_line(result.output)
        assert result.exit_code == 2, result.output
        assert (t.gettext(msgid) % values if values else t.gettext(msgid)) in said, said
        assert t.gettext("Nothing was changed.") in said
        for secret in (USER, PASSWORD, HOST, "secret-host", "jorge@example.gob.cl"):
            assert secret not in result.output, f"{lang}: {secret!r} in {result.output}"
        assert not english_left(said, {str(tmp_path)}), english_left(said, {str(tmp_path)})


# -- 2. a cost's amount ------------------------------------------------------------------------------------------

def test_a_cost_added_prints_its_amount_grouped_the_readers_way(db_url):
    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    assert nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01").exit_code == 0
    english = nmrf("cost", "add", "--cycle", "1", "--amount", "1800000", "--currency", "CLP", "--line",
                   "translation", "--description", "Translation", "--on", "2027-05-01")
    assert "Cost #1: 1,800,000.00 CLP (estimate, translation) on 2027-05-01." in one_line(english.output)
    for n, lang in enumerate(READERS, start=2):
        t = translator(lang)
        result = nmrf("--lang", lang, "cost", "add", "--cycle", "1", "--amount", "1800000", "--currency", "clp",
                      "--line", "translation", "--description", "Translation", "--on", "2027-05-01")
        assert result.exit_code == 0, result.output
        amount = money(Decimal("1800000"), "CLP", lang)
        assert amount == {"fr": "1\u202f800\u202f000,00 CLP", "es": "1.800.000,00 CLP"}[lang]
        assert t.gettext("Cost #%(id)s: %(amount)s (%(basis)s, %(line)s) on %(day)s.") % {
            "id": n, "amount": amount, "basis": t.gettext("estimate"), "line": "translation",
            "day": "2027-05-01"} in result.output
        assert "1800000" not in result.output and "1,800,000" not in result.output


# -- 3. the clusters' labels, and 5. the progress lines -----------------------------------------------------------

@pytest.fixture
def clustered(db_url, monkeypatch):
    """The example NMRF with UHRI's sample (English, French and Spanish recommendations), clustered; and every
    progress line's description, as the bar would show it."""
    from rich.progress import Progress

    described: list[str] = []
    add_task = Progress.add_task

    def recording(self, description, *args, **kwargs):  # type: ignore[no-untyped-def]
        described.append(description)
        return add_task(self, description, *args, **kwargs)

    monkeypatch.setattr(Progress, "add_task", recording)
    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    imports = []
    for lang, name in zip(READERS, ("uhri-chile-sample.csv", "uhri-chile-fr-es.csv")):
        imports.append(nmrf("--lang", lang, "recommendations", "import", str(DATA_DIR / "uhri" / name),
                            "--format", "uhri"))
        assert imports[-1].exit_code == 0, imports[-1].output
    assert nmrf("recommendations", "cluster").exit_code == 0
    return db_url, described, imports


def _clusters(db_url: str) -> list[Cluster]:
    engine = make_engine(db_url)
    with session_scope(engine, readonly=True) as s:
        rows = list(s.exec(select(Cluster).order_by(Cluster.id)).all())
        for r in rows:
            s.expunge(r)
    engine.dispose()
    return rows


def test_the_clusters_labels_are_shown_in_the_readers_language_in_clusters_explain_and_show(clustered):
    db_url, _, _ = clustered
    clusters = _clusters(db_url)
    taxonomy = load_taxonomy()
    # A cluster named by a signal (a concept, an instrument...), whose name differs from language to language.
    named = [c for c in clusters if (p := phrase_of(c.label, taxonomy.themes[c.theme].name))
             and (a := signal_named(p, "es")) and len(set(a.labels.values())) > 2]
    assert named, [c.label for c in clusters]
    cl = named[0]
    for lang in READERS:
        t = translator(lang)
        label = cluster_label(t, theme=cl.theme, label=cl.label, written_in="es")
        theme = t.gettext(taxonomy.themes[cl.theme].name)
        assert theme != taxonomy.themes[cl.theme].name and label.startswith(theme), label
        table = nmrf("--lang", lang, "recommendations", "clusters", "--limit", "0")
        assert table.exit_code == 0, table.output
        assert one_line(label) in table_column(table.output, LABEL), f"{label!r} not in\n{table.output}"
        explained = nmrf("--lang", lang, "recommendations", "explain", str(cl.id))
        assert one_line(label) in one_line(explained.output), explained.output
        engine = make_engine(db_url)
        with session_scope(engine, readonly=True) as s:
            from nmrf.models import Recommendation

            member = s.exec(select(Recommendation.id).where(Recommendation.cluster_id == cl.id)).first()
        engine.dispose()
        shown = nmrf("--lang", lang, "recommendations", "show", str(member))
        assert t.gettext("Cluster: %(id)s %(label)s") % {"id": cl.id, "label": label} in one_line(shown.output)
    # Every label in the French table: the theme in French, never the taxonomy's English name.
    french = table_column(nmrf("--lang", "fr", "recommendations", "clusters", "--limit", "0").output, LABEL)
    fr = translator("fr")
    for c in clusters:
        assert one_line(cluster_label(fr, theme=c.theme, label=c.label, written_in="es")) in french


def test_a_label_with_rich_markup_is_printed_as_written_not_interpreted(clustered):
    db_url, _, _ = clustered
    cl = _clusters(db_url)[0]
    engine = make_engine(db_url)
    with session_scope(engine, actor="test") as s:
        s.execute(update(Cluster).where(Cluster.id == cl.id).values(
            label=f"{load_taxonomy().themes[cl.theme].name}: [bold red]sic[/bold red] \\[x]"))
    engine.dispose()
    table = nmrf("--lang", "fr", "recommendations", "clusters", "--limit", "0")
    assert table.exit_code == 0, table.output
    assert "[bold red]sic[/bold red] \\[x]" in table_column(table.output, LABEL)
    explained = nmrf("--lang", "fr", "recommendations", "explain", str(cl.id))
    assert "[bold red]sic[/bold red] \\[x]" in explained.output


def test_the_progress_lines_are_in_the_readers_language(clustered, tmp_path):
    _, described, imports = clustered
    fr, es = translator("fr"), translator("es")
    assert described[:2] == [fr.gettext("importing %(file)s") % {"file": "uhri-chile-sample.csv"},
                             es.gettext("importing %(file)s") % {"file": "uhri-chile-fr-es.csv"}]
    assert described[0].startswith("importation de") and described[1].startswith("importando")
    for lang in READERS:
        assert nmrf("--lang", lang, "cycle", "launch", "periodic_report", "-m", "CEDAW", "--date",
                    "submission=2027-10-01", "--reason", "test").exit_code == 0
    described.clear()
    for lang in READERS:
        result = nmrf("--lang", lang, "advance", "--as-of", "2027-06-10")
        assert result.exit_code == 0, result.output
    assert described == [translator(lang).gettext("running the cycle flows") for lang in READERS]
    assert "running the cycle flows" not in described
    # A file's name is text in the bar, not markup.
    odd = tmp_path / "[red]x.csv"
    odd.write_bytes((DATA_DIR / "uhri" / "uhri-chile-sample.csv").read_bytes())
    described.clear()
    assert nmrf("--lang", "fr", "recommendations", "import", str(odd), "--format", "uhri").exit_code == 0
    assert described == [fr.gettext("importing %(file)s") % {"file": "\\[red]x.csv"}]


def test_how_an_imported_files_encoding_was_found_is_said_in_the_readers_language(db_url):
    from nmrf.domain.reference import UPR_INFO_CSV

    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    result = nmrf("--lang", "fr", "recommendations", "import", str(UPR_INFO_CSV), "--format", "upr-info")
    assert result.exit_code == 0, result.output
    said = one_line(result.output)
    assert "encodage mac_roman (pas UTF-8 ; détecté d'après 5 caractère(s) non ASCII, p. ex. 'Equité')" in said
    assert "not UTF-8" not in said and "detected from" not in said
