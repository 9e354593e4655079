"""What every command shares: the context (settings, engine), clean errors, date parsing."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine, inspect
from sqlmodel import Session

from nmrf.errors import NmrfError
from nmrf.settings import Settings, get_settings

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
            raise NmrfError("no NMRF database here yet: run `nmrf init --profile state.yaml` "
                            f"(database: {self.engine.url.render_as_string(hide_password=True)})")

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
            for problem in exc.problems:
                err_console.print(f"[red]error:[/red] {problem}", soft_wrap=True, markup=True)
            err_console.print("Nothing was changed.")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def parse_date(text: str, *, what: str) -> date:
    from nmrf.domain.dates import parse_day

    return parse_day(text, what=what)


def parse_pairs(values: list[str] | None, *, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in values or []:
        key, sep, value = raw.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise NmrfError(f"{option} {raw!r}: expected KEY=VALUE")
        if key.strip() in out:
            raise NmrfError(f"{option}: {key.strip()!r} given twice")
        out[key.strip()] = value.strip()
    return out


def as_of_option() -> Any:
    return typer.Option(None, "--as-of", help="Act as if today were this date (YYYY-MM-DD).")


def now_for(as_of: str | None, timezone: str) -> tuple[date, datetime]:
    from nmrf.flows.runtime import moment

    day = parse_date(as_of, what="--as-of") if as_of is not None else None
    return moment(day, timezone)


def state_moment(session: Any, state_code: str | None, as_of: str | None) -> tuple[Any, date, datetime]:
    """The State a command works on (--state) and its `today` and `now` (--as-of, in its zone)."""
    from nmrf.services.people import get_state

    state = get_state(session=session, code=state_code)
    today, now = now_for(as_of, state.timezone)
    return state, today, now
