"""What an event says. Pure: facts in, a FeedItem out.

A deadline's text answers what a focal point asks when it pops up in Outlook:
what is due, for which report, by when, to whom, who owes it, and the exact
command that records it. The UID comes from the milestone's identity (State,
cycle key, milestone key), hashed so that a confidential cycle's reference
never shows in it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from nmrf.calendars.audience import NMRF_WIDE_ROLES
from nmrf.calendars.items import SeriesFacts, FeedItem, MeetingFacts, MilestoneFacts, StateFacts, Who

ROLE_LABELS = {
    "secretariat": "the NMRF secretariat",
    "head_of_secretariat": "the head of the NMRF secretariat",
    "focal_point": "focal point",
    "head_of_unit": "head of unit",
    "minister": "minister",
    "nhri_contact": "the national human rights institution's contact",
    "cso_contact": "civil-society contacts",
}
ATTENDEE_LABELS = {
    "secretariat": "the NMRF secretariat",
    "head_of_secretariat": "the head of the secretariat",
    "focal_point": "focal points",
    "head_of_unit": "heads of unit",
    "minister": "ministers",
    "nhri_contact": "the NHRI",
    "cso_contact": "civil society",
}
MEETING_LABELS = {
    "plenary": "Plenary of the NMRF",
    "coordination": "Focal-point coordination meeting",
    "validation": "Validation meeting",
    "consultation": "Consultation with civil society",
    "other": "Meeting",
}
PLACEHOLDER_BY = "YOUR-KEY"


def uid_for(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{kind}-{digest}@nmrf"


def milestone_uid(state: StateFacts, m: MilestoneFacts) -> str:
    return uid_for("milestone", state.code, m.cycle.key, m.key)


def meeting_uid(state: StateFacts, meeting: MeetingFacts) -> str:
    return uid_for("meeting", state.code, meeting.key)


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _clock(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def time_span(starts: datetime, ends: datetime | None, zone: str) -> str:
    """'Tuesday 13 April 2027, 10:00-12:00 America/Santiago (13:00-15:00 UTC)'."""
    local, utc = _clock(starts, zone), starts.astimezone(UTC)
    text = f"{long_date(local.date())}, {local:%H:%M}"
    utc_text = f"{utc:%H:%M}"
    if ends is not None and ends != starts:
        local_end, utc_end = _clock(ends, zone), ends.astimezone(UTC)
        text += f"-{local_end:%H:%M}" if local_end.date() == local.date() else f" to {long_date(local_end.date())}, {local_end:%H:%M}"
        utc_text += f"-{utc_end:%H:%M}"
    if zone == "UTC":
        return f"{text} UTC"
    return f"{text} {zone} ({utc_text} UTC{'' if utc.date() == local.date() else ', ' + f'{utc:%d %b}'})"


def record_command(m: MilestoneFacts, state: StateFacts, by: str) -> str | None:
    """The exact `nmrf record ...` that marks the milestone done, or None when no one records it."""
    if m.completion != "person":
        return None
    cycle = m.cycle.id
    inst = m.key.split(":", 1)[1] if ":" in m.key else None
    if m.stage == "inputs" and inst:
        cmd = f"nmrf record input {cycle} {inst}"
    elif m.template_key == "signoff" and inst:
        cmd = f"nmrf record signoff {cycle} {inst}"
    elif m.stage == "nhri_comment":
        cmd = f"nmrf record comment {cycle}" + ("" if m.key == "nhri_comment" else f" {m.key}")
    elif m.stage == "parliament":
        cmd = f"nmrf record comment {cycle} {m.key}"
    else:
        cmd = f"nmrf record done {cycle} {m.key}"
    cmd += f" --by {by}"
    if state.several_states:
        cmd += f" --state {state.code}"
    return cmd


def _names(people: tuple[Who, ...]) -> str:
    return ", ".join(p.name for p in people) or "nobody holds this role yet"


def _owed_by(m: MilestoneFacts) -> str:
    role = ROLE_LABELS.get(m.owner_role or "", m.owner_role or "")
    if m.owner_role in NMRF_WIDE_ROLES or m.institution is None:
        who = role[:1].upper() + role[1:]
    else:
        who = f"The {role} of {m.institution.name}"
    return f"{who}: {_names(m.owners)}"


def _to_whom(m: MilestoneFacts, state: StateFacts) -> str:
    if m.side == "un":
        return f"{m.cycle.mechanism_name} ({m.cycle.mechanism})"
    if m.owner_role in ("secretariat", "head_of_secretariat"):
        return f"the NMRF itself (a step of the {state.secretariat})"
    return f"the {state.secretariat}"


def _date_basis(m: MilestoneFacts) -> str:
    if m.official_date is not None:
        return "official date" + (f" ({m.official_source})" if m.official_source else "")
    if m.side == "un":
        return "computed from the mechanism's rules" + ("" if m.verified else " (rule not verified in a primary text)")
    return "internal deadline of the NMRF"


def _attendees(roles: tuple[str, ...], institutions: tuple[str, ...]) -> str:
    parts = []
    for role in roles:
        label = ATTENDEE_LABELS.get(role, role)
        if role not in NMRF_WIDE_ROLES and institutions:
            label += " of " + ", ".join(institutions)
        parts.append(label)
    return "; ".join(parts) or "as invited"


def _status_line(m: MilestoneFacts) -> str | None:
    if m.status in ("done", "waived", "cancelled"):
        when = f" on {m.completed_at:%Y-%m-%d}" if m.completed_at else ""
        who = f" by {m.completed_actor}" if m.completed_actor and m.status == "done" else ""
        return f"Status: {m.status}{when}{who}."
    return None


def milestone_item(m: MilestoneFacts, state: StateFacts, *, viewer: str | None = None) -> FeedItem:
    """`viewer` is the key of the person whose feed this is: their own commands name them."""
    what = m.title + (f" ({m.institution.name})" if m.institution else "")
    lines: list[str] = []
    timed = m.starts_at is not None and m.timezone is not None
    if m.kind == "deadline":
        lines.append(f"Due: {what}")
        lines.append(f"For: {m.cycle.title} (cycle #{m.cycle.id})")
        if timed:
            assert m.starts_at is not None and m.timezone is not None
            lines.append(f"By: {time_span(m.starts_at, None, m.timezone)}, {_date_basis(m)}")
        elif m.due_date is not None:
            lines.append(f"By: {long_date(m.due_date)} (end of the day), {_date_basis(m)}")
        lines.append(f"To: {_to_whom(m, state)}")
        lines.append(f"Owed by: {_owed_by(m)}")
        owner_keys = [p.key for p in m.owners]
        if viewer is not None and viewer in owner_keys:
            by = viewer
        elif len(owner_keys) == 1:
            by = owner_keys[0]
        else:
            by = PLACEHOLDER_BY
        command = record_command(m, state, by)
        if m.status in ("done", "waived", "cancelled"):
            pass  # the status line below says what was recorded
        elif command is not None:
            lines.append(f"Record it: {command}")
            if by == PLACEHOLDER_BY:
                lines.append(f"  ({PLACEHOLDER_BY}: the key of the person recording it, as in the NMRF profile)")
        elif m.completion == "system":
            lines.append("Record it: nothing to record, nmrf marks it done itself.")
        else:
            lines.append("Record it: nothing to record, it happens on its date.")
        if m.word_limit:
            lines.append(f"Word limit: {m.word_limit:,} words.")
    else:
        noun = "Meeting" if m.kind == "meeting" else "Event"
        lines.append(f"{noun}: {what}")
        lines.append(f"For: {m.cycle.title} (cycle #{m.cycle.id})")
        if timed:
            assert m.starts_at is not None and m.timezone is not None
            lines.append(f"When: {time_span(m.starts_at, m.ends_at, m.timezone)}")
        elif m.due_date is not None:
            lines.append(f"When: {long_date(m.due_date)}")
        lines.append(f"Date: {_date_basis(m)}")
        if m.location:
            lines.append(f"Where: {m.location}")
        if m.audience_roles:
            lines.append(f"Attendees: {_attendees(m.audience_roles, m.attending_institutions)}")
        lines.append("Record it: nothing to record, it happens on its date.")
    status = _status_line(m)
    if status:
        lines.append(status)
    if m.description:
        lines.append("")
        lines.append(m.description)
    if m.source:
        lines.append(f"Source of the rule: {m.source}")
    summary = f"{m.cycle.mechanism}: {m.title}" + (f" ({m.institution.name})" if m.institution else "")
    return FeedItem(
        uid=milestone_uid(state, m),
        summary=summary,
        description="\n".join(lines),
        status=m.status if m.status in ("done", "waived", "cancelled") else "active",
        sequence=m.sequence,
        created_at=m.created_at,
        updated_at=m.updated_at,
        day=None if timed else m.due_date,
        starts_at=m.starts_at if timed else None,
        ends_at=(m.ends_at if m.kind != "deadline" else None) if timed else None,
        location=m.location,
        categories=(m.cycle.mechanism, m.stage.replace("_", " ")),
        busy=m.kind == "meeting",
    )


def meeting_item(meeting: MeetingFacts, state: StateFacts) -> FeedItem:
    lines = [f"{MEETING_LABELS.get(meeting.kind, 'Meeting')}: {meeting.title}"]
    if meeting.cycle is not None:
        lines.append(f"For: {meeting.cycle.title} (cycle #{meeting.cycle.id})")
    lines.append(f"When: {time_span(meeting.starts_at, meeting.ends_at, meeting.timezone)}")
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    lines.append(f"Attendees: {_attendees(meeting.attendee_roles, meeting.attending_institutions)}")
    lines.append(f"Called by: the {state.secretariat}")
    if meeting.status == "cancelled":
        lines.append("Status: cancelled" + (f" ({meeting.note})" if meeting.note else "") + ".")
    if meeting.description:
        lines.append("")
        lines.append(meeting.description)
    prefix = meeting.cycle.mechanism + ": " if meeting.cycle is not None else "NMRF: "
    return FeedItem(
        uid=meeting_uid(state, meeting),
        summary=prefix + meeting.title,
        description="\n".join(lines),
        status="cancelled" if meeting.status == "cancelled" else "active",
        sequence=meeting.sequence,
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        categories=("NMRF", meeting.kind),
        busy=True,
    )


FREQUENCY_TEXT = {"weekly": "every week", "monthly": "every month", "quarterly": "every quarter"}


def series_uid(state: StateFacts, series: SeriesFacts, day: date | None = None) -> str:
    return uid_for("series", state.code, series.key, *([day.isoformat()] if day else []))


def _series_text(series: SeriesFacts, state: StateFacts, when: str) -> str:
    lines = [f"{MEETING_LABELS.get(series.kind, 'Meeting')}: {series.title}", f"When: {when}"]
    if series.location:
        lines.append(f"Where: {series.location}")
    lines.append(f"Attendees: {_attendees(series.attendee_roles, series.attending_institutions)}")
    lines.append(f"Called by: the {state.secretariat}")
    if series.status == "cancelled":
        lines.append("Status: cancelled" + (f" ({series.note})" if series.note else "") + ".")
    if series.description:
        lines += ["", series.description]
    return "\n".join(lines)


def series_items(series: SeriesFacts, state: StateFacts) -> list[FeedItem]:
    """One recurring event (RRULE, EXDATE) for a regular series; one event per occurrence, in
    UTC, for a series before report deadlines (its days follow the deadlines, no rule does)."""
    common = dict(summary="NMRF: " + series.title, status="cancelled" if series.status == "cancelled" else "active",
                  sequence=series.sequence, created_at=series.created_at, updated_at=series.updated_at,
                  location=series.location, categories=("NMRF", series.kind), busy=True)
    if series.rrule is not None:
        step = dict(series.rrule)
        how = FREQUENCY_TEXT.get(series.frequency, "recurring")
        if series.frequency == "weekly" and step.get("interval"):
            how = f"every {step['interval']} weeks"
        when = (f"{how}, {series.first_start:%H:%M}-{series.first_end:%H:%M} {series.timezone} "
                f"(local time, also after daylight-saving changes), from {long_date(series.first_start.date())}")
        if series.last_day:
            when += f" to {long_date(series.last_day)}"
        return [FeedItem(uid=series_uid(state, series), description=_series_text(series, state, when),
                         starts_at=series.first_start, ends_at=series.first_end, rrule=series.rrule,
                         exdates=series.exdates, last_day=series.last_day, **common)]  # type: ignore[arg-type]
    return [FeedItem(uid=series_uid(state, series, day),
                     description=_series_text(series, state, time_span(start, end, series.timezone)),
                     starts_at=start, ends_at=end, **common)  # type: ignore[arg-type]
            for day, start, end in series.occurrences]
