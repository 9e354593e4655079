"""Read models for people: a cycle's plan as rows, with owners, status and lateness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from nmrf.domain import wording
from nmrf.domain.i18n import N_, Translator, translator
from nmrf.domain.progress import days_late
from nmrf.models import Acknowledgement, Cycle, Institution, Milestone, Person, RoleAssignment
from nmrf.services.cycles import milestones_of
from nmrf.services.people import NMRF_WIDE_ROLES


@dataclass(frozen=True)
class PlanRow:
    key: str
    title: str
    due: date | None
    due_text: str
    owed_by: str
    status: str
    status_text: str
    state_word: str  # planned | open | late | done | waived | cancelled
    basis: str
    days_late: int
    # The latest acknowledgement's promise for the current deadline, and who made it.
    promised_by: date | None = None
    promised_by_whom: str = ""


def cycle_rows(*, session: Session, cycle: Cycle, today: date, t: Translator | None = None) -> list[PlanRow]:
    """The plan's rows, in `t`'s language (English without one)."""
    t = t or translator("en")
    ms = milestones_of(session=session, cycle=cycle)
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == cycle.state_id))}
    holders: dict[tuple[str, int | None], list[str]] = {}
    for role, inst_id, name in session.exec(
            select(RoleAssignment.role, RoleAssignment.institution_id, Person.name)
            .join(Person, Person.id == RoleAssignment.person_id)
            .where(Person.state_id == cycle.state_id, Person.active).order_by(Person.name)):
        holders.setdefault((role, inst_id), []).append(name)
        holders.setdefault((role, None), []).append(name)
    promises = latest_promises(session=session, milestones=ms)
    return [_row(m, insts, holders, today, t, promises.get(m.id)) for m in ms]


def latest_promises(*, session: Session, milestones: list[Milestone]) -> dict[int, tuple[date, str]]:
    """Milestone id -> (promised date, who promised) of the latest acknowledgement that promised a date for
    the milestone's current deadline (one given before a re-dating no longer holds)."""
    open_ = {m.id: m for m in milestones if m.status in ("planned", "open") and m.due_date is not None}
    if not open_:
        return {}
    out: dict[int, tuple[date, str]] = {}
    q = (select(Acknowledgement.milestone_id, Acknowledgement.due_date, Acknowledgement.promised_by,
                Acknowledgement.actor)
         .where(Acknowledgement.milestone_id.in_(list(open_)),  # type: ignore[attr-defined]
                Acknowledgement.promised_by.is_not(None))  # type: ignore[union-attr]
         .order_by(Acknowledgement.at, Acknowledgement.id))
    for mid, due, promised, actor in session.exec(q):
        if due == open_[mid].due_date:
            out[mid] = (promised, actor)
    return out


STATUS_WORDS = {"planned": N_("planned"), "open": N_("open"), "done": N_("done"), "waived": N_("waived"),
                "cancelled": N_("cancelled")}


def _row(m: Milestone, insts: dict[int, Institution], holders: dict, today: date, t: Translator,
         promise: tuple[date, str] | None = None) -> PlanRow:
    status = t.gettext(STATUS_WORDS[m.status]) if m.status in STATUS_WORDS else m.status
    inst = insts.get(m.institution_id) if m.institution_id else None
    if m.owner_role in NMRF_WIDE_ROLES or inst is None:
        names = holders.get((m.owner_role, None), [])
    else:
        names = holders.get((m.owner_role, inst.id), [])
    who = ", ".join(dict.fromkeys(names)) or "-"
    owed_by = f"{inst.key}: {who}" if inst else who
    late = days_late(m.due_date, today) if m.status in ("planned", "open") and m.completion == "person" else 0
    if m.status in ("done", "waived", "cancelled"):
        word = m.status
        text = f"{status} {m.completed_at:%Y-%m-%d}" if m.completed_at else status
        if m.status == "done" and m.completed_actor and m.completion == "person":
            text += f" ({m.completed_actor})"
    elif late and m.track:
        word, text = "late", t.gettext("LATE %(num)s day(s)") % {"num": late}
        if promise is not None:
            # A promise is shown wherever lateness is: the reader sees it is acknowledged, and till when.
            text = (t.gettext("LATE %(num)s day(s); promised by %(date)s (%(by)s)") if promise[0] >= today else
                    t.gettext("LATE %(num)s day(s); promised by %(date)s (%(by)s): broken")) % {
                "num": late, "date": promise[0].isoformat(), "by": promise[1]}
    else:
        word, text = m.status, status
    if m.starts_at and m.timezone:
        local = m.starts_at.astimezone(ZoneInfo(m.timezone))
        due_text = f"{local:%Y-%m-%d %H:%M} {m.timezone}"
    else:
        due_text = m.due_date.isoformat() if m.due_date else t.gettext("to be set")
    if m.official_date:
        basis = t.pgettext("date basis", "official")
    elif m.side == "un":
        basis = t.pgettext("date basis", "rule") if m.verified else t.pgettext("date basis", "rule (unverified)")
    else:
        basis = t.pgettext("date basis", "internal") if m.verified else t.pgettext("date basis",
                                                                                 "internal (unverified)")
    return PlanRow(key=m.key, title=wording.title(t, m.title), due=m.due_date, due_text=due_text, owed_by=owed_by,
                   status=m.status, status_text=text, state_word=word, basis=basis, days_late=late,
                   promised_by=promise[0] if promise else None, promised_by_whom=promise[1] if promise else "")


EVENT_WORDS = {"opened": N_("opened"), "completed": N_("completed"), "took_place": N_("took place"),
               "launched_alongside": N_("launched alongside")}


def describe_events(events: list[dict], t: Translator | None = None) -> list[str]:
    """What the flows did, one line per kind of step: nine inputs opening make one line (in `t`'s language,
    English without one)."""
    t = t or translator("en")
    _ = t.gettext
    groups: dict[tuple[str, str], list[dict]] = {}
    for e in events:
        key = e.get("key") or ""
        groups.setdefault((e["kind"], key.split(":")[0]), []).append(e)
    lines = []
    for (kind, base), items in groups.items():
        first = items[0]
        insts = [i["key"].split(":", 1)[1] for i in items if ":" in (i.get("key") or "")]
        title = wording.title(t, first.get("title") or "")
        if kind == "missed":
            what = f"{base}{(': ' + ', '.join(insts)) if insts else ''}"
            lines.append(_("LATE %(what)s (due %(due)s, %(num)s day(s) late)") % {
                "what": what, "due": first["due"], "num": first["days_late"]})
        elif kind == "request_sent":
            lines.append(_("request for information sent to %(institutions)s") % {
                "institutions": ", ".join(first.get("institutions", []))})
        elif kind == "follow_up_launched":
            lines.append(_("follow-up cycle #%(id)s launched: %(title)s") % {"id": first["child_cycle"],
                                                                             "title": first["title"]})
        elif kind == "cycle_completed":
            lines.append(_("cycle completed: %(title)s") % {"title": first["title"]})
        else:
            word = _(EVENT_WORDS[kind]) if kind in EVENT_WORDS else kind.replace("_", " ")
            if insts:
                lines.append(_("%(event)s: %(title)s [%(key)s] for %(num)s institution(s): %(institutions)s") % {
                    "event": word, "title": title, "key": base, "num": len(insts), "institutions": ", ".join(insts)})
            else:
                lines.append(_("%(event)s: %(title)s [%(key)s]") % {"event": word, "title": title, "key": base})
    return lines
