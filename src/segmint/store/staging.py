"""One import's checked rows on their way into a canonical table.

The importer appends parsed batches to a temporary stage inside its transaction; the
stage then finds in-file duplicates, resolves merged customer ids, and merges into the
canonical table: new keys are inserted, changed rows updated (the old and new values go
to `changes`), identical rows counted as already present. Every identifier in the SQL
below comes from `core.schema`; every value is a bound parameter or a column.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from segmint.core.schema import SQL_TYPES, Table
from segmint.store.engine import Store


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Rows of one file that share a key but not their values."""

    key: str
    rows: tuple[int, ...]
    values: dict[int, dict[str, object]]  # row -> its staged values, for the quarantine


@dataclass(frozen=True, slots=True)
class MergeCounts:
    """What the merge did to the canonical table."""

    inserted: int
    updated: int
    unchanged: int
    present: frozenset[int] = frozenset()  # rows whose key was there before (when asked)

    @property
    def total(self) -> int:
        """Staged rows the merge saw."""
        return self.inserted + self.updated + self.unchanged


def _q(name: str) -> str:
    return f'"{name}"'


class Staging:
    """A temporary table holding the present columns of `table` plus each row's number."""

    def __init__(
        self,
        engine: Store,
        table: Table,
        columns: Sequence[str],
        *,
        keep: Sequence[str] = (),
    ) -> None:
        self.engine = engine
        self.table = table
        self.stage = f"_stage_{table.name}"  # one file may fill several tables at once
        self.columns = tuple(columns)
        # Columns the file does not hold (filled from defaults): new rows take them, rows
        # already there keep theirs, so a column absent from a file never changes a row.
        self.compared = tuple(c for c in self.columns if c not in keep)
        defs = ", ".join(f"{_q(c)} {SQL_TYPES[table.column(c).kind]}" for c in self.columns)
        engine.execute(f"CREATE OR REPLACE TEMP TABLE {self.stage} ({defs}, _row BIGINT)")

    def append(self, tables: Iterator[pa.Table]) -> None:
        """Stream checked rows into the stage; each table has the staged columns and `_row`.

        One statement takes all the tables (a statement per batch costs twice the time).
        An exception raised while producing them is re-raised here as it was.
        """
        first = next(tables, None)
        if first is None:
            return
        failures: list[BaseException] = []

        def batches() -> Iterator[pa.RecordBatch]:
            try:
                yield from first.to_batches()
                for table in tables:
                    yield from table.cast(first.schema).to_batches()
            except BaseException as exc:
                failures.append(exc)

        self.engine.append(self.stage, pa.RecordBatchReader.from_batches(first.schema, batches()))
        if failures:
            raise failures[0]

    def count(self) -> int:
        """Rows staged now."""
        return int(self.engine.scalar(f"SELECT count(*) FROM {self.stage}"))

    def drop(self) -> None:
        """Remove the stage; the end of the transaction would too."""
        self.engine.execute(f"DROP TABLE IF EXISTS {self.stage}")
        self.engine.execute(f"DROP TABLE IF EXISTS {self.touched}")

    @property
    def touched(self) -> str:
        """The temporary table of the customers whose rows the merge added or changed."""
        return f"{self.stage}_touched"

    def _touch(self, where: str) -> None:
        """Keep the customers of the staged rows `where` holds (s is the staged row).

        An order line belongs to the customer of its order.
        """
        customer = "s.customer_id"
        source = f"{self.stage} s"
        if "customer_id" not in self.columns:
            customer, source = "o.customer_id", f"{source} JOIN orders o ON o.order_id = s.order_id"
        self.engine.execute(
            f"""CREATE OR REPLACE TEMP TABLE {self.touched} AS
            SELECT DISTINCT {customer} AS customer_id FROM {source} WHERE {where}"""
        )

    def _insert(self, target: str, cols: str, source: str) -> None:
        """Insert `cols` of `source` into `target`, by customer when the rows have one.

        Stored the way a profile reads them, DuckDB skips the blocks whose min/max
        customer_id cannot match (at a million customers, 200 ms a read becomes 4 ms;
        sorting costs a tenth more on the insert). Rows without a customer (order lines)
        keep the faster insert in any order.
        """
        sql = f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {source}"
        if "customer_id" not in self.columns:
            self.engine.execute(sql)
            return
        with self.engine.keeping_order():
            self.engine.execute(f"{sql} ORDER BY customer_id")

    @property
    def _key(self) -> str:
        return ", ".join(_q(k) for k in self.table.key)

    @property
    def _key_text(self) -> str:
        return "concat_ws('|', " + ", ".join(f"{_q(k)}::VARCHAR" for k in self.table.key) + ")"

    def _join(self, left: str, right: str) -> str:
        return " AND ".join(f"{left}.{_q(k)} = {right}.{_q(k)}" for k in self.table.key)

    def _values(self, rows: Sequence[int]) -> dict[int, dict[str, object]]:
        if not rows:
            return {}
        packed = ", ".join(f"{_q(c)} := {_q(c)}" for c in self.columns)
        found = self.engine.rows(
            f"SELECT _row, to_json(struct_pack({packed}))::VARCHAR FROM {self.stage} "
            "WHERE list_contains(?, _row)",
            [list(rows)],
        )
        return {int(row): json.loads(text) for row, text in found}

    def derive_event_ids(self) -> None:
        """Give events without an id a stable one, so the same event twice counts once."""
        parts = ", ".join(
            f"coalesce({_q(c)}::VARCHAR, '')" for c in self.columns if c != "event_id"
        )
        self.engine.execute(
            f"UPDATE {self.stage} SET event_id = 'E' || md5(concat_ws('|', {parts})) "
            "WHERE event_id IS NULL"
        )

    def take_duplicates(self) -> tuple[list[Duplicate], int]:
        """Remove in-file duplicates: conflicting ones are returned, exact ones counted once."""
        # Keys seen twice are rare: find them with a cheap count, then look only at those.
        self.engine.execute(
            f"""CREATE OR REPLACE TEMP TABLE _dup_keys AS
            SELECT {self._key} FROM {self.stage} GROUP BY {self._key} HAVING count(*) > 1"""
        )
        if not self.engine.scalar("SELECT count(*) FROM _dup_keys"):
            self.engine.execute("DROP TABLE _dup_keys")
            return [], 0
        values = ", ".join(_q(c) for c in self.columns)
        self.engine.execute(
            f"""CREATE OR REPLACE TEMP TABLE _dups AS
            SELECT {self._key_text} AS k, min(h) <> max(h) AS conflict,
                   list(_row ORDER BY _row) AS rows
            FROM (SELECT *, hash({values}) AS h
                  FROM {self.stage} SEMI JOIN _dup_keys USING ({self._key}))
            GROUP BY {self._key}"""
        )
        found = self.engine.rows("SELECT k, rows FROM _dups WHERE conflict ORDER BY rows[1]")
        values_by_row = self._values([r for _, rows in found for r in rows])
        conflicts = [
            Duplicate(k, tuple(rows), {r: values_by_row[r] for r in rows}) for k, rows in found
        ]
        exact = int(
            self.engine.scalar(
                "SELECT coalesce(sum(len(rows) - 1), 0) FROM _dups WHERE NOT conflict"
            )
        )
        self.engine.execute(
            f"""DELETE FROM {self.stage} WHERE _row IN (
                SELECT unnest(CASE WHEN conflict THEN rows ELSE rows[2:] END) FROM _dups)"""
        )
        self.engine.execute("DROP TABLE _dups")
        self.engine.execute("DROP TABLE _dup_keys")
        return conflicts, exact

    def resolve_aliases(self) -> int:
        """Point rows at the customer a merged id now belongs to; return rows changed.

        In a customers file the merged-away id itself is dropped: the kept customer
        already holds it.
        """
        if "customer_id" not in self.columns:
            return 0
        n = int(
            self.engine.scalar(
                f"SELECT count(*) FROM {self.stage} s "
                "JOIN customer_aliases a ON s.customer_id = a.alias"
            )
        )
        if n == 0:
            return 0
        if self.table.name == "customers":
            self.engine.execute(
                f"DELETE FROM {self.stage} "
                "WHERE customer_id IN (SELECT alias FROM customer_aliases)"
            )
        else:
            self.engine.execute(
                f"""UPDATE {self.stage} SET customer_id = a.customer_id FROM customer_aliases a
                WHERE {self.stage}.customer_id = a.alias"""
            )
        return n

    def unknown(self, column: str, target: str) -> list[tuple[int, str]]:
        """(row, value) of staged rows whose `column` has no row in table `target`."""
        return [
            (int(row), str(value))
            for row, value in self.engine.rows(
                f"""SELECT _row, {_q(column)} FROM {self.stage} s
                WHERE NOT EXISTS (
                    SELECT 1 FROM {_q(target)} t WHERE t.{_q(column)} = s.{_q(column)})
                ORDER BY _row"""
            )
        ]

    def drop_rows(self, rows: Sequence[int]) -> None:
        """Remove rows (by row number) that were quarantined after staging."""
        if rows:
            self.engine.execute(
                f"DELETE FROM {self.stage} WHERE list_contains(?, _row)", [list(rows)]
            )

    def create_missing_customers(self) -> int:
        """Insert a minimal customer (id only) for every unknown customer_id; return how many."""
        before = int(self.engine.scalar("SELECT count(*) FROM customers"))
        self.engine.execute(
            f"""INSERT INTO customers (customer_id)
            SELECT DISTINCT customer_id FROM {self.stage} s
            WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = s.customer_id)"""
        )
        return int(self.engine.scalar("SELECT count(*) FROM customers")) - before

    def merge(self, import_id: str, *, rows: bool = False) -> MergeCounts:
        """Insert new keys, update changed rows (recording before/after), count the rest.

        With `rows`, also say which rows' keys were there before (`MergeCounts.present`):
        an API batch's per-item outcome, without a second search of the table.
        """
        differs = " OR ".join(f"t.{_q(c)} IS DISTINCT FROM s.{_q(c)}" for c in self.compared)
        return self._merge(import_id, changed=differs, value="s.{c}", rows=rows)

    def fill(self, import_id: str) -> MergeCounts:
        """Insert new keys; in rows already there, fill only the empty columns (recorded).

        For data that completes a record but must not overwrite it: the receiver's name
        and phone of an order export against a customer record from the CRM.
        """
        fills = [c for c in self.compared if c not in self.table.key]
        empty = " OR ".join(f"(t.{_q(c)} IS NULL AND s.{_q(c)} IS NOT NULL)" for c in fills)
        return self._merge(import_id, changed=empty or "false", value="coalesce(t.{c}, s.{c})")

    def _merge(
        self, import_id: str, *, changed: str, value: str, rows: bool = False
    ) -> MergeCounts:
        target = _q(self.table.name)
        cols = ", ".join(_q(c) for c in self.columns)
        staged = self.count()
        if not self.engine.scalar(f"SELECT count(*) FROM {target}"):
            # A first import: nothing to match, so skip the joins.
            self._insert(target, cols, self.stage)
            self._touch("true")
            return MergeCounts(inserted=staged, updated=0, unchanged=0)
        self.engine.execute(
            f"""CREATE OR REPLACE TEMP TABLE _matched AS
            SELECT s._row, ({changed}) AS changed
            FROM {self.stage} s JOIN {target} t ON {self._join("t", "s")}"""
        )
        existing, updated = self.engine.rows(
            "SELECT count(*), count(*) FILTER (WHERE changed) FROM _matched"
        )[0]
        present = (
            frozenset(int(r) for (r,) in self.engine.rows("SELECT _row FROM _matched"))
            if rows
            else frozenset()
        )
        if updated:
            self._update(import_id, value)
        self._insert(target, cols, f"{self.stage} s ANTI JOIN _matched m ON s._row = m._row")
        self._touch("NOT EXISTS (SELECT 1 FROM _matched m WHERE m._row = s._row AND NOT changed)")
        self.engine.execute("DROP TABLE _matched")
        return MergeCounts(
            inserted=staged - existing,
            updated=updated,
            unchanged=existing - updated,
            present=present,
        )

    def _update(self, import_id: str, value: str) -> None:
        """Record before/after of the changed rows in `changes`, then update them.

        `value` is the new value of column ``{c}`` (quoted) in SQL over t (the table's row)
        and s (the staged row).
        """
        target = _q(self.table.name)
        changed = (
            f"FROM {self.stage} s JOIN {target} t ON {self._join('t', 's')} "
            "WHERE s._row IN (SELECT _row FROM _matched WHERE changed)"
        )
        before = ", ".join(f"{_q(c)} := t.{_q(c)}" for c in self.compared)
        after = ", ".join(f"{_q(c)} := {value.format(c=_q(c))}" for c in self.compared)
        key = ", ".join(f"s.{_q(k)}::VARCHAR" for k in self.table.key)
        self.engine.execute(
            f"""INSERT INTO changes
            SELECT ?, ?, concat_ws('|', {key}), to_json(struct_pack({before})),
                   to_json(struct_pack({after})) {changed}""",
            [import_id, self.table.name],
        )
        sets = ", ".join(
            f"{_q(c)} = {value.format(c=_q(c))}" for c in self.compared if c not in self.table.key
        )
        self.engine.execute(
            f"""UPDATE {target} t SET {sets} FROM {self.stage} s
            WHERE {self._join("t", "s")}
              AND s._row IN (SELECT _row FROM _matched WHERE changed)"""
        )
