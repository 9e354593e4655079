"""Meetings on the command line: plenaries, coordination and validation meetings, consultations."""

from __future__ import annotations

import typer
from rich.table import Table

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, friendly, state_moment

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

    c = ctx_of(ctx)
    with c.session() as s:
        state, _, now = state_moment(s, state_code, as_of)
        zone = timezone or state.timezone
        starts = local_time(at, zone)
        cy = get_cycle(session=s, state=state, ref=cycle) if cycle else None
        m = schedule_meeting(session=s, state=state, key=key, kind=kind, title=title, starts_at=starts,
                             minutes=minutes, timezone=zone, roles=roles or [], institutions=institutions or [],
                             cycle=cy, location=location, description=description, now=now)
    console.print(f"Meeting {m.key} scheduled: {m.title}, {starts:%Y-%m-%d %H:%M} {zone}; "
                  "it appears in its attendees' calendar feeds.")


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

    c = ctx_of(ctx)
    with c.session() as s:
        state, _, now = state_moment(s, state_code, as_of)
        m = get_meeting(session=s, state=state, key=key)
        zone = timezone or m.timezone
        move_meeting(session=s, meeting=m, starts_at=local_time(at, zone), minutes=minutes, timezone=zone,
                     location=location, now=now)
    console.print(f"Meeting {key} moved to {at} {zone}.")


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

    c = ctx_of(ctx)
    with c.session() as s:
        state, _, now = state_moment(s, state_code, as_of)
        cancel_meeting(session=s, meeting=get_meeting(session=s, state=state, key=key), note=note, now=now)
    console.print(f"Meeting {key} cancelled.")


@meeting_app.command("list")
@friendly
def list_meetings(ctx: typer.Context, state_code: str | None = STATE_OPTION) -> None:
    """The meetings, with their local times."""
    from zoneinfo import ZoneInfo

    from nmrf.calendars.meetings import meetings_of
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    table = Table()
    for col in ("key", "when", "kind", "title", "attendees", "status"):
        table.add_column(col, overflow="fold")
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        table.title = f"Meetings of {state.name}"
        for m in meetings_of(session=s, state=state):
            local = m.starts_at.astimezone(ZoneInfo(m.timezone))
            who = ", ".join(m.attendee_roles) + (f" ({', '.join(m.institutions)})" if m.institutions else "")
            table.add_row(m.key, f"{local:%Y-%m-%d %H:%M} {m.timezone}", m.kind, m.title, who, m.status)
    console.print(table)
