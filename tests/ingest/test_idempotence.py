"""Import order does not matter: overlapping files give the same tables in any order."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.workspace import Workspace
from tests.conftest import TODAY, table, write_csv

ORDERS = [
    [f"O{i}", f"C{i % 7}", f"2024-03-{1 + i % 28:02d} 1{i % 10}:00", f"{10 + i}.{i % 100:02d}"]
    for i in range(40)
]
HEADER = ["order_id", "customer_id", "ordered_at", "amount"]


@st.composite
def overlapping_files(draw):
    """Three slices of one order list that overlap, as repeated monthly exports do."""
    cuts = sorted(draw(st.lists(st.integers(0, len(ORDERS)), min_size=6, max_size=6)))
    slices = [ORDERS[cuts[i] : cuts[i + 3]] for i in range(3)]
    return slices, draw(st.permutations(range(3)))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(overlapping_files())
def test_any_import_order_of_overlapping_files_gives_the_same_tables(tmp_path_factory, case):
    slices, order = case
    root = tmp_path_factory.mktemp("idem")
    files = [write_csv(root / f"part{i}.csv", HEADER, rows) for i, rows in enumerate(slices)]
    results = []
    for name, sequence in (("a", range(3)), ("b", order)):
        with Workspace.init(root / name) as ws:
            for i in itertools.chain(sequence, sequence):  # and every file twice
                ws.import_file("orders", files[i], today=TODAY)
            results.append((table(ws, "orders", "order_id"), table(ws, "customers", "customer_id")))
    assert results[0] == results[1]
    expected = {row[0] for rows in slices for row in rows}
    assert {r[0] for r in results[0][0]} == expected
