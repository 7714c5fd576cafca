"""Golden files in sqlglot's fixture style: `--` comment lines, cases split by a blank line.

Run with SEGMINT_REGENERATE=1 to rewrite the expected lines from the code (each case's
first line, the rule, is kept); the committed files are the truth, so read the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
REGENERATE = os.environ.get("SEGMINT_REGENERATE") == "1"


def cases(name: str) -> list[list[str]]:
    """The cases of fixture `name`, each a list of lines, comment lines left out."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("--")]
    return [c.splitlines() for c in "\n".join(lines).split("\n\n") if c.strip()]


def regenerate(name: str, expected: Callable[[str], list[str]]) -> None:
    """Rewrites fixture `name`: its comments, then each rule with `expected(rule)`."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("--")]
    body = ["\n".join([case[0], *expected(case[0])]) for case in cases(name)]
    (FIXTURES / name).write_text(
        "\n".join(header) + "\n" + "\n\n".join(body) + "\n", encoding="utf-8"
    )
