"""Errors a person can act on: which file, which line, which field, what was expected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Problem:
    message: str  # in English
    file: str | None = None
    line: int | None = None
    field: str | None = None
    # A message the command line can say in the person's language: the English msgid (marked with N_ where
    # it is raised, so that it is in the catalogs) and its named parameters; `message` is msgid % params.
    msgid: str | None = None
    params: tuple[tuple[str, Any], ...] = ()

    def translated(self, gettext: Callable[[str], str]) -> Problem:
        """The same problem in the language of `gettext` (itself when it carries no msgid). A message that is
        a nmrf.domain.i18n.Said (a str that knows its msgid) carries its own."""
        if self.msgid:
            return replace(self, message=_said(gettext, self.msgid, self.params))
        if getattr(self.message, "msgid", None):
            said = self.message
            return replace(self, message=_said(gettext, said.msgid, said.params))  # type: ignore[attr-defined]
        return self

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        if self.field:
            where = f"{where}: {self.field}" if where else self.field
        return f"{where}: {self.message}" if where else self.message


def _said(gettext: Callable[[str], str], msgid: str, params: tuple[tuple[str, Any], ...]) -> str:
    """msgid in gettext's language, its values too when they are sentences of ours (a Said)."""
    values = {k: _said(gettext, v.msgid, v.params) if getattr(v, "msgid", None) else v for k, v in params}
    return gettext(msgid) % values if params else gettext(msgid)


class NmrfError(Exception):
    """An error in what a person gave us; nothing was changed."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]  # a list of texts too
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def said(cls, msgid: str, **params: Any) -> NmrfError:
        """An error whose text is a catalog message: `NmrfError.said(N_("%(what)s: expected KEY=VALUE"),
        what=...)`; its English text is msgid % params, the command line prints it translated."""
        return cls([Problem(msgid % params, msgid=msgid, params=tuple(params.items()))])


class AlreadyClosed(NmrfError):
    """The item was closed (handed in, signed off) before this act reached it: nothing is done twice, and a
    personal page answers 409 Conflict rather than 400."""
