"""Who holds a workspace for writing: a small file beside the database.

DuckDB lets one process write a database file (or many read it) and names only the
process id of the one that holds it. A writer records here what it is doing — the
command, its process id, since when and how far it has got — so another command that
finds the file locked can tell its user whether to wait. The file is replaced whole
(written beside it and renamed), removed when the writer closes, and ignored when the
process it names is gone (a writer that was killed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

SUFFIX = ".holder"


@dataclass(frozen=True, slots=True)
class Holder:
    """What holds the database: the command, its process, since when, its progress."""

    command: str
    pid: int
    since: str  # ISO 8601, UTC
    progress: str | None = None
    address: str | None = None  # a server's: where it answers
    token: str | None = None  # a server's: the key its own command line reads with


def path_of(database: Path) -> Path:
    """The holder file of `database`: `segmint.duckdb.holder` beside it."""
    return database.with_name(database.name + SUFFIX)


def write(database: Path, holder: Holder) -> None:
    """Record `holder` atomically: a reader sees the old file or the new one, never half."""
    target = path_of(database)
    partial = target.with_name(f".{target.name}.{holder.pid}.partial")
    # readable by its owner alone: a server's record holds the key its command line uses
    with open(
        os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
    ) as out:
        out.write(json.dumps(asdict(holder), ensure_ascii=False))
    os.replace(partial, target)


def start(database: Path, *, command: str) -> Holder:
    """Record that this process now holds `database` for `command`; return the record."""
    holder = Holder(
        command=command,
        pid=os.getpid(),
        since=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    write(database, holder)
    return holder


def read(database: Path) -> Holder | None:
    """The recorded holder, or None when there is none, it is unreadable, or it is gone."""
    try:
        data = json.loads(path_of(database).read_text(encoding="utf-8"))
        holder = Holder(**data)
    except (OSError, ValueError, TypeError):  # no file, or one this version cannot read
        return None
    return holder if _alive(holder.pid) else None


def remove(database: Path, *, pid: int) -> None:
    """Remove the record if it is still the one process `pid` wrote."""
    found = read(database)
    if found is not None and found.pid == pid:
        path_of(database).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
