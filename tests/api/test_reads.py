"""What the API reads: the same typed results the library returns, masked for a viewer."""

from __future__ import annotations

import pytest

from segmint.core.privacy import MASK
from segmint.segments.results import Profile, SegmentsReport
from segmint.store.search import CustomerRow


def _someone_with_contacts(served) -> tuple[str, str, str, str]:
    with served.db() as db:
        return db.rows(
            """SELECT customer_id, name, phone, email FROM customers WHERE name IS NOT NULL
            AND phone IS NOT NULL AND email IS NOT NULL ORDER BY customer_id LIMIT 1"""
        )[0]


def test_the_profile_is_the_librarys_and_a_viewer_sees_personal_data_masked(served):
    who, name, phone, email = _someone_with_contacts(served)
    plain = served.call("GET", f"/v1/customers/{who}", role="analyst")
    assert plain.status == 200
    with served.db():
        expected = served.workspace.customer(who)
    assert Profile.model_validate(plain.body).model_dump(mode="json") == expected.model_dump(
        mode="json"
    )
    assert (plain.body["identity"]["name"], plain.body["identity"]["phone"]) == (name, phone)
    masked = served.call("GET", f"/v1/customers/{who}", role="viewer").body["identity"]
    assert masked["phone"] == phone[:3] + "****" + phone[-4:]
    assert masked["email"] == email[0] + "***@" + email.split("@")[1]
    assert masked["name"] == name[0] + MASK * (len(name) - 1)
    assert masked["city"] == plain.body["identity"]["city"]  # not personal: as it is


def test_an_analyst_finds_a_customer_by_contact_data_and_a_viewer_by_id_alone(served):
    """A viewer may not see contact data, so may not look people up by it either."""
    who, name, phone, email = _someone_with_contacts(served)
    for query in (who, phone, email.upper(), name[1:]):
        found = served.call("GET", "/v1/customers", role="analyst", params={"q": query}).body
        assert who in [c["customer_id"] for c in found["items"]], query
    for query in (phone, email, name):
        found = served.call("GET", "/v1/customers", role="viewer", params={"q": query}).body
        assert found["items"] == [], query
    (mine,) = served.call("GET", "/v1/customers", role="viewer", params={"q": who}).body["items"]
    assert mine["phone"] != phone and MASK in mine["phone"] and MASK in mine["name"]


@pytest.mark.parametrize("limit", [7, 50])
def test_pages_of_a_segment_hold_its_members_once_each(served, limit):
    """Witness: the tier-A customers of the live view, read straight from the database."""
    with served.db() as db:
        run = db.scalar("SELECT max(run_id) FROM runs")
        want = [
            r[0]
            for r in db.rows(
                f"SELECT customer_id FROM ({live_rows(run)}) WHERE tier = 'A' ORDER BY 1"  # noqa: S608
            )
        ]
    seen, cursor = [], None
    while True:
        params = {"segment": "tier.A", "limit": limit} | ({"cursor": cursor} if cursor else {})
        page = served.call("GET", "/v1/customers", role="viewer", params=params).body
        seen += [CustomerRow.model_validate(c).customer_id for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == want and len(want) > limit


def test_a_segments_members_come_page_by_page_with_why(served):
    with served.db():
        everyone = served.workspace.segment_members("a_drifting", limit=10_000)
    assert everyone, "the example segment has members in this workspace"
    got, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = served.call("GET", "/v1/segments/a_drifting/members", role="viewer", params=params)
        got += page.body["items"]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert [m["customer_id"] for m in got] == [m.customer_id for m in everyone]
    assert all(m["clauses"] for m in got)


def test_the_segments_report_and_runs_are_the_librarys(served):
    report = served.call("GET", "/v1/report/segments", role="viewer", lang="zh-CN").body
    with served.db():
        expected = served.workspace.segments(lang="zh-CN")
        runs = served.workspace.runs()
    assert SegmentsReport.model_validate(report) == expected
    assert [r["run_id"] for r in served.call("GET", "/v1/runs", role="viewer").body] == [
        r.run_id for r in runs
    ]


def test_every_error_has_one_shape_in_the_callers_language(served):
    shape = {"code", "message", "hint", "location", "status"}
    cases = [
        ("GET", "/v1/customers/NOPE", "customer.not_found", 404),
        ("GET", "/v1/nowhere", "api.no_route", 404),
        ("DELETE", "/v1/runs", "api.no_route", 405),
        ("GET", "/v1/customers?limit=0", "api.bad_request", 422),
        ("GET", "/v1/customers?cursor=%25%25%25", "api.bad_cursor", 422),
        ("GET", "/v1/segments/nope", "segment.not_found", 404),
        ("POST", "/v1/alerts/999999/ack", "alert.not_found", 404),
    ]
    for method, path, code, status in cases:
        reply = served.call(method, path, role="admin", lang="zh-CN")
        assert (reply.status, reply.body["code"], reply.body["status"]) == (status, code, status)
        assert set(reply.body) == shape
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.body["message"]), reply.body


def test_acknowledging_an_alert_is_audited_with_the_key_and_the_address(served):
    with served.db():
        alert = served.workspace.alerts()[0]
    done = served.call(
        "POST", f"/v1/alerts/{alert.alert_id}/ack", role="analyst", body={"note": "called her"}
    )
    assert done.status == 200 and done.body["acknowledged_by"].startswith("api:")
    entry = next(
        e
        for e in served.call("GET", "/v1/audit", role="admin").body
        if e["target"] == f"alert {alert.alert_id}"
    )
    assert entry["actor"].endswith(":test-analyst") and entry["origin"] == "127.0.0.1"
    assert entry["details"] == {"note": "called her"}


def test_the_openapi_document_describes_the_typed_results(served):
    document = served.call("GET", "/v1/openapi.json").body
    schemas = document["components"]["schemas"]
    assert {"Profile", "SegmentsReport", "Alert", "Run", "CustomerRow"} <= set(schemas)
    assert "tier" in schemas["CustomerRow"]["properties"]
    assert "/v1/customers/{customer_id}" in document["paths"]


def live_rows(run_id: int) -> str:
    from segmint.store.live import view_rows

    return view_rows(run_id)


def test_an_admin_erases_a_customer_and_her_profile_is_gone(served):
    with served.db() as db:
        who = db.scalar("SELECT max(customer_id) FROM customers WHERE name IS NOT NULL")
    done = served.call("DELETE", f"/v1/customers/{who}", role="admin")
    assert done.status == 200 and done.body["pseudonym"].startswith("erased-")
    assert served.call("GET", f"/v1/customers/{who}", role="admin").status == 404
    anonymous = served.call("GET", f"/v1/customers/{done.body['pseudonym']}", role="admin")
    assert anonymous.status == 200 and anonymous.body["identity"]["name"] is None
    log = served.call("GET", "/v1/audit?limit=5", role="admin").body
    assert any(e["action"] == "customer.erase" and e["origin"] == "127.0.0.1" for e in log)


@pytest.mark.parametrize("form", ["csv", "jsonl", "parquet"])
def test_a_segments_members_stream_whole_in_any_form(served, form, monkeypatch):
    """Witness: the paged JSON list; chunks of 7 so the stream crosses many chunks."""
    import csv
    import io
    import json
    import urllib.request

    import pyarrow.parquet as pq

    from segmint.api import segments

    monkeypatch.setattr(segments, "CHUNK", 7)
    want, cursor = [], None
    while True:
        params = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
        page = served.call("GET", "/v1/segments/tier.A/members", role="viewer", params=params)
        want += [(m["customer_id"], " · ".join(m["clauses"])) for m in page.body["items"]]
        if (cursor := page.body["next_cursor"]) is None:
            break
    request = urllib.request.Request(  # noqa: S310 -- our own server
        f"{served.url}/v1/segments/tier.A/members?format={form}",
        headers={"Authorization": f"Bearer {served.keys['viewer']}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        body, headers = response.read(), response.headers
    assert headers["Content-Disposition"] == f"attachment; filename*=UTF-8''tier.A.{form}"
    if form == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        got = [tuple(r) for r in rows[1:]]
        assert rows[0] == ["customer_id", "why"]
    elif form == "jsonl":
        got = [tuple(json.loads(line).values()) for line in body.decode().splitlines()]
    else:
        table = pq.read_table(io.BytesIO(body))
        got = list(zip(table["customer_id"].to_pylist(), table["why"].to_pylist(), strict=True))
    assert got == want and len(want) > 7
