"""TOML text: where each key of a file is written, and how a value is written.

`tomllib` gives values, not positions, so a message could not say where in
`segmint.toml` a bad setting is. `key_lines` scans the text once for table headers and
``key = value`` lines and maps every dotted key to the line it is written on; tables of
an array (``[[rfm.names]]``) are numbered from 0 as their entries are. `line_of` finds
the line of a key, or of the nearest enclosing key written in the file (an entry of an
inline table or of a list is on the line of its key). `show` writes a value as TOML
does, so messages show settings as the user wrote them (``[100000, -5]``, not cents).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

_PART = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
_PATH = rf"{_PART}(?:\s*\.\s*{_PART})*"
_ARRAY_TABLE = re.compile(rf"^\s*\[\[\s*({_PATH})\s*\]\]")
_TABLE = re.compile(rf"^\s*\[\s*({_PATH})\s*\]")
_ASSIGN = re.compile(rf"^\s*({_PATH})\s*=")
_SPLIT = re.compile(_PART)


def key_lines(text: str) -> dict[str, int]:
    """Every dotted key written in `text` (a TOML document) -> its 1-based line."""
    lines: dict[str, int] = {}
    table: list[str] = []
    arrays: dict[str, int] = {}  # array-of-tables path -> entries seen so far
    for number, line in enumerate(text.splitlines(), start=1):
        if found := _ARRAY_TABLE.match(line):
            path = _parts(found.group(1))
            name = ".".join(path)
            index = arrays.get(name, -1) + 1
            arrays[name] = index
            table = [*path, str(index)]
            lines.setdefault(name, number)
        elif found := _TABLE.match(line):
            table = _parts(found.group(1))
        elif found := _ASSIGN.match(line):
            path = [*table, *_parts(found.group(1))]
        else:
            continue
        lines.setdefault(".".join(table if found.re is not _ASSIGN else path), number)
    return lines


def line_of(lines: dict[str, int], key: str) -> int | None:
    """The line of `key`, else of its nearest enclosing key written in the file."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        found = lines.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


def _parts(path: str) -> list[str]:
    return [part.strip("\"'") for part in _SPLIT.findall(path)]


def show(value: object) -> str:
    """`value` written as in a TOML file: ``true``, ``[80, 15]``, ``"GB"``, ``{ a = 1 }``."""
    if isinstance(value, BaseModel):  # a table of a list, as [[loyalty.levels]]: inline
        value = value.model_dump()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + " }"
    return f'"{value}"'
