"""YAML with line numbers, so that a validation error can point at the line.

Pydantic reports where a value is wrong as a path (``people.3.timezone``);
we keep the line of every node while loading and translate the path back.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from nmrf.errors import NmrfError, Problem

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    pass


def _construct(node: yaml.Node, loader: _Loader, path: Loc, lines: dict[Loc, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise NmrfError([Problem(f"duplicate key {key!r}", line=key_node.start_mark.line + 1,
                                         field=dotted(path + (key,)))])
            out[key] = _construct(value_node, loader, path + (key,), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, loader, path + (i,), lines) for i, v in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml(text: str, *, filename: str) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text into plain data and a map from path to line number."""
    lines: dict[Loc, int] = {}
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        return _construct(node, loader, (), lines), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise NmrfError([Problem(f"not valid YAML: {exc.problem or exc}", file=filename,
                                 line=mark.line + 1 if mark else None)]) from None
    except NmrfError as exc:
        raise NmrfError([replace(p, file=filename) for p in exc.problems]) from None  # its msgid kept
    finally:
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


def problems_from(exc: ValidationError, *, filename: str, lines: dict[Loc, int]) -> list[Problem]:
    problems = []
    for err in exc.errors():
        # Pydantic puts the tag of a union or a validator name in the path: drop
        # parts that are not in the document so the field reads as written.
        loc: Loc = tuple(p for p in err["loc"] if isinstance(p, int) or not str(p).startswith(("function-", "tagged-union")))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is required but missing"
        elif err["type"] == "extra_forbidden":
            message = "is not a known field (check the spelling)"
        problems.append(Problem(message, file=filename, line=line_of(loc, lines), field=dotted(loc)))
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
        raise NmrfError([Problem("file not found", file=str(path))]) from None
    except UnicodeDecodeError as exc:
        raise NmrfError([Problem(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path))]) from None
    data, lines = load_yaml(text, filename=str(path))
    if data is None:
        raise NmrfError([Problem("the file is empty", file=str(path))])
    return parse_model(model, data, filename=str(path), lines=lines, context=context)
