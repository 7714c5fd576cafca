"""What one file fills: the tables of an import, each with its columns and its checks.

A plain file fills one table, the kind named (or, with no kind, the one its headers fit),
from its headers: synonyms, `[mapping]` and `--map`. A platform's export (see
`ingest.platforms`) fills the tables of its preset — orders, and where the export has
them, order_items and customers — from columns derived from the export (`ingest.derive`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from segmint.core.errors import InputError, Location, Phrase, SchemaError
from segmint.core.schema import TABLES
from segmint.ingest import derive
from segmint.ingest.batches import Batch
from segmint.ingest.derive import FirstRows, Layout
from segmint.ingest.mapping import (
    VALUE_SYNONYMS,
    HeaderMap,
    fold,
    holds_required,
    likely_kind,
    map_headers,
)
from segmint.ingest.platforms import Preset, Source, detect, presets
from segmint.ingest.validate import Context

NO_PRESET = "none"  # --preset none: read the file by its headers, whatever it looks like
ContextOf = Callable[..., Context]  # Context with the file's settings bound; kind etc. to add


@dataclass(frozen=True, slots=True)
class Target:
    """One table the file fills: how its rows are read from a batch and checked."""

    kind: str
    ctx: Context
    layout: Layout | None = None  # None: the file's own columns, as mapped

    @property
    def fills_only(self) -> bool:
        """Customers read from an order export only fill what a customer record lacks."""
        return (
            self.layout is not None
            and self.kind == "customers"
            and self.layout.preset.kind != "customers"
        )

    def rows(self, batch: Batch) -> Batch:
        """The batch as this table's rows."""
        return batch if self.layout is None else derive.rows(batch, self.layout)


@dataclass(frozen=True, slots=True)
class Plan:
    """The tables one file fills, in the order they are merged (customers first)."""

    kind: str  # the table the file is chiefly about
    targets: tuple[Target, ...]
    preset: Preset | None

    @property
    def main(self) -> Target:
        """The target of `kind`."""
        return next(t for t in self.targets if t.kind == self.kind)


def accepts_header(
    kind: str | None, preset: str | None, extra: Mapping[str, str]
) -> Callable[[Sequence[str]], bool]:
    """Whether a row of cells is the file's header row: a preset's, or a table's."""

    def accepts(cells: Sequence[str]) -> bool:
        if preset != NO_PRESET and _chosen(cells, preset) is not None:
            return True
        kinds = TABLES if kind is None else (kind,)
        return any(holds_required(cells, k, extra=extra) for k in kinds)

    return accepts


def plan(
    headers: Sequence[str],
    kind: str | None,
    *,
    preset: str | None,
    extra: Mapping[str, str],
    mapping: Mapping[str, str],
    name: str,
    force: bool,
    context: ContextOf,
    repeated: Sequence[tuple[str, int, int]] = (),
) -> Plan:
    """The tables `headers` fill as `kind` (guessed when None), with the preset named or found.

    `repeated` lists the headers the file repeats (see `FileReader.repeated`): a plain file
    must not repeat one; a platform's export may repeat a column its preset does not read.

    Raises
    ------
    InputError
        --preset names no preset, or one without the kind asked for; no kind is given
        and the headers fit no preset and no table.
    SchemaError
        A platform's export lacks a column its preset reads; a plain file lacks a required
        column or fits another kind better (see `ingest.mapping`).
    """
    chosen = _chosen(headers, preset)
    if chosen is not None and kind is not None and chosen.part(kind) is None:
        if preset is not None:
            raise _not_for_kind(chosen, kind, name)
        chosen = None  # found by its headers, but asked for as something it does not hold
    read = {fold(h) for h in chosen.needed()} if chosen is not None else None
    for header, first, second in repeated:
        if read is None or fold(header) in read:
            raise InputError(
                "ingest.duplicate_header",
                location=Location(file=name, field=header),
                file=name,
                header=header,
                first=first,
                second=second,
            )
    if chosen is not None:
        return _preset_plan(headers, kind, chosen, mapping=mapping, name=name, context=context)
    kind = kind or _guessed_kind(headers, extra=extra, name=name)
    columns = _map(headers, kind, extra=extra, name=name, force=force)
    return Plan(kind, (Target(kind, context(kind=kind, headers=columns)),), None)


def _chosen(headers: Sequence[str], preset: str | None) -> Preset | None:
    if preset == NO_PRESET:
        return None
    if preset is None:
        return detect(headers)
    known = presets()
    if preset not in known:
        close = difflib.get_close_matches(preset, known, n=1)
        raise InputError(
            "ingest.unknown_preset",
            location=Location(field="--preset"),
            name=preset,
            names=", ".join(known),
            close=close[0] if close else None,
        )
    return known[preset]


def _preset_plan(
    headers: Sequence[str],
    kind: str | None,
    preset: Preset,
    *,
    mapping: Mapping[str, str],
    name: str,
    context: ContextOf,
) -> Plan:
    preset = _with_map(preset, kind or preset.kind, mapping)
    found = derive.file_headers(tuple(headers))
    _check_columns(preset, found, kind=kind or preset.kind, name=name)
    vocabulary = {**VALUE_SYNONYMS, "status": {**VALUE_SYNONYMS["status"], **preset.statuses}}
    targets = []
    for part in preset.parts:
        if kind not in (None, preset.kind, part.kind):
            continue  # asked for one of its other tables only (customers of an order export)
        first = preset.rows == "items" and part.kind != "order_items"
        layout = Layout(preset, part, found, FirstRows() if first else None)
        # The derived cells are read as Excel shows them already (derive unwraps ="…").
        ctx = context(
            kind=part.kind, headers=layout.header_map(), vocabulary=vocabulary, excel_text=False
        )
        targets.append(Target(part.kind, ctx, layout))
    ordered = sorted(targets, key=lambda t: list(TABLES).index(t.kind))
    return Plan(kind or preset.kind, tuple(ordered), preset)


def _with_map(preset: Preset, kind: str, mapping: Mapping[str, str]) -> Preset:
    """`--map HEADER=column` reads that column of `kind` from HEADER instead."""
    if not mapping:
        return preset
    parts = tuple(
        replace(p, columns={**p.columns, **{c: Source((h,)) for h, c in mapping.items()}})
        if p.kind == kind
        else p
        for p in preset.parts
    )
    return replace(preset, parts=parts)


def _check_columns(preset: Preset, found: Mapping[str, str], *, kind: str, name: str) -> None:
    """Every header the preset reads for these tables is there, unless it is optional."""
    for header, columns in preset.needed().items():
        used = [c for c in columns if c.split(".")[0] == kind or kind == preset.kind]
        if used and fold(header) not in found and fold(header) not in preset.optional:
            table, column = used[0].split(".")
            raise SchemaError(
                "ingest.platform_missing_column",
                location=Location(file=name, field=header),
                file=name,
                platform=preset.title,
                header=header,
                columns=", ".join(used),
                purpose=Phrase(f"column.{table}.{column}"),
                kind=kind,
            )


def _not_for_kind(preset: Preset, kind: str, name: str) -> InputError:
    return InputError(
        "ingest.preset_not_for_kind",
        location=Location(field="--preset"),
        platform=preset.title,
        kinds=", ".join(p.kind for p in preset.parts),
        kind=kind,
        main=preset.kind,
        file=name,
        name=preset.name,
    )


def _guessed_kind(headers: Sequence[str], *, extra: Mapping[str, str], name: str) -> str:
    """The table whose required columns the headers name; the one asking most, if several.

    An orders file names customer_id too, but orders ask for more than customers do.
    """
    fitting = [k for k in TABLES if holds_required(headers, k, extra=extra)]
    if not fitting:
        raise InputError(
            "ingest.unknown_kind_of_file",
            location=Location(file=name),
            file=name,
            headers=", ".join(headers) or "(none)",
        )
    return max(fitting, key=lambda k: len(TABLES[k].required))


def _map(
    found: Sequence[str], kind: str, *, extra: Mapping[str, str], name: str, force: bool
) -> HeaderMap:
    """The file's headers mapped to `kind`, refused when they fit another kind better.

    With `force`, the headers that are the other kind's own fields (order_id, ordered_at,
    amount, an order's channel ... in an orders file imported as customers) are set
    aside: they neither fill a column nor go into attributes.
    """
    likely = likely_kind(found, kind, extra=extra)
    if likely is not None and not force:
        raise SchemaError(
            "ingest.wrong_kind",
            location=Location(file=name),
            file=name,
            kind=kind,
            likely=likely[0],
            evidence=", ".join(
                f"'{h}'" + ("" if h == c else f" ({c})") for c, h in likely[1].items()
            ),
        )
    headers = map_headers(found, kind, extra=extra, file=name)
    if likely is None:
        return headers
    key = {headers.columns[c] for c in TABLES[kind].key if c in headers.columns}
    foreign = [h for h in found if h in likely[1].values() and h not in key]
    return HeaderMap(
        columns={c: h for c, h in headers.columns.items() if h not in foreign},
        unmapped=tuple(h for h in headers.unmapped if h not in foreign),
        foreign=tuple(foreign),
    )
