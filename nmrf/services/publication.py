"""The public view (as Paraguay's SIMORE publishes): recommendations, their status and actions.

Left out, always: recommendations marked confidential, every decision on an
individual communication and every special-procedures communication (whatever
their flag), and the secretariat's own deliberation (priority factors, notes,
people's names, the text of answers). What a State publishes is its choice;
nmrf makes sure the confidential never slips in.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from nmrf.domain import wording
from nmrf.documents.workbooks import IMPLEMENTATION_LABELS, implementation_label
from nmrf.domain.i18n import N_, Translator, reader_language, translator
from nmrf.domain.recommendation_files import CONFIDENTIAL_KINDS
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.domain.escape import csv_cell, md_text
from nmrf.errors import NmrfError
from nmrf.models import Cluster, Cycle, FollowUpAction, Institution, InputAnswer, Recommendation, State
from nmrf.services.followup import responsibilities_by_recommendation


@dataclass(frozen=True)
class PublicAction:
    title: str
    institution: str
    due: str
    status: str
    indicator: str


@dataclass(frozen=True)
class PublicRow:
    ref: str
    mechanism: str
    recommended_by: str
    document: str
    text: str
    themes: list[str]
    theme_keys: list[str]
    sdgs: list[int]  # the source's own
    inferred_sdgs: list[int]  # implied by the themes, labelled so
    position: str
    lead: str
    supporting: list[str]
    status: str
    actions: list[PublicAction]
    review: str  # the document the recommendation comes from: a UPR session or review, a report
    status_code: str  # the status as a code (for the site's translations and filters)
    lead_key: str
    supporting_keys: list[str]


@dataclass
class PublicView:
    state: str
    as_of: str
    rows: list[PublicRow]
    left_out: int
    lang: str = "en"  # the words of the view (field names and keys of .csv/.json stay as they are)


# What the public reads of a status, in the view's language.
STATUS_WORDS = {
    "no action planned": N_("no action planned"), "actions completed": N_("actions completed"),
    "planned": N_("planned"), "done": N_("done"), "cancelled": N_("cancelled"),
}


def _status(t: Translator, status: str) -> str:
    if status in IMPLEMENTATION_LABELS:
        return implementation_label(t, status)
    return t.gettext(STATUS_WORDS[status]) if status in STATUS_WORDS else status.replace("_", " ")


def is_public(r: Recommendation) -> bool:
    return not r.confidential and r.kind not in CONFIDENTIAL_KINDS


def public_view(*, session: Session, state: State, today: date, lang: str | None = None) -> PublicView:
    """What the public may see, in `lang` (the State's by default)."""
    t = translator(reader_language(lang, state.language), fallback=state.language)
    taxonomy = load_taxonomy()
    recs = list(session.exec(select(Recommendation).where(Recommendation.state_id == state.id).order_by(Recommendation.id)))
    public = [r for r in recs if is_public(r)]
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    resp = responsibilities_by_recommendation(session=session, state=state)
    actions: dict[int, list[FollowUpAction]] = {}
    for a, confidential in session.exec(select(FollowUpAction, Cycle.confidential)
                                        .join(Cycle, Cycle.id == FollowUpAction.cycle_id)
                                        .join(Cluster, Cluster.id == FollowUpAction.cluster_id)
                                        .where(Cluster.state_id == state.id).order_by(FollowUpAction.due_date)):
        if not confidential:
            actions.setdefault(a.cluster_id, []).append(a)
    implementation: dict[int, str] = {}
    for ans in session.exec(select(InputAnswer).order_by(InputAnswer.id)):
        implementation[ans.recommendation_id] = ans.implementation
    rows = []
    for r in public:
        acts = [a for a in actions.get(r.cluster_id, []) if a.recommendation_id in (None, r.id)] if r.cluster_id else []
        who = resp.get(r.id)  # type: ignore[arg-type]
        status = implementation.get(r.id)  # type: ignore[arg-type]
        if status is None:
            if not acts:
                status = "no action planned"
            elif all(a.status in ("done", "cancelled") for a in acts):
                status = "actions completed"
            else:
                status = "in progress"
        rows.append(PublicRow(
            ref=r.uid, mechanism=r.mechanism, recommended_by=r.body,
            document=r.document + (" " + t.gettext("para.") + f" {r.paragraph}" if r.paragraph else ""), text=r.text,
            themes=[wording.title(t, taxonomy.themes[th].name) for th in r.themes], theme_keys=list(r.themes),
            sdgs=list(r.sdgs), inferred_sdgs=list(r.inferred_sdgs), position=r.position,
            lead=wording.name(t, who.lead.names, who.lead.name) if who and who.lead else "",
            supporting=[wording.name(t, i.names, i.name) for i in who.supporting] if who else [],
            status=_status(t, status),
            actions=[PublicAction(a.title, wording.name(t, insts[a.institution_id].names, insts[a.institution_id].name),
                                  a.due_date.isoformat(), _status(t, a.status),
                                  f"{a.indicator_kind}: {a.indicator}" if a.indicator else a.indicator_kind)
                     for a in acts],
            review=r.document, status_code=status.replace(" ", "_"),
            lead_key=who.lead.key if who and who.lead else "",
            supporting_keys=[i.key for i in who.supporting] if who else []))
    state_name = wording.name(t, (state.names or {}).get("name"), state.name)
    return PublicView(state=state_name, as_of=today.isoformat(), rows=rows, left_out=len(recs) - len(public),
                      lang=t.tag)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading apostrophe
    (OWASP's advice for CSV injection). The one implementation is nmrf.domain.escape.csv_cell."""
    return csv_cell(value)


def render(view: PublicView, suffix: str) -> str:
    """.json and .csv keep their keys (machines read them); their values and .md are in the view's language."""
    if suffix == ".json":
        return json.dumps({"state": view.state, "as_of": view.as_of,
                           "recommendations": [asdict(r) for r in view.rows]}, ensure_ascii=False, indent=2)
    if suffix == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["ref", "mechanism", "recommended_by", "document", "text", "themes", "sdgs", "sdgs_inferred",
                    "position", "lead", "supporting", "status", "actions"])
        for r in view.rows:
            w.writerow([csv_cell(c) for c in (
                r.ref, r.mechanism, r.recommended_by, r.document, r.text, "; ".join(r.themes),
                "; ".join(map(str, r.sdgs)), "; ".join(map(str, r.inferred_sdgs)), r.position, r.lead,
                "; ".join(r.supporting), r.status,
                "; ".join(translator(view.lang).gettext("%(title)s (%(institution)s, due %(due)s, %(status)s)")
                          % {"title": a.title, "institution": a.institution, "due": a.due, "status": a.status}
                          for a in r.actions))])
        return buf.getvalue()
    if suffix == ".md":
        m = md_text  # every text from outside escaped: it cannot make a heading, a list or HTML
        t = translator(view.lang)
        _ = t.gettext
        out = [f"# " + _("Recommendations to %(state)s and their follow-up") % {"state": m(view.state)}, "",
               _("As of %(date)s.") % {"date": wording.long_date(t, date.fromisoformat(view.as_of))}, ""]
        for r in view.rows:
            responsible = m(r.lead) or "-"
            if r.supporting:
                responsible = _("%(lead)s (with %(supporting)s)") % {"lead": responsible,
                                                                    "supporting": m(", ".join(r.supporting))}
            out += [f"## {m(r.mechanism)}: {m(r.recommended_by)} ({m(r.document)})", "", m(r.text), "",
                    "- " + _("Themes: %(themes)s; SDGs: %(sdgs)s") % {
                        "themes": m(", ".join(r.themes)) or "-", "sdgs": ", ".join(map(str, r.sdgs)) or "-"}
                    + (" " + _("(inferred: %(sdgs)s)") % {"sdgs": ", ".join(map(str, r.inferred_sdgs))}
                       if r.inferred_sdgs else ""),
                    "- " + _("Position: %(position)s; status: %(status)s") % {"position": m(r.position) or "-",
                                                                              "status": m(r.status)},
                    "- " + _("Responsible: %(who)s") % {"who": responsible}]
            out += ["- " + _("Action: %(title)s (%(institution)s, due %(due)s, %(status)s; %(indicator)s)") % {
                "title": m(a.title), "institution": m(a.institution), "due": a.due, "status": m(a.status),
                "indicator": m(a.indicator)} for a in r.actions]
            out.append("")
        return "\n".join(out)
    raise NmrfError(f"public view: {suffix!r}; write .csv, .json or .md")


def write_public_view(view: PublicView, out: Path) -> None:
    text = render(view, out.suffix.lower())
    out.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- the public site

def site_languages(state: State, languages: list[str] | None = None) -> list[str]:
    """The site's languages: those asked, else the profile's `publication.languages`, else the State's."""
    chosen = languages or (state.publication or {}).get("languages") or [state.language]
    return list(dict.fromkeys(chosen))


def public_site(*, session: Session, state: State, today: date, languages: list[str] | None = None
                ) -> dict[str, bytes]:
    """Every file of the State's public site (path -> bytes): the same for `nmrf serve` and `publish site`."""
    from nmrf.documents.site import build_site

    view = public_view(session=session, state=state, today=today)
    taxonomy = load_taxonomy()
    return build_site(view, languages=site_languages(state, languages), state_language=state.language,
                      sdg_names=taxonomy.sdgs, theme_names={k: th.name for k, th in taxonomy.themes.items()},
                      csv_text=render(view, ".csv"), json_text=render(view, ".json"))


def write_site(files: dict[str, bytes], out: Path) -> tuple[int, int]:
    """Write the site under `out`: rewrites only what changed and removes files a previous build left.

    Returns (files written, bytes in all)."""
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for rel, data in files.items():
        path = out / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += 1
    marker = out / ".nmrf-site"
    previous = marker.read_text(encoding="utf-8").splitlines() if marker.is_file() else []
    for rel in set(previous) - set(files):
        (out / rel).unlink(missing_ok=True)
    marker.write_text("\n".join(sorted(files)) + "\n", encoding="utf-8")
    return written, sum(len(b) for b in files.values())
