"""Rejected rows, written where the user can fix them: `quarantine/<import-id>.csv`.

One line per rejected row: its row number as a spreadsheet shows it, the error code(s),
field(s) and message(s) in the user's language, then the row's original cells under the
file's own headers. The leading columns start with `_`, so a fixed file imports again
as it is (the importer ignores such columns).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from segmint.core import i18n
from segmint.store import imports
from segmint.store.engine import Store

QUARANTINE_DIR = "quarantine"
LEAD = ("_row", "_error_code", "_error_field", "_error")


@dataclass(frozen=True, slots=True)
class Rejected:
    """One problem of one row, as stored in the `quarantine` table."""

    row: int
    code: str
    field: str | None
    params: dict[str, object]
    raw: dict[str, object]


def write(rejected: Iterable[Rejected], *, headers: Sequence[str], path: Path, lang: str) -> Path:
    """Write the quarantine file atomically (a temporary file renamed into place)."""
    by_row: dict[int, list[Rejected]] = {}
    for r in rejected:
        by_row.setdefault(r.row, []).append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    # UTF-8 with BOM so Excel opens Chinese text correctly.
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow([*LEAD, *headers])
        for row in sorted(by_row):
            problems = by_row[row]
            raw = problems[0].raw
            out.writerow(
                [
                    row,
                    "; ".join(p.code for p in problems),
                    "; ".join(p.field or "" for p in problems),
                    i18n.message("reason.separator", lang).join(
                        i18n.message(p.code, lang, **p.params) for p in problems
                    ),
                    *(_cell(raw.get(h)) for h in headers),
                ]
            )
    os.replace(tmp, path)
    return path


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def restore_missing(engine: Store, workspace: Path, *, lang: str) -> list[Path]:
    """Write again the quarantine files that are missing, from the `quarantine` table.

    The file is written after the import commits, so an import stopped between the two
    leaves its rows only in the table; the next import (or a user who deleted the file)
    gets the file back. Returns the files written.
    """
    written = []
    for import_id in imports.quarantined_imports(engine):
        path = workspace / QUARANTINE_DIR / f"{import_id}.csv"
        if path.exists():
            continue
        rows = [Rejected(*r) for r in imports.quarantined_rows(engine, import_id)]
        headers = list(rows[0].raw) if rows else []
        written.append(write(rows, headers=headers, path=path, lang=lang))
    return written
