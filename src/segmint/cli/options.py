"""The options every command shares, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.core.i18n import LANGS

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="SEGMINT_WORKSPACE",
        show_envvar=True,
        help="Workspace folder (default: the current folder).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of tables.")
]


def _known_lang(value: str | None) -> str | None:
    if value is not None and value not in LANGS:
        raise typer.BadParameter(f"'{value}' is not a language segmint speaks; use en or zh-CN.")
    return value


LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        callback=_known_lang,
        help="Language of messages: en or zh-CN (default: the workspace's).",
    ),
]
RunOption = Annotated[
    int | None, typer.Option("--run", help="Run id (default: the current run; see 'segmint runs').")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace files that already exist.")]

# A list for the tools that contact customers (`export segment`, `campaign export`).
ListOut = Annotated[
    Path, typer.Option("--out", "-o", help="File: .csv, .xlsx, .parquet or .jsonl.")
]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="csv, xlsx, parquet or jsonl (default: the file's ending)."),
]
TemplateOption = Annotated[
    str | None,
    typer.Option(
        "--template",
        help="The layout a tool imports: email, sms or wecom. Only members who consented "
        "to that channel and have an address it can use (docs/exports.md).",
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding", help="Of a CSV: utf-8-sig (default; Excel reads Chinese), utf-8 or gb18030."
    ),
]
