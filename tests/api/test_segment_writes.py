"""Managing segments over HTTP: preview, save, new version, retire; bad rules located."""

from __future__ import annotations


def test_a_segment_is_previewed_saved_changed_and_retired_and_each_change_audited(served):
    rule = "orders_90d >= 2 and tier = 'A'"
    preview = served.call("POST", "/v1/segments/preview", role="viewer", body={"rule": rule})
    assert preview.status == 200 and preview.body["count"] > 0
    made = served.call(
        "POST", "/v1/segments", role="analyst", body={"name": "api_busy_a", "rule": rule}
    )
    assert made.status == 201, made.body
    assert (
        made.body["segment"]["version"] == 1
        and made.body["preview"]["count"] == (preview.body["count"])
    )
    assert "api_busy_a" in [s["segment"]["name"] for s in _segments(served)]
    changed = served.call(
        "PUT",
        "/v1/segments/api_busy_a",
        role="admin",
        body={"rule": "orders_90d >= 3 and tier = 'A'"},
    )
    assert changed.status == 200 and changed.body["segment"]["version"] == 2
    assert changed.body["preview"]["count"] <= preview.body["count"]
    gone = served.call("DELETE", "/v1/segments/api_busy_a", role="analyst")
    assert gone.status == 200 and gone.body["removed_by"].endswith(":test-analyst")
    assert "api_busy_a" not in [s["segment"]["name"] for s in _segments(served)]
    log = served.call("GET", "/v1/audit?limit=50", role="admin").body
    mine = [(e["action"], e["origin"]) for e in log if e["target"] == "api_busy_a"]
    assert sorted(mine) == sorted(
        [
            ("segment.add", "127.0.0.1"),
            ("segment.edit", "127.0.0.1"),
            ("segment.remove", "127.0.0.1"),
        ]
    )


def _segments(served) -> list[dict]:
    return served.call("GET", "/v1/segments", role="viewer").body


def test_a_rule_that_does_not_read_is_a_422_at_its_position_and_nothing_is_saved(served):
    for rule, position in (("orders_90d >= ", 14), ("tier = 'A'; DROP TABLE customers", 10)):
        reply = served.call(
            "POST", "/v1/segments", role="admin", body={"name": "broken", "rule": rule}
        )
        assert reply.status == 422, reply.body
        assert reply.body["code"].startswith("rules.") and reply.body["location"]["position"] == (
            position
        ), reply.body
    assert "broken" not in [s["segment"]["name"] for s in _segments(served)]


def test_a_body_of_the_wrong_shape_lists_every_problem(served):
    reply = served.call(
        "POST", "/v1/segments", role="admin", body={"name": "", "rule": 3, "colour": "red"}
    )
    assert reply.status == 422 and reply.body["code"] == "api.bad_request"
    message = reply.body["message"]
    assert "body.name" in message and "body.rule: must be text" in message
    assert "body.colour: is not a field of this request" in message
    zh = served.call("POST", "/v1/segments", role="admin", body={"rule": "x"}, lang="zh-CN")
    assert zh.body["message"] == "body.name: 必填"
