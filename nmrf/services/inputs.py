"""The information request and the way back: one workbook per institution, answers recorded.

The request is the six-month step of a reporting cycle (its `info_request`
milestone, which the flows complete with a "request_sent" event). For each
institution with an input milestone in the cycle that leads or supports at
least one of the State's recommendations of the cycle's mechanism, a workbook
lists those recommendations, their clusters, the previous answer, the
question, the report's word limit, the deadline and the cycle's calendar.

A returned workbook is read strictly; if anything is wrong nothing is
recorded. Each answer is kept (append-only) against its recommendation; when
every row is answered the institution's `input:<institution>` milestone is
recorded done, so the cycle (and the draft) know who is still missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from nmrf.documents.workbooks import (
    COLUMNS,
    RequestRow,
    RequestSheet,
    column_labels,
    implementation_label,
    read_returned,
    write_request,
)
from nmrf.domain import wording
from nmrf.domain.cluster_labels import cluster_label
from nmrf.domain.i18n import N_, Translator, reader_language, translator
from nmrf.models.recommendations import IMPLEMENTATION

# Whether the institution leads or supports a recommendation, as its workbook says it.
ROLE_WORDS = {"lead": N_("lead"), "supporting": N_("supporting")}
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.errors import NmrfError, Problem
from nmrf.models import (
    Cluster,
    Cycle,
    Institution,
    InputAnswer,
    InputRequest,
    Milestone,
    Recommendation,
    State,
)
from nmrf.services.clustering import cluster_mechanisms
from nmrf.services.cycles import milestones_of, record_action
from nmrf.services.followup import Responsible, responsibilities_by_recommendation
from nmrf.services.plan_rows import cycle_rows


def cycle_recommendations(*, session: Session, cycle: Cycle) -> list[Recommendation]:
    """The recommendations a cycle reports on: the State's, from the cycle's mechanism."""
    return list(session.exec(select(Recommendation).where(Recommendation.state_id == cycle.state_id,
                                                          Recommendation.mechanism == cycle.mechanism)
                             .order_by(Recommendation.cluster_id, Recommendation.id)))


def input_milestones(*, session: Session, cycle: Cycle) -> dict[int, Milestone]:
    """institution id -> its input milestone in the cycle."""
    return {m.institution_id: m for m in milestones_of(session=session, cycle=cycle)
            if m.stage == "inputs" and m.institution_id is not None}


def word_limit(*, session: Session, cycle: Cycle) -> int | None:
    ms = milestones_of(session=session, cycle=cycle)
    for key in ("draft", "submission"):
        for m in ms:
            if m.template_key == key and m.word_limit:
                return m.word_limit
    return None


def _question(cycle: Cycle, inst: Institution, t: Translator) -> str:
    name = wording.name(t, inst.names, inst.name)
    if cycle.mechanism == "UPR":
        return t.gettext("What has %(institution)s done since the last review to implement this recommendation? "
                         "Give the measures (laws, policies, programmes, budget), their dates, their results and "
                         "data (indicators).") % {"institution": name}
    return t.gettext("What has %(institution)s done since the last concluding observations of %(mechanism)s to "
                     "implement this recommendation? Give the measures (laws, policies, programmes, budget), their "
                     "dates, their results and data (indicators).") % {"institution": name,
                                                                      "mechanism": cycle.mechanism}


def workbook_language(state: State, inst: Institution) -> str:
    """An institution's workbook is in its working language (the State's by default)."""
    return reader_language(inst.language or state.language, state.language)


def _previous(session: Session, cycle: Cycle, rec_ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    insts = {i.id: i.key for i in session.exec(select(Institution).where(Institution.state_id == cycle.state_id))}
    if not rec_ids:
        return out
    for a in session.exec(select(InputAnswer).where(InputAnswer.recommendation_id.in_(list(rec_ids)),  # type: ignore[attr-defined]
                                                    InputAnswer.cycle_id != cycle.id).order_by(InputAnswer.id)):
        out[a.recommendation_id] = f"{a.at:%Y-%m-%d} {insts.get(a.institution_id, '?')} ({a.implementation}): {a.answer}"
    return out


@dataclass
class Sent:
    institution: str
    file: Path | None  # where it was written (None: kept in memory only)
    rows: int
    reused: bool
    name: str = ""
    data: bytes = b""
    language: str = ""  # the workbook's (the institution's working language)


@dataclass
class RequestResult:
    sent: list[Sent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def request_workbooks(*, session: Session, state: State, cycle: Cycle, out_dir: Path | None, now: datetime,
                      actor: str, institutions: Sequence[str] | None = None) -> RequestResult:
    """Make one workbook per institution asked for input (written to `out_dir` when given; each Sent holds
    its bytes either way); the same request again reuses its token, so any copy can come back."""
    taxonomy = load_taxonomy()
    recs = cycle_recommendations(session=session, cycle=cycle)
    if not recs:
        raise NmrfError(f"{state.name} has no {cycle.mechanism} recommendation in this database: import them first "
                        "(`nmrf recommendations import`)")
    inputs = input_milestones(session=session, cycle=cycle)
    if not inputs:
        raise NmrfError(f"cycle {cycle.id} asks no institution for input")
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    wanted = set(institutions or ())
    unknown = wanted - {insts[i].key for i in inputs}
    if unknown:
        raise NmrfError(f"cycle {cycle.id} asks no input of {', '.join(sorted(unknown))}; it asks: "
                        f"{', '.join(sorted(insts[i].key for i in inputs))}")
    resp = responsibilities_by_recommendation(session=session, state=state)
    mechs = cluster_mechanisms(session=session, state=state)
    clusters = {c.id: c for c in session.exec(select(Cluster).where(Cluster.state_id == state.id))}
    limit = word_limit(session=session, cycle=cycle)
    per_answer = (limit // len(recs)) if limit else None
    previous = _previous(session, cycle, [r.id for r in recs])  # type: ignore[misc]
    info = next((m for m in milestones_of(session=session, cycle=cycle) if m.template_key == "info_request"), None)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    result = RequestResult()
    for inst_id, m in sorted(inputs.items(), key=lambda kv: insts[kv[0]].key):
        inst = insts[inst_id]
        if wanted and inst.key not in wanted:
            continue
        mine = [(r, _role(resp.get(r.id), inst)) for r in recs]  # type: ignore[arg-type]
        mine = [(r, role) for r, role in mine if role]
        if not mine:
            result.skipped.append(f"{inst.key}: leads or supports none of the {len(recs)} {cycle.mechanism} "
                                  "recommendations (assign them with `nmrf recommendations assign`)")
            continue
        ids = [r.id for r, _ in mine]
        last = session.exec(select(InputRequest).where(InputRequest.cycle_id == cycle.id,
                                                       InputRequest.institution_id == inst.id)
                            .order_by(InputRequest.id.desc())).first()  # type: ignore[union-attr]
        reused = last is not None and last.recommendation_ids == ids
        if reused:
            token, at = last.token, last.at  # type: ignore[union-attr]
        else:
            token = hashlib.sha256(f"{cycle.id}:{inst.id}:{ids}:{now.isoformat()}".encode()).hexdigest()[:20]
            at = now
        t = translator(workbook_language(state, inst), fallback=state.language)
        rows = []
        for r, role in mine:
            cl = clusters.get(r.cluster_id) if r.cluster_id else None
            others = [x for x in mechs.get(r.cluster_id, ()) if x != r.mechanism] if r.cluster_id else []
            rows.append(RequestRow(
                ref=r.id, cluster=str(cl.id) if cl else "", theme=", ".join(wording.title(t, taxonomy.themes[th].name) for th in r.themes),  # type: ignore[arg-type]
                mechanism=r.mechanism, body=r.body,
                document=r.document + (" " + t.gettext("para.") + f" {r.paragraph}" if r.paragraph else ""), text=r.text,
                role=t.gettext(ROLE_WORDS[role]) if role in ROLE_WORDS else role,
                also=", ".join(others), previous=previous.get(r.id, ""), question=_question(cycle, inst, t)))  # type: ignore[arg-type]
        cols = dict(zip(COLUMNS, column_labels(t), strict=True))
        title = wording.cycle_title(t, stored=cycle.title, template=cycle.template, mechanism=cycle.mechanism,
                                    reference=cycle.reference, state_name=state.name, state_names=state.names)

        def day(d):  # type: ignore[no-untyped-def]
            return f"{d.isoformat()} ({wording.long_date(t, d)})" if d else None

        about = [
            (t.pgettext("workbook", "Institution"), f"{wording.name(t, inst.names, inst.name)} ({inst.key})"),
            (t.pgettext("workbook", "Cycle"), f"#{cycle.id} {title}"),
            (t.pgettext("workbook", "Request sent"), day(info.due_date) if info and info.due_date else "-"),
            (t.pgettext("workbook", "Deadline for your answers"), day(m.due_date) or t.gettext("to be set")),
            (t.pgettext("workbook", "Word limit of the report"),
             t.ngettext("%(num)s word", "%(num)s words", limit) % {"num": t.format_number(limit)} if limit
             else t.gettext("none set")),
            (t.pgettext("workbook", "Suggested length"),
             t.ngettext("about %(num)s word per answer", "about %(num)s words per answer", per_answer)
             % {"num": t.format_number(per_answer)} if per_answer else "-"),
            (t.pgettext("workbook", "Recommendations"),
             t.gettext("%(count)s (%(lead)s you lead)") % {"count": len(rows),
                                                          "lead": sum(1 for _, x in mine if x == "lead")}),
            (t.pgettext("workbook", "How to answer"),
             t.gettext("Fill in the yellow columns only: %(answer)s, %(implementation)s (choose from the list: "
                       "%(choices)s) and %(data)s. Do not add, remove, reorder or rename columns or rows.")
             % {"answer": cols["Answer"], "implementation": cols["Implementation"], "data": cols["Data / indicator"],
                "choices": ", ".join(implementation_label(t, k) for k in IMPLEMENTATION)}),
            (t.pgettext("workbook", "Return to"), wording.name(t, (state.names or {}).get("secretariat"), state.secretariat)),
        ]
        used = {r.cluster_id for r, _ in mine if r.cluster_id}
        cl_rows = [(str(c.id), cluster_label(t, theme=c.theme, label=c.label, written_in=state.language,
                                             taxonomy=taxonomy),
                    str(sum(1 for r in recs if r.cluster_id == c.id)), ", ".join(mechs.get(c.id, ())))
                   for c in sorted((clusters[i] for i in used if i in clusters), key=lambda c: c.id)]  # type: ignore[arg-type,union-attr]
        cal_rows = [(r.due_text, r.title, r.owed_by) for r in cycle_rows(session=session, cycle=cycle,
                                                                         today=now.date(), t=t)]
        data = write_request(RequestSheet(token=token, cycle_key=cycle.key, institution_key=inst.key, about=about,
                                          rows=rows, calendar=cal_rows, clusters=cl_rows, generated_at=at,
                                          lang=t.tag))
        name = f"request-{cycle.id}-{cycle.mechanism}-{inst.key}.xlsx"
        path = out_dir / name if out_dir is not None else None
        if path is not None:
            path.write_bytes(data)
        if not reused:
            session.add(InputRequest(cycle_id=cycle.id, institution_id=inst.id, token=token, recommendation_ids=ids,
                                     file_name=name, at=now, actor=actor))
        result.sent.append(Sent(inst.key, path, len(rows), reused, name=name, data=data, language=t.tag))
    session.flush()
    return result


def _role(who: Responsible | None, inst: Institution) -> str:
    if who is None:
        return ""
    if who.lead is not None and who.lead.id == inst.id:
        return "lead"
    if any(i.id == inst.id for i in who.supporting):
        return "supporting"
    return ""


@dataclass
class ImportedInputs:
    cycle: Cycle
    institution: Institution
    rows: int
    answered: int
    recorded: int
    milestone_done: str | None
    note: str


def import_workbook(*, session: Session, state: State, data: bytes, file_name: str, now: datetime,
                    actor: str) -> ImportedInputs:
    returned = read_returned(data, file=file_name)
    problems = list(returned.problems)
    if problems and not returned.token:
        raise NmrfError(problems)
    req = session.exec(select(InputRequest).where(InputRequest.token == returned.token)).first()
    if req is None:
        raise NmrfError([*problems, Problem("this workbook's request is unknown to this database (was it sent from "
                                            "another one?)", file=file_name)])
    if problems and not returned.rows:
        raise NmrfError(problems)  # the columns were changed: the rows cannot be read
    cycle = session.get(Cycle, req.cycle_id)
    inst = session.get(Institution, req.institution_id)
    assert cycle is not None and inst is not None
    if cycle.state_id != state.id:
        raise NmrfError(f"{file_name}: this workbook belongs to another State's cycle")
    if returned.institution_key != inst.key or returned.cycle_key != cycle.key:
        problems.append(Problem(f"sheet nmrf was edited: it names {returned.institution_key!r} / "
                                f"{returned.cycle_key!r}, the request was for {inst.key!r} / {cycle.key!r}",
                                file=file_name))
    recs = {r.id: r for r in session.exec(select(Recommendation).where(
        Recommendation.id.in_(req.recommendation_ids)))}  # type: ignore[union-attr]
    seen: dict[int, int] = {}
    for row in returned.rows:
        if row.ref in seen:
            problems.append(Problem(f"recommendation {row.ref} appears twice (rows {seen[row.ref]} and {row.row})",
                                    file=file_name, field=f"Recommendations!A{row.row}"))
            continue
        seen[row.ref] = row.row
        if row.ref not in recs:
            problems.append(Problem(f"recommendation {row.ref} was not asked of {inst.key} (a row was added)",
                                    file=file_name, field=f"Recommendations!A{row.row}"))
            continue
        if " ".join(row.text.split()) != " ".join(recs[row.ref].text.split()):
            problems.append(Problem("the recommendation's text was changed; fill in the answer columns only",
                                    file=file_name, field=f"Recommendations!G{row.row}"))
    missing = [i for i in req.recommendation_ids if i not in seen]
    if missing:
        problems.append(Problem(f"{len(missing)} row(s) missing: recommendation(s) "
                                f"{', '.join(str(i) for i in missing[:20])}{' ...' if len(missing) > 20 else ''} "
                                "(every row sent must come back, answered or not)", file=file_name))
    if problems:
        raise NmrfError(problems)
    digest = hashlib.sha256(data).hexdigest()
    latest: dict[int, InputAnswer] = {}
    for a in session.exec(select(InputAnswer).where(InputAnswer.cycle_id == cycle.id,
                                                    InputAnswer.institution_id == inst.id).order_by(InputAnswer.id)):
        latest[a.recommendation_id] = a
    recorded = answered = 0
    for row in returned.rows:
        if not row.answer:
            continue
        answered += 1
        prev = latest.get(row.ref)
        if prev and (prev.answer, prev.implementation, prev.data) == (row.answer, row.implementation, row.data):
            continue  # the same answer again: nothing new
        session.add(InputAnswer(cycle_id=cycle.id, institution_id=inst.id, recommendation_id=row.ref,
                                request_id=req.id, answer=row.answer, implementation=row.implementation,  # type: ignore[arg-type]
                                data=row.data, workbook_sha256=digest, workbook_row=row.row, at=now, actor=actor))
        recorded += 1
    session.flush()
    m = input_milestones(session=session, cycle=cycle).get(inst.id)  # type: ignore[arg-type]
    done = None
    note = ""
    if m is None:
        note = f"cycle {cycle.id} has no input milestone for {inst.key}"
    elif answered < len(returned.rows):
        note = f"{len(returned.rows) - answered} row(s) unanswered: {m.key} stays {m.status}"
    elif m.is_closed:
        note = f"{m.key} was already {m.status}"
    else:
        record_action(session=session, cycle=cycle, key=m.key, kind="done", now=now, actor=actor,
                      note=f"workbook {Path(file_name).name}: {answered} answer(s)",
                      data={"workbook_sha256": digest, "answers": answered})
        done = m.key
    return ImportedInputs(cycle=cycle, institution=inst, rows=len(returned.rows), answered=answered,
                          recorded=recorded, milestone_done=done, note=note)


def latest_answers(*, session: Session, cycle: Cycle) -> dict[tuple[int, int], InputAnswer]:
    """(recommendation id, institution id) -> the latest answer in this cycle."""
    out: dict[tuple[int, int], InputAnswer] = {}
    for a in session.exec(select(InputAnswer).where(InputAnswer.cycle_id == cycle.id).order_by(InputAnswer.id)):
        out[(a.recommendation_id, a.institution_id)] = a
    return out
