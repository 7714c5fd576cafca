"""The generator's messy exports against the importer: every planted problem found, no other.

Witness: `truth.json` written by `segmint.demo.messy.write_files` lists each broken row
(file, row number as a spreadsheet shows it, expected code), each duplicate and each
follow-on row (an order line whose order was quarantined). The importer must quarantine
exactly those rows with exactly those codes, and keep everything else.
"""

import datetime as dt
import json

import pyarrow.parquet as pq
import pytest

from segmint.core.schema import KINDS
from segmint.demo.generate import generate
from segmint.demo.messy import write_files
from segmint.workspace import Workspace

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("messy")
    files = write_files(generate(3000, seed=11, as_of=AS_OF), root / "files", messy=True)
    truth = json.loads(files["truth_json"].read_text(encoding="utf-8"))
    results = {}
    with Workspace.init(root / "ws") as ws:
        for kind in KINDS:
            results[kind] = ws.import_file(kind, files[kind], today=AS_OF)
        quarantined = ws.engine.rows(
            "SELECT i.file_name, q.row, q.code FROM quarantine q JOIN imports i USING (import_id)"
        )
        counts = ws.status().tables
        groups = ws.duplicates()
    people = pq.read_table(files["truth"], columns=["customer_id", "duplicate_of"]).to_pylist()
    return truth, results, quarantined, counts, groups, people


def _name(path):
    return path.rsplit("/", 1)[-1]


def test_messy_files_are_gbk_with_chinese_headers(imported):
    truth, results, *_ = imported
    assert truth["encoding"] == "gbk"
    assert results["orders"].encoding == "gb18030"
    assert results["orders"].columns["order_id"] == "订单编号"


def test_every_broken_row_is_quarantined_with_its_code_and_no_other_row(imported):
    truth, _, quarantined, *_ = imported
    expected = {(b["file"], b["row"], b["code"]) for b in truth["broken_rows"]}
    expected |= {(f["file"], f["row"], f["code"]) for f in truth["follow_on_rows"]}
    got = {(_name(f), row, code) for f, row, code in quarantined}
    assert got == expected


def test_exact_duplicates_count_once_and_good_rows_are_all_kept(imported):
    truth, results, _, counts, *_ = imported
    for kind in KINDS:
        r = results[kind]
        exact = sum(
            len(d["rows"]) - 1
            for d in truth["duplicate_rows"]
            if d["file"] == truth["files"][kind]["file"]
        )
        assert r.duplicates_in_file == exact, kind
        assert r.rows_read == truth["files"][kind]["rows"], kind
        assert r.accepted + r.quarantined + r.duplicates_in_file + r.already_present == r.rows_read
    assert counts["orders"] == results["orders"].accepted


def test_planted_duplicate_customers_are_listed_together(imported):
    """Witness: truth.parquet's duplicate_of names the customer each planted copy copies."""
    truth, _, _, _, groups, people = imported
    rejected = {
        b["key"]["customer_id"] for b in truth["broken_rows"] if b["file"] == "customers.csv"
    }
    planted = {
        (p["customer_id"], p["duplicate_of"])
        for p in people
        if p["duplicate_of"] and not {p["customer_id"], p["duplicate_of"]} & rejected
    }
    together = [set(g.customer_ids) for g in groups]
    assert len(planted) >= 20
    assert all(any(set(pair) <= ids for ids in together) for pair in planted)
