"""What every command shares: the context (settings, engine), clean errors, date parsing."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine, inspect
from sqlmodel import Session

from nmrf.domain.i18n import N_, Said
from nmrf.errors import NmrfError, Problem
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
        errors = getattr(exc, "errors", None)
        # Only the messages: pydantic's text repeats the value given, which may be a URL with its password.
        told = ("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
                          for e in errors()) if callable(errors) else type(exc).__name__)
        raise NmrfError.said(N_("configuration: %(problems)s"), problems=told) from None
    return Context(settings=settings)


def ctx_of(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj


_SECRET_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def redact(text: str) -> str:
    """A message with any password in a URL replaced by ***."""
    return _SECRET_IN_URL.sub(r"\1***@", text)


def check_arguments(kwargs: dict[str, Any]) -> None:
    """The one rule for command-line text (nmrf.domain.text): every text argument, named by its option."""
    from nmrf.domain.text import text_problem

    problems = []
    for name, value in kwargs.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, (str, os.PathLike)):
                problem = text_problem(os.fspath(v))
                if problem:  # (a sentence of ours: said in the person's language)
                    problems.append(Problem(problem, field=f"--{name.replace('_', '-')}"))
    if problems:
        raise NmrfError(problems)


# The last line after an error, in the person's language (marked here so that the catalogs hold it).
NOTHING_CHANGED = N_("Nothing was changed.")


def explain(exc: BaseException) -> tuple[list[str], int] | None:
    """What to tell a person about `exc` (lines, exit code), or None for click's own exits.

    The one place where errors become messages: ours (NmrfError) as they are; files the system refused; a
    database URL or server that does not answer; anything else as one line, never a traceback (NMRF_DEBUG=1
    shows it). Passwords in URLs are masked in every line.
    """
    import click
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

    if isinstance(exc, (click.exceptions.Exit, click.ClickException, click.Abort, typer.Exit, SystemExit,
                        GeneratorExit)):
        return None
    if isinstance(exc, NmrfError):
        return [str(p) for p in exc.problems] + [NOTHING_CHANGED], 2
    # Our own words are sentences (Said) that report() says in the person's language; what a driver or the
    # system says (its first line, an OS error's text) is quoted as it comes.
    if isinstance(exc, (ArgumentError, NoSuchModuleError)):
        return [Said(N_("the database URL is not one nmrf can use (expected sqlite:///PATH or "
                        "postgresql+psycopg://USER@HOST:PORT/DATABASE)")), NOTHING_CHANGED], 2
    if isinstance(exc, DBAPIError):
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(getattr(exc, "orig", exc)).strip() else ""
        return [Said.of(N_("the database refused or did not answer: %(reason)s"), reason=first or type(exc).__name__)], 1
    if isinstance(exc, SQLAlchemyError):
        return [Said.of(N_("database: %(kind)s: %(detail)s"), kind=type(exc).__name__,
                        detail=str(exc).splitlines()[0] if str(exc) else "")], 1
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else ""
        return [f"{where}: {exc.strerror or exc}" if where else f"{exc.strerror or exc}"], 2
    if isinstance(exc, KeyboardInterrupt):
        return [Said(N_("interrupted"))], 130
    return [Said.of(N_("unexpected %(kind)s: %(detail)s (this is a fault in nmrf: please report it; NMRF_DEBUG=1 "
                       "shows the traceback)"), kind=type(exc).__name__,
                    detail=str(exc).splitlines()[0] if str(exc) else "")], 1


def report(exc: BaseException) -> int | None:
    """Print `explain(exc)` on stderr and return the exit code (None when click handles it)."""
    told = explain(exc)
    if told is None:
        return None
    from nmrf.cli.lang import t
    from nmrf.domain.wording import say

    lines, code = told
    if isinstance(exc, NmrfError):  # each problem in the person's language (those raised with a msgid)
        lines = [str(p.translated(t().gettext)) for p in exc.problems] + lines[len(exc.problems):]
    else:  # our sentences about what failed outside nmrf, in the person's language too
        lines = [say(t(), line) if isinstance(line, Said) else line for line in lines]
    label = escape(t().gettext("error:"))
    for line in lines:
        if line == NOTHING_CHANGED:
            err_console.print(t().gettext(line))
        else:
            # Escaped: a pattern such as ^[a-z]{2}$ in the text is not Rich markup.
            err_console.print(f"[red]{label}[/red] " + escape(redact(line)), soft_wrap=True, markup=True)
    return code


def friendly(func: F) -> F:
    """Check the command's text arguments, then run it; any error becomes a clean message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_arguments(kwargs)
            return func(*args, **kwargs)
        except BaseException as exc:
            if os.environ.get("NMRF_DEBUG") and not isinstance(exc, NmrfError):
                raise
            code = report(exc)
            if code is None:
                raise
            raise typer.Exit(code) from None

    return wrapper  # type: ignore[return-value]


def parse_date(text: str, *, what: str) -> date:
    from nmrf.domain.dates import parse_day

    return parse_day(text, what=what)


def output_file(path: Path, *, force: bool = False, option: str = "--out") -> Path:
    """Where a command may write: in a folder that exists, not a folder, not an existing file unless --force."""
    if not path.parent.is_dir():
        raise NmrfError.said(N_("%(option)s %(file)s: the folder %(folder)s does not exist"), option=option,
                             file=str(path), folder=str(path.parent))
    if path.is_dir():
        raise NmrfError.said(N_("%(option)s %(file)s: is a folder; give a file name"), option=option, file=str(path))
    if path.exists() and not force:
        raise NmrfError.said(N_("%(option)s %(file)s: the file exists; choose another name or add --force to replace "
                                "it"), option=option, file=str(path))
    return path


def force_option() -> Any:
    return typer.Option(False, "--force", help="Replace the output file if it exists.")


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

    day = parse_date(as_of, what="--as-of") if as_of is not None else None
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
