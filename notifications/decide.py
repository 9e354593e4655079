"""What to send, to whom, and when: a pure function of the deadlines, the policies,
the people and `now`.

For each open deadline a person owes, its chain (reminders before the date,
escalation levels after it) is laid out in days from the policy version the chain
started with; every step whose day has come on the recipient's own calendar is an
`Intent` with a key (item, step, recipient). The outbox makes each key happen
once, so deciding again, as often as anyone likes, sends nothing twice.

Acknowledgements hold the levels not yet reached until the promised day; if the
item is still open after that day the chain resumes (never earlier than it would
have without the acknowledgement) and the person who promised is told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from nmrf.domain.dates import WorkCalendar
from nmrf.domain.i18n import N_, Said
from nmrf.domain.policy import OWNER, EscalationPolicy, Policy, ReminderLadder
from nmrf.domain.clock import today_in
from nmrf.notifications.timing import window_of

# Roles held for the whole NMRF rather than for one institution (as in services.people).
NMRF_WIDE_ROLES = frozenset({"secretariat", "head_of_secretariat", "nhri_contact", "cso_contact"})
ONE_DAY = timedelta(days=1)
ANYWHERE = -1  # holders of a per-institution role, whatever the institution


class Item(NamedTuple):
    """An open deadline a person owes (a Milestone with completion "person" and track on)."""

    milestone_id: int
    state_id: int
    cycle_id: int
    sequence: int
    stage: str
    owner_role: str | None
    institution_id: int | None
    due_date: date
    confidential: bool = False


class Chain(NamedTuple):
    milestone_id: int
    sequence: int
    due_date: date
    policy_id: int
    started_at: datetime


class Ack(NamedTuple):
    id: int
    milestone_id: int
    sequence: int
    person_id: int | None
    at: datetime
    promised_by: date | None


class Recipient(NamedTuple):
    id: int
    state_id: int
    key: str
    name: str
    institution_id: int | None
    timezone: str
    language: str
    quiet_hours: str | None  # the person's own, or the State's
    has_address: bool = True


@dataclass
class Directory:
    """Who holds which role where; who may see a confidential cycle."""

    people: dict[int, Recipient]
    # (state_id, role, institution_id) -> person ids; NMRF-wide roles use institution None,
    # ANYWHERE collects a per-institution role's holders across institutions.
    holders: dict[tuple[int, str, int | None], tuple[int, ...]]
    members: dict[int, frozenset[int]] = field(default_factory=dict)  # cycle id -> person ids
    # cycle id -> the people taken off it: whatever roles they hold, nothing of that cycle reaches them.
    departed: dict[int, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, people: Iterable[Recipient], roles: Iterable[tuple[int, str, int | None]],
              members: Mapping[int, Iterable[int]] | None = None,
              departed: Mapping[int, Iterable[int]] | None = None) -> Directory:
        by_id = {p.id: p for p in people}
        holders: dict[tuple[int, str, int | None], set[int]] = {}
        for person_id, role, inst_id in roles:
            p = by_id.get(person_id)
            if p is None:
                continue
            keys = [(p.state_id, role, None if role in NMRF_WIDE_ROLES else inst_id)]
            if role not in NMRF_WIDE_ROLES:
                keys.append((p.state_id, role, ANYWHERE))
            for key in keys:
                if key in holders:
                    holders[key].add(person_id)
                else:
                    holders[key] = {person_id}
        return cls(people=by_id, holders={k: tuple(sorted(v)) for k, v in holders.items()},
                   members={c: frozenset(m) for c, m in (members or {}).items()},
                   departed={c: frozenset(m) for c, m in (departed or {}).items()})

    def role_holders(self, state_id: int, role: str, institution_id: int | None) -> tuple[int, ...]:
        if role in NMRF_WIDE_ROLES:
            return self.holders.get((state_id, role, None), ())
        return self.holders.get((state_id, role, institution_id), ())

    def owners(self, item: Item) -> tuple[int, ...]:
        """As services.people.owners: the role's holders at the item's institution, or
        anywhere in the NMRF when the item has none."""
        if item.owner_role is None:
            return ()
        if item.institution_id is None and item.owner_role not in NMRF_WIDE_ROLES:
            return self.holders.get((item.state_id, item.owner_role, ANYWHERE), ())
        return self.role_holders(item.state_id, item.owner_role, item.institution_id)

    def resolve(self, target: str, item: Item) -> tuple[int, ...]:
        """Who a target means for this item. A per-institution role (head_of_unit, minister)
        is the one at the item's institution, or at its owners' when it has none."""
        if target == OWNER:
            return self.owners(item)
        if target.startswith("person:"):
            key = target.removeprefix("person:")
            return tuple(p.id for p in self.people.values() if p.key == key and p.state_id == item.state_id)
        if target in NMRF_WIDE_ROLES:
            return self.role_holders(item.state_id, target, None)
        if item.institution_id is not None:
            return self.role_holders(item.state_id, target, item.institution_id)
        insts = {self.people[o].institution_id for o in self.owners(item) if o in self.people}
        return tuple(sorted({pid for i in insts for pid in self.role_holders(item.state_id, target, i)}))


@dataclass(frozen=True)
class Intent:
    dedup_key: str
    kind: str  # reminder | escalation | lapse
    step: str  # r14d, overdue#0, lapse12
    item: Item
    chain_sequence: int
    policy_id: int
    person_id: int
    reason: str  # the target that reached this person: owner, head_of_unit, ...
    fire_day: date  # the recipient's local day it is due
    urgent: bool = False  # never in a digest
    through_quiet_hours: bool = False
    early: bool = False  # not due yet: goes out now only inside a digest
    level: int | None = None  # 1-based escalation level
    levels: int | None = None
    level_name: str | None = None
    ack_id: int | None = None  # the acknowledgement this step follows (a lapse, a resumed level)
    # The other roles this person holds for the item (owner and minister at once): one message says all.
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unresolved:
    milestone_id: int
    step: str
    target: str
    # nobody holds it | nobody left in the cycle holds it | no address | not a member of the confidential cycle:
    # a sentence of ours (its English text), said in the reader's language where it is shown (nmrf sweep).
    why: Said


@dataclass
class Decision:
    intents: list[Intent] = field(default_factory=list)
    # Chains to record (milestone id, sequence, due date, policy id) when one of their steps is created.
    new_chains: dict[int, tuple[int, int, date, int]] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)


# ---------------------------------------------------------------- schedules

@lru_cache(maxsize=65536)
def reminder_days(ladder: ReminderLadder, due: date, cal: WorkCalendar) -> tuple[tuple[str, date], ...]:
    """(step, day) for each reminder, in the order of their days."""
    days = [(f"r{d.label}", d.before(cal, due)) for d in ladder.before]
    return tuple(sorted(days, key=lambda s: s[1]))


@lru_cache(maxsize=65536)
def level_days(esc: EscalationPolicy, due: date, cal: WorkCalendar) -> tuple[tuple[str, int, date], ...]:
    """(step, level index, day) for each level and repeat, in order."""
    out = []
    prev = due
    for i, level in enumerate(esc.levels):
        day = level.after.after(cal, prev if esc.counts_from == "previous" else due)
        out.append((f"{level.name}#0", i, day))
        if level.repeat:
            again = day
            for r in range(1, level.repeat.times + 1):
                again = level.repeat.every.after(cal, again)
                out.append((f"{level.name}#{r}", i, again))
        prev = day
    return tuple(out)


def working_days_between(cal: WorkCalendar, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    n, day = 0, start
    while day < end:
        day = cal.add_working_days(day, 1)
        if day <= end:
            n += 1
    return n


def current_chain(item: Item, chains: Sequence[Chain], reopened_at: datetime | None) -> Chain | None:
    """The running chain of this item, or None when a new one starts.

    Keyed by (milestone, sequence); a later sequence that kept the same due date (a
    change of wording, not of date) continues the chain, unless the item was reopened.
    """
    exact = [c for c in chains if c.sequence == item.sequence]
    if exact:
        return exact[0]
    earlier = [c for c in chains if c.sequence < item.sequence]
    if not earlier:
        return None
    latest = max(earlier, key=lambda c: c.sequence)
    if latest.due_date == item.due_date and (reopened_at is None or reopened_at <= latest.started_at):
        return latest
    return None


@dataclass
class _Schedule:
    days: dict[str, date]  # step -> day
    lapses: list[tuple[Ack, date, bool]]  # (acknowledgement, day it lapses, levels still ahead)
    resumed_by: dict[str, int]  # step -> the acknowledgement that moved it


def _escalation_schedule(esc: EscalationPolicy, item: Item, cal: WorkCalendar, acks: Sequence[Ack],
                         ack_days: Mapping[int, date], holds_for) -> _Schedule:
    """The levels' days, moved by acknowledgements: a level not reached when someone
    acknowledged waits until the working day after the promise (keeping its distance
    to the next levels), and never comes earlier than without the acknowledgement."""
    base = level_days(esc, item.due_date, cal)
    base_day = {step: day for step, _, day in base}
    holdable = {step for step, i, _ in base if esc.levels[i].held_by_acknowledgement}
    out = _Schedule(days=dict(base_day), lapses=[], resumed_by={})
    for ack in sorted(acks, key=lambda a: (a.at, a.id)):
        ack_day = ack_days[ack.id]
        hold = ack.promised_by or holds_for.after(cal, ack_day)
        pending = [s for s, _, _ in base if s in holdable and out.days[s] > ack_day]
        lapse_day = cal.add_working_days(hold, 1)
        out.lapses.append((ack, lapse_day, bool(pending)))
        if pending:
            first = base_day[pending[0]]
            for s in pending:
                resumed = cal.add_working_days(lapse_day, working_days_between(cal, first, base_day[s]))
                out.days[s] = max(base_day[s], resumed)
                out.resumed_by[s] = ack.id
    return out


def decide(
    items: Iterable[Item],
    *,
    chains: Mapping[int, Sequence[Chain]],
    acks: Mapping[int, Sequence[Ack]],
    reopened: Mapping[int, datetime],
    policies: Mapping[int, Policy],
    current_policy: Mapping[int, int],
    directory: Directory,
    calendars: Mapping[int, WorkCalendar],
    state_zones: Mapping[int, str],
    now: datetime,
) -> Decision:
    """Every step due by `now` (and, for digests, the reminders coming up within the
    recipient's digest window, marked early)."""
    decision = Decision()
    unresolved: set[Unresolved] = set()
    today_of: dict[str, date] = {}

    def today_for(tz: str) -> date:
        if tz not in today_of:
            today_of[tz] = today_in(tz, now)
        return today_of[tz]

    for item in items:
        cal = calendars[item.state_id]
        chain = current_chain(item, chains.get(item.milestone_id, ()), reopened.get(item.milestone_id))
        if chain is None:
            policy_id = current_policy[item.state_id]
            chain_seq = item.sequence
        else:
            policy_id, chain_seq = chain.policy_id, chain.sequence
        policy = policies[policy_id]
        state_today = today_for(state_zones[item.state_id])
        prefix = f"m{item.milestone_id}:s{chain_seq}"
        found: list[Intent] = []
        also: dict[tuple[str, int], tuple[str, ...]] = {}  # (target list's step, person) -> other roles held

        def recipients(targets: Sequence[str], step: str) -> list[tuple[int, str]]:
            out: dict[int, str] = {}
            roles: dict[int, list[str]] = {}
            members = directory.members.get(item.cycle_id, frozenset())
            gone = directory.departed.get(item.cycle_id, frozenset())
            for target in targets:
                held = directory.resolve(target, item)
                ids = tuple(pid for pid in held if pid not in gone)
                if not held:
                    unresolved.add(Unresolved(item.milestone_id, step, target, Said(N_("nobody holds it"))))
                elif not ids:
                    keys = ", ".join(sorted(directory.people[p].key for p in held if p in directory.people))
                    unresolved.add(Unresolved(item.milestone_id, step, target, Said.of(
                        N_("nobody left in the cycle holds it (%(keys)s left the cycle)"), keys=keys)))
                for pid in ids:
                    p = directory.people.get(pid)
                    if p is None:
                        continue
                    if item.confidential and pid not in members:
                        unresolved.add(Unresolved(item.milestone_id, step, target, Said.of(
                            N_("%(key)s is not a member of the confidential cycle"), key=p.key)))
                    elif not p.has_address:
                        unresolved.add(Unresolved(item.milestone_id, step, target, Said.of(
                            N_("%(key)s has no active address"), key=p.key)))
                    else:
                        out.setdefault(pid, target)
                        roles.setdefault(pid, []).append(target)
            for pid, held in roles.items():
                extra = tuple(r for r in dict.fromkeys(held) if r != out[pid])
                if extra:
                    also[(step, pid)] = extra
            return list(out.items())

        # Reminders: the latest one whose day has come, before the deadline; the
        # next one too, marked early, when it falls inside the digest window.
        ladder = policy.ladder_for(item.stage, item.owner_role)
        rsteps = reminder_days(ladder, item.due_date, cal)
        window = policy.digest.window
        horizon = window_of(state_today + ONE_DAY, window)[2] if window != "off" else state_today + ONE_DAY
        if rsteps and rsteps[0][1] <= horizon and state_today - ONE_DAY <= item.due_date:
            for pid, reason in recipients(ladder.to, "reminder"):
                p = directory.people[pid]
                today = today_for(p.timezone)
                if today > item.due_date:
                    continue
                passed = [(s, d) for s, d in rsteps if d <= today]
                if passed:
                    step, day = passed[-1]
                    found.append(Intent(f"{prefix}:{step}:p{pid}", "reminder", step, item, chain_seq, policy_id,
                                        pid, reason, day, also=also.get(("reminder", pid), ())))
                if window != "off":
                    _, _, end = window_of(today, window)
                    upcoming = [(s, d) for s, d in rsteps if today < d <= end]
                    if upcoming:
                        step, day = upcoming[0]
                        found.append(Intent(f"{prefix}:{step}:p{pid}", "reminder", step, item, chain_seq,
                                            policy_id, pid, reason, day, early=True,
                                            also=also.get(("reminder", pid), ())))

        # Escalation levels after the deadline, held by acknowledgements.
        if state_today + ONE_DAY > item.due_date:
            esc = policy.escalation_for(item.stage, item.owner_role)
            item_acks = [a for a in acks.get(item.milestone_id, ()) if a.sequence == chain_seq]
            ack_days = {a.id: today_in(state_zones[item.state_id], a.at) for a in item_acks}
            sched = _escalation_schedule(esc, item, cal, item_acks, ack_days, policy.acknowledgement.holds_for)
            by_level: dict[int, list[tuple[str, date]]] = {}
            for step, i, _ in level_days(esc, item.due_date, cal):
                by_level.setdefault(i, []).append((step, sched.days[step]))
            for i, level_steps in by_level.items():
                if min(d for _, d in level_steps) > state_today + ONE_DAY:
                    continue
                level = esc.levels[i]
                for pid, reason in recipients(level.to, level.name):
                    today = today_for(directory.people[pid].timezone)
                    # Among the repeats of a level only the latest due one is sent.
                    due = [(s, d) for s, d in level_steps if d <= today]
                    if not due:
                        continue
                    step, day = max(due, key=lambda sd: sd[1])
                    found.append(Intent(f"{prefix}:{step}:p{pid}", "escalation", step, item, chain_seq, policy_id,
                                        pid, reason, day, urgent=esc.is_urgent(i),
                                        through_quiet_hours=level.through_quiet_hours, level=i + 1,
                                        levels=len(esc.levels), level_name=level.name,
                                        ack_id=sched.resumed_by.get(step), also=also.get((level.name, pid), ())))
            for ack, lapse_day, ahead in sched.lapses:
                if lapse_day > state_today + ONE_DAY:
                    continue
                step = f"lapse{ack.id}"
                # The person who promised is told; with no level left ahead, the last
                # level's people are told again.
                people = ([(ack.person_id, "acknowledged")] if ack.person_id in directory.people
                          and ack.person_id not in directory.departed.get(item.cycle_id, frozenset()) else [])
                if not ahead:
                    people += recipients(esc.levels[-1].to, step)
                seen: set[int] = set()
                for pid, reason in people:
                    if pid in seen or today_for(directory.people[pid].timezone) < lapse_day:
                        continue
                    seen.add(pid)
                    found.append(Intent(f"{prefix}:{step}:p{pid}", "lapse", step, item, chain_seq, policy_id,
                                        pid, reason, lapse_day, urgent=True, level=len(esc.levels),
                                        levels=len(esc.levels), level_name=esc.levels[-1].name, ack_id=ack.id,
                                        also=also.get((step, pid), ())))
        found = one_per_person(found)
        if found:
            decision.intents.extend(found)
            if chain is None:
                decision.new_chains[item.milestone_id] = (item.milestone_id, chain_seq, item.due_date, policy_id)
    decision.unresolved = sorted(unresolved, key=lambda u: (u.milestone_id, u.step, u.target, u.why))
    return decision


def _weight(it: Intent) -> tuple[date, int, int]:
    # The newest step (an older one was sent on its own day); on the same day a promise that passed
    # says the most, then the highest escalation level, then a reminder.
    return (it.fire_day, {"lapse": 2, "escalation": 1}.get(it.kind, 0), it.level or 0)


def one_per_person(found: Sequence[Intent]) -> list[Intent]:
    """One message per person for one item: when a person is reached by several steps at once (they owe
    the item and are its escalation target), only the newest and weightiest is sent, and it names every
    role they hold for it. Upcoming (early) reminders are left to the digests, which already keep one per item."""
    best: dict[int, Intent] = {}
    roles: dict[int, list[str]] = {}
    early: list[Intent] = []
    for it in found:
        if it.early:
            early.append(it)
            continue
        roles.setdefault(it.person_id, []).extend((it.reason, *it.also))
        if it.person_id not in best or _weight(it) > _weight(best[it.person_id]):
            best[it.person_id] = it
    out = []
    for pid, it in best.items():
        extra = tuple(r for r in dict.fromkeys(roles[pid]) if r != it.reason)
        out.append(replace(it, also=extra) if extra != it.also else it)
    return out + early


# ---------------------------------------------------------------- digests

@dataclass(frozen=True)
class DigestPlan:
    dedup_key: str
    person_id: int
    window_id: str
    intents: tuple[Intent, ...]


def plan_digests(new: Sequence[Intent], *, existing_digests: set[str], people: Mapping[int, Recipient],
                 digest_specs: Mapping[int, tuple[str, int]], now: datetime) -> tuple[list[DigestPlan], list[Intent]]:
    """Fold a person's new, non-urgent messages of one window into one digest.

    `new` holds only intents not created yet. Returns the digests and the intents to
    send on their own (early intents that joined no digest wait for their day).
    Each digest is made once per person and window (its key); a message that comes
    after it goes on its own.
    """
    by_person: dict[int, list[Intent]] = {}
    alone: list[Intent] = []
    for it in new:
        if it.urgent:
            alone.append(it)
        else:
            by_person.setdefault(it.person_id, []).append(it)
    digests = []
    for pid, items in by_person.items():
        p = people[pid]
        # An upcoming reminder joins a digest only for an item with nothing due now:
        # otherwise it keeps its own day.
        due_now = {it.item.milestone_id for it in items if not it.early}
        items = [it for it in items if not (it.early and it.item.milestone_id in due_now)]
        window, min_items = digest_specs.get(p.state_id, ("off", 2))
        if window != "off":
            wid, start, end = window_of(today_in(p.timezone, now), window)
            key = f"digest:p{pid}:{wid}"
            # One entry per deadline: its latest step.
            per_item: dict[int, Intent] = {}
            for it in sorted(items, key=lambda i: (i.early, i.fire_day)):
                per_item.setdefault(it.item.milestone_id, it)
            if key not in existing_digests and len(per_item) >= min_items:
                digests.append(DigestPlan(key, pid, wid, tuple(items)))
                continue
        alone.extend(it for it in items if not it.early)
    return digests, alone
