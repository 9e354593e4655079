"""The public site: static files that work without a server, searched and filtered in headless Chromium,
checked by axe-core (WCAG 2.2 A and AA), never showing anything confidential, every text inert."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from tests.support.browser import axe_violations
import yaml
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.models import Recommendation, State
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.domain.reference import DATA_DIR, UPR_INFO_CSV
from nmrf.services.clustering import cluster_recommendations
from nmrf.services.followup import add_action, assign_theme
from nmrf.services.people import get_state
from nmrf.services.profiles import apply_profile
from nmrf.services.publication import public_site, write_site
from nmrf.services.recommendations import get_cluster, import_recommendations
from tests.conftest import NOW

HOSTILE = ("state,mechanism,body,document,paragraph,date,text,themes,sdgs,affected_persons,article,urgent,"
           "confidential,kind\n"
           'CL,CRC,,CRC/C/CHL/CO/6-7,99,2022-06-22,"<script>alert(1)</script><b>Bold</b> claim","Rights of the '
           'child",,,,,,concluding_observations\n'
           'CL,CRC,,CRC/C/CHL/CO/6-7,98,2022-06-22,"=HYPERLINK(""http://evil.example"",""click"")",'
           '"Rights of the child",,,,,,concluding_observations\n'
           'CL,CCPR,Human Rights Committee,CCPR/C/130/D/1234/2019,9,2021-07-20,Provide the author with an '
           'effective remedy for the torture he suffered.,torture,16,,,no,no,views\n'
           'CL,SPT,,CAT/OP/CHL/1,12,2017-03-01,Close the isolation cells of the Santiago prison.,Conditions of '
           'detention,,,,,yes,spt_report\n')


@pytest.fixture
def site_db(loaded, tmp_path):
    """Chile, publishing its site in Spanish and English: its recommendations (English, Spanish, French),
    clustered, the women's theme assigned, one action; plus hostile and confidential rows."""
    profile = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    profile["publication"] = {"site": True, "languages": ["es", "en"]}
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    with session_scope(loaded, actor="test") as s:
        apply_profile(session=s, profile=load_profile(path), now=NOW)
        state = get_state(session=s)
        for data, fmt in ((UPR_INFO_CSV.read_bytes(), "upr-info"),
                          ((DATA_DIR / "uhri" / "uhri-chile-sample.csv").read_bytes(), "uhri"),
                          ((DATA_DIR / "uhri" / "uhri-chile-fr-es.csv").read_bytes(), "uhri"),
                          (HOSTILE.encode(), "template")):
            import_recommendations(session=s, data=data, file_name=fmt, fmt=fmt, now=NOW, actor="test",
                                   states=[state])
        cluster_recommendations(session=s, now=NOW, state=state)
        assign_theme(session=s, state=state, theme="women", lead="women", supporting=["justice"], now=NOW,
                     actor="test")
        rome = s.exec(select(Recommendation).where(Recommendation.document == "CCPR/C/CHL/CO/5")).one()
        assign_theme(session=s, state=state, theme="international-norms", lead="foreign-affairs", supporting=[], now=NOW,
                     actor="test")
        add_action(session=s, state=state, cluster=get_cluster(session=s, state=state, ref=rome.cluster_id),
                   title="Bill to implement the Rome Statute", due=date(2027, 12, 1), indicator="bill tabled",
                   indicator_kind="structural", today=date(2027, 1, 4), now=NOW, actor="test")
    return loaded


@pytest.fixture
def site(site_db, tmp_path) -> Path:
    with session_scope(site_db, readonly=True) as s:
        files = public_site(session=s, state=get_state(session=s), today=date(2027, 1, 4))
    out = tmp_path / "site"
    write_site(files, out)
    return out


def _all_text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8-sig") for p in site.rglob("*") if p.is_file()
                     and p.suffix in (".html", ".js", ".json", ".csv"))


def test_the_site_never_shows_confidential_matters_notes_or_peoples_addresses(site):
    text = _all_text(site)
    assert "effective remedy for the torture" not in text  # a decision on an individual communication
    assert "isolation cells" not in text  # an SPT report, confidential
    profile = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    for person in profile["people"]:
        for address in person.get("addresses", []):
            assert address["url"].split("://", 1)[-1] not in text
        assert person["name"] not in text


def test_markup_and_formulas_in_a_recommendation_are_written_inert(site):
    html = "\n".join(p.read_text(encoding="utf-8") for p in (site / "es" / "r").glob("*.html"))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Bold</b>" not in html
    index = (site / "es" / "search-index.js").read_text(encoding="utf-8")
    assert "</script>" not in index and "<\\/script>" in index
    rows = list(csv.DictReader(io.StringIO((site / "recommendations.csv").read_text(encoding="utf-8-sig"))))
    formula = next(r for r in rows if "HYPERLINK" in r["text"])
    assert formula["text"].startswith("'=")
    data = json.loads((site / "recommendations.json").read_text(encoding="utf-8"))
    assert any(r["text"].startswith("=HYPERLINK") for r in data["recommendations"])  # JSON keeps the exact text


def test_every_recommendation_has_a_page_and_every_facet_a_browsing_page(site, site_db):
    with session_scope(site_db, readonly=True) as s:
        public = [r for r in s.exec(select(Recommendation)) if not r.confidential and r.kind != "views"]
    for lang in ("es", "en"):
        pages = {p.stem for p in (site / lang / "r").glob("*.html")}
        assert pages == {r.uid for r in public}
        browse = (site / lang / "browse.html").read_text(encoding="utf-8")
        for facet in ("theme-women", "sdg-5", "mechanism-cedaw", "institution-women", "review-a-hrc-26-5"):
            assert f'href="f/{facet}.html"' in browse and (site / lang / "f" / f"{facet}.html").is_file()
    assert '<html lang="es"' in (site / "es" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in (site / "en" / "index.html").read_text(encoding="utf-8")


def test_nmrf_publish_site_writes_the_same_site_and_serve_serves_it_under_public(site_db, site, tmp_path, db_url):
    out = tmp_path / "published"
    result = CliRunner().invoke(app, ["publish", "site", str(out), "--as-of", "2027-01-04"])
    assert result.exit_code == 0, result.output
    assert {p.relative_to(out) for p in out.rglob("*") if p.is_file() and p.name != ".nmrf-site"} == \
        {p.relative_to(site) for p in site.rglob("*") if p.is_file() and p.name != ".nmrf-site"}
    from nmrf.web.app import create_app, fixed_clock
    from nmrf.settings import get_settings

    client = TestClient(create_app(get_settings(), engine=site_db, clock=fixed_clock(NOW)))
    page = client.get("/public/es/index.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.content == (site / "es" / "index.html").read_bytes()
    assert client.get("/public/").content == (site / "index.html").read_bytes()
    assert client.get("/public/es/search-index.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/public/nothing.html").status_code == 404
    # A State that does not publish: nothing there.
    with session_scope(site_db, actor="test") as s:
        s.exec(select(State)).one().publication = {}
    assert TestClient(create_app(get_settings(), engine=site_db)).get("/public/es/index.html").status_code == 404






def test_the_static_site_is_searched_filtered_and_read_in_a_browser_without_a_server(site, browser, tmp_path):
    moved = tmp_path / "copied elsewhere"  # relative links: the folder works wherever it is put
    shutil.copytree(site, moved)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((moved / "index.html").as_uri())
    page.get_by_role("link", name="español").click()
    page.wait_for_selector("#results li")
    total = page.locator("#results li").count()
    assert total > 100 and "recomendaciones" in page.locator("#count").inner_text()
    assert axe_violations(page) == []
    # Search: words, accents ignored.
    page.get_by_label("Palabras que buscar").fill("estatuto de roma")
    found = page.locator("#results li")
    assert 1 <= found.count() < total
    assert any("Estatuto de Roma" in t for t in found.all_inner_texts())
    # Filter: a mechanism, with the words cleared.
    page.get_by_label("Palabras que buscar").fill("")
    page.get_by_label("Mecanismo").select_option("cat")
    metas = page.locator("#results li .meta").all_inner_texts()
    assert metas and all(m.startswith("CAT ·") for m in metas)
    # A recommendation's page.
    page.locator("#results li a").first.click()
    assert page.locator("h1").inner_text().startswith("Recomendación")
    assert page.locator(".facts").get_by_text("CAT", exact=True).count() == 1
    assert axe_violations(page) == []
    page.goto((moved / "es" / "browse.html").as_uri())
    assert axe_violations(page) == []
    page.goto((moved / "es" / "f" / "theme-women.html").as_uri())
    assert page.locator(".recs li").count() > 0 and axe_violations(page) == []
    # A filter given in the address, as a link from elsewhere would.
    page.goto((moved / "en" / "index.html").as_uri() + "?theme=women")
    page.wait_for_selector("#results li")
    assert page.locator("#f-theme").input_value() == "women"
    assert errors == []
    page.close()
