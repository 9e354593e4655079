"""Meetings on the command line: plenaries, coordination and validation meetings, consultations."""

from __future__ import annotations

import typer
from rich.table import Table

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, friendly, state_work
from nmrf.cli.lang import t
from nmrf.domain.i18n import N_

meeting_app = typer.Typer(help="Meetings the secretariat calls (they appear in the attendees' calendar feeds).",
                          no_args_is_help=True)


@meeting_app.command("add")
@friendly
def add(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="A short name for the meeting, e.g. plenary-2027-05."),
    kind: str = typer.Option(..., "--kind", help="plenary, coordination, validation, consultation or other."),
    title: str = typer.Option(..., "--title"),
    at: str = typer.Option(..., "--at", help="Local start, YYYY-MM-DD HH:MM, in --timezone."),
    timezone: str | None = typer.Option(None, "--timezone", help="IANA zone of --at (default: the State's)."),
    minutes: int = typer.Option(120, "--minutes", help="How long it lasts."),
    roles: list[str] = typer.Option(None, "--role", help="Who attends, by role (repeatable): focal_point, minister..."),
    institutions: list[str] = typer.Option(None, "--institution",
                                           help="Only these institutions' role holders (repeatable; default all)."),
    cycle: str | None = typer.Option(None, "--cycle", help="The cycle it serves (a confidential cycle's members only)."),
    location: str | None = typer.Option(None, "--location"),
    description: str = typer.Option("", "--description"),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Schedule a meeting."""
    from nmrf.calendars.meetings import local_time, schedule_meeting
    from nmrf.services.cycles import get_cycle

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        zone = timezone or state.timezone
        starts = local_time(at, zone)
        cy = get_cycle(session=s, state=state, ref=cycle) if cycle else None
        m = schedule_meeting(session=s, state=state, key=key, kind=kind, title=title, starts_at=starts,
                             minutes=minutes, timezone=zone, roles=roles or [], institutions=institutions or [],
                             cycle=cy, location=location, description=description, now=now)
    console.print(t().gettext("Meeting %(key)s scheduled: %(title)s, %(when)s %(zone)s; it appears in its attendees' "
                              "calendar feeds.") % {"key": m.key, "title": m.title, "when": f"{starts:%Y-%m-%d %H:%M}",
                                                    "zone": zone})


@meeting_app.command("move")
@friendly
def move(
    ctx: typer.Context,
    key: str = typer.Argument(...),
    at: str = typer.Option(..., "--at", help="New local start, YYYY-MM-DD HH:MM."),
    timezone: str | None = typer.Option(None, "--timezone", help="IANA zone of --at (default: the meeting's)."),
    minutes: int | None = typer.Option(None, "--minutes"),
    location: str | None = typer.Option(None, "--location"),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Move a meeting (calendars show the new time; SEQUENCE goes up)."""
    from nmrf.calendars.meetings import get_meeting, local_time, move_meeting

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        m = get_meeting(session=s, state=state, key=key)
        zone = timezone or m.timezone
        move_meeting(session=s, meeting=m, starts_at=local_time(at, zone), minutes=minutes, timezone=zone,
                     location=location, now=now)
    console.print(t().gettext("Meeting %(key)s moved to %(when)s %(zone)s.") % {"key": key, "when": at, "zone": zone})


@meeting_app.command("cancel")
@friendly
def cancel(
    ctx: typer.Context,
    key: str = typer.Argument(...),
    note: str = typer.Option(..., "--note", help="Why (shown in the calendars)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Cancel a meeting: calendars show it as cancelled for a week, then it disappears."""
    from nmrf.calendars.meetings import cancel_meeting, get_meeting

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        cancel_meeting(session=s, meeting=get_meeting(session=s, state=state, key=key), note=note, now=now)
    console.print(t().gettext("Meeting %(key)s cancelled.") % {"key": key})


@meeting_app.command("list")
@friendly
def list_meetings(ctx: typer.Context, state_code: str | None = STATE_OPTION) -> None:
    """The meetings, with their local times."""
    from zoneinfo import ZoneInfo

    from nmrf.calendars.meetings import meetings_of
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    table = Table()
    tr = t()
    for col in (tr.pgettext("meetings", "key"), tr.pgettext("meetings", "when"), tr.pgettext("meetings", "kind"),
                tr.pgettext("meetings", "title"), tr.pgettext("meetings", "attendees"),
                tr.pgettext("meetings", "status")):
        table.add_column(col, overflow="fold")
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        table.title = t().gettext("Meetings of %(state)s") % {"state": state.name}
        for m in meetings_of(session=s, state=state):
            local = m.starts_at.astimezone(ZoneInfo(m.timezone))
            who = ", ".join(m.attendee_roles) + (f" ({', '.join(m.institutions)})" if m.institutions else "")
            table.add_row(m.key, f"{local:%Y-%m-%d %H:%M} {m.timezone}", m.kind, m.title, who, m.status)
    console.print(table)


series_app = typer.Typer(help="Recurring meetings: plenaries, focal points' calls, meetings before each report "
                              "deadline (one recurring event in the attendees' calendars).", no_args_is_help=True)
meeting_app.add_typer(series_app, name="series")


@series_app.command("add")
@friendly
def series_add(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="A short name, e.g. plenary."),
    kind: str = typer.Option(..., "--kind", help="plenary, coordination, validation, consultation or other."),
    title: str = typer.Option(..., "--title"),
    every: str = typer.Option(..., "--every", help="weekly, monthly, quarterly or before-deadlines."),
    first: str = typer.Option(..., "--from", help="The first occurrence (YYYY-MM-DD); before-deadlines: counting from."),
    at: str = typer.Option(..., "--at", help="Local start, HH:MM, in --timezone (it stays at that local time)."),
    until: str | None = typer.Option(None, "--until", help="The last possible day (YYYY-MM-DD)."),
    interval: int = typer.Option(1, "--interval", help="Every N weeks or months."),
    weeks_before: int | None = typer.Option(None, "--weeks-before", help="before-deadlines: N weeks before each."),
    mechanism: str | None = typer.Option(None, "--mechanism", help="before-deadlines: only this mechanism's reports."),
    timezone: str | None = typer.Option(None, "--timezone", help="IANA zone (default: the State's)."),
    minutes: int = typer.Option(120, "--minutes"),
    roles: list[str] = typer.Option(None, "--role", help="Who attends, by role (repeatable)."),
    institutions: list[str] = typer.Option(None, "--institution", help="Only these institutions (repeatable)."),
    location: str | None = typer.Option(None, "--location"),
    description: str = typer.Option("", "--description"),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Schedule a recurring meeting."""
    from nmrf.calendars.series import schedule_series
    from nmrf.cli.common import parse_date

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        series = schedule_series(
            session=s, state=state, key=key, kind=kind, title=title, frequency=every.replace("-", "_"),
            first_date=parse_date(first, what="--from"), start_time=at, timezone=timezone or state.timezone,
            roles=roles or [], now=now, minutes=minutes, interval=interval,
            until=parse_date(until, what="--until") if until else None, weeks_before=weeks_before,
            mechanism=mechanism, institutions=institutions or [], location=location, description=description)
    console.print(t().gettext("Series %(key)s scheduled: %(title)s, %(every)s at %(time)s %(zone)s; it appears in its "
                              "attendees' calendar feeds as one recurring event.") % {
        "key": series.key, "title": series.title, "every": _frequency(series.frequency), "time": series.start_time,
        "zone": series.timezone}, markup=False)


# A series' frequency (a key) as a person reads it.
FREQUENCY_WORDS = {"weekly": N_("weekly"), "monthly": N_("monthly"), "quarterly": N_("quarterly"),
                   "before_deadlines": N_("before deadlines")}


def _frequency(key: str) -> str:
    return t().gettext(FREQUENCY_WORDS[key]) if key in FREQUENCY_WORDS else key


@series_app.command("cancel")
@friendly
def series_cancel(
    ctx: typer.Context,
    key: str = typer.Argument(...),
    day: str = typer.Argument(..., help="The occurrence's date (YYYY-MM-DD)."),
    note: str = typer.Option(..., "--note", help="Why (shown in the calendars)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Cancel one occurrence of a series (an EXDATE in the feeds)."""
    from nmrf.calendars.series import cancel_occurrence, get_series
    from nmrf.cli.common import parse_date

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        cancel_occurrence(session=s, series=get_series(session=s, state=state, key=key),
                          day=parse_date(day, what="date"), note=note, now=now)
    console.print(t().gettext("The %(day)s occurrence of %(key)s is cancelled.") % {
        "day": t().format_date(parse_date(day, what="date")), "key": key}, markup=False)


@series_app.command("show")
@friendly
def series_show(
    ctx: typer.Context,
    key: str = typer.Argument(...),
    months: int = typer.Option(6, "--months", help="How far ahead."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """A series' next occurrences, in local time."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from nmrf.calendars.series import get_series, recurrence_of
    from nmrf.domain.recurrence import all_days, local_start

    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today = w.session, w.state, w.today
        series = get_series(session=s, state=state, key=key)
        rec = recurrence_of(session=s, series=series)
    console.print(f"{series.title} ({_frequency(series.frequency)}, {series.start_time} {series.timezone})",
                  markup=False)
    for day in all_days(rec, last=today + timedelta(days=31 * months)):
        if day < today:
            continue
        start = local_start(rec, day)
        mark = ("  " + t().gettext("cancelled")) if day in rec.exdates else ""
        # The weekday abbreviated the reader's way (Babel: Wed, mer., mié., الأربعاء); the rest is figures.
        weekday = t().format_date(start.date(), "EEE")
        console.print(f"  {start:%Y-%m-%d} {weekday} {start:%H:%M %Z} ({start.astimezone(ZoneInfo('UTC')):%H:%M} UTC)"
                      f"{mark}", markup=False)


@meeting_app.command("minutes")
@friendly
def minutes(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="A meeting series' key or a meeting's key."),
    day: str | None = typer.Option(None, "--date", help="The occurrence (YYYY-MM-DD); required for a series."),
    agenda: str = typer.Option("", "--agenda"),
    text: str = typer.Option("", "--text", help="The minutes as text."),
    document: str | None = typer.Option(None, "--document", help="The minutes as a document (its path or link)."),
    decisions: list[str] = typer.Option(None, "--decision", help="A decision (repeatable)."),
    actions: list[str] = typer.Option(None, "--action",
                                      help="An action point: 'TEXT|INSTITUTION|YYYY-MM-DD[|PERSON]' (repeatable)."),
    circulate: bool = typer.Option(False, "--circulate", help="Send them to the attendees (through the outbox)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Record the agenda and minutes of a meeting occurrence; action points become deadlines."""
    from nmrf.calendars.series import get_series
    from nmrf.cli.common import parse_date
    from nmrf.errors import NmrfError, Problem
    from nmrf.models import MeetingSeries
    from nmrf.services.minutes import ActionPoint, record_minutes

    points = []
    for n, raw in enumerate(actions or []):
        parts = [p.strip() for p in raw.split("|")]
        if len(parts) not in (3, 4):
            raise NmrfError([Problem(f"{raw!r}: expected TEXT|INSTITUTION|YYYY-MM-DD[|PERSON]", field=f"--action {n + 1}")])
        points.append(ActionPoint(parts[0], parts[1], parse_date(parts[2], what="--action due date"),
                                  parts[3] if len(parts) == 4 else None))
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        from sqlmodel import select

        is_series = s.exec(select(MeetingSeries.id).where(MeetingSeries.state_id == state.id,
                                                          MeetingSeries.key == key)).first() is not None
        if is_series:
            get_series(session=s, state=state, key=key)
        occ = record_minutes(session=s, state=state, now=now, actor="cli", series=key if is_series else None,
                             meeting=None if is_series else key, day=parse_date(day, what="--date") if day else None,
                             agenda=agenda, minutes=text, minutes_file=document, decisions=decisions or [],
                             actions=points, circulate=circulate)
        if circulate:
            from nmrf.notifications.circulation import write_circulations

            written = len(write_circulations(session=s, now=now))
        else:
            written = 0
    said = (t().gettext("Minutes of %(key)s on %(day)s recorded; %(num)s messages to the attendees in the outbox "
                        "(`nmrf sweep` sends them).") if circulate else
            t().gettext("Minutes of %(key)s on %(day)s recorded."))
    console.print(said % {"key": key, "day": t().format_date(occ.occurs_on), "num": written}, markup=False)
