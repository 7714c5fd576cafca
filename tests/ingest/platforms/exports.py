"""Writing platform exports as the platforms write them: header order, quoting, encoding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import xlsxwriter


def header(text: str) -> list[str]:
    """A header row written as the platform writes it, comma-separated (spaces kept)."""
    return text.split(",")


def rows_of(header: Sequence[str], records: Sequence[Mapping[str, str]]) -> list[list[str]]:
    """Each record as a full row in the header's order; headers it does not name are empty.

    Records name headers without the trailing spaces some platforms write.
    """
    known = {h.strip() for h in header}
    for record in records:
        unknown = set(record) - known
        assert not unknown, f"not in the header: {unknown}"
    return [[record.get(h.strip(), "") for h in header] for record in records]


def write_csv(
    path: Path,
    header: Sequence[str],
    records: Sequence[Mapping[str, str]],
    *,
    encoding: str = "utf-8",
    quote_all: bool = False,
) -> Path:
    """A CSV file; a cell written as ="…" stays outside quotes, as Excel-minded exports do."""

    def cell(text: str) -> str:
        if text.startswith('="') or not (quote_all or any(c in text for c in ',"\n')):
            return text
        return '"' + text.replace('"', '""') + '"'

    lines = [",".join(cell(h) for h in header)]
    lines += [",".join(cell(c) for c in row) for row in rows_of(header, records)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(
    path: Path, header: Sequence[str], records: Sequence[Mapping[str, str]], *, sheet: str
) -> Path:
    """An .xlsx file of text cells, as a platform's download or a re-saved CSV."""
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet(sheet)
    for c, text in enumerate(header):
        ws.write_string(0, c, text)
    for r, row in enumerate(rows_of(header, records), start=1):
        for c, text in enumerate(row):
            if text:
                ws.write_string(r, c, text)
    book.close()
    return path
