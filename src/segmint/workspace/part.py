"""What the parts of `Workspace` (its methods kept in modules of their own) rely on it for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segmint.core.config import Settings

if TYPE_CHECKING:
    from segmint.store.duckdb import DuckDBEngine
    from segmint.store.snapshots import Run


class WorkspacePart:
    """The folder, settings, database connection and runs `Workspace` gives each part."""

    path: Path
    settings: Settings

    @property
    def engine(self) -> DuckDBEngine:
        """The database connection (`Workspace.engine`)."""
        raise NotImplementedError

    def _run(self, run_id: int | None) -> Run:
        """Run `run_id`, or the current one (`Workspace._run`)."""
        raise NotImplementedError
