"""`segmint import KIND FILE`: load a file, keep the good rows, quarantine the bad ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import JsonOption, LangOption, WorkspaceOption
from segmint.core.errors import InputError, Location

HELP = """Import a customers, orders, order_items, events or tickets file.

CSV/TSV (delimiter sniffed), XLSX, Parquet or JSON Lines; UTF-8, UTF-8 with BOM or
GBK/GB18030 (detected). Chinese and English headers are recognised (客户编号, 订单号,
下单时间, 实付金额 ...); name others with --map. Bad rows go to quarantine/ with their
row number and reason; the good rows are kept, and the import is all or nothing.

Examples:

  segmint import orders 订单导出.csv

  segmint import customers members.xlsx --sheet 会员 --map 会员卡号=customer_id

  segmint import orders orders.csv --strict --json
"""


def register(app: typer.Typer) -> None:
    """Add `import` to the app."""
    app.command("import", help=HELP)(import_)


def import_(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="customers, orders, order_items, events or tickets")],
    file: Annotated[Path, typer.Argument(help="The file to import.")],
    workspace: WorkspaceOption = Path("."),
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding, e.g. gb18030 (default: detected).")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name or 0-based number.")] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="HEADER=column for a header segmint does not know."),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Import nothing when any row is bad.")] = False,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import one file (the help text is HELP above)."""
    from segmint.cli import render
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        language = lang or ws.settings.lang
        with render.progress(f"importing {file.name}") as update:
            result = ws.import_file(
                kind,
                file,
                encoding=encoding,
                sheet=_sheet(sheet),
                mapping=_pairs(mapping),
                strict=strict,
                lang=language,
                name=str(file),
                progress=update,
                actor="cli",
            )
    if as_json:
        render.emit_json(result.as_dict())
    else:
        render.import_result(result.as_dict(), lang=language)


def _sheet(sheet: str | None) -> str | int | None:
    return int(sheet) if sheet is not None and sheet.isdigit() else sheet


def _pairs(items: list[str] | None) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items or []:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InputError(
                f"--map takes HEADER=column, got '{item}'.",
                hint="For example --map 会员卡号=customer_id",
                location=Location(field="--map"),
            )
        pairs[source.strip()] = target.strip()
    return pairs
