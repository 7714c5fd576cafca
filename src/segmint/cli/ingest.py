"""`segmint import KIND FILE`: load a file, keep the good rows, quarantine the bad ones."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from segmint.cli.options import JsonOption, LangOption, WorkspaceOption
from segmint.core.errors import InputError, Location
from segmint.core.i18n import catalogue

if TYPE_CHECKING:
    from segmint.ingest.importer import ImportResult

HELP = """Import a file: customers, orders, order_items, events or tickets, or a shop's export.

CSV/TSV (delimiter sniffed), XLSX, Parquet or JSON Lines; UTF-8, UTF-8 with BOM or
GBK/GB18030 (detected). Chinese and English headers are recognised (客户编号, 订单号,
下单时间, 实付金额 ...); name others with --map. Bad rows go to quarantine/ with their
row number and reason; the good rows are kept, and the import is all or nothing.

The order exports of Taobao/Tmall, JD, Pinduoduo, Youzan, Douyin, Shopify and
WooCommerce are recognised by their headers and read as they are downloaded: one import
fills orders, order items and customers, maps the platform's statuses and takes refunds
off revenue (docs/platforms.md). --preset names the platform, --preset none reads the
file by its headers alone. Without KIND, the kind is found from the headers.

A file whose headers fit another kind better (an orders file imported as customers) is
refused unless --force. The header row is the first row naming the required columns
(a title row above it is stepped over); --header-row names it.

Examples:

  segmint import ExportOrderList202403101200.csv

  segmint import orders 订单导出.csv

  segmint import orders orders_export.csv --preset shopify

  segmint import customers members.xlsx --sheet 会员 --map 会员卡号=customer_id

  segmint import orders orders.csv --strict --json
"""


def register(app: typer.Typer) -> None:
    """Add `import` to the app."""
    app.command("import", help=HELP)(import_)


def import_(
    ctx: typer.Context,
    arguments: Annotated[
        list[str],
        typer.Argument(
            metavar="[KIND] FILE",
            help="KIND: customers, orders, order_items, events or tickets (found when "
            "left out); FILE: the file to import.",
            show_default=False,
        ),
    ],
    workspace: WorkspaceOption = Path("."),
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding, e.g. gb18030 (default: detected).")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name or 0-based number.")] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="HEADER=column for a header segmint does not know."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help="A platform's export: taobao, jd, pinduoduo, youzan, douyin, shopify, "
            "woocommerce ... (default: recognised by its headers); none for no preset."
        ),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Import nothing when any row is bad.")] = False,
    force: Annotated[
        bool,
        typer.Option(help="Import even when the headers fit another kind better."),
    ] = False,
    header_row: Annotated[
        int | None,
        typer.Option(min=1, help="Row of a CSV or XLSX file that holds the headers (1 = first)."),
    ] = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import one file (the help text is HELP above)."""
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    kind, file = _kind_and_file(arguments)
    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        language = locale.lang
        with render.progress(locale.text("cli.importing", file=file.name)) as update:
            result = ws.import_file(
                kind,
                file,
                encoding=encoding,
                sheet=_sheet(sheet),
                mapping=_pairs(mapping),
                preset=preset,
                strict=strict,
                force=force,
                header_row=header_row,
                lang=language,
                name=str(file),
                progress=update,
                actor="cli",
            )
    data = {
        **_in_language(result, language),
        "quarantine_path": _from_here(workspace, result.quarantine_file),
    }
    if as_json:
        render.emit_json(data)
    else:
        # The quarantine file as a path that opens from the current folder (-w DIR).
        shown = {**data, "quarantine_file": data["quarantine_path"]}
        render.import_result(shown, locale=locale, preset=_preset_title(result, language))
        render.view_updates(result.view, locale=locale)


def _kind_and_file(arguments: list[str]) -> tuple[str | None, Path]:
    """KIND FILE, or FILE alone (its kind is then found from its headers)."""
    from segmint.core.schema import KINDS

    if len(arguments) == 2:
        return arguments[0], Path(arguments[1])
    if len(arguments) == 1 and arguments[0] in KINDS and not Path(arguments[0]).exists():
        where = Location(field="FILE")
        raise InputError("cli.missing", location=where, name="FILE", command="segmint import")
    if len(arguments) == 1:
        return None, Path(arguments[0])
    raise InputError(
        "cli.import_arguments",
        location=Location(field="[KIND] FILE"),
        got=" ".join(arguments),
        count=len(arguments),
    )


def _preset_title(result: ImportResult, lang: str) -> str | None:
    from segmint.ingest.platforms import presets

    return None if result.preset is None else presets()[result.preset].title.render(lang)


def _in_language(result: ImportResult, lang: str) -> dict[str, Any]:
    """The result with its problems' messages in `lang` (their codes stay, for scripts)."""
    from segmint.ingest.validate import localized

    data: dict[str, Any] = result.as_dict()
    data["problems"] = [
        {
            **shown,
            "message": localized(problem, lang)
            if problem.code in catalogue()
            else shown["message"],
        }
        for shown, problem in zip(data["problems"], result.problems, strict=False)
    ]
    return data


def _from_here(workspace: Path, relative: str | None) -> str | None:
    """A path inside the workspace, relative to the current folder (absolute if it cannot be)."""
    if relative is None:
        return None
    path = (workspace / relative).absolute()
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _sheet(sheet: str | None) -> str | int | None:
    return int(sheet) if sheet is not None and sheet.isdigit() else sheet


def _pairs(items: list[str] | None) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items or []:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InputError("ingest.bad_map", location=Location(field="--map"), got=item)
        pairs[source.strip()] = target.strip()
    return pairs
