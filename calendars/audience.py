"""Who sees what in a feed. Pure: the roles and assignments come in as data.

A person's feed holds what they owe (the milestone's owner role, for their
institution: the same rule as ``services.people.owners``), what they must sign
(a minister's sign-off is owed by the minister) and what they attend or should
see (the milestone's ``audience_roles``, the meeting's attendee roles).

Confidential cycles (individual communications, the SPT's visit reports) are
shown only to people assigned to the cycle (``CycleMember``), and only in their
own feed or in the cycle's own feed given to a member: never in an
institution's or the secretariat's shared feed, which are links that get
forwarded and shown on shared screens.
"""

from __future__ import annotations

from dataclasses import dataclass

from nmrf.calendars.items import MeetingFacts, MilestoneFacts

# Roles held for the whole NMRF rather than for one institution (as in services.people).
NMRF_WIDE_ROLES = frozenset({"secretariat", "head_of_secretariat", "nhri_contact", "cso_contact"})
INSTITUTION_ROLES = frozenset({"focal_point", "head_of_unit", "minister"})


@dataclass(frozen=True)
class Audience:
    """The reader of a feed, as the roles it stands for.

    ``roles`` are (role, institution id) pairs. ``institution_id`` is an
    institution feed's institution: everything owed by that institution is
    in it. ``member_of`` are the confidential cycles the reader is assigned to;
    ``left`` the cycles the reader was taken off (nothing of them, whatever roles
    they hold); ``everything`` is a cycle's or the secretariat's feed.
    """

    roles: frozenset[tuple[str, int | None]] = frozenset()
    institution_id: int | None = None
    member_of: frozenset[int] = frozenset()
    everything: bool = False
    left: frozenset[int] = frozenset()


def may_see_cycle(audience: Audience, cycle_id: int | None, confidential: bool) -> bool:
    if cycle_id is not None and cycle_id in audience.left:
        return False
    return not confidential or (cycle_id is not None and cycle_id in audience.member_of)


def owes(audience: Audience, m: MilestoneFacts) -> bool:
    if audience.institution_id is not None and m.institution_id == audience.institution_id:
        return True
    if m.owner_role is None:
        return False
    for role, inst in audience.roles:
        if role == m.owner_role and (role in NMRF_WIDE_ROLES or m.institution_id is None
                                     or m.institution_id == inst):
            return True
    return False


def _attends(audience: Audience, roles: tuple[str, ...], institution_ok) -> bool:  # type: ignore[no-untyped-def]
    for role, inst in audience.roles:
        if role not in roles:
            continue
        if role in NMRF_WIDE_ROLES or institution_ok(inst):
            return True
    return False


def attends(audience: Audience, m: MilestoneFacts) -> bool:
    """The milestone's audience includes a role the reader holds, for an institution taking part."""
    return _attends(audience, m.audience_roles,
                    lambda inst: inst is not None and (inst in m.cycle.participants or inst == m.institution_id))


def sees_milestone(audience: Audience, m: MilestoneFacts) -> bool:
    if not may_see_cycle(audience, m.cycle.id, m.cycle.confidential):
        return False
    return audience.everything or owes(audience, m) or attends(audience, m)


def sees_meeting(audience: Audience, meeting: MeetingFacts, institution_keys: dict[int, str]) -> bool:
    cycle = meeting.cycle
    if cycle is not None and not may_see_cycle(audience, cycle.id, cycle.confidential):
        return False
    if audience.everything:
        return True

    def institution_ok(inst: int | None) -> bool:
        if inst is None:
            return False
        if meeting.institution_keys:
            return institution_keys.get(inst) in meeting.institution_keys
        if cycle is not None:
            return inst in cycle.participants
        return True

    return _attends(audience, meeting.attendee_roles, institution_ok)
