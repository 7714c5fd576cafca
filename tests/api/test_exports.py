"""GET /v1/segments/{name}/export: the same file `segmint export segment` writes, streamed.

Witness: the library's own export of the same segment, template and encoding, byte for
byte (CSV, JSON Lines) or row for row (Excel, Parquet), and the counts in its result.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

SEGMENT = "stage.active"


def _get(served, path: str, *, role: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(  # noqa: S310 -- our own server's http:// address
        served.url + path, headers={"Authorization": f"Bearer {served.keys[role]}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(("form", "encoding"), [("csv", "gb18030"), ("csv", None), ("jsonl", None)])
def test_a_template_export_is_the_librarys_file_byte_for_byte(served, tmp_path, form, encoding):
    query = f"?template=sms&format={form}" + (f"&encoding={encoding}" if encoding else "")
    status, headers, body = _get(served, f"/v1/segments/{SEGMENT}/export{query}", role="analyst")
    assert status == 200, body[:300]
    with served.db():
        done = served.workspace.export_segment(
            SEGMENT, tmp_path / f"sms.{form}", template="sms", encoding=encoding
        )
    assert body == (tmp_path / f"sms.{form}").read_bytes() and done.rows > 0
    assert done.reach is not None
    assert int(headers["x-segmint-exported"]) == done.reach.exported == done.rows
    assert int(headers["x-segmint-no-consent"]) == done.reach.no_consent
    assert int(headers["x-segmint-members"]) == done.reach.members
    if encoding == "gb18030":
        assert headers["content-type"] == "text/csv; charset=gb18030"


def test_excel_and_parquet_and_a_plain_export_read_back(served, tmp_path):
    status, _, book = _get(
        served, f"/v1/segments/{SEGMENT}/export?format=xlsx&template=email", role="admin"
    )
    assert status == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_index(0).to_python()
    with served.db():
        done = served.workspace.export_segment(SEGMENT, tmp_path / "e.parquet", template="email")
    want = pd.read_parquet(tmp_path / "e.parquet")
    assert rows[0] == ["email", "name", "customer_id", "segment"]
    assert [r[2] for r in rows[1:]] == want.customer_id.tolist() and len(rows) - 1 == done.rows
    status, headers, plain = _get(
        served, f"/v1/segments/{SEGMENT}/export?format=parquet", role="analyst"
    )
    got = pd.read_parquet(io.BytesIO(plain))
    assert status == 200 and "x-segmint-exported" not in headers
    assert (got.columns[0], got.columns[-1]) == ("customer_id", "why")


def test_personal_data_is_for_analysts_and_errors_are_named(served):
    status, _, _ = _get(served, f"/v1/segments/{SEGMENT}/export?template=sms", role="viewer")
    assert status == 403
    status, _, body = _get(served, "/v1/segments/nope/export?template=sms", role="analyst")
    assert status == 404 and b"segment" in body
    status, _, body = _get(
        served, f"/v1/segments/{SEGMENT}/export?format=xlsx&encoding=gb18030", role="analyst"
    )
    assert status == 422 and b"export.encoding_not_for_format" in body
