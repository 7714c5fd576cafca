"""The workspace database's tables, created and upgraded by numbered migrations.

A workspace made by an older segmint opens in a newer one: `migrate` applies, in one
transaction each, the steps the file has not seen yet and records them in
`schema_version`. Steps are only ever appended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from segmint.core.errors import EngineError, Location
from segmint.core.schema import SQL_TYPES, TABLES, Table
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


def table_ddl(table: Table) -> str:
    """CREATE TABLE for a canonical table, from its declaration in core.schema."""
    columns = ",\n    ".join(f'"{c.name}" {SQL_TYPES[c.kind]}' for c in table.columns)
    return f'CREATE TABLE "{table.name}" (\n    {columns}\n)'


def _v1_canonical_tables(engine: DuckDBEngine) -> None:
    for table in TABLES.values():
        engine.execute(table_ddl(table))
    for ddl in _META_DDL:
        engine.execute(ddl)


def _v2_runs_and_snapshots(engine: DuckDBEngine) -> None:
    for statement in snapshots.ddl():
        engine.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (_v1_canonical_tables, _v2_runs_and_snapshots)


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
