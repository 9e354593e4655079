"""Typer's own words in the reader's language: help texts, the help's fixed words, usage errors (issue 11).

Typer builds every help text from the code's literal strings when it makes the command tree, before `--lang`
is parsed, and its bundled Click writes usage errors as plain English f-strings (no gettext to hook). So the
root command (NmrfGroup) decides the language from the raw arguments before parsing (--lang, else NMRF_ACTOR's
person, else the locale variables), then translates the tree it is about to run in place: each command's and
option's help is looked up in our catalogs by its English text (extracted from the same tree by `make i18n`).
Usage errors are caught where they are raised and their English sentence is matched against the few shapes
Click writes, then said again through the catalogs. English readers see the texts untouched.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from typer import rich_utils
from typer._click.core import Context as ClickContext
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

from nmrf.cli.common import make_context
from nmrf.cli.lang import choose, t
from nmrf.domain.i18n import N_, LanguageError, Translator, base_language, resolve_language, translator
from nmrf.errors import NmrfError

# The help option's text, which Click adds to each command on demand (not in the tree until asked for).
HELP_OPTION = "Show this message and exit."
# Marked for extraction: the words Typer's help and errors print around our texts.
USAGE = N_("Usage:")
FIXED = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "REQUIRED_LONG_STRING": N_("required"),
    "DEPRECATED_STRING": N_("deprecated"),
    "DEFAULT_STRING": N_("default: %(value)s"),
    "ENVVAR_STRING": N_("environment variable: %(name)s"),
    "RICH_HELP": N_("Try %(command)s for help."),
}
# Typer's constants as it wrote them (its English), restored for an English reader.
_TYPER_ENGLISH = {name: getattr(rich_utils, name) for name in FIXED}


def help_key(text: str) -> str:
    """The msgid of a help text: as Typer shows it (a docstring's indentation removed)."""
    return inspect.cleandoc(text)


def walk(command: Any) -> Iterator[Any]:
    """A command and every command under it."""
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from walk(sub)


def help_texts(command: Any) -> list[str]:
    """Every help text of a command tree, as msgids (what `make i18n` extracts)."""
    out: dict[str, None] = {HELP_OPTION: None}
    for c in walk(command):
        for text in (c.help, c.short_help, *(getattr(p, "help", None) for p in c.params)):
            if text:
                out[help_key(text)] = None
    return list(out)


class _Formatter(HelpFormatter):
    """Click's help formatter with "Usage:" in the reader's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix if prefix is not None else t().gettext(USAGE) + " ")


class NmrfContext(ClickContext):
    formatter_class = _Formatter


def speak(root: Any, lang: str) -> None:
    """Put the command tree `root` and Typer's fixed words in `lang` (English: as written)."""
    english = base_language(lang) == "en"
    if english and getattr(root, "_nmrf_lang", "en") == "en":
        # A tree as Typer built it already speaks English: no catalog to read, no walk (50 ms measured).
        for name in FIXED:
            setattr(rich_utils, name, _TYPER_ENGLISH[name])
        return
    tr = translator(lang)
    for name, msgid in FIXED.items():
        setattr(rich_utils, name, _TYPER_ENGLISH[name] if english else _typer_form(name, tr.gettext(msgid)))
    root._nmrf_lang = tr.lang
    for c in walk(root):
        c.context_class = NmrfContext  # "Usage:" in the reader's language, in help and in errors
        for obj, attr in [(c, "help"), (c, "short_help"), *((p, "help") for p in c.params)]:
            _translate_attr(obj, attr, tr, english)
        option = c.get_help_option(NmrfContext(c))  # made now so that its text is translated too
        if option is not None:
            _translate_attr(option, "help", tr, english)


def _translate_attr(obj: Any, attr: str, tr: Translator, english: bool) -> None:
    original = obj.__dict__.setdefault(f"_nmrf_{attr}", getattr(obj, attr, None))
    if original:
        setattr(obj, attr, original if english else tr.gettext(help_key(original)))


def _typer_form(name: str, said: str) -> str:
    """Our sentence in the shape Typer's constant has ({} placeholders, brackets, markup)."""
    if name == "DEFAULT_STRING":
        return "[" + said.replace("%(value)s", "{}") + "]"
    if name == "ENVVAR_STRING":
        return "[" + said.replace("%(name)s", "{}") + "]"
    if name == "REQUIRED_LONG_STRING":
        return f"[{said}]"
    if name == "DEPRECATED_STRING":
        return f"({said}) "
    if name == "RICH_HELP":
        return said.replace("%(command)s", "[blue]'{command_path} {help_option}'[/]")
    return said


# -- usage errors -----------------------------------------------------------------------------------------

# The sentences Typer's Click writes (typer/_click), each with the msgid that says it; `reason` is said again
# through this table (the part after "Invalid value for '--x': "), the rest is kept as written.
_SHAPES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.S), m) for p, m in [
    (r"No such option: (?P<option>\S+) \(Possible options: (?P<options>.+)\)",
     N_("No such option: %(option)s (did you mean %(options)s?)")),
    (r"No such option: (?P<option>.+)", N_("No such option: %(option)s")),
    (r"No such command (?P<command>'.*')\. Did you mean (?P<options>.+)\?",
     N_("No such command %(command)s. Did you mean %(options)s?")),
    (r"No such command (?P<command>'.*')\.", N_("No such command %(command)s.")),
    (r"Missing command\.", N_("Missing command.")),
    (r"Missing argument (?P<name>.+?)\.", N_("Missing argument %(name)s.")),
    (r"Missing option (?P<name>.+?)\.", N_("Missing option %(name)s.")),
    (r"Missing parameter:? (?P<name>.+?)\.?", N_("Missing parameter %(name)s.")),
    (r"Invalid value for (?P<name>.+?): (?P<reason>.+)", N_("Invalid value for %(name)s: %(reason)s")),
    (r"Invalid value: (?P<reason>.+)", N_("Invalid value: %(reason)s")),
    (r"Option (?P<option>'.+?') requires an argument\.", N_("Option %(option)s needs a value.")),
    (r"Option (?P<option>'.+?') requires (?P<num>\d+) arguments\.",
     N_("Option %(option)s needs %(num)s values.")),
    (r"Option (?P<option>'.+?') does not take a value\.", N_("Option %(option)s does not take a value.")),
    (r"Argument (?P<name>'.+?') takes (?P<num>\d+) values\.", N_("Argument %(name)s takes %(num)s values.")),
    (r"Got unexpected extra argument(?:\(s\))? \((?P<args>.+)\)",
     N_("Unexpected extra argument(s): %(args)s")),
    # Pydantic's words when a value does not convert (the reason of an invalid value).
    (r"Input should be a valid integer.*", N_("expected a whole number")),
    (r"Input should be a valid number.*", N_("expected a number")),
    (r"Input should be a valid boolean.*", N_("expected yes or no (true, false)")),
    (r"Input should be greater than or equal to (?P<num>\S+)", N_("expected at least %(num)s")),
    (r"Input should be greater than (?P<num>\S+)", N_("expected more than %(num)s")),
    (r"Input should be less than or equal to (?P<num>\S+)", N_("expected at most %(num)s")),
    (r"Input should be less than (?P<num>\S+)", N_("expected less than %(num)s")),
    (r"(?P<value>.+) is not in the range (?P<range>.+)\.", N_("%(value)s is not in the range %(range)s.")),
]]


def say_usage(message: str, gettext: Callable[[str], str]) -> str:
    """A usage error's English sentence in the reader's words (as written when its shape is unknown)."""
    for pattern, msgid in _SHAPES:
        m = pattern.fullmatch(message.strip())
        if m:
            parts = {k: (say_usage(v, gettext) if k == "reason" else v) for k, v in m.groupdict().items()}
            return gettext(msgid) % parts
    return message


@contextmanager
def usage_errors_in_language() -> Iterator[None]:
    """Usage errors raised meanwhile say their sentence in the command line's language when shown."""
    try:
        yield
    except NoArgsIsHelpError:
        raise
    except UsageError as exc:
        tr = t()
        if tr.lang != "en":
            said = say_usage(exc.format_message(), tr.gettext)
            exc.format_message = lambda: said  # type: ignore[method-assign]
        raise


# The root options that take a value (nmrf --home DIR --db URL --lang fr COMMAND ...).
_ROOT_VALUES = ("--home", "--db", "--lang")


def language_before_parsing(args: list[str], environ: dict[str, str] | None = None) -> str:
    """The language of a run decided from its raw arguments, before Click parses them (help is formatted
    during parsing): the root's --lang, else NMRF_LANG, else the person in NMRF_ACTOR, else the locale."""
    env = os.environ if environ is None else environ
    given: dict[str, str] = {}
    rest = iter(args)
    for arg in rest:
        name, eq, value = arg.partition("=")
        if name in _ROOT_VALUES:
            given[name] = value if eq else next(rest, "")
        elif not arg.startswith("-"):
            break  # the command's name: what follows is its own (recommendations publish --lang is the view's)
    lang = given.get("--lang") or env.get("NMRF_LANG") or None
    if lang is not None:
        try:
            return choose(resolve_language(lang).catalog, environ=env)
        except LanguageError:
            lang = None  # refused with the supported list when the root option is parsed
    person = None
    if env.get("NMRF_ACTOR"):
        try:
            person = make_context(given.get("--home"), given.get("--db")).actor_language()
        except NmrfError:
            person = None  # a bad setting is said when the root callback runs
    return choose(None, person, env)


class NmrfGroup(TyperGroup):
    """The root command: speaks the reader's language before Click parses anything (see the module's doc)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        import sys

        from nmrf.cli.lang import set_language

        argv = list(sys.argv[1:] if args is None else args)
        lang = language_before_parsing(argv)
        set_language(lang)
        speak(self, lang)
        return super().main(args=argv, prog_name=prog_name, complete_var=complete_var,
                            standalone_mode=standalone_mode, **extra)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        with usage_errors_in_language():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with usage_errors_in_language():
            return super().invoke(ctx)
