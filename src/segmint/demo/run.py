"""`segmint demo`: a workspace of synthetic data, imported through the real importer."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from segmint.core.config import CONFIG_FILE
from segmint.core.errors import InputError
from segmint.core.files import writing
from segmint.core.schema import KINDS
from segmint.demo.generate import TruthParams, generate
from segmint.demo.messy import write_files
from segmint.ingest.importer import ImportResult
from segmint.segments.results import SegmentsReport
from segmint.store.status import Status
from segmint.workspace import DATABASE_FILE, Workspace

MARKER = ".segmint-demo"  # a folder made by `segmint demo`, safe to make again
Step = Callable[[str], None]


class TierShare(BaseModel):
    """A tier's customers and share of 365-day revenue."""

    model_config = ConfigDict(frozen=True)

    tier: str
    customers: int
    revenue_share: float | None


class Headline(BaseModel):
    """The demo's headline: customers, value customers, tiers, stages, RFM, churn risk.

    ``stages`` and ``rfm11`` count customers by label in the workspace's language.
    """

    model_config = ConfigDict(frozen=True)

    run_id: int
    as_of: dt.date
    customers: int
    value_customers: int
    tiers: list[TierShare]
    stages: dict[str, int]
    rfm11: dict[str, int]
    churn_risk: int


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo built."""

    workspace: Path
    customers: int
    seed: int
    imports: dict[str, ImportResult]
    status: Status
    headline: Headline


# Segments a CRM team might write first: valued customers drifting away, bargain regulars.
EXAMPLE_SEGMENTS = {
    "a_drifting": ("tier = 'A' and p_alive < 0.5", "Tier A, probably drifting away"),
    "bargain_regulars": (
        "orders_90d >= 3 and share(orders, 90, discounted) >= 0.5",
        "Buy often, mostly on discount",
    ),
}


def run_demo(
    directory: Path,
    *,
    customers: int = 20_000,
    seed: int = 0,
    as_of: dt.date | None = None,
    step: Step | None = None,
    force: bool = False,
    examples: bool = False,
    params: TruthParams | None = None,
) -> DemoSummary:
    """Make (or remake) a demo workspace in `directory`: generate, write files, import.

    A folder the demo did not make is refused unless it is empty or `force` is set; with
    `force` the demo's own files in it (settings, database, data/) are replaced.
    `examples` also saves the rule segments of `EXAMPLE_SEGMENTS`, as a team would.
    `params` is the process to draw from (`TruthParams()` when omitted), for example
    `TruthParams(drop_share=0.5)` for many customers whose buying drops.
    """
    _prepare(directory, force=force)
    say = step or (lambda _: None)
    say(f"generating {customers:,} customers")
    # Without an as-of day the data end now, so the import right after accepts them all.
    dataset = generate(customers, seed=seed, as_of=as_of or dt.datetime.now(dt.UTC), params=params)
    files = write_files(dataset, directory / "data", file_format="csv", force=force)
    results: dict[str, ImportResult] = {}
    Workspace.init(directory).close()
    _consumer_tiers(directory / CONFIG_FILE)
    with Workspace(directory, command="segmint demo") as ws:
        for kind in KINDS:
            say(f"importing {kind}")
            results[kind] = ws.import_file(
                kind, files[kind], name=f"data/{files[kind].name}", actor="demo"
            )
        status = ws.status()
        ws.run(progress=lambda name: say(f"run: {name}"), actor="demo")
        for name, (rule, description) in EXAMPLE_SEGMENTS.items() if examples else ():
            ws.add_segment(name, rule, description=description, actor="demo")
        headline = _headline(ws.segments())
    (directory / MARKER).write_text(f"seed={seed}\ncustomers={customers}\n", encoding="utf-8")
    return DemoSummary(directory, customers, seed, results, status, headline)


def _consumer_tiers(settings_file: Path) -> None:
    """The demo shop sells to consumers: tiers by share of revenue, not 100,000-yuan cut-offs."""
    text = settings_file.read_text(encoding="utf-8")
    pareto = 'method = "pareto"  # demo: consumers; the default cut-offs suit B2B accounts'
    settings_file.write_text(text.replace('method = "thresholds"', pareto, 1), encoding="utf-8")


def _headline(report: SegmentsReport) -> Headline:
    """Customers, value customers, tiers with revenue shares, stages, churn risk."""
    stages = report.family("stage")
    return Headline(
        run_id=report.run_id,
        as_of=report.as_of,
        customers=sum(r.customers for r in report.family("tier")),
        value_customers=sum(
            r.customers for r in report.family("value_customer") if r.segment == "true"
        ),
        tiers=[
            TierShare(tier=r.segment, customers=r.customers, revenue_share=r.revenue_share)
            for r in sorted(report.family("tier"), key=lambda r: r.segment)
        ],
        stages={r.label: r.customers for r in stages},
        rfm11={r.label: r.customers for r in report.family("rfm11")},
        churn_risk=sum(r.customers for r in stages if r.segment == "at_risk"),
    )


def _prepare(directory: Path, *, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise InputError("workspace.not_a_folder", path=directory)
    with writing(directory):
        if (directory / MARKER).exists():
            shutil.rmtree(directory)
        elif directory.exists() and any(directory.iterdir()):
            if not force:
                raise InputError("files.folder_not_empty", path=directory, flag="--force")
            for name in (CONFIG_FILE, DATABASE_FILE, f"{DATABASE_FILE}.wal"):
                (directory / name).unlink(missing_ok=True)  # replaced, not merged into
        directory.mkdir(parents=True, exist_ok=True)
