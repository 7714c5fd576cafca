"""The `segmint` command: one sub-module per command group, joined here."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from segmint._version import __version__
from segmint.cli import customers, demo, ingest, run, workspace

app = typer.Typer(
    name="segmint",
    help="Customer segmentation and customer value on CRM data.\n\n"
    "Start with 'segmint demo', or 'segmint init' and 'segmint import'.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
workspace.register(app)
ingest.register(app)
demo.register(app)
run.register(app)
app.add_typer(customers.app, name="customers")


def _version(value: bool) -> None:
    if value:
        from segmint.cli import render

        render.message(f"segmint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
) -> None:
    """Customer segmentation and customer value on CRM data."""


def main(argv: list[str] | None = None) -> None:
    """Run the command line; a segmint error becomes a message and exit status 1 or 2.

    `argv` (default: the process's arguments) lets tests run it in-process exactly as
    a user's shell does, error handling included.
    """
    from segmint.core.errors import SegmintError

    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="segmint")
    except SegmintError as exc:
        if "--debug" in args:
            raise
        from segmint.cli import render

        render.error(exc, as_json="--json" in args, lang=_lang(args))
        sys.exit(exc.exit_status)


def _lang(argv: list[str]) -> str:
    """The language asked for with --lang (an error can come before a workspace is read)."""
    from segmint.core.i18n import DEFAULT_LANG, LANGS

    for i, arg in enumerate(argv):
        value = arg.removeprefix("--lang=") if arg.startswith("--lang=") else None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        if value in LANGS:
            return value
    return DEFAULT_LANG
