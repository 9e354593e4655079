"""What every command shares: the context (settings, engine), clean errors, date parsing."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine, inspect
from sqlmodel import Session

from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError
from nmrf.settings import Settings, get_settings

if TYPE_CHECKING:
    from nmrf.models import State

def _width() -> int | None:
    # Tables of plans need room; when output goes to a file or a pipe, use 120
    # columns instead of Rich's 80 (a terminal keeps its own width).
    return None if os.isatty(1) or os.environ.get("COLUMNS") else 120


console = Console(highlight=False, width=_width())
err_console = Console(stderr=True, highlight=False, width=_width())
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    settings: Settings
    _engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from nmrf.models.db import make_engine

            self._engine = make_engine(self.settings.effective_database_url)
        return self._engine

    def require_schema(self) -> None:
        if not inspect(self.engine).has_table("state"):
            raise NmrfError.said(N_("no NMRF database here yet: run %(command)s (database: %(database)s)"),
                                 command="`nmrf init --profile state.yaml`",
                                 database=self.engine.url.render_as_string(hide_password=True))

    def actor_language(self) -> str | None:
        """The language of the person running the command, when NMRF_ACTOR names one in the database."""
        if not self.settings.actor:
            return None
        try:
            if not inspect(self.engine).has_table("person"):
                return None
            from sqlalchemy import select

            from nmrf.models import Person

            with self.engine.connect() as conn:
                return conn.execute(select(Person.language).where(Person.key == self.settings.actor)).scalar()
        except Exception:  # noqa: BLE001 - no database yet, or unreadable: the locale decides
            return None

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        from nmrf.models.db import session_scope

        self.require_schema()
        with session_scope(self.engine, actor=self.settings.effective_actor, readonly=readonly) as s:
            yield s


def make_context(home: str | None, database_url: str | None) -> Context:
    # Flows run in this process read the same settings from the environment.
    if home:
        os.environ["NMRF_HOME"] = home
    if database_url:
        os.environ["NMRF_DATABASE_URL"] = database_url
    try:
        settings = get_settings()
    except Exception as exc:  # pydantic's ValidationError: a bad NMRF_* variable
        raise NmrfError(f"configuration: {exc}") from None
    return Context(settings=settings)


def ctx_of(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj


def friendly(func: F) -> F:
    """Print an NmrfError as the person's problem (no traceback) and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NmrfError as exc:
            from rich.markup import escape

            from nmrf.cli.lang import t

            label = t().gettext("error:")
            for problem in (p.translated(t().gettext) for p in exc.problems):
                # Escaped: a pattern such as ^[a-z]{2}$ in the text is not Rich markup.
                err_console.print(f"[red]{escape(label)}[/red] {escape(str(problem))}", soft_wrap=True, markup=True)
            err_console.print(t().gettext("Nothing was changed."))
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def parse_date(text: str, *, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise NmrfError.said(N_("%(what)s: %(text)s is not a date (expected YYYY-MM-DD)"),
                             what=what, text=repr(text)) from None


def parse_pairs(values: list[str] | None, *, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in values or []:
        key, sep, value = raw.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise NmrfError.said(N_("%(option)s %(value)s: expected KEY=VALUE"), option=option, value=repr(raw))
        if key.strip() in out:
            raise NmrfError.said(N_("%(option)s: %(key)s given twice"), option=option, key=repr(key.strip()))
        out[key.strip()] = value.strip()
    return out


# The options every command that works on a State shares.
STATE_OPTION = typer.Option(None, "--state", help="ISO code, when the database holds several States.")


def as_of_option() -> Any:
    return typer.Option(None, "--as-of", help="Act as if today were this date (YYYY-MM-DD).")


def now_for(as_of: str | None, timezone: str) -> tuple[date, datetime]:
    # Imported when a command runs: `nmrf --help` loads every command module (0.5 s more measured).
    from nmrf.domain.clock import moment

    day = parse_date(as_of, what="--as-of") if as_of else None
    return moment(day, timezone)


def state_moment(session: Any, state_code: str | None, as_of: str | None) -> tuple["State", date, datetime]:
    """The State a command works on (--state) and its `today` and `now` (--as-of, in its zone)."""
    from nmrf.services.people import get_state  # when a command runs, as above

    state = get_state(session=session, code=state_code)
    today, now = now_for(as_of, state.timezone)
    return state, today, now


@dataclass
class Work:
    """What a command works with: one unit of work, the State, its today and now, who acts."""
    session: Session
    state: "State"
    today: date
    now: datetime
    actor: str
    settings: Settings


@contextmanager
def state_work(ctx: typer.Context, state_code: str | None, as_of: str | None = None, *,
               readonly: bool = False) -> Iterator[Work]:
    """The preamble of a command on a State, in one line: `with state_work(ctx, state_code, as_of) as w:`.

    Everything in the block is one transaction (committed at its end, rolled back on any error).
    """
    c = ctx_of(ctx)
    with c.session(readonly=readonly) as s:
        state, today, now = state_moment(s, state_code, as_of)
        yield Work(session=s, state=state, today=today, now=now, actor=c.settings.effective_actor,
                   settings=c.settings)
