"""The views of the customer base the dashboard's pages and the report show (`insights`)."""

from __future__ import annotations

import datetime as dt

from segmint.segments import insights
from segmint.segments.insights import (
    ClvView,
    FamilyView,
    ImportEntry,
    Overview,
    QuarantinedRow,
    RfmView,
    TiersView,
    ValueCustomer,
)
from segmint.segments.needs_view import NeedsView, needs_view
from segmint.segments.results import MonthlyOrders
from segmint.store import snapshots
from segmint.workspace.part import WorkspacePart


class InsightMethods(WorkspacePart):
    """Overview, tiers, RFM, lifecycle, CLV, needs and the data's imports, per run."""

    def overview(self, *, run_id: int | None = None) -> Overview:
        """KPIs of a run (default: the current one) beside the previous run's, and the trend."""
        run = self._run(run_id)
        return insights.overview(
            self.engine,
            run=run,
            previous=self._previous(run),
            runs=snapshots.runs(self.engine),
        )

    def tiers(self, *, run_id: int | None = None, lang: str | None = None) -> TiersView:
        """Tier sizes, revenue shares and spend ranges, and the migration since the run before."""
        run = self._run(run_id)
        return insights.tiers(
            self.engine, self.settings, run=run, previous=self._previous(run), lang=self._lang(lang)
        )

    def needs(self, *, run_id: int | None = None, lang: str | None = None) -> NeedsView:
        """Clusters in words, loyalty levels, service needs, the next-best category per tier."""
        run = self._run(run_id)
        return needs_view(
            self.engine, self.settings, run=run, previous=self._previous(run), lang=self._lang(lang)
        )

    def rfm_view(self, *, run_id: int | None = None, lang: str | None = None) -> RfmView:
        """The R×F grid, the rfm8 and rfm11 segments, and rfm8's movement since the run before."""
        run = self._run(run_id)
        return insights.rfm(
            self.engine, self.settings, run=run, previous=self._previous(run), lang=self._lang(lang)
        )

    def lifecycle(self, *, run_id: int | None = None, lang: str | None = None) -> FamilyView:
        """Customers per lifecycle stage, and the flows between stages since the run before."""
        run = self._run(run_id)
        return insights.family(
            self.engine,
            self.settings,
            family="stage",
            run=run,
            previous=self._previous(run),
            lang=self._lang(lang),
        )

    def clv_view(self, *, run_id: int | None = None) -> ClvView:
        """The CLV distribution, P(alive) by frequency and recency, and the model's checks."""
        return insights.clv(self.engine, run=self._run(run_id))

    def value_customers(
        self, *, run_id: int | None = None, lang: str | None = None, limit: int = 20
    ) -> list[ValueCustomer]:
        """The value customers of a run (default: the current one) worth most, best first."""
        return insights.value_customers(
            self.engine, self.settings, run=self._run(run_id), lang=self._lang(lang), limit=limit
        )

    def monthly_orders(self, customer_id: str, *, as_of: dt.date) -> list[MonthlyOrders]:
        """A customer's counted orders and revenue per month, the 24 months up to `as_of`."""
        from segmint.segments.monthly import monthly_orders

        return monthly_orders(self.engine, self.settings, customer_id, as_of=as_of)

    def imports(self, *, limit: int = 50) -> list[ImportEntry]:
        """The latest imports, newest first, with what each took in and set aside."""
        return insights.imports(self.engine, limit=limit)

    def quarantined(self, import_id: str) -> list[QuarantinedRow]:
        """The rows import `import_id` set aside, in file order (none for an unknown id)."""
        return insights.quarantined(self.engine, import_id)
