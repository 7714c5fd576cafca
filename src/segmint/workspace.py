"""`Workspace`: the one object the faces talk to — a folder with settings and a database.

A workspace is a folder holding `segmint.toml` and `segmint.duckdb` (plus `quarantine/`).
The database is opened on first use, upgraded to the current schema, and closed with
`close()` or at the end of a `with` block.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from segmint.core import config
from segmint.core.errors import InputError, Location, NotFoundError
from segmint.core.schema import KINDS
from segmint.ingest.importer import ImportOptions, ImportResult, Progress, import_file
from segmint.store import identity
from segmint.store.duckdb import DuckDBEngine
from segmint.store.identity import DuplicateGroup
from segmint.store.migrations import migrate
from segmint.store.status import status

DATABASE_FILE = "segmint.duckdb"


class Workspace:
    """A segmint workspace on disk.

    Parameters
    ----------
    path : str or Path, default "."
        The workspace folder (it must hold a `segmint.toml`; see `Workspace.init`).

    Examples
    --------
    >>> ws = Workspace.init(tmp)  # doctest: +SKIP
    >>> ws.import_file("orders", "orders.csv").accepted  # doctest: +SKIP
    1000
    """

    def __init__(self, path: str | Path = ".") -> None:
        self.path = Path(path)
        if not (self.path / config.CONFIG_FILE).is_file():
            raise NotFoundError(
                f"'{path}' is not a segmint workspace (no {config.CONFIG_FILE}).",
                hint=f"Create one with 'segmint init {path}', or pass --workspace DIR.",
                code="workspace.not_found",
            )
        self.settings = config.load(self.path)
        self._engine: DuckDBEngine | None = None

    @classmethod
    def init(cls, path: str | Path) -> Workspace:
        """Create a workspace folder with default settings and an empty database.

        An existing workspace is opened as it is (its settings are not overwritten).
        """
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        settings_file = folder / config.CONFIG_FILE
        if not settings_file.exists():
            settings_file.write_text(config.render_default(), encoding="utf-8")
        workspace = cls(folder)
        workspace.engine  # noqa: B018 -- creates the database and its tables now
        return workspace

    @property
    def engine(self) -> DuckDBEngine:
        """The database connection, opened (and migrated) on first use."""
        if self._engine is None:
            self._engine = DuckDBEngine(
                self.path / DATABASE_FILE, memory_limit=self.settings.memory_limit
            )
            migrate(self._engine)
        return self._engine

    def close(self) -> None:
        """Close the database; the workspace may be used again (it reopens)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def import_file(
        self,
        kind: str,
        path: str | Path,
        *,
        encoding: str | None = None,
        sheet: str | int | None = None,
        mapping: Mapping[str, str] | None = None,
        strict: bool = False,
        lang: str | None = None,
        name: str | None = None,
        today: dt.date | None = None,
        progress: Progress | None = None,
        actor: str = "python",
    ) -> ImportResult:
        """Import a customers, orders, order_items, events or tickets file.

        Good rows are kept, bad rows quarantined with their row number and reason; the
        import is all or nothing. See `segmint import --help` for the accepted forms.
        """
        options = ImportOptions(
            name=name or str(path),
            encoding=encoding,
            sheet=sheet,
            mapping=mapping or {},
            strict=strict,
            lang=lang or self.settings.lang,
            actor=actor,
        )
        return import_file(
            self.engine,
            check_kind(kind),
            Path(path),
            settings=self.settings,
            workspace=self.path,
            options=options,
            today=today or self.today(),
            progress=progress,
        )

    def today(self) -> dt.date:
        """Today's date in the workspace's time zone (the import day)."""
        return dt.datetime.now(ZoneInfo(self.settings.timezone)).date()

    def status(self) -> dict[str, Any]:
        """Row counts, net revenue, the orders' date range and the latest imports."""
        return {"workspace": str(self.path), **status(self.engine)}

    def duplicates(self) -> list[DuplicateGroup]:
        """Customers that share a normalized phone or e-mail under different ids."""
        return identity.duplicate_groups(self.engine)

    def merge_customers(self, keep: str, other: str, *, actor: str = "python") -> dict[str, int]:
        """Merge customer `other` into `keep`; return the rows moved per table."""
        return identity.merge(self.engine, keep, other, actor=actor)


def check_kind(kind: str) -> str:
    """`kind` if it names a canonical table, else an `InputError` with the closest one."""
    if kind in KINDS:
        return kind
    close = difflib.get_close_matches(kind, KINDS, n=1)
    raise InputError(
        f"unknown kind '{kind}'; use one of {', '.join(KINDS)}.",
        hint=f"Did you mean '{close[0]}'?" if close else None,
        location=Location(field="kind"),
        code="input.unknown_kind",
    )
