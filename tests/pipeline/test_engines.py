"""Each stage of a run on DuckDB and on a real local Spark, against the pandas oracle.

Witness: `tests/pipeline/oracle.py`, written from the stated definitions and calling no
segmint code. One test body per stage runs on both engines (ibis's
`backends/tests/test_aggregation.py` shape): the workspace of the generated-data oracle
test (ties, empty values, refund rows, cancelled and refunded orders, orders at local
midnight, single-order customers), read by DuckDB from its file and by Spark from the
Parquet folders `segmint export tables` writes. Zero differing rows or values: money
in exact cents, counts exact, floats to a relative 1e-9 (sums in another order).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from segmint.core.catalog import SERVICE_NEEDS
from segmint.core.config import Settings
from segmint.core.config import load as load_settings
from segmint.core.facts import ClvFacts
from segmint.features.customer import EPOCH, customer_features
from segmint.features.products import category_spend
from segmint.features.purchases import purchase_summary
from segmint.models.lifecycle import STAGES
from segmint.pipeline import needs, scoring
from segmint.pipeline.clusters_scored import clusters_on, sampled
from segmint.pipeline.customer_value import PurchaseHistory, applied, counted, fitted
from segmint.pipeline.engine_value import value_on
from segmint.pipeline.needs_scored import needs_on
from segmint.pipeline.run import history_of, model_columns
from segmint.pipeline.scored import population, scored, with_cents
from segmint.pipeline.shortfall import shortfall, shortfall_on
from segmint.pipeline.tracking import RepeatPurchases
from segmint.pipeline.value_scored import value_scores_on
from segmint.store.duckdb import DuckDBEngine
from segmint.store.engine import Engine
from segmint.store.relations import execute, sources
from segmint.store.spark import SparkEngine
from segmint.workspace import Workspace
from tests.pipeline import oracle
from tests.pipeline.test_oracle_generated import DATA_END, INNER, build_workspace

ENGINES = ("duckdb", pytest.param("spark", marks=[pytest.mark.spark]))
AS_OF = {"inner": INNER, "end": DATA_END}
pytestmark = pytest.mark.xdist_group("spark")  # one Java process for the whole suite


@dataclass(frozen=True, repr=False)
class Shop:
    folder: Path
    lake: Path
    raw: oracle.Raw
    zone: str


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    folder = build_workspace(tmp_path_factory.mktemp("engines"))
    with Workspace(folder) as ws:
        written = ws.export_tables(folder / "lake")
        zone = ws.settings.timezone
    assert written["orders"] > 10_000
    return Shop(folder, folder / "lake", oracle.load(folder / "segmint.duckdb", zone=zone), zone)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest, shop: Shop) -> Iterator[Engine]:
    if request.param == "duckdb":
        with DuckDBEngine(shop.folder / "segmint.duckdb", read_only=True) as duck:
            yield duck
        return
    with SparkEngine(str(shop.lake), session=request.getfixturevalue("spark_session")) as spark:
        yield spark


def day_of(label: str) -> int:
    return (AS_OF[label] - EPOCH).days


@pytest.fixture(scope="module")
def features(engine: Engine, shop: Shop) -> dict[str, pa.Table]:
    src = sources(engine, timezone=shop.zone)
    return {
        label: execute(engine, customer_features(src, day_of(label)).order_by("customer_id"))
        for label in AS_OF
    }


@pytest.fixture(scope="module")
def expected(shop: Shop) -> dict[str, pd.DataFrame]:
    return {label: oracle.features(shop.raw, as_of) for label, as_of in AS_OF.items()}


@pytest.mark.parametrize("label", list(AS_OF))
def test_the_population_is_the_oracles(features, expected, label):
    assert features[label]["customer_id"].to_pylist() == list(expected[label].index)


@pytest.mark.parametrize("label", list(AS_OF))
@pytest.mark.parametrize("feature", list(oracle.KINDS))
def test_every_feature_agrees_with_the_oracle(features, expected, label, feature):
    oracle.assert_agrees(features[label], expected[label], feature, kind=oracle.KINDS[feature])


def test_the_awkward_rows_are_there(expected):
    """The rows the parity must hold on are in the data, so the comparison could fail."""
    end = expected["end"]
    assert end["frequency"].eq(1).sum() > 100  # single-order customers
    assert end["refund_share"].gt(0).sum() > 0  # refunds
    assert end["recency_days"].isna().sum() > 0  # prospects: empty values
    assert end["monetary"].duplicated().sum() > 0  # ties in money


@pytest.fixture(scope="module")
def summaries(engine: Engine, shop: Shop) -> dict[str, pa.Table]:
    src = sources(engine, timezone=shop.zone)
    holdout = load_settings(shop.folder).clv.holdout_days
    return {
        label: execute(
            engine,
            purchase_summary(
                src.orders, day_of(label), calibration_end=day_of(label) - holdout
            ).order_by("customer_id"),
        )
        for label in AS_OF
    }


@pytest.mark.parametrize("label", list(AS_OF))
def test_the_clv_summary_agrees_with_the_oracle(summaries, shop, label):
    """frequency = purchase days - 1, recency and T in days, repeat spend in cents."""
    holdout = load_settings(shop.folder).clv.holdout_days
    want = oracle.purchase_summary(shop.raw, day_of(label), calibration_end=day_of(label) - holdout)
    got = summaries[label].to_pandas().set_index("customer_id")
    assert list(got.index) == list(want.index)
    for column in want.columns:
        g, w = got[column], want[column]
        if column == "repeat_spend":
            g = (g * 100).round().astype("int64")  # exact cents (float64 holds them)
        bad = [(c, g[c], w[c]) for c in want.index if not _same(g[c], w[c])]
        assert not bad, f"{column}: {len(bad)} of {len(want)} differ: {bad[:5]}"


@pytest.fixture(scope="module")
def values(engine: Engine, shop: Shop) -> dict[str, tuple[ClvFacts, pa.Table]]:
    """The CLV stage on the engine: counted histories, the fits, the workers' predictions."""
    src, settings, found = sources(engine, timezone=shop.zone), load_settings(shop.folder), {}
    holdout, rate = settings.clv.holdout_days, settings.clv.discount_rate
    for label in AS_OF:
        day = day_of(label)
        facts, made = value_on(engine, src, as_of=day, holdout_days=holdout, discount_rate=rate)
        found[label] = (facts, execute(engine, made.order_by("customer_id")))
    return found


def oracle_values(shop: Shop, label: str) -> tuple[ClvFacts, pd.DataFrame]:
    """The same models on the oracle's summary and repeat purchases, in memory."""
    settings = load_settings(shop.folder)
    holdout, rate, day = settings.clv.holdout_days, settings.clv.discount_rate, day_of(label)
    table = oracle.purchase_summary(shop.raw, day, calibration_end=day - holdout)
    history = PurchaseHistory(
        **{
            c: pd.to_numeric(table[c]).astype("float64").to_numpy()
            for c in PurchaseHistory.__annotations__
            if c != "repeat_spend"
        },
        repeat_spend=table["repeat_spend"].to_numpy() / 100,
    )
    per_day = oracle.repeat_purchases(shop.raw, day)
    repeats = RepeatPurchases(per_day.index.to_numpy(np.int64), per_day.to_numpy(np.int64))
    counts = counted(history, as_of=day, holdout_days=holdout)
    facts = fitted(counts, repeats, as_of=day, holdout_days=holdout, discount_rate=rate)
    value = applied(history, facts, as_of=day, discount_rate=rate)
    frame = pd.DataFrame(
        {
            "p_alive": value.p_alive,
            "expected_orders_90d": value.expected_orders_90d,
            "clv_12m": value.clv_12m,
        },
        index=table.index,
    )
    return facts, frame


@pytest.mark.parametrize("label", list(AS_OF))
def test_the_clv_fits_and_predictions_agree_with_the_models_on_the_oracle(values, shop, label):
    """Fitted on the engine's counted histories, applied by its workers: the same fits
    and every buyer's P(alive), expected orders and CLV as the same models on the
    oracle's summary in memory (same inputs, same arithmetic: equal, not close)."""
    facts, table = values[label]
    want_facts, want = oracle_values(shop, label)
    assert facts.fits and facts == want_facts
    got = table.to_pandas().set_index("customer_id")
    assert list(got.index) == list(want.index)
    for column in want.columns:
        bad = [
            (c, got.at[c, column], want.at[c, column])
            for c in want.index
            if not _same(got.at[c, column], want.at[c, column])
        ]
        assert not bad, f"{column}: {len(bad)} of {len(want)} differ: {bad[:5]}"
    assert got["clv_12m"].notna().all() and got["p_alive"].between(0, 1).all()


def _same(got: object, want: object) -> bool:
    if pd.isna(got) or pd.isna(want):
        return bool(pd.isna(got) and pd.isna(want))
    return bool(got == want)


# Every way of scoring: the RFM scorings and the tier methods the settings offer.
SCHEMES = {
    "quantile, thresholds": ("quantile", "thresholds"),
    "rank, pareto": ("rank", "pareto"),
    "quantile, rank": ("quantile", "rank"),
}


def settings_for(shop: Shop, scheme: str) -> Settings:
    scoring, method = SCHEMES[scheme]
    base = load_settings(shop.folder)
    assert base.lifecycle.model_dump() == oracle.STAGE_RULES  # the oracle's stated defaults
    return base.model_copy(
        update={
            "rfm": base.rfm.model_copy(update={"scoring": scoring}),
            "tiers": base.tiers.model_copy(
                update={"method": method, "thresholds": [100_000, 50_000], "percent": [20, 30]}
            ),
        }
    )


def stage_inputs(t: ir.Table) -> tuple[ir.Value, ir.Value]:
    """A P(alive) and a previous stage per customer, made up from her features so the
    oracle can make the same: every stage rule, empty P(alive) included, is reached."""
    made = ((t.frequency * 37 + t.recency_days.fill_null(0) * 11) % 100) / 100
    p_alive = ibis.ifelse(t.frequency % 5 == 0, ibis.null("float64"), made)
    previous = ibis.ifelse(t.frequency % 3 == 0, 4, -1)  # 4: churned (lifecycle.STAGES)
    return p_alive, previous


def oracle_stage_inputs(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    recency = table["recency_days"].fillna(0).astype("int64")
    made = ((table["frequency"] * 37 + recency * 11) % 100) / 100
    p_alive = made.where(table["frequency"] % 5 != 0)
    previous = pd.Series("", index=table.index).where(table["frequency"] % 3 != 0, "churned")
    return p_alive, previous


@pytest.fixture(scope="module")
def scores(engine: Engine, shop: Shop) -> dict[tuple[str, str], pa.Table]:
    src, found = sources(engine, timezone=shop.zone), {}
    for label in AS_OF:
        t = with_cents(customer_features(src, day_of(label))).cache()
        p_alive, previous = stage_inputs(t)
        for scheme in SCHEMES:
            settings = settings_for(shop, scheme)
            facts = population(engine, t, settings=settings)
            labels = scored(t, facts, settings=settings, p_alive=p_alive, previous=previous)
            found[(label, scheme)] = execute(engine, labels.order_by("customer_id"))
    return found


@pytest.fixture(scope="module")
def oracle_scores(expected: dict[str, pd.DataFrame]) -> dict[tuple[str, str], pd.DataFrame]:
    """The oracle's labels for every as_of and scheme, worked out once for both engines."""
    return {
        (label, scheme): expected_scores(expected[label], scheme)
        for label in AS_OF
        for scheme in SCHEMES
    }


def expected_scores(table: pd.DataFrame, scheme: str) -> pd.DataFrame:
    scoring, method = SCHEMES[scheme]
    out = oracle.rfm_scores(table)
    if scoring == "rank":
        ranked = oracle.ntile_scores(table)
        out[list(ranked.columns)] = ranked
        out["rfm_cell"] = [
            None if pd.isna(r) else f"{int(r)}{int(f)}{int(m)}"
            for r, f, m in zip(out["r_score"], out["f_score"], out["m_score"], strict=True)
        ]
        out["rfm11"] = [
            None if pd.isna(r) else oracle.rfm11(int(r), int(f), int(m))
            for r, f, m in zip(out["r_score"], out["f_score"], out["m_score"], strict=True)
        ]
    tiers = {"thresholds": oracle.threshold_tiers, "pareto": oracle.pareto_tiers}
    out["tier"] = tiers.get(method, oracle.rank_tiers)(table["revenue_365d"])
    out["stage"] = oracle.stages(table, *oracle_stage_inputs(table))
    return out


SCORED = {**oracle.SCORE_KINDS, "stage": oracle.TEXT}


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("label", list(AS_OF))
@pytest.mark.parametrize("column", list(SCORED))
def test_every_score_and_label_agrees_with_the_oracle(scores, oracle_scores, label, scheme, column):
    want = oracle_scores[(label, scheme)]
    oracle.assert_agrees(scores[(label, scheme)], want, column, kind=SCORED[column])


@pytest.mark.parametrize("label", list(AS_OF))
def test_every_stage_and_tier_is_reached(scores, label):
    """The comparison covers every stage rule and tier, so a wrong rule could not hide."""
    table = scores[(label, "quantile, thresholds")]
    assert set(table["stage"].to_pylist()) == set(STAGES)
    assert set(table["tier"].to_pylist()) == {"A", "B", "C"}


def test_a_stage_the_engine_would_answer_differently_is_refused(engine, shop):
    """An operation with an engine-chosen answer (here: which of tied rows) never runs."""
    from segmint.core.errors import EngineError

    orders = sources(engine, timezone=shop.zone).orders
    chosen = orders.group_by("customer_id").aggregate(first=orders.order_id.argmin(orders.day))
    if engine.kind == "duckdb":
        assert execute(engine, chosen).num_rows > 0
        return
    with pytest.raises(EngineError, match="Spark cannot compute ArgMin") as raised:
        execute(engine, chosen)
    assert raised.value.code == "store.unsupported"
    # one ibis itself cannot compile for Spark: mapped to the same error, named
    peaked = orders.aggregate(k=orders.amount.cast("float64").kurtosis())
    with pytest.raises(EngineError, match="Spark cannot compute Kurtosis") as raised:
        execute(engine, peaked)
    assert raised.value.code == "store.unsupported"


@pytest.fixture(scope="module")
def value_scores(engine: Engine, shop: Shop) -> dict[str, tuple[pa.Table, float | None]]:
    src, settings, found = sources(engine, timezone=shop.zone), load_settings(shop.folder), {}
    for label in AS_OF:
        t = customer_features(src, day_of(label)).cache()
        made = value_scores_on(engine, t, settings=settings)
        found[label] = (execute(engine, made.table.order_by("customer_id")), made.cutoff)
    return found


@pytest.mark.parametrize("label", list(AS_OF))
def test_the_value_score_agrees_with_the_oracle(value_scores, expected, shop, label):
    value = load_settings(shop.folder).value
    want = oracle.value_scores(
        expected[label],
        weights=value.weights,
        lower=value.lower_is_better,
        top_percent=value.top_percent,
    )
    table, cutoff = value_scores[label]
    oracle.assert_agrees(table, want, "value_score", kind=oracle.FLOAT)
    oracle.assert_agrees(table, want, "value_customer", kind=oracle.TEXT)
    assert cutoff == pytest.approx(want["value_score"][want["value_customer"]].min(), rel=1e-12)
    assert 0 < want["value_customer"].sum() < len(want)  # a cut-off inside the buyers
    ids, texts = table["customer_id"].to_pylist(), table["value_parts"].to_pylist()
    parts = {c: json.loads(text) for c, text in zip(ids, texts, strict=True)}
    wrong = [
        c
        for c, wanted in want["parts"].items()
        if parts[c].keys() != wanted.keys()
        or any(abs(parts[c][k] - v) > 1e-6 for k, v in wanted.items())  # rounded to 6 places
    ]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("label", list(AS_OF))
def test_the_value_score_is_the_runs_to_the_bit(value_scores, features, shop, label):
    """Witness for the run's parity: the scores a run in memory gives on the same features."""
    settings = load_settings(shop.folder)
    columns = model_columns(features[label])
    n = features[label].num_rows
    made, decided = scoring.score(
        columns, settings=settings, p_alive=np.full(n, np.nan), previous_stage=np.full(n, "")
    )
    table, cutoff = value_scores[label]
    buyers = columns["frequency"] > 0
    assert (
        table["customer_id"].to_pylist()
        == features[label]["customer_id"].filter(pa.array(buyers)).to_pylist()
    )
    for column in ("value_score", "value_customer", "value_parts"):
        assert table[column].to_pylist() == list(made[column][buyers]), column
    assert cutoff == decided.value_cutoff


def made_up_tiers(frequency: np.ndarray) -> np.ndarray:
    """A tier per customer from her order count, so both sides use the same tiers."""
    return np.where(frequency >= 3, "A", np.where(frequency >= 1, "B", "C")).astype(object)


@pytest.mark.parametrize("level_by", ["points", "spend"])
@pytest.mark.parametrize("label", list(AS_OF))
def test_service_needs_and_loyalty_are_the_runs(engine, shop, features, label, level_by):
    """Witness: the run's own functions (`pipeline.needs`) on the same features."""
    base = load_settings(shop.folder)
    settings = base.model_copy(
        update={"loyalty": base.loyalty.model_copy(update={"level_by": level_by})}
    )
    src, table = sources(engine, timezone=shop.zone), features[label]
    columns = model_columns(table)
    tier = made_up_tiers(columns["frequency"])
    want = needs.service_needs(columns, settings=settings) | needs.loyalty_columns(
        engine, src, table, tier, settings=settings, day=day_of(label)
    )
    t = customer_features(src, day_of(label))
    tiers = engine.load(pa.table({"customer_id": table["customer_id"], "tier": tier}))
    made = needs_on(engine, src, t, tiers, settings=settings, day=day_of(label))
    got = execute(engine, made.order_by("customer_id"))
    assert got["customer_id"].to_pylist() == table["customer_id"].to_pylist()
    for column in [*SERVICE_NEEDS, "loyalty_points", "loyalty_level"]:
        assert got[column].to_pylist() == list(want[column]), column
    assert len(set(want["loyalty_level"])) > 1 and all(want[n].any() for n in SERVICE_NEEDS)


@pytest.mark.parametrize("label", list(AS_OF))
def test_profile_clusters_are_the_runs(engine, shop, features, label):
    """Witness: the run's own clusters (`pipeline.needs`) on the same features; the sample
    against Python's own MD5."""
    base = load_settings(shop.folder)
    settings = base.model_copy(
        update={"clusters": base.clusters.model_copy(update={"sample": 1_000})}
    )
    src, table, day = sources(engine, timezone=shop.zone), features[label], day_of(label)
    columns = model_columns(table)
    tier = made_up_tiers(columns["frequency"])
    want = needs.needs(engine, src, table, columns, tier, settings=settings, day=day)
    categories = category_spend(src.orders, src.items, day)
    made, placed = clusters_on(
        engine,
        src,
        customer_features(src, day),
        categories,
        day=day,
        settings=settings,
        previous=None,
    )
    assert made == want.profiles
    got = execute(engine, placed.order_by("customer_id"))
    ids = table["customer_id"].to_pylist()
    wanted = {c: k for c, k in zip(ids, want.columns["cluster"], strict=True) if k is not None}
    assert dict(zip(got["customer_id"].to_pylist(), got["cluster"].to_pylist(), strict=True)) == (
        wanted
    )
    assert len(wanted) > 1_000 and len(set(wanted.values())) >= 3  # a sample, and clusters
    buyers = [c for c, f in zip(ids, columns["frequency"], strict=True) if f > 0]
    digest = lambda c: hashlib.md5(c.encode(), usedforsecurity=False).hexdigest()  # noqa: E731
    first = sorted(buyers, key=lambda c: (digest(c), c))[:1_000]
    sample = execute(engine, sampled(engine.load(pa.table({"customer_id": buyers})), size=1_000))
    assert sorted(sample["customer_id"].to_pylist()) == sorted(first)


@pytest.mark.parametrize("label", list(AS_OF))
def test_the_shortfall_is_the_runs(engine, shop, features, values, label):
    """Witness: the run's own `shortfall` on its window history, for the same customers."""
    settings, day = load_settings(shop.folder), day_of(label)
    facts, _ = values[label]
    src, table = sources(engine, timezone=shop.zone), features[label]
    valued = model_columns(table)["frequency"] >= 2  # made up: who the run would value
    history = history_of(engine, src, table, day=day, holdout=settings.alerts.window_days)
    ids = table["customer_id"]
    want = shortfall(ids, history, valued=valued, facts=facts, as_of=day, settings=settings)
    chosen = engine.load(table.select(["customer_id"]).filter(pa.array(valued)))
    made = shortfall_on(engine, src, chosen, facts=facts, as_of=day, settings=settings)
    got = execute(engine, made.order_by("customer_id")).to_pandas()
    assert want is not None and len(want) > 100 and (want["p_value"] < 0.05).any()
    pd.testing.assert_frame_equal(got, want.astype({"actual": "float64"}), check_exact=True)
