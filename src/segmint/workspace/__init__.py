"""`Workspace`: the one object the faces talk to — a folder with settings and a database.

A workspace is a folder holding `segmint.toml` and `segmint.duckdb` (plus `quarantine/`).
The database is opened on first use, upgraded to the current schema, and closed with
`close()` or at the end of a `with` block. Opened `read_only`, it is never written (nor
upgraded), so reading works on a read-only copy and beside other readers.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pyarrow as pa

from segmint.core import config, files
from segmint.core.errors import InputError, Location, NotFoundError
from segmint.core.updates import ViewUpdate
from segmint.segments import reports, schemes
from segmint.segments.families import headed, labelled
from segmint.segments.results import Diff, Profile, SegmentsReport
from segmint.store import identity, live, snapshots
from segmint.store import reports as snapshot_reports
from segmint.store.engine import Store
from segmint.store.identity import DuplicateGroup
from segmint.store.memberships import version_in_run
from segmint.store.migrations import check_current, migrate
from segmint.store.opening import open_file
from segmint.store.search import CustomerRow, search
from segmint.store.snapshots import Run
from segmint.store.status import Status, status
from segmint.workspace.access import AccessMethods
from segmint.workspace.campaigns import CampaignMethods
from segmint.workspace.imports import ImportMethods
from segmint.workspace.insights import InsightMethods
from segmint.workspace.playbooks import PlaybookMethods
from segmint.workspace.segments import SegmentMethods
from segmint.workspace.webhooks import WebhookMethods

# The pipeline (SciPy, pandas), the importer and the exports (pyarrow.compute) are imported
# by the methods that use them, so a reading command such as `status` starts without them.
if TYPE_CHECKING:
    from segmint.pipeline.finish import RunResult
    from segmint.pipeline.run import Progress as RunProgress

DATABASE_FILE = "segmint.duckdb"


class Workspace(
    ImportMethods,
    SegmentMethods,
    AccessMethods,
    WebhookMethods,
    CampaignMethods,
    PlaybookMethods,
    InsightMethods,
):
    """A segmint workspace on disk.

    Parameters
    ----------
    path : str or Path, default "."
        The workspace folder (it must hold a `segmint.toml`; see `Workspace.init`).
    read_only : bool, default False
        Open the database only to read it: no import, run or merge.
    command : str, default "python"
        What is using the workspace, as another process that finds it busy is told.

    Examples
    --------
    >>> ws = Workspace.init(tmp)  # doctest: +SKIP
    >>> ws.import_file("orders", "orders.csv").accepted  # doctest: +SKIP
    1000
    """

    def __init__(
        self, path: str | Path = ".", *, read_only: bool = False, command: str = "python"
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.command = command
        if not (self.path / config.CONFIG_FILE).is_file():
            raise NotFoundError("workspace.not_found", path=path, file=config.CONFIG_FILE)
        self.settings = config.load(self.path, checks=schemes.problems)
        self._engine: Store | None = None

    @classmethod
    def init(cls, path: str | Path, *, command: str = "python") -> Workspace:
        """Create a workspace folder with default settings and an empty database.

        An existing workspace is opened as it is (its settings are not overwritten) and
        its database upgraded to the current schema.
        """
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise InputError("workspace.not_a_folder", path=folder)
        settings_file = folder / config.CONFIG_FILE
        with files.writing(folder):
            folder.mkdir(parents=True, exist_ok=True)
            if not settings_file.exists():
                settings_file.write_text(config.render_default(), encoding="utf-8")
        workspace = cls(folder, command=command)
        workspace.engine  # noqa: B018 -- creates the database and its tables now
        return workspace

    @property
    def engine(self) -> Store:
        """The database connection, opened (and migrated) on first use."""
        if self._engine is None:
            engine = open_file(
                self.path / DATABASE_FILE,
                read_only=self.read_only,
                memory_limit=self.settings.memory_limit,
                command=self.command,
            )
            try:
                check_current(engine) if self.read_only else migrate(engine)
            except BaseException:
                engine.close()
                raise
            self._engine = engine
        return self._engine

    def close(self) -> None:
        """Close the database; the workspace may be used again (it reopens)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def cursor(self) -> Workspace:
        """The same workspace on a connection of its own (`Store.cursor`).

        For one thread at a time: the server reads on several side by side while its one
        writer works on the first. Close it when done; this one stays open.
        """
        twin = copy.copy(self)
        twin._engine = self.engine.cursor()
        return twin

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def refresh(
        self, *, as_of: dt.date | str | None = None, actor: str = "python"
    ) -> list[ViewUpdate]:
        """Roll the live view forward to `as_of` (default: today); see `segmint refresh`.

        Recomputes only the customers whose date-relative labels and segments may have
        moved since the view's day (and any that new data touched and no update took in),
        with the current run's population frozen. Refused with a hint before the first
        run, and for a run made before live views were (`live.not_started`).
        """
        from segmint.pipeline.live import refresh

        day = as_of_date(as_of)
        return refresh(self.engine, self.settings, as_of=day, actor=actor)

    def today(self) -> dt.date:
        """Today's date in the workspace's time zone (the import day)."""
        return dt.datetime.now(ZoneInfo(self.settings.timezone)).date()

    def status(self) -> Status:
        """Row counts, net revenue, the orders' date range, the latest imports, the live view."""
        return status(self.engine, workspace=str(self.path))

    def duplicates(self) -> list[DuplicateGroup]:
        """Customers that share a normalized phone or e-mail under different ids."""
        return identity.duplicate_groups(self.engine)

    def run(
        self,
        *,
        as_of: dt.date | str | None = None,
        progress: RunProgress | None = None,
        actor: str = "python",
        engine: str | None = None,
        master: str | None = None,
    ) -> RunResult:
        """Features, scores and labels of every customer as of `as_of`, kept as a new run.

        `as_of` defaults to the local date of the newest order; it may be any day from
        the first order to a year after the newest one. A run as of an earlier day than
        an existing run is a backtest: it is kept, but the current run stays the one with
        the newest as_of. The run is all or nothing: if it fails, the previous snapshot
        stays current.

        `engine` (default: the ``engine`` setting) computes the run: ``"duckdb"``, the
        workspace file, or ``"spark"``, on the canonical tables under ``[spark] tables``
        (`master` overrides ``[spark] master``); docs/spark.md.

        Raises
        ------
        InputError
            `as_of` is not a date, or lies outside the data (`run.as_of_before_data`,
            `run.as_of_after_data`), or there are no orders; an unknown `engine`, or
            Spark without ``[spark] tables`` (`run.no_spark_tables`).
        """
        from segmint.pipeline.lake_run import run_on_lake
        from segmint.pipeline.run import run
        from segmint.workspace.engines import lake_for

        day = as_of_date(as_of)
        step = self._reporting(progress, prefix="run: ")
        with lake_for(self.settings, self.path, engine=engine, master=master) as tables:
            if tables is None:
                return run(self.engine, self.settings, as_of=day, progress=step, actor=actor)
            return run_on_lake(
                self.engine,
                self.settings,
                tables=tables,
                as_of=day,
                progress=step,
                actor=actor,
            )

    def rfm(self, *, as_of: dt.date | str | None = None) -> pa.Table:
        """RFM alone, without storing a run: r/f/m scores, cell, rfm8 and rfm11 per buyer."""
        from segmint.pipeline.run import rfm_table

        return rfm_table(self.engine, self.settings, as_of=as_of_date(as_of))

    def runs(self) -> list[Run]:
        """Every run, newest first: id, as_of, times, settings' hash, customers, facts."""
        return snapshots.runs(self.engine)

    def snapshot(self, run_id: int | None = None) -> pa.Table:
        """One row per customer of run `run_id` (default: the current run), by customer id."""
        return snapshots.snapshot(self.engine, self._run(run_id).run_id)

    def segments(self, *, run_id: int | None = None, lang: str | None = None) -> SegmentsReport:
        """Every segment of every family with size, shares, CLV, KPIs and change."""
        run = self._run(run_id)
        return reports.segments(
            self.engine, self.settings, run=run, previous=self._previous(run), lang=self._lang(lang)
        )

    def diff(self, *, before: int | None = None, after: int | None = None) -> Diff:
        """Who moved between two runs (default: the current run and the one before it)."""
        later = self._run(after)
        earlier = before if before is not None else snapshots.previous_run(self.engine, later.as_of)
        if earlier is None:
            raise NotFoundError(
                "run.no_earlier_run",
                location=Location(field="before"),
                run=later.run_id,
                as_of=later.as_of,
            )
        return reports.diff(self.engine, before=self._run(earlier).run_id, after=later.run_id)

    def customer(
        self, customer_id: str, *, run_id: int | None = None, lang: str | None = None
    ) -> Profile:
        """The 360° profile of one customer in a run (default: the current run's live view).

        For the current run the profile is the live view's: her row as the latest update
        left it, with ``view_as_of`` (its day) and ``updated_at``. A customer merged into
        another is not found; the error names the one it is now.
        """
        kept = identity.merged_into(self.engine, customer_id)
        if kept is not None:
            raise NotFoundError(
                "customer.merged",
                location=Location(field="customer_id"),
                customer=customer_id,
                kept=kept,
            )
        profile = reports.profile(
            self.engine,
            self.settings,
            customer_id,
            run=self._run(run_id),
            lang=self._lang(lang),
        )
        return profile.model_copy(update={"alerts": self.alerts(customer_id=customer_id)})

    def export(
        self,
        path: str | Path,
        *,
        run_id: int | None = None,
        lang: str | None = None,
        header_lang: str | None = None,
        force: bool = False,
    ) -> int:
        """Write the snapshot to `path` (.csv, .parquet or .xlsx); return the rows written.

        The current run is written as its live view: each customer's row as the latest
        update left it, with ``view_as_of`` (the day of her row) and ``updated_at``.
        One row per customer: every feature, score and label, label columns in `lang`,
        then the share of spend per category (``category_share:<category>``) and the
        interactions of the last 30 days per channel (``interactions_30d:<channel>``).
        Headers are these column names, or their names in `header_lang` when given.
        An existing file is replaced only with `force`.
        """
        from segmint.activate import exports

        exports.check_target(Path(path), force=force)  # before the work, not after it
        found = self._run(run_id)
        run = found.run_id
        rows = live.view_export(self.engine, run) if found.current else self.snapshot(run)
        table = labelled(rows, self.settings, lang=self._lang(lang))
        categories, channels = snapshot_reports.families_long(self.engine, run)
        table = exports.widen(table, categories, prefix="category_share:", fill=0.0)
        table = exports.widen(table, channels, prefix="interactions_30d:", fill=0)
        if header_lang is not None:
            table = headed(table, lang=header_lang)
        exports.export(table, Path(path), force=force)
        return int(table.num_rows)

    def export_tables(self, folder: str | Path, *, force: bool = False) -> dict[str, int]:
        """Write the canonical tables as Parquet under `folder`; the rows of each, by table.

        One folder per table (``customers/part-0.parquet``, ``orders/...``): the layout
        `segmint run --engine spark` and a data lake read. A table's existing folder is
        replaced only with `force`.
        """
        from segmint.store.lake import write_tables

        return write_tables(self.engine, Path(folder), force=force)

    def _run(self, run_id: int | None) -> Run:
        """Run `run_id`, or the current one when None (newest as_of, then newest run)."""
        runs = self.runs()
        if not runs:
            raise NotFoundError("run.none_yet", location=Location(field="run"))
        wanted = snapshots.current_run(self.engine) if run_id is None else run_id
        found = next((r for r in runs if r.run_id == wanted), None)
        if found is None:
            raise NotFoundError(
                "run.not_found",
                location=Location(field="run"),
                run=run_id,
                runs=_spans(sorted(r.run_id for r in runs)),
            )
        return found

    def _reporting(self, progress: RunProgress | None, *, prefix: str) -> RunProgress:
        """`progress`, also recorded for another command that finds the workspace busy."""

        def step(name: str) -> None:
            self.engine.report(prefix + name)
            if progress is not None:
                progress(name)

        return step

    def find_customers(
        self,
        *,
        text: str | None = None,
        segment: str | None = None,
        tier: str | None = None,
        stage: str | None = None,
        after: str | None = None,
        limit: int = 50,
        contacts: bool = True,
    ) -> list[CustomerRow]:
        """Customers of the current live view matching every filter given, by customer id.

        `text` matches an id, an e-mail or a phone number exactly or a part of a name;
        `segment` names a segment (a rule segment's name, or a family segment's such as
        ``tier.A``); `after` is the last id of the page before. Without `contacts`, `text`
        matches a customer id alone.
        """
        from segmint.ingest.parse import normalized_phone

        run = self._run(None)
        segment_id = None if segment is None else version_in_run(self.engine, segment, run.run_id)
        return search(
            self.engine,
            run.run_id,
            text=text,
            phone=None if text is None else normalized_phone(text),
            contacts=contacts,
            segment_id=segment_id,
            tier=tier,
            stage=stage,
            after=after,
            limit=limit,
        )

    def merge_customers(self, keep: str, other: str, *, actor: str = "python") -> dict[str, int]:
        """Merge customer `other` into `keep`; return the rows moved per table."""
        return identity.merge(self.engine, keep, other, actor=actor)


def as_of_date(as_of: dt.date | str | None) -> dt.date | None:
    """`as_of` as a date: a date, an ISO text (2026-06-30) or None (the default)."""
    if not isinstance(as_of, str):
        return as_of
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise InputError(
            "run.as_of_not_a_date", location=Location(field="as_of"), got=as_of
        ) from None


def _spans(ids: list[int]) -> str:
    """Sorted run ids as spans, '1-3, 5, 7-12': short however many runs there are."""
    spans: list[list[int]] = []
    for i in ids:
        if spans and i == spans[-1][-1] + 1:
            spans[-1].append(i)
        else:
            spans.append([i])
    return ", ".join(str(s[0]) if len(s) == 1 else f"{s[0]}-{s[-1]}" for s in spans)
