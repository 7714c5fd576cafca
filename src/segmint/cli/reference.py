"""`docs/cli.md`: every command, its help and its options, read from the app itself."""

from __future__ import annotations

from typing import Any

import typer

from segmint.cli import app


def markdown() -> str:
    """The command reference as Markdown (`make docs` writes it; a test keeps it current)."""
    root = typer.main.get_command(app)
    lines = [
        "# Command line · 命令行",
        "",
        "Generated from the `segmint` command itself (`make docs`); a test keeps it current.",
        "Every command takes `--workspace DIR` (or `SEGMINT_WORKSPACE`); reporting commands",
        "take `--json`.",
    ]
    for path, command in _commands(root, ()):
        lines += ["", f"## `segmint {' '.join(path)}`", "", *_help(command), ""]
        lines += [_param(p) for p in command.params if p.name != "help"]
    return "\n".join(lines) + "\n"


def _commands(group: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """Leaf commands with their paths (Typer's own click: duck-typed)."""
    if not hasattr(group, "commands"):
        return [(path, group)]
    found = []
    for name in sorted(group.commands):
        found += _commands(group.commands[name], (*path, name))
    return found


def _help(command: Any) -> list[str]:
    return [line.rstrip() for line in (command.help or "").strip().splitlines()]


def _param(param: Any) -> str:
    if param.param_type_name == "argument":
        return f"- `{param.name.upper()}` (argument): {getattr(param, 'help', '') or ''}"
    names = ", ".join(f"`{o}`" for o in param.opts)
    default = param.default
    said = "default" in (getattr(param, "help", "") or "")
    shown = "" if said or default in (None, False, ()) else f" (default: `{default}`)"
    return f"- {names}: {getattr(param, 'help', '') or ''}{shown}"
