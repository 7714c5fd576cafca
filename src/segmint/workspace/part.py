"""What the parts of `Workspace` (its methods kept in modules of their own) rely on it for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segmint.core.config import Settings
from segmint.store import snapshots

if TYPE_CHECKING:
    from segmint.store.engine import Store
    from segmint.store.snapshots import Run


class WorkspacePart:
    """The folder, settings, database connection and runs `Workspace` gives each part.

    And what every part derives from them: the run before a run, the language to use.
    """

    path: Path
    settings: Settings

    @property
    def engine(self) -> Store:
        """The database connection (`Workspace.engine`)."""
        raise NotImplementedError

    def _run(self, run_id: int | None) -> Run:
        """Run `run_id`, or the current one (`Workspace._run`)."""
        raise NotImplementedError

    def _previous(self, run: Run) -> Run | None:
        """The run before `run` (`snapshots.previous_run`): what movement is counted from."""
        before = snapshots.previous_run(self.engine, run.as_of)
        return None if before is None else self._run(before)

    def _lang(self, lang: str | None) -> str:
        """`lang` when given, else the workspace's language."""
        return lang or self.settings.lang
