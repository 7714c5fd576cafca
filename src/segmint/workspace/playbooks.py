"""The workspace's methods for playbooks and the tasks they make.

A part of `Workspace` kept in its own module; the work is `segmint.activate.playbooks`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segmint.workspace.part import WorkspacePart

if TYPE_CHECKING:
    from segmint.activate.playbooks import PlaybookRun
    from segmint.store.playbooks import Task


class PlaybookMethods(WorkspacePart):
    """`Workspace`'s methods for playbooks (it provides engine, settings, path and _run)."""

    def run_playbooks(self, *, dry_run: bool = False) -> PlaybookRun:
        """Do the ``[[playbooks.rules]]`` of the settings for their segments' members.

        Owners, tasks, lists in ``exports/`` and ``playbook.matched`` webhooks, each done
        once per customer and rule (docs/playbooks.md); `dry_run` says what would be done
        and changes nothing.
        """
        from segmint.activate import playbooks

        return playbooks.run(
            self.engine, self.settings, run=self._run(None), folder=self.path, dry_run=dry_run
        )

    def tasks(self, *, owner: str | None = None, include_done: bool = False) -> list[Task]:
        """The team's tasks, the newest first: open ones (or all), one owner's when given."""
        from segmint.store import playbooks

        return playbooks.tasks(self.engine, owner=owner, open_only=not include_done)

    def task_done(self, task_id: int, *, actor: str = "python") -> Task:
        """Mark a task done; audited."""
        from segmint.store import playbooks

        return playbooks.done(self.engine, task_id, actor=actor)

    def export_tasks(
        self,
        path: str | Path,
        *,
        owner: str | None = None,
        include_done: bool = False,
        force: bool = False,
    ) -> int:
        """Write the task list (as `tasks`) to a .csv, .xlsx or .parquet file; its rows."""
        import pyarrow as pa

        from segmint.activate import exports
        from segmint.store.playbooks import Task

        found = self.tasks(owner=owner, include_done=include_done)
        names = list(Task.model_fields)
        table = pa.table({n: [getattr(t, n) for t in found] for n in names})
        exports.export(table, Path(path), force=force)
        return len(found)
