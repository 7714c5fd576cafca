"""The options every command shares, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
LangOption = Annotated[
    str | None,
    typer.Option("--lang", help="Language of messages: en or zh-CN (default: the workspace's)."),
]
