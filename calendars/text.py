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
from nmrf.calendars.items import FeedItem, SeriesFacts, MeetingFacts, MilestoneFacts, StateFacts, Who
from nmrf.domain import wording
from nmrf.domain.i18n import N_, Translator, translator

ROLE_LABELS = {
    "secretariat": N_("the NMRF secretariat"),
    "head_of_secretariat": N_("the head of the NMRF secretariat"),
    "focal_point": N_("focal point"),
    "head_of_unit": N_("head of unit"),
    "minister": N_("minister"),
    "nhri_contact": N_("the national human rights institution's contact"),
    "cso_contact": N_("civil-society contacts"),
}
ATTENDEE_LABELS = {
    "secretariat": N_("the NMRF secretariat"),
    "head_of_secretariat": N_("the head of the secretariat"),
    "focal_point": N_("focal points"),
    "head_of_unit": N_("heads of unit"),
    "minister": N_("ministers"),
    "nhri_contact": N_("the NHRI"),
    "cso_contact": N_("civil society"),
}
MEETING_LABELS = {
    "plenary": N_("Plenary of the NMRF"),
    "coordination": N_("Focal-point coordination meeting"),
    "validation": N_("Validation meeting"),
    "consultation": N_("Consultation with civil society"),
    "other": N_("Meeting"),
}
# A stage as a calendar category.
STAGE_LABELS = {
    "consultation": N_("consultation"), "coordination": N_("coordination"), "dialogue": N_("dialogue"),
    "drafting": N_("drafting"), "follow_up": N_("follow up"), "information_request": N_("information request"),
    "inputs": N_("inputs"), "inventory": N_("inventory"), "nhri_comment": N_("nhri comment"),
    "parliament": N_("parliament"), "position": N_("position"), "receipt": N_("receipt"),
    "submission": N_("submission"), "validation": N_("validation"), "visit": N_("visit"), "other": N_("other"),
}
# A meeting's kind as a calendar category (the kind itself is a key: "plenary").
MEETING_CATEGORIES = {
    "plenary": N_("plenary"), "coordination": N_("coordination"), "validation": N_("validation"),
    "consultation": N_("consultation"), "other": N_("other"),
}


def meeting_categories(kind: str, t: Translator) -> tuple[str, str]:
    """The categories of a meeting's event, in the reader's language: the mechanism's, then the kind."""
    # Translators: a calendar category: the national mechanism for reporting and follow-up, short.
    return t.pgettext("calendar category", "NMRF"), t.gettext(MEETING_CATEGORIES.get(kind, MEETING_CATEGORIES["other"]))


STATUS_PREFIXES = {"cancelled": N_("CANCELLED: "), "done": N_("DONE: "), "waived": N_("WAIVED: ")}
PLACEHOLDER_BY = "YOUR-KEY"


def uid_for(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{kind}-{digest}@nmrf"


def milestone_uid(state: StateFacts, m: MilestoneFacts) -> str:
    return uid_for("milestone", state.code, m.cycle.key, m.key)


def meeting_uid(state: StateFacts, meeting: MeetingFacts) -> str:
    return uid_for("meeting", state.code, meeting.key)


def long_date(day: date, t: Translator | None = None) -> str:
    """Tuesday 1 June 2027, in the reader's language (English without a translator)."""
    return wording.long_date(t or translator("en"), day)


def _clock(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def time_span(starts: datetime, ends: datetime | None, zone: str, t: Translator | None = None) -> str:
    """'Tuesday 13 April 2027, 10:00-12:00 America/Santiago (13:00-15:00 UTC)'."""
    t = t or translator("en")
    local, utc = _clock(starts, zone), starts.astimezone(UTC)
    text = f"{long_date(local.date(), t)}, {local:%H:%M}"
    utc_text = f"{utc:%H:%M}"
    if ends is not None and ends != starts:
        local_end, utc_end = _clock(ends, zone), ends.astimezone(UTC)
        if local_end.date() == local.date():
            text += f"-{local_end:%H:%M}"
        else:
            text = t.gettext("%(start)s to %(end)s") % {
                "start": text, "end": f"{long_date(local_end.date(), t)}, {local_end:%H:%M}"}
        utc_text += f"-{utc_end:%H:%M}"
    if zone == "UTC":
        return f"{text} UTC"
    other_day = "" if utc.date() == local.date() else ", " + t.format_date(utc.date(), "dd MMM")
    return f"{text} {zone} ({utc_text} UTC{other_day})"


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


def _names(people: tuple[Who, ...], t: Translator) -> str:
    return ", ".join(p.name for p in people) or t.gettext("nobody holds this role yet")


def _inst_name(who: Who, t: Translator) -> str:
    return wording.name(t, dict(who.names), who.name)


def _owed_by(m: MilestoneFacts, t: Translator) -> str:
    role = t.gettext(ROLE_LABELS[m.owner_role]) if m.owner_role in ROLE_LABELS else (m.owner_role or "")
    if m.owner_role in NMRF_WIDE_ROLES or m.institution is None:
        who = role[:1].upper() + role[1:]
    else:
        who = t.gettext("The %(role)s of %(institution)s") % {"role": role,
                                                                "institution": _inst_name(m.institution, t)}
    return f"{who}: {_names(m.owners, t)}"


def _to_whom(m: MilestoneFacts, state: StateFacts, t: Translator) -> str:
    secretariat = wording.name(t, state.names.get("secretariat"), state.secretariat)
    if m.side == "un":
        return f"{wording.title(t, m.cycle.mechanism_name)} ({m.cycle.mechanism})"
    if m.owner_role in ("secretariat", "head_of_secretariat"):
        return t.gettext("the NMRF itself (a step of the %(secretariat)s)") % {"secretariat": secretariat}
    return t.gettext("the %(secretariat)s") % {"secretariat": secretariat}


def _date_basis(m: MilestoneFacts, t: Translator) -> str:
    if m.official_date is not None:
        if m.official_source:
            return t.gettext("official date (%(source)s)") % {"source": m.official_source}
        return t.gettext("official date")
    if m.side == "un":
        if m.verified:
            return t.gettext("computed from the mechanism's rules")
        return t.gettext("computed from the mechanism's rules (rule not verified in a primary text)")
    return t.gettext("internal deadline of the NMRF")


def _attendees(roles: tuple[str, ...], institutions: tuple[str, ...], t: Translator) -> str:
    parts = []
    for role in roles:
        label = t.gettext(ATTENDEE_LABELS[role]) if role in ATTENDEE_LABELS else role
        if role not in NMRF_WIDE_ROLES and institutions:
            label = t.gettext("%(who)s of %(institutions)s") % {"who": label, "institutions": ", ".join(institutions)}
        parts.append(label)
    return "; ".join(parts) or t.gettext("as invited")


STATUS_WORDS = {"done": N_("done"), "waived": N_("waived"), "cancelled": N_("cancelled")}


def _status_line(m: MilestoneFacts, t: Translator) -> str | None:
    if m.status in ("done", "waived", "cancelled"):
        status = t.gettext(STATUS_WORDS[m.status])
        when = f"{m.completed_at:%Y-%m-%d}" if m.completed_at else None
        who = m.completed_actor if m.completed_actor and m.status == "done" else None
        if when and who:
            return t.gettext("Status: %(status)s on %(date)s by %(who)s.") % {"status": status, "date": when,
                                                                                "who": who}
        if when:
            return t.gettext("Status: %(status)s on %(date)s.") % {"status": status, "date": when}
        if who:
            return t.gettext("Status: %(status)s by %(who)s.") % {"status": status, "who": who}
        return t.gettext("Status: %(status)s.") % {"status": status}
    return None


def milestone_item(m: MilestoneFacts, state: StateFacts, *, viewer: str | None = None,
                   t: Translator | None = None, outside: bool = False) -> FeedItem:
    """`viewer` is the key of the person whose feed this is: their own commands name them; `t` speaks the
    reader's language (the State's without one). A reader `outside` the secretariat acts from their page,
    never a command line: the event says where instead (the page's secret link stays out of calendars,
    which are often kept by a calendar service)."""
    t = t or translator(state.language)
    _ = t.gettext
    title = wording.title(t, m.title)
    inst = _inst_name(m.institution, t) if m.institution else None
    what = title + (f" ({inst})" if inst else "")
    cycle_title = wording.cycle_title(t, stored=m.cycle.title, template=m.cycle.template,
                                      mechanism=m.cycle.mechanism, reference=m.cycle.reference,
                                      state_name=state.name, state_names=state.names)
    lines: list[str] = []
    timed = m.starts_at is not None and m.timezone is not None
    if m.kind == "deadline":
        lines.append(_("Due: %(what)s") % {"what": what})
        lines.append(_("For: %(cycle)s (cycle #%(cycle_id)s)") % {"cycle": cycle_title, "cycle_id": m.cycle.id})
        if timed:
            assert m.starts_at is not None and m.timezone is not None
            lines.append(_("By: %(when)s, %(basis)s") % {"when": time_span(m.starts_at, None, m.timezone, t),
                                                         "basis": _date_basis(m, t)})
        elif m.due_date is not None:
            lines.append(_("By: %(date)s (end of the day), %(basis)s") % {"date": long_date(m.due_date, t),
                                                                          "basis": _date_basis(m, t)})
        lines.append(_("To: %(to)s") % {"to": _to_whom(m, state, t)})
        lines.append(_("Owed by: %(owed)s") % {"owed": _owed_by(m, t)})
        if m.promised_by is not None and m.status in ("planned", "open"):
            lines.append(_("Promised by: %(date)s (%(by)s)") % {"date": long_date(m.promised_by, t),
                                                                "by": m.promised_by_whom})
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
        elif command is not None and outside:
            lines.append(_("Hand it in on your personal page: its link is in every message from %(secretariat)s.")
                         % {"secretariat": wording.name(t, state.names.get("secretariat"), state.secretariat)})
        elif command is not None:
            lines.append(_("Record it: %(command)s") % {"command": command})
            if by == PLACEHOLDER_BY:
                lines.append("  " + _("(%(placeholder)s: the key of the person recording it, as in the NMRF "
                                      "profile)") % {"placeholder": PLACEHOLDER_BY})
        elif m.completion == "system":
            lines.append(_("Record it: nothing to record, nmrf marks it done itself."))
        else:
            lines.append(_("Record it: nothing to record, it happens on its date."))
        if m.word_limit:
            lines.append(t.ngettext("Word limit: %(num)s word.", "Word limit: %(num)s words.", m.word_limit)
                         % {"num": t.format_number(m.word_limit)})
    else:
        line = _("Meeting: %(what)s") if m.kind == "meeting" else _("Event: %(what)s")
        lines.append(line % {"what": what})
        lines.append(_("For: %(cycle)s (cycle #%(cycle_id)s)") % {"cycle": cycle_title, "cycle_id": m.cycle.id})
        if timed:
            assert m.starts_at is not None and m.timezone is not None
            lines.append(_("When: %(when)s") % {"when": time_span(m.starts_at, m.ends_at, m.timezone, t)})
        elif m.due_date is not None:
            lines.append(_("When: %(when)s") % {"when": long_date(m.due_date, t)})
        lines.append(_("Date: %(basis)s") % {"basis": _date_basis(m, t)})
        if m.location:
            lines.append(_("Where: %(where)s") % {"where": m.location})
        if m.audience_roles:
            lines.append(_("Attendees: %(who)s") % {"who": _attendees(m.audience_roles, m.attending_institutions, t)})
        lines.append(_("Record it: nothing to record, it happens on its date."))
    status = _status_line(m, t)
    if status:
        lines.append(status)
    if m.description:
        lines.append("")
        lines.append(wording.title(t, m.description))
    if m.source:
        # The source is quoted as the catalogue cites it.
        lines.append(_("Source of the rule: %(source)s") % {"source": m.source})
    summary = f"{m.cycle.mechanism}: {what}"
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
        categories=(m.cycle.mechanism, t.gettext(STAGE_LABELS[m.stage]) if m.stage in STAGE_LABELS
                    else m.stage.replace("_", " ")),
        busy=m.kind == "meeting",
        status_prefix=t.gettext(STATUS_PREFIXES[m.status]) if m.status in STATUS_PREFIXES else None,
    )


def meeting_item(meeting: MeetingFacts, state: StateFacts, *, t: Translator | None = None) -> FeedItem:
    """A meeting the secretariat called; a title typed as one of ours is translated, any other kept as typed."""
    t = t or translator(state.language)
    _ = t.gettext
    kind = _(MEETING_LABELS.get(meeting.kind, MEETING_LABELS["other"]))
    # A title typed as one of ours (a plenary "Plenary of the NMRF") reads in the reader's language; any
    # other stays as typed.
    title = wording.title(t, meeting.title)
    lines = [_("%(kind)s: %(title)s") % {"kind": kind, "title": title}]
    if meeting.cycle is not None:
        cycle_title = wording.cycle_title(t, stored=meeting.cycle.title, template=meeting.cycle.template,
                                          mechanism=meeting.cycle.mechanism, reference=meeting.cycle.reference,
                                          state_name=state.name, state_names=state.names)
        lines.append(_("For: %(cycle)s (cycle #%(cycle_id)s)") % {"cycle": cycle_title,
                                                                  "cycle_id": meeting.cycle.id})
    lines.append(_("When: %(when)s") % {"when": time_span(meeting.starts_at, meeting.ends_at, meeting.timezone, t)})
    if meeting.location:
        lines.append(_("Where: %(where)s") % {"where": meeting.location})
    lines.append(_("Attendees: %(who)s") % {
        "who": _attendees(meeting.attendee_roles, meeting.attending_institutions, t)})
    secretariat = wording.name(t, state.names.get("secretariat"), state.secretariat)
    lines.append(_("Called by: the %(secretariat)s") % {"secretariat": secretariat})
    if meeting.status == "cancelled":
        lines.append(_("Status: cancelled (%(note)s).") % {"note": meeting.note} if meeting.note
                     else _("Status: cancelled."))
    if meeting.description:
        lines.append("")
        lines.append(meeting.description)
    prefix = meeting.cycle.mechanism + ": " if meeting.cycle is not None else _("NMRF: ")
    return FeedItem(
        uid=meeting_uid(state, meeting),
        summary=prefix + title,
        description="\n".join(lines),
        status="cancelled" if meeting.status == "cancelled" else "active",
        sequence=meeting.sequence,
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        categories=meeting_categories(meeting.kind, t),
        busy=True,
        status_prefix=t.gettext(STATUS_PREFIXES["cancelled"]) if meeting.status == "cancelled" else None,
    )


FREQUENCY_TEXT = {"weekly": N_("every week"), "monthly": N_("every month"), "quarterly": N_("every quarter")}


def series_uid(state: StateFacts, series: SeriesFacts, day: date | None = None) -> str:
    return uid_for("series", state.code, series.key, *([day.isoformat()] if day else []))


def _series_text(series: SeriesFacts, state: StateFacts, when: str, t: Translator) -> str:
    _ = t.gettext
    kind = _(MEETING_LABELS.get(series.kind, MEETING_LABELS["other"]))
    lines = [_("%(kind)s: %(title)s") % {"kind": kind, "title": series.title}, _("When: %(when)s") % {"when": when}]
    if series.location:
        lines.append(_("Where: %(where)s") % {"where": series.location})
    lines.append(_("Attendees: %(who)s") % {"who": _attendees(series.attendee_roles, series.attending_institutions, t)})
    secretariat = wording.name(t, state.names.get("secretariat"), state.secretariat)
    lines.append(_("Called by: the %(secretariat)s") % {"secretariat": secretariat})
    if series.status == "cancelled":
        lines.append(_("Status: cancelled (%(note)s).") % {"note": series.note} if series.note
                     else _("Status: cancelled."))
    if series.description:
        lines += ["", series.description]
    return "\n".join(lines)


def series_items(series: SeriesFacts, state: StateFacts, *, t: Translator | None = None) -> list[FeedItem]:
    """One recurring event (RRULE, EXDATE) for a regular series; one event per occurrence, in
    UTC, for a series before report deadlines (its days follow the deadlines, no rule does)."""
    t = t or translator(state.language)
    _ = t.gettext
    common = dict(summary=_("NMRF: ") + series.title, status="cancelled" if series.status == "cancelled" else "active",
                  sequence=series.sequence, created_at=series.created_at, updated_at=series.updated_at,
                  location=series.location, categories=meeting_categories(series.kind, t), busy=True,
                  status_prefix=t.gettext(STATUS_PREFIXES["cancelled"]) if series.status == "cancelled" else None)
    if series.rrule is not None:
        step = dict(series.rrule)
        if series.frequency == "weekly" and step.get("interval"):
            how = _("every %(num)d weeks") % {"num": step["interval"]}
        else:
            how = _(FREQUENCY_TEXT.get(series.frequency, "every week"))
        when = _("%(how)s, %(start)s-%(end)s %(zone)s (local time, also after daylight-saving changes), "
                 "from %(first)s") % {"how": how, "start": f"{series.first_start:%H:%M}",
                                      "end": f"{series.first_end:%H:%M}", "zone": series.timezone,
                                      "first": t.format_date(series.first_start.date())}
        if series.last_day:
            when += " " + _("to %(last)s") % {"last": t.format_date(series.last_day)}
        return [FeedItem(uid=series_uid(state, series), description=_series_text(series, state, when, t),
                         starts_at=series.first_start, ends_at=series.first_end, rrule=series.rrule,
                         exdates=series.exdates, last_day=series.last_day, **common)]  # type: ignore[arg-type]
    return [FeedItem(uid=series_uid(state, series, day),
                     description=_series_text(series, state, time_span(start, end, series.timezone, t), t),
                     starts_at=start, ends_at=end, **common)  # type: ignore[arg-type]
            for day, start, end in series.occurrences]
