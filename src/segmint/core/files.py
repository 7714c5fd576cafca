"""The rules for files a user names for segmint to write: never replace one unasked.

Every command that writes a file the user named (`export snapshot --out`, `generate
--out`, `demo --dir`) checks it here first: an existing file is replaced only with
`--force`, and a path that cannot be a file says so before any work is done. Writing
itself goes through `writing`, which turns the operating system's refusal (a missing
folder, no permission, a read-only disk) into an error that names the path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from segmint.core.errors import InputError


def refuse_overwrite(path: Path, *, force: bool, flag: str = "--force") -> None:
    """Raise `files.exists` when `path` exists and `force` is not set."""
    if force or not path.exists():
        return
    raise InputError("files.exists", path=path, flag=flag)


def check_new_file(path: Path, *, force: bool, flag: str = "--force") -> None:
    """`path` can be written as a file: not a folder, in a folder that exists, new or forced."""
    if path.is_dir():
        raise InputError("files.is_folder", path=path)
    folder = path.parent
    if not folder.is_dir():
        raise InputError("files.no_folder", path=path, folder=folder)
    refuse_overwrite(path, force=force, flag=flag)


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Map an `OSError` raised while writing `path` (or in its folder) to `files.cannot_write`."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError("files.cannot_write", path=path, reason=reason) from exc


def whole(path: Path, write: Callable[[Path], object]) -> None:
    """`write` a file beside `path`, then put it in place: `path` appears whole or not at all."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with writing(path):
            write(partial)
            os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
