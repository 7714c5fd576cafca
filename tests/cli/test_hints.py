"""Every command and flag the catalogue's texts name exists in the `segmint` app.

A hint that sends the user to `segmint launch` (no such command) or to `import --format` (not
an option of import) is worse than none. This walks the Typer app (groups, commands,
their options) and checks every text of the catalogue, both languages: messages, hints
and meanings.

What counts as naming a command:

- `segmint WORD ...` quoted ('segmint run', "…", `…`), or after a colon or a `·`
  ("next: segmint segments · segmint customer ID"), or in a Chinese text
  ("请运行 segmint run"): WORD must be a command; after a group, the next word (if it
  is a plain lowercase word) must be one of its commands;
- `segmint WORD` anywhere, when WORD is a command: its sub-command and flags are checked;
- other `segmint WORD` in English prose ("segmint does not know") is a sentence.

Flags inside such a mention must be options of that command (or of the root); a flag
right after a command's name ("import --format") must be one of its options; any other
flag must be an option of some command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
import typer

from segmint.cli import app
from segmint.core import i18n


@dataclass
class Command:
    """A command or group of the app: its options and, for a group, its commands."""

    options: set[str]
    commands: dict[str, Command] = field(default_factory=dict)


def _command(click_command: object) -> Command:
    options = {"--help"}
    for param in getattr(click_command, "params", []):
        options |= {
            o for o in (*param.opts, *getattr(param, "secondary_opts", [])) if o.startswith("-")
        }
    subs = getattr(click_command, "commands", {})
    return Command(options, {name: _command(sub) for name, sub in subs.items()})


ROOT = _command(typer.main.get_command(app))

# A mention runs from "segmint" to the end of its clause: a quote, a `·`, a sentence end.
_MENTION = re.compile(
    r"\bsegmint +([^'\"`·。，；;,()（）]*?)(?=['\"`·。，；;,()（）]|\.(?:\s|$)|$)"
)
# Where a mention is surely meant as a command: opened by a quote, a colon or a `·`.
_OPENED = re.compile(r"(['\"`]|[:：·]\s*)$")
_FLAG = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")
_WORD = re.compile(r"[a-z][a-z_-]*")


def _all_options(command: Command) -> set[str]:
    found = set(command.options)
    for sub in command.commands.values():
        found |= _all_options(sub)
    return found


def _named(command: Command, *, prefix: tuple[str, ...] = ()) -> dict[str, Command]:
    """Every command by its name (a sub-command also by its own name): 'import', 'merge'."""
    found: dict[str, Command] = {}
    for name, sub in command.commands.items():
        found[name] = sub
        found |= _named(sub, prefix=(*prefix, name))
    return found


def _check_mention(words: list[str], *, sure: bool) -> list[str] | None:
    """Problems with one `segmint ...` mention (its words after 'segmint'); None for prose."""
    if not words or not _WORD.fullmatch(words[0]):
        return None
    if words[0] not in ROOT.commands:
        return [f"'segmint {words[0]}' is not a command"] if sure else None
    path, command = ["segmint", words[0]], ROOT.commands[words[0]]
    rest = words[1:]
    while command.commands and rest and _WORD.fullmatch(rest[0]):
        if rest[0] not in command.commands:
            return [f"'{' '.join(path)}' has no command '{rest[0]}'"]
        path.append(rest[0])
        command, rest = command.commands[rest[0]], rest[1:]
    known = command.options | ROOT.options
    flags = [w.split("=")[0] for w in rest if _FLAG.fullmatch(w.split("=")[0])]
    return [f"'{' '.join(path)}' has no option {f}" for f in flags if f not in known]


def problems(text: str, *, chinese: bool = False) -> list[str]:
    """Every command or flag `text` names that the app does not have."""
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _MENTION.finditer(text):
        sure = chinese or bool(_OPENED.search(text[: match.start()]))
        mention = _check_mention(match.group(1).split(), sure=sure)
        if mention is not None:  # a command: its flags are checked with it, not again below
            found += mention
            spans.append(match.span())
    by_name, everywhere = _named(ROOT), _all_options(ROOT) | ROOT.options
    for match in _FLAG.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue  # checked with its command
        before = text[: match.start()].split()
        owner = by_name.get(before[-1]) if before else None
        flag = match.group(1)
        if owner is not None and flag not in owner.options | ROOT.options:
            found.append(f"'{before[-1]}' has no option {flag}")
        elif owner is None and flag not in everywhere:
            found.append(f"no command has an option {flag}")
    return found


def _texts() -> list[tuple[str, str, bool]]:
    """(where, text, is Chinese) for every message, hint and meaning of the catalogue."""
    texts = []
    for key, entry in i18n.catalogue().items():
        for part, value, chinese in (
            ("en", entry.en, False),
            ("zh", entry.zh, True),
            ("hint.en", entry.hint_en, False),
            ("hint.zh", entry.hint_zh, True),
            ("about.en", entry.about_en, False),
            ("about.zh", entry.about_zh, True),
        ):
            if value:
                texts.append((f"{key} {part}", value, chinese))
    return texts


def test_the_app_is_walked():
    assert {"init", "status", "import", "run", "export", "customers"} <= set(ROOT.commands)
    assert "merge" in ROOT.commands["customers"].commands
    assert {"--workspace", "-w", "--encoding"} <= ROOT.commands["import"].options


def test_every_command_and_flag_the_catalogue_names_exists():
    found = [
        f"{where}: {problem}"
        for where, text, chinese in _texts()
        for problem in problems(text, chinese=chinese)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("Start the server with 'segmint launch'.", False),
        ("next: segmint launch --port 8000", False),
        ("请运行 segmint launch 启动服务。", True),
        ("Pass the format with import --format csv.", False),
        ("Run 'segmint import orders FILE --format csv'.", False),
        ("Run segmint import --format csv orders FILE.", False),
        ("Merge them with 'segmint customers join A B'.", False),
        ("Pass --no-such-flag to skip it.", False),
        ("segmint does not know --no-such-flag.", False),
        ("Run 'segmint run --as-of DATE --fast'.", False),
    ],
)
def test_a_command_or_flag_that_does_not_exist_is_found(text, chinese):
    assert problems(text, chinese=chinese)


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("segmint does not replace a file unless asked", False),
        ("Upgrade segmint to open it.", False),
        ("a header segmint does not know.", False),
        ("Create one with 'segmint init {path}', or pass --workspace DIR.", False),
        ("next: segmint segments -w {folder} · segmint customer ID -w {folder}", False),
        ("请先导入订单：segmint import orders 文件。", True),
        ("请给出两个不同的编号：segmint customers merge KEEP OTHER。", True),
        ("Customer ids are as imported; 'segmint export snapshot --out FILE' lists them.", False),
        ("Write it to customers.xlsx with segmint export snapshot -o customers.xlsx.", False),
        ("segmint 能读取的格式", True),
        ("--workspace names the folder; segmint does not guess it.", False),
    ],
)
def test_what_exists_or_is_prose_passes(text, chinese):
    assert not problems(text, chinese=chinese)
