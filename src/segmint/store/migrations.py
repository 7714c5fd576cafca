"""The workspace database's tables, created and upgraded by numbered migrations.

A workspace made by an older segmint opens in a newer one: `migrate` applies, in one
transaction each, the steps the file has not seen yet and records them in
`schema_version`. Steps are only ever appended, and each is frozen: its DDL is written
out as it was on the day it shipped, never built from today's declarations, so a step
creates the same tables whenever it runs. A new column is a new step (a test compares
the tables the steps make with today's catalog).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from segmint.core.errors import EngineError, Location
from segmint.store import backfill
from segmint.store.engine import Store

Migration = Callable[[Store], None]

# Bookkeeping tables beside the canonical ones: what was imported, set aside, changed, merged.
_META_DDL = (
    """CREATE TABLE imports (
        import_id VARCHAR, kind VARCHAR, file_name VARCHAR, file_sha256 VARCHAR,
        format VARCHAR, encoding VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
        rows_read BIGINT, accepted BIGINT, quarantined BIGINT, already_present BIGINT,
        updated BIGINT, customers_created BIGINT, duplicates_in_file BIGINT)""",
    """CREATE TABLE quarantine (
        import_id VARCHAR, "row" BIGINT, code VARCHAR, field VARCHAR, message VARCHAR,
        params VARCHAR, raw VARCHAR)""",
    """CREATE TABLE changes (
        import_id VARCHAR, table_name VARCHAR, "key" VARCHAR, before VARCHAR, after VARCHAR)""",
    """CREATE TABLE audit (
        recorded_at TIMESTAMPTZ, actor VARCHAR, action VARCHAR, target VARCHAR, details VARCHAR)""",
    "CREATE TABLE customer_aliases (alias VARCHAR, customer_id VARCHAR, merged_at TIMESTAMPTZ)",
    """CREATE TABLE customer_merges (
        kept VARCHAR, merged VARCHAR, merged_at TIMESTAMPTZ, merged_record VARCHAR)""",
)


# The canonical tables as the first version declared them. Frozen: a later change to
# core.schema is a new step below, so a step creates the same tables whenever it runs.
_V1_TABLES = (
    """CREATE TABLE customers (
        customer_id VARCHAR, name VARCHAR, phone VARCHAR, email VARCHAR, gender VARCHAR,
        birthday DATE, city VARCHAR, province VARCHAR, channel VARCHAR,
        signup_at TIMESTAMPTZ, consent_email BOOLEAN, consent_sms BOOLEAN,
        consent_wecom BOOLEAN, attributes VARCHAR)""",
    """CREATE TABLE orders (
        order_id VARCHAR, customer_id VARCHAR, ordered_at TIMESTAMPTZ, amount DECIMAL(18, 2),
        discount DECIMAL(18, 2), currency VARCHAR, status VARCHAR, channel VARCHAR,
        store VARCHAR)""",
    """CREATE TABLE order_items (
        order_id VARCHAR, product_id VARCHAR, product_name VARCHAR, category VARCHAR,
        quantity INTEGER, unit_price DECIMAL(18, 2))""",
    """CREATE TABLE events (
        event_id VARCHAR, customer_id VARCHAR, occurred_at TIMESTAMPTZ, type VARCHAR,
        channel VARCHAR, product_id VARCHAR, properties VARCHAR)""",
    """CREATE TABLE tickets (
        ticket_id VARCHAR, customer_id VARCHAR, opened_at TIMESTAMPTZ, closed_at TIMESTAMPTZ,
        category VARCHAR, is_complaint BOOLEAN, satisfaction INTEGER)""",
)


def _v1_canonical_tables(engine: Store) -> None:
    for ddl in (*_V1_TABLES, *_META_DDL):
        engine.execute(ddl)


# Runs and their snapshots, one row per customer per run, as step 2 made them.
_V2_TABLES = (
    """CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY, as_of DATE, started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ, config_hash VARCHAR, customers BIGINT, details VARCHAR)""",
    """CREATE TABLE snapshots (
        run_id INTEGER, customer_id VARCHAR, recency_days BIGINT, frequency BIGINT,
        monetary DECIMAL(18, 2), orders_7d BIGINT, orders_30d BIGINT, orders_90d BIGINT,
        orders_180d BIGINT, orders_365d BIGINT, revenue_30d DECIMAL(18, 2),
        revenue_90d DECIMAL(18, 2), revenue_180d DECIMAL(18, 2), revenue_365d DECIMAL(18, 2),
        aov DOUBLE, avg_days_between_orders DOUBLE, tenure_days BIGINT, first_order_at DATE,
        last_order_at DATE, discount_share DOUBLE, discount_share_90d DOUBLE,
        refund_share DOUBLE, distinct_products BIGINT, distinct_categories BIGINT,
        top_category VARCHAR, page_views_7d BIGINT, page_views_30d BIGINT,
        view_streak_days BIGINT, days_since_last_view BIGINT, email_opens_30d BIGINT,
        email_clicks_30d BIGINT, calls_90d BIGINT, interactions_30d BIGINT,
        tickets_365d BIGINT, complaints_365d BIGINT, avg_satisfaction DOUBLE,
        open_tickets BIGINT, r_score BIGINT, f_score BIGINT, m_score BIGINT,
        rfm_cell VARCHAR, rfm8 VARCHAR, rfm11 VARCHAR, tier VARCHAR, stage VARCHAR,
        value_score DOUBLE, value_customer BOOLEAN, value_parts VARCHAR, p_alive DOUBLE,
        expected_orders_90d DOUBLE, clv_12m DOUBLE)""",
    """CREATE TABLE snapshot_categories (
        run_id INTEGER, customer_id VARCHAR, category VARCHAR, spend DECIMAL(18, 2),
        share DOUBLE)""",
    """CREATE TABLE snapshot_channels (
        run_id INTEGER, customer_id VARCHAR, channel VARCHAR, interactions_30d BIGINT)""",
)


def _v2_runs_and_snapshots(engine: Store) -> None:
    for statement in _V2_TABLES:
        engine.execute(statement)


def _v3_order_refunds(engine: Store) -> None:
    # What was paid back on an order (platform exports); revenue is net of it.
    engine.execute("ALTER TABLE orders ADD COLUMN refund DECIMAL(18, 2)")


# Segments as data: versioned definitions (a built-in family's member or a user's rule),
# frozen member lists of static segments, which versions each run evaluated, and one
# long membership table for every segment; a run's facts in typed columns.
_V4_TABLES = (
    """CREATE TABLE segments (
        segment_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, version INTEGER NOT NULL,
        kind VARCHAR NOT NULL, family VARCHAR, "key" VARCHAR, rule VARCHAR NOT NULL,
        description VARCHAR, static BOOLEAN NOT NULL,
        created_by VARCHAR, created_at TIMESTAMPTZ, changed_by VARCHAR, changed_at TIMESTAMPTZ,
        removed_by VARCHAR, removed_at TIMESTAMPTZ)""",
    "CREATE TABLE static_members (segment_id INTEGER, customer_id VARCHAR)",
    "CREATE TABLE run_segments (run_id INTEGER, segment_id INTEGER, members BIGINT)",
    "CREATE TABLE memberships (run_id INTEGER, segment_id INTEGER, customer_id VARCHAR)",
    """CREATE TABLE run_facts (
        run_id INTEGER PRIMARY KEY,
        settings VARCHAR,
        rfm STRUCT(recency_cuts DOUBLE[], frequency_cuts DOUBLE[], monetary_cuts DOUBLE[],
            mean_recency_days DOUBLE, mean_frequency DOUBLE, mean_monetary DOUBLE),
        tiers STRUCT(tier VARCHAR, customers BIGINT, buyers BIGINT, min_spend DOUBLE,
            max_spend DOUBLE)[],
        usual_gap_days DOUBLE,
        value_cutoff DOUBLE,
        clv STRUCT(model VARCHAR, chosen_by VARCHAR, holdout_days INTEGER,
            holdout_customers BIGINT, discount_rate DOUBLE, note VARCHAR,
            checks STRUCT(model VARCHAR, mae DOUBLE, predicted DOUBLE, actual BIGINT,
                log_likelihood DOUBLE, error VARCHAR)[],
            fits STRUCT(model VARCHAR, purpose VARCHAR, params MAP(VARCHAR, DOUBLE),
                standard_errors MAP(VARCHAR, DOUBLE), log_likelihood DOUBLE)[]),
        pareto_curve DOUBLE[],
        warnings STRUCT(code VARCHAR, params VARCHAR)[])""",
)


def _v4_segments_and_typed_facts(engine: Store) -> None:
    for statement in _V4_TABLES:
        engine.execute(statement)
    backfill.runs_before_v4(engine)  # earlier runs: facts from their details, memberships
    engine.execute("ALTER TABLE runs DROP COLUMN details")


# Alerts: one row per customer, reason and subject while the condition holds; resolved
# when it no longer does, acknowledged by a person.
_V5_TABLES = (
    """CREATE TABLE alerts (
        alert_id INTEGER PRIMARY KEY, customer_id VARCHAR NOT NULL, reason VARCHAR NOT NULL,
        subject VARCHAR NOT NULL, severity VARCHAR NOT NULL, params VARCHAR NOT NULL,
        raised_at TIMESTAMPTZ NOT NULL, raised_by VARCHAR NOT NULL, run_id INTEGER,
        resolved_at TIMESTAMPTZ, resolved_by VARCHAR,
        acknowledged_at TIMESTAMPTZ, acknowledged_by VARCHAR, note VARCHAR)""",
)


def _v5_alerts(engine: Store) -> None:
    for statement in _V5_TABLES:
        engine.execute(statement)


# The live view: the current run plus the updates since. An update (new data, or days
# passing) rewrites the rows and memberships of the customers it touched in an overlay;
# every membership change is logged with its cause; each customer's next day a label or
# segment may change without new data; and what a run froze for updates between runs:
# its value-score ranks and the first customer of each group of a ranked label.
_V6_TABLES = (
    """CREATE TABLE updates (
        update_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, cause VARCHAR NOT NULL,
        as_of DATE NOT NULL, updated_at TIMESTAMPTZ NOT NULL, actor VARCHAR, import_id VARCHAR,
        customers BIGINT NOT NULL, entered BIGINT NOT NULL, "left" BIGINT NOT NULL)""",
    # the snapshot's columns as step 2 made them, after the update that wrote the row
    _V2_TABLES[1].replace(
        "CREATE TABLE snapshots (\n        run_id INTEGER,",
        "CREATE TABLE live_customers (\n        update_id INTEGER, run_id INTEGER,",
    ),
    "CREATE TABLE live_memberships (run_id INTEGER, segment_id INTEGER, customer_id VARCHAR)",
    """CREATE TABLE membership_changes (
        changed_at TIMESTAMPTZ NOT NULL, cause VARCHAR NOT NULL, run_id INTEGER NOT NULL,
        update_id INTEGER, segment_id INTEGER NOT NULL, customer_id VARCHAR NOT NULL,
        entered BOOLEAN NOT NULL)""",
    "CREATE TABLE next_changes (run_id INTEGER, customer_id VARCHAR, day DATE)",
    """CREATE TABLE run_ranks (
        run_id INTEGER, component VARCHAR, value DOUBLE, below BIGINT, equal BIGINT)""",
    """CREATE TABLE run_ladders (
        run_id INTEGER, ladder VARCHAR, "position" INTEGER, label VARCHAR, value DOUBLE,
        customer_id VARCHAR)""",
    "ALTER TABLE alerts ADD COLUMN update_id INTEGER",
)


def _v6_live_view(engine: Store) -> None:
    for statement in _V6_TABLES:
        engine.execute(statement)


# The API: keys with roles, stored as hashes (the key itself is shown once, when made),
# and where each audited change came from (the command line, or an API client's address).
_V7_TABLES = (
    """CREATE TABLE api_keys (
        key_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, role VARCHAR NOT NULL,
        key_hash VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, created_by VARCHAR NOT NULL,
        revoked_at TIMESTAMPTZ, revoked_by VARCHAR)""",
    "ALTER TABLE audit ADD COLUMN origin VARCHAR",
)


def _v7_api_keys(engine: Store) -> None:
    for statement in _V7_TABLES:
        engine.execute(statement)


# One customer's rows stored together: a profile reads hers through DuckDB's min/max per
# block of rows instead of scanning every row (at a million customers, a timeline read
# went from 200 ms to 4 ms). Imports and runs keep them so from now on; this step sorts
# what is already there. (No keys on these tables: deleting and inserting the same rows
# in one transaction is safe.)
_V8_BY_CUSTOMER = {
    "customers": "customer_id",
    "orders": "customer_id",
    "events": "customer_id",
    "tickets": "customer_id",
    "snapshot_categories": "run_id, customer_id",
    "snapshot_channels": "run_id, customer_id",
    "memberships": "run_id, customer_id",
}


def _v8_rows_by_customer(engine: Store) -> None:
    for table, order in _V8_BY_CUSTOMER.items():
        engine.execute(f"CREATE TEMP TABLE _rows AS SELECT * FROM {table}")
        engine.execute(f"DELETE FROM {table}")
        with engine.keeping_order():
            engine.execute(f"INSERT INTO {table} SELECT * FROM _rows ORDER BY {order}")
        engine.execute("DROP TABLE _rows")


# Webhooks: subscriptions (their secrets are kept: each message is signed with them) and
# the outbox, one row per message and subscription, written in the transaction of the
# change it tells of and kept after delivery (or giving up) as the record of it.
_V9_TABLES = (
    """CREATE TABLE webhook_subscriptions (
        subscription_id VARCHAR PRIMARY KEY, url VARCHAR NOT NULL, events VARCHAR NOT NULL,
        batch INTEGER NOT NULL, secrets VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
        created_by VARCHAR NOT NULL, removed_at TIMESTAMPTZ, removed_by VARCHAR)""",
    """CREATE TABLE webhook_messages (
        message_id VARCHAR NOT NULL, subscription_id VARCHAR NOT NULL, event VARCHAR NOT NULL,
        body VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, attempts INTEGER NOT NULL,
        next_at TIMESTAMPTZ, delivered_at TIMESTAMPTZ, dead_at TIMESTAMPTZ,
        last_error VARCHAR)""",
)


def _v9_webhooks(engine: Store) -> None:
    for statement in _V9_TABLES:
        engine.execute(statement)


# Webhooks limited to the segments they tell of; messages numbered in the order made (a
# subscription's are sent in that order); secrets that are rotated, each kept with the
# moment it stops signing (null: while it is the newest).
def _v10_webhook_order_filters_and_rotation(engine: Store) -> None:
    engine.execute("ALTER TABLE webhook_subscriptions ADD COLUMN segments VARCHAR")
    engine.execute("ALTER TABLE webhook_messages ADD COLUMN seq BIGINT")
    engine.execute(
        """UPDATE webhook_messages m SET seq = n.seq FROM (
            SELECT message_id, row_number() OVER (ORDER BY created_at, message_id) AS seq
            FROM webhook_messages) n WHERE m.message_id = n.message_id"""
    )
    for subscription_id, kept in engine.rows(
        "SELECT subscription_id, secrets FROM webhook_subscriptions"
    ):
        keys = [{"key": key, "until": None} for key in json.loads(kept)]
        engine.execute(
            "UPDATE webhook_subscriptions SET secrets = ? WHERE subscription_id = ?",
            [json.dumps(keys), subscription_id],
        )


# Campaigns with a hold-out: what was decided (segment, shares, variants, seed, window) and
# who was assigned to which group and when: the data's day (the live view's) and the clock's
# (a customer keeps her group; `models.holdout`).
_V11_TABLES = (
    """CREATE TABLE campaigns (
        name VARCHAR PRIMARY KEY, segment VARCHAR NOT NULL, holdout DOUBLE NOT NULL,
        variants VARCHAR NOT NULL, seed BIGINT NOT NULL, start_day DATE NOT NULL,
        end_day DATE NOT NULL, created_at TIMESTAMPTZ NOT NULL, created_by VARCHAR NOT NULL)""",
    """CREATE TABLE campaign_members (
        campaign VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, variant VARCHAR NOT NULL,
        assigned_day DATE NOT NULL, assigned_at TIMESTAMPTZ NOT NULL)""",
)


def _v11_campaigns(engine: Store) -> None:
    for statement in _V11_TABLES:
        engine.execute(statement)


# Playbooks: each customer's account manager, the tasks made for the team, and a log of
# every action done for a customer under a rule (so that none is done twice).
_V12_TABLES = (
    """CREATE TABLE customer_owners (
        customer_id VARCHAR PRIMARY KEY, owner VARCHAR NOT NULL, rule VARCHAR NOT NULL,
        assigned_day DATE NOT NULL, assigned_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE tasks (
        task_id INTEGER PRIMARY KEY, rule VARCHAR NOT NULL, customer_id VARCHAR NOT NULL,
        owner VARCHAR, title VARCHAR NOT NULL, day DATE NOT NULL,
        created_at TIMESTAMPTZ NOT NULL, done_at TIMESTAMPTZ, done_by VARCHAR)""",
    """CREATE TABLE playbook_log (
        rule VARCHAR NOT NULL, action VARCHAR NOT NULL, customer_id VARCHAR NOT NULL,
        day DATE NOT NULL, done_at TIMESTAMPTZ NOT NULL, detail VARCHAR)""",
)


def _v12_playbooks(engine: Store) -> None:
    for statement in _V12_TABLES:
        engine.execute(statement)


# The CLV facts' tracking series: cumulative repeat purchases, actual and expected, on a
# grid of days (`core.facts.Tracking`); runs stored before it have none (NULL).
def _v13_clv_tracking(engine: Store) -> None:
    engine.execute(
        """ALTER TABLE run_facts ADD COLUMN clv.tracking STRUCT("start" DATE,
            calibration_end DATE, fitted_on VARCHAR, days INTEGER[], actual BIGINT[],
            expected DOUBLE[])"""
    )


# Needs and profiles: the snapshot's new columns (in the live view's rows too), each run's
# profile clusters in its facts, and what its recommender learnt: per product its category,
# buyers and whether it is bought again, and its most similar products.
_V14_COLUMNS = (
    "avg_resolution_days DOUBLE",  # a feature: placed after open_tickets below
    "cluster BIGINT",
    "loyalty_points BIGINT",
    "loyalty_level VARCHAR",
    "unresolved_ticket BOOLEAN",
    "frequent_complainer BOOLEAN",
    "low_satisfaction BOOLEAN",
    "slow_resolution BOOLEAN",
    "needs_onboarding BOOLEAN",
    "next_category VARCHAR",
    "recommended VARCHAR",
)
_V14_TABLES = (
    """ALTER TABLE run_facts ADD COLUMN profiles STRUCT(features VARCHAR[], mean DOUBLE[],
        scale DOUBLE[], silhouettes STRUCT(k INTEGER, score DOUBLE)[],
        clusters STRUCT("cluster" INTEGER, customers BIGINT, center DOUBLE[],
            traits STRUCT(feature VARCHAR, z DOUBLE, mean DOUBLE, overall DOUBLE)[])[])""",
    """CREATE TABLE run_products (
        run_id INTEGER, product_id VARCHAR, name VARCHAR, category VARCHAR, buyers BIGINT,
        repeat BOOLEAN)""",
    """CREATE TABLE run_neighbours (
        run_id INTEGER, product_id VARCHAR, neighbour_id VARCHAR, similarity DOUBLE)""",
)


def _v14_needs_and_profiles(engine: Store) -> None:
    for table in ("snapshots", "live_customers"):
        for column in _V14_COLUMNS:
            engine.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        # the new feature among the features (after open_tickets), as exports show them
        names = [row[0] for row in engine.rows(f"DESCRIBE {table}")]
        names.remove("avg_resolution_days")
        names.insert(names.index("open_tickets") + 1, "avg_resolution_days")
        columns = ", ".join(f'"{c}"' for c in names)
        engine.execute(f"CREATE TABLE _v14 AS SELECT {columns} FROM {table}")
        engine.execute(f"DROP TABLE {table}")
        engine.execute(f"ALTER TABLE _v14 RENAME TO {table}")
    for statement in _V14_TABLES:
        engine.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (
    _v1_canonical_tables,
    _v2_runs_and_snapshots,
    _v3_order_refunds,
    _v4_segments_and_typed_facts,
    _v5_alerts,
    _v6_live_view,
    _v7_api_keys,
    _v8_rows_by_customer,
    _v9_webhooks,
    _v10_webhook_order_filters_and_rotation,
    _v11_campaigns,
    _v12_playbooks,
    _v13_clv_tracking,
    _v14_needs_and_profiles,
)


def version(engine: Store) -> int:
    """The number of migrations applied to this database (0 for a new file)."""
    exists = engine.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    )
    if not exists:
        return 0
    return int(engine.scalar("SELECT coalesce(max(version), 0) FROM schema_version"))


def migrate(engine: Store, *, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the migrations this database has not seen; return the new version."""
    if version(engine) == 0:
        with engine.transaction():
            engine.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMPTZ)")
    current = version(engine)
    for number, step in enumerate(migrations[current:], start=current + 1):
        with engine.transaction():
            step(engine)
            engine.execute("INSERT INTO schema_version VALUES (?, now())", [number])
    return len(migrations)


def check_current(engine: Store, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Refuse a database opened read-only that `migrate` would have to change first.

    A read-only open cannot upgrade the file, and reading an older layout with this
    version's queries would fail somewhere in the middle instead of here.
    """
    found = version(engine)
    if found != len(migrations):
        raise EngineError(
            "store.old_schema" if found < len(migrations) else "store.new_schema",
            location=Location(file=engine.path.name),
            database=engine.path.name,
            found=found,
            needed=len(migrations),
            folder=engine.path.parent,
        )
