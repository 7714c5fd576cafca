"""`segmint generate` and `segmint demo`: synthetic data with a known truth."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import ForceOption, JsonOption


class FileFormat(StrEnum):
    """What `segmint generate` writes."""

    CSV = "csv"
    PARQUET = "parquet"


CustomersOption = Annotated[
    int, typer.Option("--customers", "-n", min=1, help="How many customers.")
]
REPORT_FILE = "report.html"  # the report `segmint demo` writes into the demo's folder
SeedOption = Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")]


def register(app: typer.Typer) -> None:
    """Add `generate` and `demo` to the app."""
    app.command("generate")(generate)
    app.command("demo")(demo)


def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the files.")],
    customers: CustomersOption = 10_000,
    seed: SeedOption = 0,
    file_format: Annotated[FileFormat, typer.Option("--format", help="csv or parquet")] = (
        FileFormat.CSV
    ),
    messy: Annotated[
        bool, typer.Option(help="GBK, Chinese headers, mixed formats and broken rows (CSV).")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Last day of the data, YYYY-MM-DD (default: they end now)."),
    ] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write synthetic customers, orders, order_items, events and tickets files.

    The data follow a stated buy-till-you-die process; truth.json and truth.parquet
    record its parameters and each customer's truth (and, with --messy, every broken row).

    Example: segmint generate --customers 100000 --out data --messy
    """
    from segmint.cli import render
    from segmint.core.formats import Locale, count
    from segmint.demo.generate import generate as make
    from segmint.demo.messy import write_files

    locale = Locale()  # no workspace yet: English, as the files' own headers are
    day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now(dt.UTC)
    with render.progress(locale.text("cli.generating")):
        files = write_files(
            make(customers, seed=seed, as_of=day),
            out,
            file_format=file_format.value,
            messy=messy,
            force=force,
        )
    if as_json:
        render.emit_json({"ok": True, "files": {k: str(v) for k, v in files.items()}})
    else:
        title = locale.text("cli.generated", customers=count(customers), folder=out)
        render.key_values(title, {k: str(v) for k, v in files.items()})


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Folder of the demo workspace.")] = Path(
        "demo"
    ),
    customers: CustomersOption = 20_000,
    seed: SeedOption = 0,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Make a demo workspace of synthetic data, import it, run it, write its report.

    Prints the headline and the path of the report (report.html in the demo's folder).

    Example: segmint demo --customers 50000 --dir demo && segmint status -w demo
    """
    from segmint.cli import render
    from segmint.core.config import load
    from segmint.core.formats import locale_of
    from segmint.demo.run import run_demo
    from segmint.report import document
    from segmint.workspace import Workspace

    with render.steps("demo") as say:
        summary = run_demo(
            directory, customers=customers, seed=seed, step=say, force=force, examples=True
        )
        say("report")
        with Workspace(directory, command="segmint demo") as ws:
            # the folder is the demo's: made afresh by run_demo, or handed over with --force
            report = document.write(ws, directory / REPORT_FILE, force=True)
    if as_json:
        render.emit_json(
            {
                "ok": True,
                "imports": {k: r.as_dict(problems=5) for k, r in summary.imports.items()},
                **summary.status.model_dump(mode="json"),
                "headline": summary.headline,
                "report": str(report),
            }
        )
        return
    locale = locale_of(load(directory), None)
    render.status(summary.status, locale=locale)
    render.headline(summary.headline, locale=locale)
    render.message("\n" + locale.text("cli.report_written", file=report))
    render.message("\n" + locale.text("cli.next_after_demo", folder=directory))
