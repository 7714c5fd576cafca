"""Customers who are one person under several ids: finding them and merging them.

Two ids are candidates when they share a normalized phone or e-mail (the importer
normalizes both) that no platform masked (`segmint.core.privacy`). A merge keeps one id,
re-points the other's orders, events and tickets, fills the kept record's empty fields
from the other, remembers the other id as an alias (later imports under it land on the
kept customer) and records what was merged.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from segmint.core.errors import InputError, Location, NotFoundError
from segmint.core.privacy import unmasked_sql
from segmint.core.schema import TABLES
from segmint.store import audit
from segmint.store.engine import Store

_REFERRING = ("orders", "events", "tickets")


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Customer ids that share one phone number or e-mail address."""

    field: str  # "phone" or "email"
    value: str
    customer_ids: tuple[str, ...]


def duplicate_groups(engine: Store) -> list[DuplicateGroup]:
    """Every group of two or more customers sharing a phone or an e-mail, largest first."""
    groups: list[DuplicateGroup] = []
    for column in ("phone", "email"):
        rows = engine.rows(
            f"""SELECT "{column}", list(customer_id ORDER BY customer_id) FROM customers
            WHERE {unmasked_sql(f'"{column}"')} GROUP BY "{column}" HAVING count(*) > 1
            ORDER BY count(*) DESC, "{column}" """
        )
        groups += [DuplicateGroup(column, value, tuple(ids)) for value, ids in rows]
    return groups


def merge(engine: Store, keep: str, other: str, *, actor: str) -> dict[str, int]:
    """Merge customer `other` into `keep`; return how many rows of each table moved."""
    if keep == other:
        raise InputError("identity.same_id", location=Location(field="other"), customer=keep)
    for customer_id in (keep, other):
        _check_exists(engine, customer_id)
    columns = [c for c in TABLES["customers"].column_names if c != "customer_id"]
    fill = ", ".join(f'"{c}" = coalesce(k."{c}", o."{c}")' for c in columns)
    moved: dict[str, int] = {}
    with engine.transaction():
        engine.execute(
            "INSERT INTO customer_merges SELECT ?, ?, now(), to_json(c)::VARCHAR "
            "FROM customers c WHERE customer_id = ?",
            [keep, other, other],
        )
        engine.execute(
            f"UPDATE customers k SET {fill} FROM customers o "
            "WHERE k.customer_id = ? AND o.customer_id = ?",
            [keep, other],
        )
        for table in _REFERRING:
            moved[table] = int(
                engine.scalar(f"SELECT count(*) FROM {table} WHERE customer_id = ?", [other])
            )
            engine.execute(
                f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?", [keep, other]
            )
        engine.execute(
            "UPDATE customer_aliases SET customer_id = ? WHERE customer_id = ?", [keep, other]
        )
        engine.execute("INSERT INTO customer_aliases VALUES (?, ?, now())", [other, keep])
        engine.execute("DELETE FROM customers WHERE customer_id = ?", [other])
        audit.record(
            engine,
            "merge",
            target="customers",
            actor=actor,
            details={"kept": keep, "merged": other, **moved},
        )
    return moved


def _check_exists(engine: Store, customer_id: str) -> None:
    if engine.scalar("SELECT count(*) FROM customers WHERE customer_id = ?", [customer_id]):
        return
    alias = merged_into(engine, customer_id)
    if alias is not None:
        raise NotFoundError("identity.already_merged", customer=customer_id, kept=alias)
    ids = [
        r[0]
        for r in engine.rows(
            "SELECT customer_id FROM customers "
            "ORDER BY jaro_winkler_similarity(customer_id, ?) DESC LIMIT 20",
            [customer_id],
        )
    ]
    close = difflib.get_close_matches(customer_id, ids, n=1)
    raise NotFoundError(
        "identity.unknown_customer", customer=customer_id, close=close[0] if close else None
    )


def merged_into(engine: Store, customer_id: str) -> str | None:
    """The customer that `customer_id` was merged into (None when it was not merged)."""
    found: str | None = engine.scalar(
        "SELECT customer_id FROM customer_aliases WHERE alias = ?", [customer_id]
    )
    return found
