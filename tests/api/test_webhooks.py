"""/v1/webhooks over real HTTP: subscriptions made, tested, rotated and removed by an admin,
their messages sent by the server's courier to a real receiver.

Witness: the receiver — each message arrives within seconds with signatures that the
`standardwebhooks` package verifies under the secret the API gave (both secrets while
one is rotated); nothing but the answer that made or rotated a secret shows it.
"""

from __future__ import annotations

import json
import time

from standardwebhooks.webhooks import Webhook

from tests.activate.test_webhooks import receiving


def _arrived(receiver, n: int, *, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while len(receiver.got) < n:
        assert time.monotonic() < deadline, f"{len(receiver.got)} of {n} messages arrived"
        time.sleep(0.05)


def test_an_admin_subscribes_tests_rotates_and_removes_and_the_server_delivers(served):
    with receiving([]) as receiver:
        made = served.call(
            "POST",
            "/v1/webhooks",
            role="admin",
            body={"url": receiver.url, "events": ["tier.changed"]},
        )
        assert made.status == 201, made.body
        sub, secret = made.body["subscription"], made.body["secret"]
        assert secret.startswith("whsec_") and sub["batch"] == 1 and sub["segments"] is None
        try:
            listed = served.call("GET", "/v1/webhooks", role="analyst")
            assert sub["subscription_id"] in {s["subscription_id"] for s in listed.body}
            assert secret not in json.dumps(listed.body)

            queued = served.call(
                "POST", f"/v1/webhooks/{sub['subscription_id']}/test", role="admin"
            )
            assert queued.status == 202
            _arrived(receiver, 1)
            _, headers, body = receiver.got[0]
            told = Webhook(secret).verify(body, headers)
            assert told["type"] == "webhook.test" and told["id"] == queued.body["message_id"]

            rotated = served.call(
                "POST",
                f"/v1/webhooks/{sub['subscription_id']}/rotate",
                role="admin",
                body={"keep_old_hours": 1},
            )
            assert rotated.status == 200 and rotated.body["secret"] != secret
            served.call("POST", f"/v1/webhooks/{sub['subscription_id']}/test", role="admin")
            _arrived(receiver, 2)
            _, headers, body = receiver.got[1]
            assert len(headers["webhook-signature"].split()) == 2  # the new and the old
            for key in (rotated.body["secret"], secret):
                assert Webhook(key).verify(body, headers)["type"] == "webhook.test"
        finally:
            gone = served.call("DELETE", f"/v1/webhooks/{sub['subscription_id']}", role="admin")
        assert gone.status == 200 and gone.body["removed_at"] is not None
    audit = json.dumps(served.call("GET", "/v1/audit", role="admin").body)
    assert f"subscription {sub['subscription_id']}" in audit
    assert secret not in audit and rotated.body["secret"] not in audit


def test_a_refused_message_is_a_dead_letter_replayed_under_its_id(served):
    with receiving([(410, {})]) as receiver:
        made = served.call(
            "POST",
            "/v1/webhooks",
            role="admin",
            body={"url": receiver.url, "events": ["alert.raised"]},
        )
        sub_id = made.body["subscription"]["subscription_id"]
        try:
            queued = served.call("POST", f"/v1/webhooks/{sub_id}/test", role="admin")
            message_id = queued.body["message_id"]
            _arrived(receiver, 1)
            deadline = time.monotonic() + 10
            while message_id not in {m["message_id"] for m in _dead(served)}:
                assert time.monotonic() < deadline, "the refused message never became dead"
                time.sleep(0.05)
            again = served.call("POST", f"/v1/webhooks/dead/{message_id}/replay", role="admin")
            assert again.status == 202
            _arrived(receiver, 2)
        finally:
            served.call("DELETE", f"/v1/webhooks/{sub_id}", role="admin")
    assert receiver.delivered == [message_id]  # the same id, answered 200 the second time
    missing = served.call("POST", "/v1/webhooks/dead/msg_nope/replay", role="admin")
    assert missing.status == 404 and missing.body["code"] == "webhook.no_dead_letter"


def _dead(served) -> list[dict]:
    return served.call("GET", "/v1/webhooks/dead", role="analyst").body


def test_bad_subscriptions_are_named_and_roles_hold(served):
    cases = [
        ({"url": "http://10.1.2.3/h", "events": ["tier.changed"]}, 422, "webhook.private_address"),
        ({"url": "http://127.0.0.1:9/h", "events": ["tier.change"]}, 422, "webhook.unknown_event"),
        (
            {"url": "http://127.0.0.1:9/h", "events": ["segment.entered"], "segments": ["nope"]},
            422,
            "webhook.unknown_segment",
        ),
        ({"url": "http://127.0.0.1:9/h", "events": ["tier.changed"], "batch": 0}, 422, None),
        ({"url": "http://127.0.0.1:9/h", "events": []}, 422, None),
    ]
    for body, status, code in cases:
        answer = served.call("POST", "/v1/webhooks", role="admin", body=body)
        assert answer.status == status, (body, answer.body)
        assert code is None or answer.body["code"] == code, answer.body
    for role in ("analyst", "viewer", "ingest"):
        denied = served.call(
            "POST",
            "/v1/webhooks",
            role=role,
            body={"url": "http://127.0.0.1:9/h", "events": ["tier.changed"]},
        )
        assert denied.status == 403, role
    assert served.call("GET", "/v1/webhooks", role="viewer").status == 403
    unknown = served.call("DELETE", "/v1/webhooks/sub_nope", role="admin")
    assert unknown.status == 404 and unknown.body["code"] == "webhook.no_subscription"
