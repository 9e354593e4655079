"""Recommendations in the database: import (all or nothing, idempotent), look-up, priority factors.

An import reads and checks the whole file before writing anything; new
recommendations are inserted in one transaction (a Core bulk insert: the import
itself is one audited row), a recommendation already present is left alone
unless the source changed what it says about it (then the change is applied
through the ORM, so the audit history shows it). Importing the same file twice
changes nothing and leaves no trace.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from nmrf.domain.clock import today_in
from nmrf.domain.recommendation_files import FORMATS, ParsedFile, SourceRecommendation, parse
from nmrf.domain.taxonomy import load_taxonomy, state_alias_keys, theme_alias_table
from nmrf.errors import NmrfError, Problem
from nmrf.models import Cluster, Recommendation, RecommendationImport, State
from nmrf.services.people import get_state

Progress = Callable[[int, int], None]
CHUNK = 500
INSERT_CHUNK = 2000

# Fields an import writes (and compares on re-import); everything else is the secretariat's.
SOURCE_FIELDS = ("state_code", "source", "kind", "mechanism", "body", "body_known", "document", "paragraph", "session",
                 "article", "adopted_on", "text", "source_themes", "themes", "unmapped_themes", "theme_basis", "sdgs",
                 "inferred_sdgs", "affected_persons", "response", "position", "action_category", "urgent_flag",
                 "confidential", "raw")


@dataclass
class ImportResult:
    file_name: str
    parsed: ParsedFile
    kept: int = 0
    created: int = 0
    updated: list[str] = field(default_factory=list)
    linked: int = 0
    unchanged: int = 0
    other_states: Counter[str] = field(default_factory=Counter)
    import_id: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.linked)


def _values(rec: SourceRecommendation) -> dict[str, Any]:
    return {
        "state_code": rec.state_code, "source": rec.source, "kind": rec.kind, "mechanism": rec.mechanism,
        "body": rec.body, "body_known": rec.body_known, "document": rec.document, "paragraph": rec.paragraph, "session": rec.session,
        "article": rec.article, "adopted_on": rec.adopted_on, "text": rec.text,
        "source_themes": list(rec.source_themes), "themes": list(rec.themes),
        "unmapped_themes": list(rec.unmapped_themes), "theme_basis": rec.theme_basis,
        "sdgs": list(rec.sdgs), "inferred_sdgs": list(rec.inferred_sdgs), "affected_persons": list(rec.affected_persons), "response": rec.response,
        "position": rec.position, "action_category": rec.action_category, "urgent_flag": rec.urgent_flag,
        "confidential": rec.confidential, "raw": dict(rec.raw),
    }


def digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def import_recommendations(
    *,
    session: Session,
    data: bytes,
    file_name: str,
    fmt: str,
    now: datetime,
    actor: str,
    states: Sequence[State] | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a file's recommendations for the given States (every State when None).

    Raises NmrfError, writing nothing, when any row of the file is wrong.
    """
    from nmrf.documents.files import MAX_IMPORT_BYTES

    if len(data) > MAX_IMPORT_BYTES:
        raise NmrfError([Problem(f"the file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB", file=file_name)])
    if fmt not in FORMATS:
        raise NmrfError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    taxonomy = load_taxonomy()
    state_aliases, theme_aliases = profile_aliases(session=session, states=states)
    parsed = parse(data, fmt=fmt, file=file_name, taxonomy=taxonomy, encoding=encoding,
                   state_aliases=state_aliases, theme_aliases=theme_aliases)
    if parsed.problems:
        problems = list(parsed.problems)
        if len(problems) >= 50:
            problems.append(Problem("stopped after 50 problems; fix these and run again", file=file_name))
        raise NmrfError(problems)
    result = ImportResult(file_name=file_name, parsed=parsed)
    known = {s.code: s.id for s in session.exec(select(State))}
    wanted = None if states is None else {s.code for s in states}
    rows = []
    for rec in parsed.rows:
        if wanted is None or rec.state_code in wanted:
            rows.append(rec)
        else:
            result.other_states[rec.state_code] += 1
    result.kept = len(rows)
    if not rows:
        names = ", ".join(sorted(wanted or ()))
        covered = sorted({r.state_code for r in parsed.rows})
        raise NmrfError(f"{file_name}: no recommendation for {names}; the file covers {len(covered)} State(s): "
                        f"{', '.join(covered[:20])}{' ...' if len(covered) > 20 else ''} "
                        "(--state CODE, or --all-states to keep every row)")
    total = len(rows)
    if progress:
        progress(0, total)
    # Only the identity, the digest and the link are read back: a re-import of an
    # unchanged file loads no recommendation.
    existing: dict[str, tuple[int, str, int | None]] = {}
    uids = [r.uid for r in rows]
    for i in range(0, len(uids), CHUNK):
        for uid, rid, dig, sid in session.exec(select(Recommendation.uid, Recommendation.id, Recommendation.source_digest,
                                                      Recommendation.state_id)
                                               .where(Recommendation.uid.in_(uids[i:i + CHUNK]))):  # type: ignore[attr-defined]
            existing[uid] = (rid, dig, sid)
    new_rows: list[dict[str, Any]] = []
    for rec in rows:
        values = _values(rec)
        dig = digest(values)
        found = existing.get(rec.uid)
        if found is None:
            new_rows.append(values | {"uid": rec.uid, "state_id": known.get(rec.state_code), "source_digest": dig,
                                      "source_line": rec.line, "created_at": now, "updated_at": now})
            continue
        rid, old_dig, sid = found
        if old_dig == dig and (sid is not None or not known.get(rec.state_code)):
            result.unchanged += 1
            continue
        obj = session.get(Recommendation, rid)
        assert obj is not None
        diffs = [k for k, v in values.items() if getattr(obj, k) != v]
        if diffs:
            for k in diffs:
                setattr(obj, k, values[k])
            obj.source_digest, obj.updated_at = dig, now
            result.updated.append(f"line {rec.line}: {', '.join(diffs)} changed ({rec.uid[:8]})")
        if obj.state_id is None and known.get(rec.state_code):
            obj.state_id = known[rec.state_code]
            result.linked += 1
        if not diffs:
            result.unchanged += 1
    result.created = len(new_rows)
    if not result.changed:
        if progress:
            progress(total, total)
        return result
    scope = "all States" if wanted is None else ", ".join(sorted(wanted))
    imp = RecommendationImport(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), format=fmt,
                               encoding=parsed.encoding, rows_in_file=len(parsed.rows), created=result.created,
                               updated=len(result.updated), scope=scope, at=now, actor=actor)
    session.add(imp)
    session.flush()
    result.import_id = imp.id
    done = total - len(new_rows)
    table = Recommendation.__table__
    for i in range(0, len(new_rows), INSERT_CHUNK):
        batch = new_rows[i:i + INSERT_CHUNK]
        for r in batch:
            r["import_id"] = imp.id
        session.execute(insert(table), batch)
        done += len(batch)
        if progress:
            progress(done, total)
    session.flush()
    if progress:
        progress(total, total)
    return result


def profile_aliases(*, session: Session, states: Sequence[State] | None = None
                    ) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """The spellings the States' profiles add (every State in the database when None)."""
    taxonomy = load_taxonomy()
    state_keys: dict[str, str] = {}
    themes: dict[str, tuple[str, ...]] = {}
    for st in (states if states is not None else session.exec(select(State).order_by(State.id))):
        aliases = st.recommendation_aliases or {}
        state_keys |= state_alias_keys(aliases.get("states"))
        for key, keys in theme_alias_table(aliases.get("themes"), taxonomy).items():
            themes[key] = tuple(dict.fromkeys((*themes.get(key, ()), *keys)))
    return state_keys, themes


def flagged(*, session: Session, state: State | None = None) -> tuple[Counter[str], Counter[str]]:
    """What imports kept but could not place: unknown recommending States/bodies and unmapped themes (rows each)."""
    q = select(Recommendation.body, Recommendation.body_known, Recommendation.unmapped_themes)
    if state is not None:
        q = q.where(Recommendation.state_id == state.id)
    bodies: Counter[str] = Counter()
    themes: Counter[str] = Counter()
    for body, known, unmapped in session.exec(q):
        if not known:
            bodies[body] += 1
        themes.update(unmapped or [])
    return bodies, themes


# ---------------------------------------------------------------- reading

def recommendations_of(*, session: Session, state: State, mechanism: str | None = None,
                       include_confidential: bool = True) -> list[Recommendation]:
    q = select(Recommendation).where(Recommendation.state_id == state.id)
    if mechanism:
        q = q.where(Recommendation.mechanism == mechanism)
    if not include_confidential:
        q = q.where(Recommendation.confidential.is_(False))  # type: ignore[attr-defined]
    return list(session.exec(q.order_by(Recommendation.id)))


def get_recommendation(*, session: Session, state: State, ref: str | int) -> Recommendation:
    """A recommendation by number or by (a prefix of) its uid."""
    text = str(ref).strip()
    q = select(Recommendation).where(Recommendation.state_id == state.id)
    rec = None
    if text.isdigit():
        rec = session.exec(q.where(Recommendation.id == int(text))).first()
    if rec is None and len(text) >= 6:
        hits = list(session.exec(q.where(Recommendation.uid.startswith(text.lower())).limit(2)))  # type: ignore[attr-defined]
        if len(hits) == 2:
            raise NmrfError(f"{text!r} matches several recommendations: give more of the uid")
        rec = hits[0] if hits else None
    if rec is None:
        raise NmrfError(f"no recommendation {ref!r} for {state.code}: `nmrf recommendations list` shows them")
    return rec


def get_cluster(*, session: Session, state: State, ref: str | int) -> Cluster:
    text = str(ref).strip()
    q = select(Cluster).where(Cluster.state_id == state.id)
    cl = session.exec(q.where(Cluster.id == int(text))).first() if text.isdigit() else None
    if cl is None:
        cl = session.exec(q.where(Cluster.key == text)).first()
    if cl is None:
        raise NmrfError(f"no cluster {ref!r} for {state.code}: `nmrf recommendations clusters` lists them")
    return cl


# ---------------------------------------------------------------- priority factors

FACTORS = ("no_budget", "national_priority", "disadvantaged_groups")


def record_factors(*, session: Session, recs: Iterable[Recommendation], values: dict[str, bool | None],
                   note: str, now: datetime, actor: str) -> int:
    """Record the secretariat's factors (c)-(e); returns how many recommendations changed."""
    unknown = [k for k in values if k not in FACTORS]
    if unknown:
        raise NmrfError(f"unknown factor(s) {', '.join(unknown)}; expected {', '.join(FACTORS)}")
    if not values:
        raise NmrfError("say which factor: --no-budget/--needs-budget, --national-priority/--not-national-priority, "
                        "--disadvantaged/--not-disadvantaged")
    changed = 0
    for rec in recs:
        diff = {k: v for k, v in values.items() if getattr(rec, k) != v}
        if not diff and (not note or note == rec.factors_note):
            continue
        for k, v in diff.items():
            setattr(rec, k, v)
        if note:
            rec.factors_note = note
        rec.factors_by, rec.factors_at, rec.updated_at = actor, now, now
        changed += 1
    session.flush()
    return changed


def state_for_import(*, session: Session, code: str | None) -> State | None:
    """The State whose rows an import keeps by default: the database's (only) State."""
    return get_state(session=session, code=code)


def today_of(now: datetime, state: State) -> date:
    return today_in(state.timezone, now)
