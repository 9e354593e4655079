"""Clusters in the database: compute, keep, explain.

Clustering is per State under review (recommendations to two States are never
one cluster). A recorded cluster keeps its members; `rebuild` recomputes only
the clusters nobody has planned for yet (no responsible institution, no action).
Memberships are written with Core updates: they are computed, not recorded by
a person (a person placing a recommendation by hand goes through the ORM and
the audit history).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from nmrf.domain.cluster_labels import stored_label
from nmrf.domain.similarity import (
    THRESHOLD,
    Item,
    Link,
    cluster_items,
    explain,
    label_phrase,
    main_theme,
    profiles,
    vectorise,
)
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.errors import NmrfError
from nmrf.models import Cluster, FollowUpAction, Recommendation, Responsibility, State


def _reader_language(session: Session, state: State | None, state_id: int | None) -> str:
    if state is not None:
        return state.language
    st = session.get(State, state_id) if state_id is not None else None
    return st.language if st is not None else "en"


@dataclass
class ClusterResult:
    states: int = 0
    recommendations: int = 0
    clusters: int = 0
    created: int = 0
    joined: int = 0
    dissolved: int = 0
    cross_mechanism: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


def _sdgs(own: list[int] | None, inferred: list[int] | None) -> tuple[int, ...]:
    return tuple(sorted({*(own or []), *(inferred or [])}))


def _item(r: Recommendation) -> Item:
    return Item(id=r.id, uid=r.uid, text=r.text, themes=tuple(r.themes), mechanism=r.mechanism,  # type: ignore[arg-type]
                cluster=r.cluster_id, sdgs=_sdgs(r.sdgs, r.inferred_sdgs))


_COLUMNS = (Recommendation.id, Recommendation.uid, Recommendation.text, Recommendation.themes,
            Recommendation.mechanism, Recommendation.cluster_id, Recommendation.state_code, Recommendation.state_id,
            Recommendation.sdgs, Recommendation.inferred_sdgs)


def _items(session: Session, q) -> dict[str, tuple[list[Item], int | None]]:  # type: ignore[no-untyped-def]
    """State code -> its items and NMRF State id (columns only: no ORM objects to keep in sync)."""
    out: dict[str, tuple[list[Item], int | None]] = {}
    for rid, uid, text, themes, mech, cid, code, sid, sdgs, inferred in session.exec(q.order_by(Recommendation.id)):
        items, _ = out.setdefault(code, ([], sid))
        items.append(Item(id=rid, uid=uid, text=text, themes=tuple(themes), mechanism=mech, cluster=cid,
                          sdgs=_sdgs(sdgs, inferred)))
    return out


def planned_cluster_ids(*, session: Session, cluster_ids: Sequence[int]) -> set[int]:
    if not cluster_ids:
        return set()
    ids = list(cluster_ids)
    out = set(session.exec(select(Responsibility.cluster_id).where(Responsibility.cluster_id.in_(ids))).all())  # type: ignore[union-attr]
    out |= set(session.exec(select(FollowUpAction.cluster_id).where(FollowUpAction.cluster_id.in_(ids))).all())  # type: ignore[attr-defined]
    return {i for i in out if i is not None}


def cluster_recommendations(*, session: Session, now: datetime, state: State | None = None,
                            state_codes: Sequence[str] | None = None, rebuild: bool = False,
                            threshold: float = THRESHOLD) -> ClusterResult:
    """Cluster the recommendations of one State (its NMRF) or of the given State codes."""
    taxonomy = load_taxonomy()
    result = ClusterResult()
    q = select(*_COLUMNS)
    if state is not None:
        q = q.where(Recommendation.state_id == state.id)
    elif state_codes:
        q = q.where(Recommendation.state_code.in_(list(state_codes)))  # type: ignore[attr-defined]
    groups = _items(session, q)
    if not groups:
        raise NmrfError("no recommendations to cluster: import some first (`nmrf recommendations import`)")
    table = Recommendation.__table__
    for code, (items, state_id) in sorted(groups.items()):
        clusters = {c.id: c for c in session.exec(select(Cluster).where(Cluster.state_code == code))}
        if rebuild:
            keep = planned_cluster_ids(session=session, cluster_ids=list(clusters))
            for cid in [c for c in clusters if c not in keep]:
                session.execute(update(table).where(table.c.cluster_id == cid).values(cluster_id=None, cluster_basis=""))
                session.delete(clusters.pop(cid))
                result.dissolved += 1
            session.flush()
            items = [Item(it.id, it.uid, it.text, it.themes, it.mechanism,
                          it.cluster if it.cluster in clusters else None, it.sdgs) for it in items]
        by_id = {it.id: it for it in items}
        vectors = vectorise(items)
        profs = profiles(items)
        language = _reader_language(session, state, state_id)
        n_clusters = 0
        for members in cluster_items(items, threshold=threshold, vectors=vectors, profs=profs):
            its = [by_id[i] for i in members]
            recorded = next((it.cluster for it in its if it.cluster is not None), None)
            theme = main_theme(its, taxonomy)
            # Its theme and a short phrase in the reader's language (the State's language).
            label = stored_label(taxonomy.themes[theme].name, label_phrase(its, profs, vectors, language))
            if recorded is None:
                cl = Cluster(state_code=code, state_id=state_id, key=min(it.uid for it in its), theme=theme,
                             label=label, created_at=now, updated_at=now)
                session.add(cl)
                session.flush()
                result.created += 1
            else:
                cl = clusters[recorded]
                if (cl.theme, cl.label) != (theme, label):
                    cl.theme, cl.label, cl.updated_at = theme, label, now
            new = [it.id for it in its if it.cluster != cl.id]
            if new:
                session.execute(update(table).where(table.c.id.in_(new)).values(cluster_id=cl.id,
                                                                                 cluster_basis="computed"))
                if recorded is not None:
                    result.joined += len(new)
            n_clusters += 1
            if len({it.mechanism for it in its}) > 1:
                result.cross_mechanism += 1
        result.states += 1
        result.recommendations += len(items)
        result.clusters += n_clusters
        result.by_state[code] = n_clusters
    session.flush()
    # The memberships were written beside the ORM: recommendations loaded in this session re-read them.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Recommendation):
            session.expire(obj, ["cluster_id", "cluster_basis"])
    return result


# ---------------------------------------------------------------- explaining

def _state_items(session: Session, rec: Recommendation) -> list[Item]:
    q = select(Recommendation).where(Recommendation.state_code == rec.state_code)
    return [_item(r) for r in session.exec(q.order_by(Recommendation.id))]


def why(*, session: Session, a: Recommendation, b: Recommendation) -> Link:
    """Why two recommendations share (or do not share) a cluster: the words and themes they share."""
    if a.state_code != b.state_code:
        raise NmrfError("these recommendations are addressed to different States: never one cluster")
    items = _state_items(session, a)
    vectors = vectorise(items)
    by_id = {it.id: it for it in items}
    return explain(by_id[a.id], by_id[b.id], vectors, profs=profiles([by_id[a.id], by_id[b.id]]))  # type: ignore[index]


def cluster_explanation(*, session: Session, cluster: Cluster) -> list[tuple[Recommendation, Link | None]]:
    """Each member with its strongest link inside the cluster (None for a cluster of one)."""
    members = list(session.exec(select(Recommendation).where(Recommendation.cluster_id == cluster.id)
                                .order_by(Recommendation.id)))
    if len(members) < 2:
        return [(m, None) for m in members]
    items = _state_items(session, members[0])
    vectors = vectorise(items)
    by_id = {it.id: it for it in items}
    profs = profiles([by_id[m.id] for m in members])  # type: ignore[index]
    out = []
    for m in members:
        links = [explain(by_id[m.id], by_id[o.id], vectors, profs=profs) for o in members if o.id != m.id]  # type: ignore[index]
        out.append((m, max(links, key=lambda lk: (lk.linked, lk.score + lk.signal_score))))
    return out


def cluster_mechanisms(*, session: Session, state: State) -> dict[int, tuple[str, ...]]:
    """cluster id -> the mechanisms of its members."""
    out: dict[int, set[str]] = defaultdict(set)
    for cid, mech in session.exec(select(Recommendation.cluster_id, Recommendation.mechanism)
                                  .where(Recommendation.state_id == state.id)):
        if cid is not None:
            out[cid].add(mech)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def place(*, session: Session, rec: Recommendation, cluster: Cluster, now: datetime, actor: str) -> None:
    """A person moves a recommendation into a cluster (kept by every later clustering)."""
    if cluster.state_code != rec.state_code:
        raise NmrfError("that cluster holds recommendations to another State")
    rec.cluster_id, rec.cluster_basis, rec.updated_at = cluster.id, f"placed by {actor}"[:200], now
    session.flush()
