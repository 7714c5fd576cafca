"""The needs and profiles of a run, for a face: clusters in words, loyalty, service needs.

One typed view the command line (`segmint needs`), the API (`/v1/needs`) and the
dashboard's page render: each cluster with its size, value and description, the flows
between the clusters of two runs, the loyalty levels, the service needs, and the
next-best category of each tier (the category its customers are most often recommended
next, besides their favourite), the line a tier's playbook starts from.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from segmint.core.catalog import SERVICE_NEEDS
from segmint.core.config import Settings
from segmint.core.facts import Silhouette
from segmint.core.formats import locale_of
from segmint.segments import needs
from segmint.segments.families import segment_label
from segmint.segments.insights import FamilyView, Group, _View, family
from segmint.store import insights as stored
from segmint.store.engine import Store
from segmint.store.snapshots import Run


class ClusterProfile(_View):
    """A cluster's description and the traits it is made of, each as a phrase."""

    cluster: int
    label: str
    description: str
    traits: list[str]


class NextCategory(_View):
    """The category a tier's customers are most often recommended next, and how many."""

    tier: str
    category: str
    customers: int


class NeedsView(_View):
    """Clusters (with flows since the run before), loyalty levels, service needs, next steps.

    ``clusters`` and ``loyalty`` are the families' views; ``profiles`` describe the
    clusters (empty when the run found none); ``service`` has a group per need (a
    customer may have several); ``silhouettes`` are the criterion of each number of
    clusters tried.
    """

    run_id: int
    as_of: dt.date
    previous_run: int | None
    clusters: FamilyView
    profiles: list[ClusterProfile]
    silhouettes: list[Silhouette]
    loyalty: FamilyView
    service: list[Group]
    next_by_tier: list[NextCategory]


def needs_view(
    engine: Store, settings: Settings, *, run: Run, previous: Run | None, lang: str
) -> NeedsView:
    """The needs and profiles of `run`, flows since `previous`."""
    locale = locale_of(settings, lang)
    found = run.facts.profiles
    profiles = [
        ClusterProfile(
            cluster=c.cluster,
            label=segment_label("cluster", str(c.cluster), settings=settings, lang=lang),
            description=needs.describe(c, locale),
            traits=[needs.trait_phrase(t, locale) for t in c.traits],
        )
        for c in (found.clusters if found else ())
    ]
    return NeedsView(
        run_id=run.run_id,
        as_of=run.as_of,
        previous_run=None if previous is None else previous.run_id,
        clusters=family(engine, settings, family="cluster", run=run, previous=previous, lang=lang),
        profiles=profiles,
        silhouettes=list(found.silhouettes if found else ()),
        loyalty=family(
            engine, settings, family="loyalty_level", run=run, previous=previous, lang=lang
        ),
        service=_service(engine, settings, run=run, lang=lang),
        next_by_tier=[
            NextCategory(tier=r["key"], category=r["category"], customers=r["customers"])
            for r in stored.next_categories(engine, run.run_id, "tier")
        ],
    )


def _service(engine: Store, settings: Settings, *, run: Run, lang: str) -> list[Group]:
    rows = stored.flag_sizes(engine, run.run_id, SERVICE_NEEDS)
    total = run.customers
    revenue = stored.revenue_total(engine, run.run_id)
    return [
        Group(
            key=r["key"],
            label=segment_label("service", r["key"], settings=settings, lang=lang),
            customers=r["customers"],
            share=r["customers"] / total if total else None,
            revenue_365d=Decimal(str(r["revenue_365d"])),
            revenue_share=float(Decimal(str(r["revenue_365d"])) / revenue) if revenue else None,
            avg_clv_12m=r["avg_clv_12m"],
        )
        for r in rows
    ]
