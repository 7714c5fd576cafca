"""A run's memberships: every family, rule and static segment, written with its snapshot.

Called inside the run's transaction, after the snapshot rows: a failed run leaves no
memberships behind, and a finished one has a member list for every segment it knew.
"""

from __future__ import annotations

import datetime as dt

from segmint.core.config import Settings
from segmint.segments import definitions
from segmint.store import memberships
from segmint.store.duckdb import DuckDBEngine


def write_memberships(
    engine: DuckDBEngine, settings: Settings, *, run_id: int, as_of: dt.date, actor: str
) -> None:
    """The members of every live segment in run `run_id`, and their counts."""
    definitions.sync_families(engine, settings)
    memberships.write_families(engine, run_id)
    ids = memberships.family_segment_ids(engine)
    memberships.record_counts(engine, run_id, ids)
