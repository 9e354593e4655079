"""YAML with line numbers, so that a validation error can point at the line; bounded, so that no file can
exhaust the machine.

Pydantic reports where a value is wrong as a path (``people.3.timezone``);
we keep the line of every node while loading and translate the path back.
Every YAML file nmrf reads from a person goes through `load_yaml`, which refuses, with the line: a file over
`MAX_BYTES`, aliases repeating more than `MAX_ALIAS_VALUES` values (a 300-byte "billion laughs" profile otherwise ran 58 s and
exhausted memory), an alias inside itself, nesting deeper than `MAX_DEPTH`, text with control characters
(nmrf.domain.text), keys that are not plain scalars, and dates that do not exist or fall outside 1945-2200.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from nmrf.domain.dates import check_date_range
from nmrf.domain.i18n import N_, Said
from nmrf.domain.text import CONTROL, text_problem
from nmrf.errors import NmrfError, Problem

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


MAX_BYTES = 2 * 1024 * 1024  # the shipped catalogue is 46 kB, the example profile 10 kB
# Anchors are a convenience in hand-written files: the values that aliases repeat are counted, and more than
# this many is refused (the shipped catalogue repeats a few hundred; "billion laughs" repeats billions).
MAX_ALIAS_VALUES = 10_000
MAX_DEPTH = 50
MAX_NODES = 200_000


# The parser's own reason after it (PyYAML's words: quoted as it says them).
NOT_YAML = N_("not valid YAML: %(reason)s")


class _Loader(yaml.SafeLoader):
    pass


class _Budget:
    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.open: set[int] = set()
        self.aliased = 0  # values constructed through an alias
        self.inside = 0  # how many aliases the current node is reached through
        self.nodes = 0


def _where(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _construct(node: yaml.Node, loader: _Loader, path: Loc, lines: dict[Loc, int], budget: _Budget) -> Any:
    lines[path] = _where(node)
    # PyYAML's composer gives an alias the very node object of its anchor: a node met again is an alias use.
    if id(node) in budget.open:
        raise NmrfError([Problem(Said(N_("an alias refers to a node that contains it (a recursive alias)")),
                                 line=_where(node), field=dotted(path) or None)])
    alias = id(node) in budget.seen
    budget.seen.add(id(node))
    if alias or budget.inside:
        budget.aliased += 1
        if budget.aliased > MAX_ALIAS_VALUES:
            raise NmrfError([Problem(Said.of(N_("aliases repeat more than %(num)s values; write the values out"),
                                             num=MAX_ALIAS_VALUES),
                                     line=_where(node), field=dotted(path) or None)])
    if alias:
        budget.inside += 1
        try:
            return _build(node, loader, path, lines, budget)
        finally:
            budget.inside -= 1
    return _build(node, loader, path, lines, budget)


def _build(node: yaml.Node, loader: _Loader, path: Loc, lines: dict[Loc, int], budget: _Budget) -> Any:
    budget.nodes += 1
    if budget.nodes > MAX_NODES or len(path) > MAX_DEPTH:
        raise NmrfError([Problem(Said.of(N_("the document is too large or nested too deeply (over %(values)s values or "
                                            "%(levels)s levels)"), values=MAX_NODES, levels=MAX_DEPTH),
                                 line=_where(node))])
    if isinstance(node, yaml.MappingNode):
        budget.open.add(id(node))
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise NmrfError([Problem(Said(N_("a key must be a plain word or number")), line=_where(key_node),
                                         field=dotted(path) or None)])
            key = _scalar(key_node, loader, path, lines)
            if key in out:
                raise NmrfError([Problem(Said.of(N_("duplicate key %(key)s"), key=repr(key)), line=_where(key_node),
                                         field=dotted(path + (key,)))])
            out[key] = _construct(value_node, loader, path + (key,), lines, budget)
        budget.open.discard(id(node))
        return out
    if isinstance(node, yaml.SequenceNode):
        budget.open.add(id(node))
        items = [_construct(v, loader, path + (i,), lines, budget) for i, v in enumerate(node.value)]
        budget.open.discard(id(node))
        return items
    return _scalar(node, loader, path, lines)


def _scalar(node: yaml.Node, loader: _Loader, path: Loc, lines: dict[Loc, int]) -> Any:
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError as exc:  # 2024-02-30: the resolver says "timestamp", the date does not exist
        raise NmrfError([Problem(Said.of(N_("%(value)s is not a date that exists (%(reason)s)"), value=repr(node.value),
                                         reason=exc), line=_where(node),
                                 field=dotted(path) or None)]) from None
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise NmrfError([Problem(problem, line=_where(node), field=dotted(path) or None)])
    elif isinstance(value, date):
        try:
            check_date_range(value if not isinstance(value, datetime) else value.date(), what=node.value)
        except NmrfError as exc:
            raise NmrfError([Problem(exc.problems[0].message, line=_where(node), field=dotted(path) or None)]) from None
    return value


def load_yaml(text: str, *, filename: str) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text into plain data and a map from path to line number (bounded: see the module's doc)."""
    lines: dict[Loc, int] = {}
    if len(text) > MAX_BYTES:
        raise NmrfError([Problem(Said.of(N_("the file is larger than %(num)s MB"), num=MAX_BYTES // (1024 * 1024)),
                                 file=filename)])
    text = text.removeprefix("\ufeff")  # a byte-order mark at the start is the file's encoding, not text
    # Checked in the raw text, not only in the values: YAML itself reads NEL (U+0085) and U+2028/9 as line
    # breaks and would fold them silently into a space before any value could be checked.
    found = CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise NmrfError([Problem(text_problem(found.group()) or "control character", file=filename, line=line)])
    loader = None
    try:
        loader = _Loader(text)  # the reader refuses some control characters here already
        node = loader.get_single_node()
        if node is None:
            return None, lines
        return _construct(node, loader, (), lines, _Budget()), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise NmrfError([Problem(Said.of(NOT_YAML, reason=exc.problem or exc), file=filename,
                                 line=mark.line + 1 if mark else None)]) from None
    except yaml.YAMLError as exc:
        raise NmrfError([Problem(Said.of(NOT_YAML, reason=exc), file=filename)]) from None
    except RecursionError:
        raise NmrfError([Problem(Said.of(N_("nested too deeply (over %(levels)s levels)"), levels=MAX_DEPTH),
                                 file=filename)]) from None
    except NmrfError as exc:
        raise NmrfError([replace(p, file=filename) for p in exc.problems]) from None  # its msgid kept
    finally:
        if loader is not None:
            loader.dispose()


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(loc: Loc, lines: dict[Loc, int]) -> int | None:
    """The line of the deepest known node on the path (the field, or its parent)."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


# Pydantic's own messages, as catalog messages whose English is pydantic's text exactly: (one, many) where
# pydantic adds an "s" (expected_plural), and the context value that counts.
PYDANTIC_SAID: dict[str, tuple[str, str | None]] = {
    "string_pattern_mismatch": (N_("String should match pattern '%(pattern)s'"), None),
    "string_too_short": (N_("String should have at least %(min_length)s character"),
                         N_("String should have at least %(min_length)s characters")),
    "string_too_long": (N_("String should have at most %(max_length)s character"),
                        N_("String should have at most %(max_length)s characters")),
    "too_short": (N_("%(field_type)s should have at least %(min_length)s item after validation, not %(actual_length)s"),
                  N_("%(field_type)s should have at least %(min_length)s items after validation, not "
                     "%(actual_length)s")),
    "too_long": (N_("%(field_type)s should have at most %(max_length)s item after validation, not %(actual_length)s"),
                 N_("%(field_type)s should have at most %(max_length)s items after validation, not "
                    "%(actual_length)s")),
    "literal_error": (N_("Input should be %(expected)s"), None),
    "string_type": (N_("Input should be a valid string"), None),
    "dict_type": (N_("Input should be a valid dictionary"), None),
    "list_type": (N_("Input should be a valid list"), None),
    "model_type": (N_("Input should be a valid dictionary or instance of %(class_name)s"), None),
    "bool_type": (N_("Input should be a valid boolean"), None),
    "bool_parsing": (N_("Input should be a valid boolean, unable to interpret input"), None),
    "int_type": (N_("Input should be a valid integer"), None),
    "int_parsing": (N_("Input should be a valid integer, unable to parse string as an integer"), None),
    "int_from_float": (N_("Input should be a valid integer, got a number with a fractional part"), None),
    "float_parsing": (N_("Input should be a valid number, unable to parse string as a number"), None),
    "greater_than_equal": (N_("Input should be greater than or equal to %(ge)s"), None),
    "less_than_equal": (N_("Input should be less than or equal to %(le)s"), None),
    "date_type": (N_("Input should be a valid date"), None),
    "date_parsing": (N_("Input should be a valid date in the format YYYY-MM-DD, %(error)s"), None),
    "date_from_datetime_parsing": (N_("Input should be a valid date or datetime, %(error)s"), None),
    "missing": (N_("is required but missing"), None),
    "extra_forbidden": (N_("is not a known field (check the spelling)"), None),
}


def said_by_pydantic(err: Any) -> Said | None:
    """Pydantic's error as a sentence of ours: a validator's ValueError carrying a Said, or one of pydantic's
    own messages (PYDANTIC_SAID); None for any other (shown in pydantic's English)."""
    ctx = err.get("ctx") or {}
    error = ctx.get("error")
    if isinstance(error, Exception) and error.args and isinstance(error.args[0], Said):
        return error.args[0]
    known = PYDANTIC_SAID.get(err["type"])
    if known is None:
        return None
    one, many = known
    msgid = many if many and ctx.get("expected_plural") == "s" else one
    params = {k: v for k, v in ctx.items() if k != "expected_plural"}
    try:
        said = Said.of(msgid, **{k: v for k, v in params.items() if f"%({k})s" in msgid})
    except (KeyError, TypeError, ValueError):
        return None
    # Only when it says exactly what pydantic said (an English reader sees no change).
    return said if err["type"] in ("missing", "extra_forbidden") or said == err["msg"] else None


def problems_from(exc: ValidationError, *, filename: str, lines: dict[Loc, int]) -> list[Problem]:
    problems = []
    for err in exc.errors():
        # Pydantic puts the tag of a union or a validator name in the path: drop
        # parts that are not in the document so the field reads as written.
        loc: Loc = tuple(p for p in err["loc"] if isinstance(p, int) or not str(p).startswith(("function-", "tagged-union")))
        message: str = err["msg"].removeprefix("Value error, ")
        said = said_by_pydantic(err)
        problems.append(Problem(said if said is not None else message, file=filename, line=line_of(loc, lines),
                                field=dotted(loc)))
    return problems


def parse_model(model: type[M], data: Any, *, filename: str, lines: dict[Loc, int], context: dict | None = None) -> M:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise NmrfError(problems_from(exc, filename=filename, lines=lines)) from None


def load_model(model: type[M], path: Path | str, *, context: dict | None = None) -> M:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NmrfError([Problem(Said(N_("file not found")), file=str(path))]) from None
    except UnicodeDecodeError as exc:
        raise NmrfError([Problem(Said.of(N_("not UTF-8 text (%(reason)s at byte %(byte)s)"), reason=exc.reason,
                                         byte=exc.start), file=str(path))]) from None
    data, lines = load_yaml(text, filename=str(path))
    if data is None:
        raise NmrfError([Problem(Said(N_("the file is empty")), file=str(path))])
    return parse_model(model, data, filename=str(path), lines=lines, context=context)
