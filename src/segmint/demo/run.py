"""`segmint demo`: a workspace of synthetic data, imported through the real importer."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segmint.core.errors import InputError
from segmint.core.schema import KINDS
from segmint.demo.generate import generate
from segmint.demo.messy import write_files
from segmint.ingest.importer import ImportResult
from segmint.workspace import Workspace

MARKER = ".segmint-demo"  # a folder made by `segmint demo`, safe to make again
Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo built."""

    workspace: Path
    customers: int
    seed: int
    imports: dict[str, ImportResult]
    status: dict[str, Any]


def run_demo(
    directory: Path,
    *,
    customers: int = 20_000,
    seed: int = 0,
    as_of: dt.date | None = None,
    step: Step | None = None,
) -> DemoSummary:
    """Make (or remake) a demo workspace in `directory`: generate, write files, import."""
    _prepare(directory)
    say = step or (lambda _: None)
    say(f"generating {customers:,} customers")
    dataset = generate(customers, seed=seed, as_of=as_of or dt.date.today())
    files = write_files(dataset, directory / "data", file_format="csv")
    results: dict[str, ImportResult] = {}
    with Workspace.init(directory) as ws:
        for kind in KINDS:
            say(f"importing {kind}")
            results[kind] = ws.import_file(
                kind, files[kind], name=f"data/{files[kind].name}", actor="demo"
            )
        status = ws.status()
    (directory / MARKER).write_text(f"seed={seed}\ncustomers={customers}\n", encoding="utf-8")
    return DemoSummary(directory, customers, seed, results, status)


def _prepare(directory: Path) -> None:
    if (directory / MARKER).exists():
        shutil.rmtree(directory)
    elif directory.exists() and any(directory.iterdir()):
        raise InputError(
            f"'{directory}' is not empty and was not made by 'segmint demo'.",
            hint="Choose another folder with --dir.",
        )
    directory.mkdir(parents=True, exist_ok=True)
