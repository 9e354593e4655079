"""Compile a cycle's draft report from the inputs received, by cluster or by treaty article."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from nmrf.domain import wording
from nmrf.domain.draft import AnnexRow, Answer, Block, Draft, Section
from nmrf.domain.i18n import Translator, reader_language, translator
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.errors import NmrfError
from nmrf.models import Cluster, Cycle, Recommendation, State
from nmrf.services.followup import responsibilities_by_recommendation
from nmrf.services.inputs import ROLE_WORDS, cycle_recommendations, input_milestones, latest_answers, word_limit

ORGANISE = ("cluster", "article")


def _ref(r: Recommendation, t: Translator) -> str:
    if r.mechanism == "UPR":
        return f"{r.id} ({r.body})"
    return f"{r.id} ({r.document}" + (" " + t.gettext("para.") + f" {r.paragraph}" if r.paragraph else "") + ")"


def compile_draft(*, session: Session, state: State, cycle: Cycle, today: date, by: str = "cluster",
                  lang: str | None = None) -> Draft:
    """The draft in `lang`, the language the report is written in (the State's by default)."""
    t = translator(reader_language(lang, state.language), fallback=state.language)
    _ = t.gettext
    if by not in ORGANISE:
        raise NmrfError(f"--by {by!r}; expected one of {', '.join(ORGANISE)}")
    taxonomy = load_taxonomy()
    recs = cycle_recommendations(session=session, cycle=cycle)
    if not recs:
        raise NmrfError(f"no {cycle.mechanism} recommendation to report on: import them first")
    answers = latest_answers(session=session, cycle=cycle)
    resp = responsibilities_by_recommendation(session=session, state=state)
    inputs = input_milestones(session=session, cycle=cycle)
    clusters = {c.id: c for c in session.exec(select(Cluster).where(Cluster.state_id == state.id))}

    # Group: by theme then cluster, or by article.
    groups: dict[tuple, list[Recommendation]] = defaultdict(list)
    for r in recs:
        if by == "cluster":
            cl = clusters.get(r.cluster_id) if r.cluster_id else None
            theme = cl.theme if cl else (r.themes[0] if r.themes else "general")
            groups[(taxonomy.themes[theme].order, taxonomy.themes[theme].name, cl.id if cl else -r.id)].append(r)  # type: ignore[operator]
        else:
            art = r.article.strip()
            key = (0, int(art.split("(")[0]) if art.split("(")[0].isdigit() else 0, art) if art else (1, 0, "")
            groups[key].append(r)
    sections: dict[str, list[Block]] = {}
    missing_from: dict[str, int] = defaultdict(int)
    for key in sorted(groups):
        members = groups[key]
        if by == "cluster":
            section = wording.title(t, key[1])  # the theme's name, translated
            cl = clusters.get(members[0].cluster_id) if members[0].cluster_id else None
            if cl:
                # The cluster's label is its recommendations' own words (quoted, not translated).
                title = _("Cluster %(id)s: %(label)s") % {"id": cl.id,
                                                          "label": cl.label.split(": ", 1)[-1].capitalize()}
            else:
                title = _("Recommendation %(id)s") % {"id": members[0].id}
        else:
            section = (_("Article %(article)s") % {"article": key[2]} if key[0] == 0
                       else _("Recommendations without a treaty article"))
            title = t.ngettext("%(section)s: %(num)s recommendation", "%(section)s: %(num)s recommendations",
                               len(members)) % {"section": section, "num": len(members)}
        got: list[Answer] = []
        missing: list[str] = []
        seen_answers: set[tuple[int, str]] = set()
        for r in members:
            who = resp.get(r.id)  # type: ignore[arg-type]
            expected = ([(who.lead, "lead")] if who and who.lead else []) + \
                [(i, "supporting") for i in (who.supporting if who else ())]
            if not expected:
                missing.append(_("recommendation %(id)s: no institution assigned (%(command)s)")
                               % {"id": r.id, "command": "`nmrf recommendations assign`"})
                missing_from[_("(unassigned)")] += 1
                continue
            for inst, role in expected:
                a = answers.get((r.id, inst.id))  # type: ignore[arg-type]
                if a is not None:
                    if (inst.id, a.answer) not in seen_answers:  # one answer for the cluster is shown once
                        seen_answers.add((inst.id, a.answer))  # type: ignore[arg-type]
                        got.append(Answer(wording.name(t, inst.names, inst.name), a.implementation, a.answer,
                                          a.data))
                    continue
                m = inputs.get(inst.id)  # type: ignore[arg-type]
                name = wording.name(t, inst.names, inst.name)
                values = {"id": r.id, "institution": name,
                          "role": t.gettext(ROLE_WORDS[role]) if role in ROLE_WORDS else role}
                line = _("recommendation %(id)s: no answer from %(institution)s (%(role)s)") % values
                if m is not None and m.due_date:
                    line += _(", input due %(date)s") % {"date": m.due_date.isoformat()}
                if m is not None and m.due_date and m.due_date < today and not m.is_closed:
                    line += _(" (LATE)")
                if m is None:
                    line += _(" (not asked for input in this cycle)")
                missing.append(line)
                missing_from[name] += 1
        refs = t.ngettext("Recommendation %(refs)s", "Recommendations %(refs)s", len(members)) % {
            "refs": "; ".join(_ref(r, t) for r in members)}
        sections.setdefault(section, []).append(Block(title, refs, tuple(got), tuple(missing)))
    limit = word_limit(session=session, cycle=cycle)
    title = wording.cycle_title(t, stored=cycle.title, template=cycle.template, mechanism=cycle.mechanism,
                                reference=cycle.reference, state_name=state.name, state_names=state.names)
    organised = _("organised by cluster") if by == "cluster" else _("organised by article")
    d = Draft(title=_("Draft: %(title)s") % {"title": title},
              subtitle=t.ngettext("Compiled by nmrf on %(date)s from the inputs received; %(organised)s. "
                                  "%(num)s %(mechanism)s recommendation.",
                                  "Compiled by nmrf on %(date)s from the inputs received; %(organised)s. "
                                  "%(num)s %(mechanism)s recommendations.", len(recs))
              % {"date": wording.long_date(t, today), "organised": organised, "num": len(recs),
                 "mechanism": cycle.mechanism},
              word_limit=limit, sections=[Section(k, tuple(v)) for k, v in sections.items()],
              annex=[AnnexRow(str(r.id), f"{r.mechanism}, {r.body}, {r.document}", r.text) for r in recs],
              missing_from=dict(sorted(missing_from.items(), key=lambda kv: -kv[1])), lang=t.tag)
    return d
