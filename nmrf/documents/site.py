"""The public site of a State's recommendations: static HTML, a prebuilt search index, CSV and JSON downloads.

Built from the public view (nmrf.services.publication: nothing confidential,
no internal notes, no people) into a dict of path -> bytes, so that
`nmrf publish site DIR` writes it as files for any web server and `nmrf serve`
serves the same bytes under /public/. Every link is relative and the search
index is a script file (`search-index.js`), not fetched: the site works from a
folder opened in a browser, with no server at all.

Pages, for each of the State's languages (`<lang>/`): the search page
(index.html: a form whose script filters the prebuilt index; without
JavaScript it points to the browsing pages), the browsing page (browse.html:
by theme, SDG, mechanism, institution and review), one page per value of each
(f/<facet>-<value>.html) and one per recommendation (r/<ref>.html). At the root:
the choice of language, assets/ and the downloads.

Text is inert everywhere: Jinja2 escapes every value in HTML, the script builds
results with textContent, the index escapes "</" and the line separators, the
CSV gives a formula-looking cell a leading apostrophe.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from nmrf.domain import wording
from nmrf.domain.i18n import N_, Translator, jinja_environment, translator

STATUS_LABELS = {
    "implemented": N_("Implemented"),
    "partially_implemented": N_("Partially implemented"),
    "in_progress": N_("In progress"),
    "not_started": N_("Not started"),
    "not_applicable": N_("Not applicable"),
    "no_action_planned": N_("No action planned"),
    "actions_completed": N_("Actions completed"),
}
POSITION_LABELS = {"supported": N_("Supported"), "noted": N_("Noted"), "pending": N_("Pending")}
FACETS = ("theme", "sdg", "mechanism", "institution", "review")
FACET_LABELS = {"theme": N_("Theme"), "sdg": N_("Sustainable Development Goal"), "mechanism": N_("Mechanism"),
                "institution": N_("Responsible institution"), "review": N_("Review or report")}


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "x"


@dataclass(frozen=True)
class SiteRow:
    """One recommendation as the site shows it (from a PublicRow)."""
    ref: str
    mechanism: str
    recommended_by: str
    document: str
    review: str
    text: str
    themes: list[tuple[str, str]]  # (key, name)
    sdgs: list[int]
    inferred_sdgs: list[int]
    position: str
    status: str
    institutions: list[tuple[str, str, str]]  # (key, name, lead | supporting)
    actions: list[dict[str, str]]

    def facets(self) -> dict[str, list[tuple[str, str]]]:
        """facet -> [(value slug, label)]."""
        return {
            "theme": [(k, n) for k, n in self.themes],
            "sdg": [(str(g), str(g)) for g in sorted({*self.sdgs, *self.inferred_sdgs})],
            "mechanism": [(slug(self.mechanism), self.mechanism)],
            "institution": [(k, n) for k, n, _ in self.institutions],
            "review": [(slug(self.review), self.review)],
        }


def rows_of(view: Any) -> list[SiteRow]:
    """SiteRows from a PublicView (nmrf.services.publication)."""
    out = []
    for r in view.rows:
        insts = ([(r.lead_key, r.lead, "lead")] if r.lead else []) + \
            [(k, n, "supporting") for k, n in zip(r.supporting_keys, r.supporting, strict=True)]
        out.append(SiteRow(ref=r.ref, mechanism=r.mechanism, recommended_by=r.recommended_by, document=r.document,
                           review=r.review, text=r.text, themes=list(zip(r.theme_keys, r.themes, strict=True)),
                           sdgs=list(r.sdgs), inferred_sdgs=list(r.inferred_sdgs), position=r.position,
                           status=r.status_code, institutions=insts, actions=[asdict(a) for a in r.actions]))
    return out


@lru_cache(maxsize=16)
def _env(lang: str, fallback: str):  # type: ignore[no-untyped-def]
    from jinja2 import PackageLoader

    env = jinja_environment(lang, fallback=fallback, loader=PackageLoader("nmrf.documents", "templates/site"))
    env.globals.update(STATUS_LABELS=STATUS_LABELS, POSITION_LABELS=POSITION_LABELS, FACET_LABELS=FACET_LABELS,
                       FACETS=FACETS)
    return env


def _asset(name: str) -> bytes:
    return resources.files("nmrf.documents").joinpath("static", "site", name).read_bytes()


def _script_json(value: Any) -> str:
    """JSON that stays data inside a script file: no '</', no line separators JavaScript would break on."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


Facets = dict[str, dict[str, tuple[str, list[SiteRow]]]]  # facet -> value -> (label, rows)


def _in_language(t: Translator, rows: list[SiteRow], facets: Facets, theme_names: dict[str, str],
                 sdg_names: dict[int, str]) -> tuple[list[SiteRow], Facets]:
    """The rows and facets with the taxonomy's words (themes, goals) in the reader's language: the view gives
    them in the State's; the taxonomy's English names are the catalogs' msgids."""
    def theme(key: str, shown: str) -> str:
        return wording.title(t, theme_names[key]) if key in theme_names else shown

    own = {id(r): replace(r, themes=[(k, theme(k, n)) for k, n in r.themes]) for r in rows}
    out: Facets = {}
    for facet, values in facets.items():
        if facet == "theme":
            named = {k: (theme(k, label), [own[id(r)] for r in members]) for k, (label, members) in values.items()}
            out[facet] = dict(sorted(named.items(), key=lambda kv: kv[1][0].casefold()))
        elif facet == "sdg":
            out[facet] = {k: (f"{k}. {wording.title(t, sdg_names.get(int(k), ''))}".rstrip(". "),
                              [own[id(r)] for r in members]) for k, (_, members) in values.items()}
        else:
            out[facet] = {k: (label, [own[id(r)] for r in members]) for k, (label, members) in values.items()}
    return [own[id(r)] for r in rows], out


def build_site(view: Any, *, languages: list[str], state_language: str, sdg_names: dict[int, str],
               csv_text: str, json_text: str, theme_names: dict[str, str] | None = None) -> dict[str, bytes]:
    """Every file of the site: path (relative, '/'-separated) -> bytes. `sdg_names` and `theme_names` (theme
    key -> name) are the taxonomy's, in English: each language's pages show them translated."""
    theme_names = theme_names or {}
    rows = rows_of(view)
    langs = list(dict.fromkeys(languages or [state_language]))
    files: dict[str, bytes] = {
        "assets/site.css": _asset("site.css"),
        "assets/site.js": _asset("site.js"),
        "recommendations.csv": csv_text.encode("utf-8-sig"),  # Excel opens UTF-8 with a BOM as UTF-8
        "recommendations.json": json_text.encode("utf-8"),
    }
    # facet -> value -> (label, rows)
    facets: dict[str, dict[str, tuple[str, list[SiteRow]]]] = {f: {} for f in FACETS}
    for r in rows:
        for facet, values in r.facets().items():
            for value, label in values:
                facets[facet].setdefault(value, (label, []))[1].append(r)
    for facet, values in facets.items():
        if facet == "sdg":
            facets[facet] = {k: (f"{k}. {sdg_names.get(int(k), '')}", v[1]) for k, v in
                             sorted(values.items(), key=lambda kv: int(kv[0]))}
        else:
            facets[facet] = dict(sorted(values.items(), key=lambda kv: kv[1][0].casefold()))
    common = {"state": view.state, "as_of": view.as_of, "languages": langs, "facets": facets,
              "total": len(rows)}
    root = _env(state_language, state_language).get_template("languages.html")
    files["index.html"] = root.render(**common, root="", lang_names=_native_names(langs)).encode()
    all_rows, all_facets = rows, facets
    for lang in langs:
        env = _env(lang, state_language)
        t = translator(lang, fallback=state_language)
        rows, facets = _in_language(t, all_rows, all_facets, theme_names, sdg_names)
        common = {**common, "facets": facets}
        base = f"{lang}/"
        page = {"root": "../", **common}
        files[base + "index.html"] = env.get_template("search.html").render(**page).encode()
        files[base + "browse.html"] = env.get_template("browse.html").render(**page).encode()
        for facet, values in facets.items():
            for value, (label, members) in values.items():
                files[f"{base}f/{facet}-{value}.html"] = env.get_template("facet.html").render(
                    root="../../", facet=facet, value=value, label=label, rows=members, **{
                        k: v for k, v in common.items() if k != "facets"}).encode()
        for r in rows:
            files[f"{base}r/{r.ref}.html"] = env.get_template("recommendation.html").render(
                root="../../", row=r, **{k: v for k, v in common.items() if k != "facets"}).encode()
        index = {
            "labels": {"status": {k: t.gettext(v) for k, v in STATUS_LABELS.items()}},
            "rows": [{"ref": r.ref, "text": r.text, "mechanism": r.mechanism, "by": r.recommended_by,
                      "document": r.document, "status": r.status,
                      "f": {f: [v for v, _ in vals] for f, vals in r.facets().items()},
                      "names": " ".join([*(n for _, n in r.themes), *(n for _, n, _ in r.institutions)])}
                     for r in rows]}
        files[base + "search-index.js"] = f"window.NMRF_INDEX = {_script_json(index)};\n".encode()
        files[base + "search-index.json"] = json.dumps(index, ensure_ascii=False).encode()
    return files


def _native_names(langs: list[str]) -> dict[str, str]:
    from nmrf.domain.i18n import NATIVE_NAMES

    return {lang: NATIVE_NAMES.get(lang, lang) for lang in langs}


def counts(rows: list[SiteRow]) -> Counter[str]:
    """How many recommendations per status (the site's summary)."""
    return Counter(r.status for r in rows)


def facet_index(rows: list[SiteRow]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        for facet, values in r.facets().items():
            for v, _ in values:
                out[facet][v] = out[facet].get(v, 0) + 1
    return out
