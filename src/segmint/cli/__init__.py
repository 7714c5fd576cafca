"""The `segmint` command: one sub-module per command group, joined here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from segmint._version import __version__
from segmint.cli import (
    alerts,
    campaigns,
    customers,
    demo,
    ingest,
    playbooks,
    report,
    run,
    segments,
    service,
    webhooks,
    workspace,
)

if TYPE_CHECKING:
    from typer._click import exceptions as click

    from segmint.core.errors import InputError, SegmintError

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
segments.register(app, run.export_app)
app.add_typer(customers.app, name="customers")
app.add_typer(alerts.app, name="alerts")
service.register(app)
webhooks.register(app)
campaigns.register(app)
playbooks.register(app)
report.register(app)


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
    # Typer carries its own copy of Click (pinned with it), whose errors these are.
    from typer._click import exceptions as click

    from segmint.core.errors import SegmintError

    args = sys.argv[1:] if argv is None else argv
    try:
        # Not standalone: Click's usage errors come here, to be told like our own.
        status = app(args=args, prog_name="segmint", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        exc.show()  # the help text itself
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        _fail(usage_error(exc), args)
    except typer.Abort:
        sys.stderr.write("\n")
        sys.exit(1)
    except SegmintError as exc:
        if "--debug" in args:
            raise
        _fail(exc, args)
    sys.exit(status if isinstance(status, int) else 0)


def _fail(exc: SegmintError, args: list[str]) -> NoReturn:
    from segmint.cli import render

    render.error(exc, as_json="--json" in args, lang=_lang(args))
    sys.exit(exc.exit_status)


def usage_error(exc: click.UsageError) -> InputError:
    """Click's word on a mistaken command line as one of our errors: a code, both languages.

    An unknown option and a missing argument are told in full; other mistakes carry
    Click's own sentence, which is English.
    """
    from typer._click import exceptions as click

    from segmint.core.errors import InputError, Location

    command = exc.ctx.command_path if exc.ctx is not None else "segmint"
    if isinstance(exc, click.NoSuchOption):
        close = exc.possibilities[0] if exc.possibilities else None
        return InputError(
            "cli.no_such_option",
            location=Location(field=exc.option_name),
            option=exc.option_name,
            command=command,
            close=close,
        )
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        param = exc.param
        # an argument by the name its help shows ("[KIND] FILE"), an option by its flag
        name = param.opts[0] if param.param_type_name == "option" else param.metavar or param.name
        return InputError("cli.missing", location=Location(field=name), name=name, command=command)
    return InputError("cli.usage", problem=exc.format_message(), command=command)


def _lang(argv: list[str]) -> str:
    """The language of an error: --lang, else the workspace's `lang`, else English.

    An error can come before a command has read its workspace (or from reading it), so
    this looks at the arguments and at segmint.toml alone, without the database.
    """
    from segmint.core.i18n import DEFAULT_LANG, LANGS

    asked = _option(argv, "--lang")
    if asked in LANGS:
        return asked
    folder = _option(argv, "--workspace", "-w") or os.environ.get("SEGMINT_WORKSPACE") or "."
    setting = _workspace_lang(Path(folder))
    return setting if setting in LANGS else DEFAULT_LANG


def _option(argv: list[str], *names: str) -> str | None:
    """The value of the first of `names` in `argv` (`--name value` or `--name=value`)."""
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(f"{name}="):
                return arg.removeprefix(f"{name}=")
    return None


def _workspace_lang(folder: Path) -> str | None:
    """`lang` of the workspace's segmint.toml, read on its own (None when it cannot be read).

    The error being shown may be about that very file (not UTF-8, not TOML): then the
    error says so in English, and this must not raise a second error in its place.
    """
    import tomllib

    try:  # core.config.CONFIG_FILE, not imported for it: that module loads pydantic
        raw = tomllib.loads((folder / "segmint.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = raw.get("lang")
    return value if isinstance(value, str) else None
