"""/v1/campaigns over real HTTP: an analyst makes one, anyone with a key reads its report."""

from __future__ import annotations


def test_a_campaign_is_made_listed_and_reported(served):
    body = {
        "name": "api-summer",
        "segment": "tier.C",
        "holdout": 0.2,
        "variants": ["A", "B"],
        "start": "2026-07-01",
        "end": "2026-07-31",
        "seed": 11,
    }
    assert served.call("POST", "/v1/campaigns", role="viewer", body=body).status == 403
    made = served.call("POST", "/v1/campaigns", role="analyst", body=body)
    assert made.status == 201, made.body
    groups = made.body["groups"]
    assert set(groups) == {"A", "B", "holdout"} and made.body["campaign"]["seed"] == 11
    again = served.call("POST", "/v1/campaigns", role="analyst", body=body)
    assert again.status == 409 and again.body["code"] == "campaign.exists"
    listed = served.call("GET", "/v1/campaigns", role="viewer")
    assert "api-summer" in {c["name"] for c in listed.body}
    report = served.call("GET", "/v1/campaigns/api-summer/report", role="viewer")
    assert report.status == 200 and report.body["holdout"] == groups["holdout"]
    assert [v["variant"] for v in report.body["variants"]] == ["A", "B"]
    assert {m["metric"] for m in report.body["variants"][0]["metrics"]} == {
        "conversion",
        "revenue",
        "orders",
    }
    missing = served.call("GET", "/v1/campaigns/nope/report", role="viewer")
    assert missing.status == 404 and missing.body["code"] == "campaign.not_found"
    bad = served.call(
        "POST", "/v1/campaigns", role="analyst", body=body | {"name": "x", "holdout": 1.5}
    )
    assert bad.status == 422
