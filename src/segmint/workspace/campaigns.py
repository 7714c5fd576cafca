"""The workspace's methods for campaigns with a hold-out: create, list, export, report.

A part of `Workspace` kept in its own module; the work is `segmint.activate.campaigns`'s.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from segmint.core.errors import InputError, Location
from segmint.workspace.part import WorkspacePart

if TYPE_CHECKING:
    from segmint.activate.campaigns import CampaignReport, Enrolment
    from segmint.activate.lists import SegmentExport
    from segmint.store.campaigns import Campaign


class CampaignMethods(WorkspacePart):
    """`Workspace`'s methods for campaigns (it provides engine, settings and _run)."""

    def create_campaign(
        self,
        name: str,
        *,
        segment: str,
        holdout: float = 0.1,
        variants: list[str] | None = None,
        start: dt.date | str | None = None,
        end: dt.date | str | None = None,
        seed: int | None = None,
        actor: str = "python",
    ) -> Enrolment:
        """A campaign on `segment`, its members assigned to `variants` and a hold-out now.

        `holdout` is the hold-out's share (0.1: one in ten get nothing); `variants`
        default to one, ``A``. The window runs from `start` (default: today, in the
        workspace's time zone) to `end` (default: 30 days on). The assignment follows
        from `seed` (default: a random one, kept and shown) and each customer's id, so a
        customer who joins the segment later gets her group the same way. Audited.
        """
        from segmint.activate import campaigns

        first = _day(start, "start") or dt.datetime.now(ZoneInfo(self.settings.timezone)).date()
        last = _day(end, "end") or first + dt.timedelta(days=30)
        return campaigns.create(
            self.engine,
            self.settings,
            name,
            segment=segment,
            holdout=holdout,
            variants=list(variants or ["A"]),
            start=first,
            end=last,
            seed=seed,
            run=self._run(None),
            actor=actor,
        )

    def campaigns(self) -> list[Campaign]:
        """Every campaign, newest first."""
        from segmint.store import campaigns

        return campaigns.listed(self.engine)

    def export_campaign(
        self,
        name: str,
        variant: str,
        path: str | Path,
        *,
        template: str | None = None,
        form: str | None = None,
        encoding: str | None = None,
        lang: str | None = None,
        force: bool = False,
    ) -> SegmentExport:
        """The list of one variant of a campaign (never the hold-out), as `export_segment`.

        Customers who joined the segment since are assigned first, the same way.
        """
        from segmint.activate import campaigns
        from segmint.store import campaigns as stored

        return campaigns.export(
            self.engine,
            self.settings,
            stored.get(self.engine, name),
            variant,
            Path(path),
            run=self._run(None),
            lang=self._lang(lang),
            template=template,
            form=form,
            encoding=encoding,
            force=force,
        )

    def campaign_report(self, name: str, *, confidence: float = 0.95) -> CampaignReport:
        """Each variant against the hold-out over the campaign's window.

        Conversion, revenue and orders per customer of each group, the uplift with its
        confidence interval, and a verdict.
        """
        from segmint.activate import campaigns
        from segmint.store import campaigns as stored

        return campaigns.report(
            self.engine, self.settings, stored.get(self.engine, name), confidence=confidence
        )


def _day(value: dt.date | str | None, field: str) -> dt.date | None:
    """A day given as a date or as text (YYYY-MM-DD)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            "campaign.bad_day", location=Location(field=field), day=value, field=field
        ) from None
