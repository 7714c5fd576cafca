"""The workspace's methods that take data in: a file, a batch of objects, the days passing.

A part of `Workspace` kept in its own module; the work is `segmint.ingest.importer`'s and
`segmint.pipeline.live`'s. Each import is followed by the update of the live view that
takes its customers in.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from segmint.core.errors import InputError, Location
from segmint.core.schema import KINDS, TABLES
from segmint.workspace.part import WorkspacePart

if TYPE_CHECKING:
    from segmint.core.updates import ViewUpdate
    from segmint.ingest.importer import ImportResult
    from segmint.ingest.items import BatchResult
    from segmint.ingest.loader import Progress

STREAMED = ("customers", "orders", "events", "tickets")  # what `ingest` takes a batch of


class ImportMethods(WorkspacePart):
    """`Workspace`'s methods that import (it provides path, settings and engine)."""

    def import_file(
        self,
        kind: str | None,
        path: str | Path,
        *,
        preset: str | None = None,
        encoding: str | None = None,
        sheet: str | int | None = None,
        mapping: Mapping[str, str] | None = None,
        strict: bool = False,
        lang: str | None = None,
        name: str | None = None,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
        force: bool = False,
        header_row: int | None = None,
        progress: Progress | None = None,
        actor: str = "python",
    ) -> ImportResult:
        """Import a customers, orders, order_items, events or tickets file, or a shop's export.

        `kind` None finds the kind from the headers. A platform's order export (Taobao,
        JD, Shopify ...; see `docs/platforms.md`) is recognised by its headers and fills
        orders, order_items and customers at once; `preset` names the platform's preset
        instead, or "none" to read the file by its headers alone.

        Good rows are kept, bad rows quarantined with their row number and reason; the
        import is all or nothing. Quarantine files of earlier imports that are missing
        (an import stopped after its commit, a file deleted) are written again first.
        See `segmint import --help` for the accepted forms.

        `now` is the moment of import (aware; the current time by default): nothing may
        be dated after it. `today` instead sets the import day, as the end of that local
        day. `force` imports a file whose headers fit another kind better; `header_row`
        is the row that holds the headers (found by itself when omitted).
        """
        from segmint.ingest import quarantine
        from segmint.ingest.importer import ImportOptions, import_file
        from segmint.pipeline.live import update

        quarantine.restore_missing(self.engine, self.path, lang=self._lang(lang))
        options = ImportOptions(
            name=name or str(path),
            encoding=encoding,
            sheet=sheet,
            mapping=mapping or {},
            strict=strict,
            lang=self._lang(lang),
            actor=actor,
            force=force,
            header_row=header_row,
            preset=preset,
        )
        result = import_file(
            self.engine,
            None if kind is None else check_kind(kind),
            Path(path),
            settings=self.settings,
            workspace=self.path,
            options=options,
            now=now or self._import_moment(today),
            progress=self._import_progress(progress, name=name or str(path)),
        )
        done = update(self.engine, self.settings, actor=actor, import_id=result.import_id)
        return replace(result, view=tuple(done))

    def ingest(
        self,
        kind: str,
        items: Sequence[Mapping[str, object]],
        *,
        actor: str = "python",
        now: dt.datetime | None = None,
        live: bool = True,
    ) -> BatchResult:
        """Import a batch of customers, orders, events or tickets sent as objects (API POSTs).

        The same checks, transaction and quarantine as a file of the same objects; the
        same item twice counts once; the live view then takes the customers in — before
        the answer, or with `live` False later, in one `update_view` for many batches
        (their customers stay marked until then, across a restart too). Each item's
        outcome says what to retry (`segmint.ingest.items`).
        """
        from segmint.ingest.importer import ImportOptions, import_objects
        from segmint.ingest.items import BatchResult, outcomes
        from segmint.pipeline.live import update
        from segmint.store import imports

        if kind not in STREAMED:
            raise InputError(
                "api.unknown_stream",
                location=Location(field="kind"),
                kind=kind,
                kinds=", ".join(STREAMED),
            )
        (key,) = TABLES[kind].key
        options = ImportOptions(name=f"api {kind}", lang=self.settings.lang, actor=actor, rows=True)
        moment = now or dt.datetime.now(dt.UTC)
        result = import_objects(
            self.engine,
            kind,
            items,
            settings=self.settings,
            workspace=self.path,
            options=options,
            now=moment,
        )
        view = (
            update(self.engine, self.settings, actor=actor, import_id=result.import_id)
            if live
            else []
        )
        found = outcomes(
            items,
            key=key,
            problems=result.problems,
            present=result.present,
            changed=imports.changed_keys(self.engine, result.import_id, kind),
        )
        count = Counter(i.status for i in found)
        return BatchResult(
            import_id=result.import_id,
            kind=kind,
            received=len(items),
            new=count["new"],
            updated=count["updated"],
            already_present=count["already_present"],
            duplicates=count["duplicate"],
            rejected=count["rejected"],
            items=found,
            view=view,
            view_pending=not live and self._has_view(),
            received_at=moment,
        )

    def _has_view(self) -> bool:
        """Whether the current run keeps a live view (none before the first run)."""
        from segmint.store import live, snapshots

        run_id = snapshots.current_run(self.engine)
        return run_id is not None and live.started(self.engine, run_id)

    def update_view(self, *, actor: str = "python") -> list[ViewUpdate]:
        """Take every customer new data touched into the live view (see `ingest`'s `live`)."""
        from segmint.pipeline.live import update

        return update(self.engine, self.settings, actor=actor)

    def _import_moment(self, today: dt.date | None) -> dt.datetime:
        if today is None:
            return dt.datetime.now(dt.UTC)
        midnight = dt.datetime.combine(today, dt.time(), ZoneInfo(self.settings.timezone))
        return midnight + dt.timedelta(days=1) - dt.timedelta(microseconds=1)

    def _import_progress(self, progress: Progress | None, *, name: str) -> Progress:
        """`progress`, also recorded (in whole percent) for a command that finds us busy."""

        def update(done: int, total: int) -> None:
            self.engine.report(f"import {name}: {100 * done // max(total, 1)}%")
            if progress is not None:
                progress(done, total)

        return update


def check_kind(kind: str) -> str:
    """`kind` if it names a canonical table, else an `InputError` with the closest one."""
    if kind in KINDS:
        return kind
    close = difflib.get_close_matches(kind, KINDS, n=1)
    raise InputError(
        "input.unknown_kind",
        location=Location(field="kind"),
        kind=kind,
        kinds=", ".join(KINDS),
        close=close[0] if close else None,
    )
