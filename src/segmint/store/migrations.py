"""The workspace database's tables, created and upgraded by numbered migrations.

A workspace made by an older segmint opens in a newer one: `migrate` applies, in one
transaction each, the steps the file has not seen yet and records them in
`schema_version`. Steps are only ever appended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from segmint.core.errors import EngineError, Location
from segmint.store import snapshots
from segmint.store.duckdb import DuckDBEngine

Migration = Callable[[DuckDBEngine], None]

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


def _v1_canonical_tables(engine: DuckDBEngine) -> None:
    for ddl in (*_V1_TABLES, *_META_DDL):
        engine.execute(ddl)


def _v2_runs_and_snapshots(engine: DuckDBEngine) -> None:
    for statement in snapshots.ddl():
        engine.execute(statement)


def _v3_order_refunds(engine: DuckDBEngine) -> None:
    # What was paid back on an order (platform exports); revenue is net of it.
    engine.execute("ALTER TABLE orders ADD COLUMN refund DECIMAL(18, 2)")


MIGRATIONS: tuple[Migration, ...] = (
    _v1_canonical_tables,
    _v2_runs_and_snapshots,
    _v3_order_refunds,
)


def version(engine: DuckDBEngine) -> int:
    """The number of migrations applied to this database (0 for a new file)."""
    exists = engine.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    )
    if not exists:
        return 0
    return int(engine.scalar("SELECT coalesce(max(version), 0) FROM schema_version"))


def migrate(engine: DuckDBEngine, *, migrations: Sequence[Migration] = MIGRATIONS) -> int:
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


def check_current(engine: DuckDBEngine, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
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
