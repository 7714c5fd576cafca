"""A segment's members as files for the tools that contact them: read back in every format,
encoding and template.

Witness: pandas over the customers and memberships tables — who is a member, who
consented to each channel, whose address that channel can use — against what each file
holds when read back with pandas / openpyxl-free readers (CSV in its encoding, Parquet,
JSON Lines, and the Excel sheet through python-calamine).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from segmint.activate import lists
from segmint.core.errors import InputError
from segmint.workspace import Workspace
from tests.conftest import built_demo, copied

SEGMENT = "stage.active"
MOBILE = re.compile(r"^(1[3-9][0-9]{9}|\+[1-9][0-9]{6,14})$")
EMAIL = re.compile(r"^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return built_demo(tmp_path_factory, "lists", customers=500, seed=8, as_of=dt.date(2026, 6, 30))


@pytest.fixture
def ws(made, tmp_path):
    with Workspace(copied(made, tmp_path)) as opened:
        # what real data has and the demo does not: unknown consent, masked and landline
        # numbers, a missing address, Chinese beyond GBK's 2-byte set
        opened.engine.execute(
            """UPDATE customers SET
                consent_sms = CASE WHEN customer_id LIKE '%1' THEN NULL ELSE consent_sms END,
                phone = CASE WHEN customer_id LIKE '%2' THEN '138****8000'
                    WHEN customer_id LIKE '%3' THEN '01012345678' ELSE phone END,
                email = CASE WHEN customer_id LIKE '%4' THEN NULL ELSE email END,
                consent_email = CASE WHEN customer_id LIKE '%5' THEN true ELSE consent_email END,
                name = CASE WHEN customer_id LIKE '%6' THEN '𠀀' || name ELSE name END"""
        )
        yield opened


def _expected(ws, channel: str, address: str, shape: re.Pattern[str]) -> tuple[pd.DataFrame, dict]:
    members = ws.engine.arrow(
        """SELECT c.* FROM customers c WHERE customer_id IN (
            SELECT customer_id FROM memberships m JOIN segments s USING (segment_id)
            WHERE s.name = ? AND m.run_id = (SELECT max(run_id) FROM runs))""",
        [SEGMENT],
    ).to_pandas()
    consented = members[f"consent_{channel}"].eq(True)
    usable = members[address].map(lambda a: isinstance(a, str) and bool(shape.match(a)))
    counts = {
        "members": len(members),
        "exported": int((consented & usable).sum()),
        "no_consent": int((~consented).sum()),
        "no_address": int((consented & ~usable).sum()),
    }
    return members[consented & usable].sort_values("customer_id"), counts


@pytest.mark.parametrize(
    ("template", "channel", "address", "shape"),
    [
        ("email", "email", "email", EMAIL),
        ("sms", "sms", "phone", MOBILE),
        ("wecom", "wecom", "phone", MOBILE),
    ],
)
def test_each_template_holds_the_members_who_may_be_reached_and_counts_the_others(
    ws, tmp_path, template, channel, address, shape
):
    want, counts = _expected(ws, channel, address, shape)
    assert counts["no_consent"] > 0 and counts["exported"] > 0  # the witness has cases
    out = tmp_path / f"{template}.csv"
    done = ws.export_segment(SEGMENT, out, template=template)
    assert done.reach is not None and done.reach.model_dump() == counts
    got = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    headers = {
        "email": ["email", "name", "customer_id", "segment"],
        "sms": ["phone", "name", "customer_id", "segment"],
        "wecom": ["手机号", "客户名称", "标签组", "标签", "customer_id"],
    }[template]
    assert list(got.columns) == headers
    assert got.customer_id.tolist() == want.customer_id.tolist() and done.rows == len(want)
    key = {"email": "email", "sms": "phone", "wecom": "手机号"}[template]
    assert got[key].tolist() == want[address].tolist()
    assert not got[key].str.contains(r"\*").any()  # no masked number was handed on
    name = "客户名称" if template == "wecom" else "name"
    assert got[name].tolist() == want.name.fillna("").tolist()


def test_sms_counts_masked_landline_and_unknown_consent_as_left_out(ws, tmp_path):
    done = ws.export_segment(SEGMENT, tmp_path / "sms.csv", template="sms")
    members = ws.engine.rows(
        """SELECT c.customer_id, c.phone, c.consent_sms FROM customers c
        JOIN memberships m USING (customer_id) JOIN segments s USING (segment_id)
        WHERE s.name = ? AND m.run_id = (SELECT max(run_id) FROM runs)""",
        [SEGMENT],
    )
    unknown = sum(c is None for _, _, c in members)
    unusable = sum(c is True and (p == "138****8000" or p == "01012345678") for _, p, c in members)
    assert unknown > 0 and unusable > 0
    assert done.reach is not None
    assert done.reach.no_consent >= unknown and done.reach.no_address == unusable


@pytest.mark.parametrize("form", ["csv", "xlsx", "parquet", "jsonl"])
def test_every_format_reads_back_the_same_rows(ws, tmp_path, form):
    out = tmp_path / f"members.{form}"
    done = ws.export_segment(SEGMENT, out, template="email")
    if form == "csv":
        got = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    elif form == "parquet":
        got = pd.read_parquet(out).fillna("")
    elif form == "jsonl":
        got = pd.DataFrame(
            [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        ).fillna("")
    else:
        rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
        got = pd.DataFrame(rows[1:], columns=rows[0]).astype(str)
    want, _ = _expected(ws, "email", "email", EMAIL)
    assert got.customer_id.tolist() == want.customer_id.tolist() == got.customer_id.tolist()
    assert got.name.tolist() == want.name.fillna("").tolist()
    assert done.rows == len(want) and done.format == form


def test_gb18030_keeps_every_character_and_utf8_has_no_bom(ws, tmp_path):
    gb = ws.export_segment(SEGMENT, tmp_path / "gb.csv", template="sms", encoding="gb18030")
    plain = ws.export_segment(SEGMENT, tmp_path / "u8.csv", template="sms", encoding="utf-8")
    raw = (tmp_path / "gb.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("gb18030") == (tmp_path / "u8.csv").read_text(encoding="utf-8")
    assert "𠀀" in raw.decode("gb18030")  # a character outside GBK's two-byte set
    assert gb.encoding == "gb18030" and gb.rows == plain.rows > 0
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really GB18030, not UTF-8 under another name


def test_the_list_is_the_same_in_small_chunks(ws, tmp_path):
    """No row cap: the file is written a chunk at a time, and chunks join seamlessly."""
    whole = ws.export_segment(SEGMENT, tmp_path / "whole.parquet")
    run = ws._run(None)
    for form in ("csv", "parquet", "xlsx"):
        small = lists.export_segment(
            ws.engine,
            ws.settings,
            SEGMENT,
            tmp_path / f"small.{form}",
            run=run,
            lang="en",
            chunk=7,
        )
        assert small.rows == whole.rows > 14
    assert pd.read_parquet(tmp_path / "small.parquet").equals(
        pd.read_parquet(tmp_path / "whole.parquet")
    )
    csv = pd.read_csv(tmp_path / "small.csv", encoding="utf-8-sig")
    assert (
        csv.customer_id.tolist() == pd.read_parquet(tmp_path / "whole.parquet").customer_id.tolist()
    )


@pytest.mark.parametrize(
    ("out", "how", "code"),
    [
        ("a.csv", {"template": "fax"}, "export.unknown_template"),
        ("a.csv", {"form": "xlsx"}, "export.format_mismatch"),
        ("a.txt", {}, "export.bad_format"),
        ("a.xlsx", {"encoding": "gb18030"}, "export.encoding_not_for_format"),
        ("a.csv", {"encoding": "latin-1"}, "export.bad_encoding"),
    ],
)
def test_a_bad_template_format_or_encoding_is_named_and_writes_nothing(
    ws, tmp_path, out, how, code
):
    with pytest.raises(InputError) as caught:
        ws.export_segment(SEGMENT, tmp_path / out, **how)
    assert caught.value.code == code
    assert list(tmp_path.iterdir()) == [] or all(p.is_dir() for p in tmp_path.iterdir())


def test_an_existing_file_is_kept_without_force(ws, tmp_path):
    out = tmp_path / "kept.csv"
    out.write_text("mine", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        ws.export_segment(SEGMENT, out, template="email")
    assert caught.value.code == "files.exists" and out.read_text(encoding="utf-8") == "mine"
    assert ws.export_segment(SEGMENT, out, template="email", force=True).rows > 0
