"""Presets for the order exports of the platforms shops sell on, one TOML file each.

A preset says which headers of a platform's export feed which canonical columns of which
tables (orders, order_items, customers), how the platform's status words map to
segmint's statuses, which cells mean "empty", and where the export is made and its
layout was taken from (for `docs/platforms.md`). Presets are data: a new platform is a
new file in this folder, read by the same code as the others.

A file is taken for a platform's export when it holds at least half of the preset's
`signature` headers (three at least); the preset then asks for every header it maps,
except the ones it lists as `optional`, so a file with a missing column is told which
column and what it is needed for, rather than being read some other way.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from segmint.core.i18n import Text
from segmint.core.schema import ORDER_STATUSES, TABLES
from segmint.ingest.mapping import fold

ROWS = ("orders", "items")  # one row per order, or one per line item (order repeated)
_FIELDS = frozenset(
    {
        "name", "title", "kind", "rows", "signature", "optional", "blanks", "status",
        "cancelled_when", "menu", "notes", "sources", *TABLES,
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Source:
    """Where one canonical column's cells come from in the export.

    The cell is the first filled one of `headers`; `pattern` (a regular expression with a
    group named ``value``) takes a part of it; `minus` names an amount to subtract (what
    the buyer did not pay of a list total), the difference never below zero; `ignore`
    lists cells that count as empty for this column alone.
    """

    headers: tuple[str, ...]
    pattern: str | None = None
    minus: str | None = None
    # Cells that say nothing here, so the next header is read: an after-sale column's
    # "售后关闭" leaves the order's own status to tell.
    ignore: tuple[str, ...] = ()

    @property
    def needs(self) -> tuple[str, ...]:
        """Every header this source reads."""
        return self.headers + ((self.minus,) if self.minus else ())


@dataclass(frozen=True, slots=True)
class Part:
    """The columns of one canonical table that a preset fills, each from its source."""

    kind: str
    columns: dict[str, Source]


@dataclass(frozen=True, slots=True)
class Preset:
    """One platform export: its signature, its parts, its statuses and its documentation."""

    name: str
    title: Text  # the export's name
    kind: str  # the table the export is chiefly about (`segmint import FILE` imports it as)
    rows: str  # "orders" or "items"
    signature: tuple[str, ...]
    optional: frozenset[str]  # folded headers the export may lack
    blanks: tuple[str, ...]  # cells that mean "empty" in this export ("-", "——")
    statuses: dict[str, str]  # the platform's status words -> segmint's statuses
    cancelled_when: str | None  # a header whose filled cell makes the order cancelled
    parts: tuple[Part, ...]
    menu: Text  # where the export is made
    notes: Text  # what to know, and what could not be confirmed
    sources: tuple[str, ...]  # public descriptions the layout was taken from

    def part(self, kind: str) -> Part | None:
        """The part filling table `kind`, if the preset has one."""
        return next((p for p in self.parts if p.kind == kind), None)

    def needed(self) -> dict[str, list[str]]:
        """Each header the preset reads -> the table.column names it feeds."""
        found: dict[str, list[str]] = {}
        for part in self.parts:
            for column, source in part.columns.items():
                for header in source.needs:
                    found.setdefault(header, []).append(f"{part.kind}.{column}")
        if self.cancelled_when:
            found.setdefault(self.cancelled_when, []).append("orders.status")
        return found


def presets() -> dict[str, Preset]:
    """Every preset shipped with segmint, by name."""
    return dict(_load())


def detect(headers: Sequence[str]) -> Preset | None:
    """The preset whose signature the headers hold best (at least half of it), if any."""
    present = {fold(h) for h in headers}
    best: tuple[float, int, str] | None = None
    for preset in presets().values():
        hits = sum(fold(h) in present for h in preset.signature)
        if hits >= max(3, len(preset.signature) / 2):
            score = (hits / len(preset.signature), hits, preset.name)
            best = max(best or score, score)
    return None if best is None else presets()[best[2]]


@cache
def _load() -> tuple[tuple[str, Preset], ...]:
    folder = resources.files("segmint.ingest.platforms")
    found = []
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if file.name.endswith(".toml"):
            data = tomllib.loads(file.read_text(encoding="utf-8"))
            preset = _preset(data, file.name)
            found.append((preset.name, preset))
    return tuple(found)


def _preset(data: Mapping[str, Any], file: str) -> Preset:
    """A preset from its file's data; a malformed file is our bug, so it raises ValueError."""
    unknown = set(data) - _FIELDS
    _require(not unknown, file, f"unknown keys {sorted(unknown)}")
    parts = tuple(_part(kind, data[kind], file) for kind in TABLES if kind in data)
    preset = Preset(
        name=data["name"],
        title=_languages(data, "title", file),
        kind=data["kind"],
        rows=data.get("rows", "orders"),
        signature=tuple(data["signature"]),
        optional=frozenset(fold(h) for h in data.get("optional", ())),
        blanks=tuple(data.get("blanks", ())),
        statuses=dict(data.get("status", {})),
        cancelled_when=data.get("cancelled_when"),
        parts=parts,
        menu=_languages(data, "menu", file),
        notes=_languages(data, "notes", file),
        sources=tuple(data["sources"]),
    )
    _check(preset, file)
    return preset


def _part(kind: str, columns: Mapping[str, Any], file: str) -> Part:
    sources = {}
    for column, spec in columns.items():
        _require(column in TABLES[kind].column_names, file, f"{kind} has no column {column}")
        sources[column] = _source(spec, file)
    return Part(kind, sources)


def _source(spec: Any, file: str) -> Source:
    if isinstance(spec, str):
        return Source((spec,))
    if isinstance(spec, list):
        return Source(tuple(spec))
    headers = spec["header"]
    pattern = spec.get("pattern")
    if pattern is not None:
        _require("(?P<value>" in pattern, file, f"pattern {pattern!r} needs a group 'value'")
        re.compile(pattern)
    return Source(
        (headers,) if isinstance(headers, str) else tuple(headers),
        pattern,
        spec.get("minus"),
        tuple(spec.get("ignore", ())),
    )


def _languages(data: Mapping[str, Any], key: str, file: str) -> Text:
    texts = dict(data[key])
    _require(set(texts) == {"en", "zh"}, file, f"{key} needs en and zh")
    return Text(en=texts["en"], zh=texts["zh"])


def _check(preset: Preset, file: str) -> None:
    _require(file == f"{preset.name}.toml", file, "the file is named after the preset")
    _require(preset.rows in ROWS, file, f"rows is one of {ROWS}")
    main = preset.part(preset.kind)
    _require(main is not None, file, f"no [{preset.kind}] part")
    for part in preset.parts:
        missing = set(TABLES[part.kind].required) - set(part.columns)
        if part.kind == "events":
            missing.discard("event_id")
        _require(not missing, file, f"[{part.kind}] does not fill {sorted(missing)}")
    bad = set(preset.statuses.values()) - set(ORDER_STATUSES)
    _require(not bad, file, f"statuses {sorted(bad)} are not {ORDER_STATUSES}")
    folded = {fold(h) for h in preset.needed()}
    _require(set(map(fold, preset.signature)) <= folded, file, "the signature reads its headers")
    _require(preset.optional <= folded, file, "optional names headers the preset reads")


def _require(condition: bool, file: str, what: str) -> None:
    if not condition:
        raise ValueError(f"platform preset {file}: {what}")
