"""The workspace's segment methods: preview a rule, save, edit, remove, show, export; alerts.

A part of `Workspace` kept in its own module; the work is `segmint.segments.saved`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from segmint.workspace.part import WorkspacePart

if TYPE_CHECKING:
    import pyarrow as pa

    from segmint.activate.lists import Members, SegmentExport
    from segmint.segments.definitions import Segment
    from segmint.segments.results import Alert, AlertTotals
    from segmint.segments.saved import Preview, SegmentDetail, Why


class SegmentMethods(WorkspacePart):
    """`Workspace`'s methods for rule segments (it provides engine, settings and _run)."""

    def rule_test(
        self,
        rule: str,
        *,
        run_id: int | None = None,
        lang: str | None = None,
        segment: str | None = None,
    ) -> Preview:
        """What `rule` selects on a run (default: the current one), before it is saved.

        `segment`: the saved segment whose rule is being edited, left out of the overlaps
        (a segment always has exactly its own members).

        Raises
        ------
        RuleError
            The rule does not parse or check; the error names its line and column.
        """
        from segmint.segments import saved

        run = self._run(run_id)
        return saved.preview(
            self.engine, self.settings, rule, run=run, lang=self._lang(lang), segment=segment
        )

    def add_segment(
        self,
        name: str,
        rule: str,
        *,
        description: str | None = None,
        static: bool = False,
        actor: str = "python",
        lang: str | None = None,
    ) -> tuple[Segment, Preview]:
        """Save rule segment `name`, checked and previewed on the current run.

        A static segment keeps the members it has now; a dynamic one is evaluated in
        every run. The preview's `lint` warns of an empty, duplicate or nested segment.
        """
        from segmint.segments import saved

        return saved.add(
            self.engine,
            self.settings,
            name,
            rule,
            run=self._run(None),
            description=description,
            static=static,
            actor=actor,
            lang=self._lang(lang),
        )

    def edit_segment(
        self,
        name: str,
        *,
        rule: str | None = None,
        description: str | None = None,
        actor: str = "python",
        lang: str | None = None,
    ) -> tuple[Segment, Preview]:
        """Save a new version of rule segment `name`; older versions and their runs stay."""
        from segmint.segments import saved

        return saved.edit(
            self.engine,
            self.settings,
            name,
            text=rule,
            description=description,
            run=self._run(None),
            actor=actor,
            lang=self._lang(lang),
        )

    def remove_segment(self, name: str, *, actor: str = "python") -> Segment:
        """Retire rule segment `name`; the runs that had it keep their members."""
        from segmint.segments import saved

        return saved.remove(self.engine, self.settings, name, actor=actor)

    def segment(self, name: str, *, lang: str | None = None) -> SegmentDetail:
        """A segment's definition, sentence, versions and members run by run."""
        from segmint.segments import saved

        return saved.detail(
            self.engine,
            self.settings,
            name,
            lang=self._lang(lang),
            current=self._current(),
        )

    def segment_list(self, *, lang: str | None = None) -> list[SegmentDetail]:
        """The team's rule segments, each with its members in the current run."""
        from segmint.segments import saved

        return saved.listing(
            self.engine, self.settings, lang=self._lang(lang), current=self._current()
        )

    def _current(self) -> int | None:
        """The current run's id, None before the first run."""
        from segmint.store import snapshots

        return snapshots.current_run(self.engine)

    def export_segment(
        self,
        name: str,
        path: str | Path,
        *,
        template: str | None = None,
        form: str | None = None,
        encoding: str | None = None,
        run_id: int | None = None,
        lang: str | None = None,
        force: bool = False,
    ) -> SegmentExport:
        """Write the members of segment `name` in a run (default: the current) to `path`.

        Plain: one row per member, customer_id first, then every value the rule reads and
        the sentence of why she is in. With `template` (``email``, ``sms``, ``wecom``): the
        layout that tool imports, of the members who consented to its channel and have an
        address it can use; the result counts who was left out and why. `form` (csv,
        xlsx, parquet, jsonl) defaults to the file's ending; `encoding` of a CSV is
        ``utf-8-sig`` (the default: Excel reads Chinese), ``utf-8`` or ``gb18030``. No row
        cap but Excel's: the file is written a chunk at a time.
        """
        from segmint.activate import lists

        return lists.export_segment(
            self.engine,
            self.settings,
            name,
            Path(path),
            run=self._run(run_id),
            lang=self._lang(lang),
            template=template,
            form=form,
            encoding=encoding,
            force=force,
        )

    def segment_rows(
        self,
        name: str,
        *,
        template: str | None = None,
        run_id: int | None = None,
        lang: str | None = None,
        chunk: int = 50_000,
    ) -> tuple[Members, Iterator[pa.Table]]:
        """`export_segment`'s rows, `chunk` at a time, to stream them elsewhere.

        Read the chunks inside one transaction (``engine.transaction()``) opened before
        this call, so that the counts and the rows are of one state of the data.
        """
        from segmint.activate import lists

        return lists.members(
            self.engine,
            self.settings,
            name,
            run=self._run(run_id),
            lang=self._lang(lang),
            template=template,
            chunk=chunk,
        )

    def segment_members(
        self,
        name: str,
        *,
        after: str | None = None,
        limit: int = 50,
        run_id: int | None = None,
        lang: str | None = None,
    ) -> list[Why]:
        """Up to `limit` members of segment `name` after customer id `after`, each with why.

        By customer id, in the current run's live view (or run `run_id`), for paging.
        """
        from segmint.segments import saved

        return saved.member_page(
            self.engine,
            self.settings,
            name,
            run=self._run(run_id),
            lang=self._lang(lang),
            after=after,
            limit=limit,
        )

    def alerts(
        self,
        *,
        severities: Sequence[str] = (),
        reasons: Sequence[str] = (),
        include_closed: bool = False,
        customer_id: str | None = None,
        run_id: int | None = None,
        by_stake: bool = False,
        limit: int | None = None,
    ) -> list[Alert]:
        """The alerts, newest first: open ones (neither resolved nor acknowledged) by default.

        `run_id`: only those run `run_id` raised; `by_stake`: the most money at stake first;
        `limit`: at most this many.
        """
        from segmint.segments.results import Alert
        from segmint.store import alerts

        found = alerts.listing(
            self.engine,
            severities=severities,
            reasons=reasons,
            open_only=not include_closed,
            customer_id=customer_id,
            run_id=run_id,
            by_stake=by_stake,
            limit=limit,
        )
        return [Alert.model_validate(a) for a in found]

    def alert_totals(
        self,
        *,
        severities: Sequence[str] = (),
        reasons: Sequence[str] = (),
        include_closed: bool = False,
        run_id: int | None = None,
    ) -> AlertTotals:
        """How many alerts `alerts` would list, how many high, and the money they put at stake."""
        from segmint.segments.results import AlertTotals
        from segmint.store import alerts

        return AlertTotals(
            **alerts.totals(
                self.engine,
                severities=severities,
                reasons=reasons,
                open_only=not include_closed,
                run_id=run_id,
            )
        )

    def acknowledge_alert(
        self,
        alert_id: int,
        *,
        note: str | None = None,
        actor: str = "python",
    ) -> Alert:
        """Mark an alert seen and handled (audited); it is not raised again while it holds."""
        from segmint.segments.results import Alert
        from segmint.store import alerts

        return Alert.model_validate(
            alerts.acknowledge(self.engine, alert_id, actor=actor, note=note)
        )
