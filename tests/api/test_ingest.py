"""Orders, events and tickets over HTTP: checked like a file, counted once, in the live view."""

from __future__ import annotations

import threading
import time

from segmint.ingest.items import MAX_ITEMS


def _orders(served, customer: str, prefix: str, n: int = 3) -> list[dict]:
    return [
        {
            "order_id": f"{prefix}-{i}",
            "customer_id": customer,
            "ordered_at": f"2026-06-30T10:{i:02d}:00+08:00",
            "amount": 100 + i,
        }
        for i in range(n)
    ]


def _someone(served, n: int = 1) -> str:
    """The `n`th customer after C00001 (a different one for each test that buys)."""
    with served.db() as db:
        return db.scalar(
            "SELECT customer_id FROM customers WHERE customer_id > 'C00001' "
            "ORDER BY customer_id LIMIT 1 OFFSET ?",
            [n - 1],
        )


def test_a_batch_reports_each_item_and_the_live_view_takes_the_buyer_in(served):
    who = _someone(served)
    before = served.call("GET", f"/v1/customers/{who}", role="analyst").body["snapshot"]
    items = [
        *_orders(served, who, "API-A"),
        {"order_id": "API-A-bad", "customer_id": who, "ordered_at": "not a day", "amount": 5},
        {
            "order_id": "API-A-0",
            "customer_id": who,
            "ordered_at": "2026-06-30T10:00:00+08:00",
            "amount": 100,
        },
    ]
    done = served.call("POST", "/v1/orders", role="ingest", body=items, params={"wait": "true"})
    assert done.status == 200, done.body
    assert not done.body["view_pending"]
    statuses = [i["status"] for i in done.body["items"]]
    assert statuses == ["new", "new", "new", "rejected", "duplicate"]
    (problem,) = done.body["items"][3]["problems"]
    assert problem["field"] == "ordered_at" and problem["code"].startswith("ingest.")
    assert (done.body["new"], done.body["rejected"], done.body["duplicates"]) == (3, 1, 1)
    assert done.body["view"] and done.body["view"][0]["customers"] >= 1
    after = served.call("GET", f"/v1/customers/{who}", role="analyst").body
    assert after["snapshot"]["frequency"] == before["frequency"] + 3
    again = served.call("POST", "/v1/orders", role="admin", body=items[:3])
    assert [i["status"] for i in again.body["items"]] == ["already_present"] * 3
    changed = [{**items[0], "amount": 150}]
    assert (
        served.call("POST", "/v1/orders", role="ingest", body=changed).body["items"][0]["status"]
        == "updated"
    )


def test_by_default_the_answer_comes_when_stored_and_the_view_follows_for_every_batch(served):
    """Batches answered before the view took them in: one update after covers them all."""
    buyers = [_someone(served, n) for n in range(2, 6)]
    before = {
        who: served.call("GET", f"/v1/customers/{who}", role="analyst").body["snapshot"]
        for who in buyers
    }
    replies = []

    def send(who: str) -> None:
        body = _orders(served, who, f"API-L-{who}", n=2)
        replies.append(served.call("POST", "/v1/orders", role="ingest", body=body))

    clients = [threading.Thread(target=send, args=(who,)) for who in buyers]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    assert [(r.status, r.body["new"], r.body["view"]) for r in replies] == [(200, 2, [])] * 4
    assert all(r.body["view_pending"] for r in replies)
    deadline = time.monotonic() + 60
    for who in buyers:  # each buyer's two orders reach her profile, soon
        while True:
            now = served.call("GET", f"/v1/customers/{who}", role="analyst").body["snapshot"]
            if now["frequency"] == before[who]["frequency"] + 2:
                break
            assert time.monotonic() < deadline, (who, now["frequency"])
            time.sleep(0.05)
    with served.db():
        live = served.workspace.status().live
    assert live is not None and live.waiting == 0  # nobody left marked


def test_the_same_batch_sent_at_once_by_several_clients_counts_once(served):
    who = _someone(served)
    items = _orders(served, who, "API-C", n=20)
    replies = []

    def send() -> None:
        replies.append(served.call("POST", "/v1/orders", role="ingest", body=items))

    clients = [threading.Thread(target=send) for _ in range(6)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    assert [r.status for r in replies] == [200] * 6
    new = sum(r.body["new"] for r in replies)
    present = sum(r.body["already_present"] for r in replies)
    assert (new, present) == (20, 100)
    with served.db() as db:
        stored = db.scalar("SELECT count(*) FROM orders WHERE order_id LIKE 'API-C-%'")
    assert stored == 20


def test_a_batch_too_large_or_with_unknown_fields_is_refused_whole(served):
    big = [{"order_id": f"X{i}"} for i in range(MAX_ITEMS + 1)]
    reply = served.call("POST", "/v1/orders", role="ingest", body=big)
    assert reply.status == 422 and reply.body["code"] == "api.bad_request"
    odd = served.call("POST", "/v1/events", role="ingest", body=[{"event_id": "E1", "colour": 1}])
    assert odd.status == 422 and "0.colour" in odd.body["message"]
    with served.db() as db:
        assert db.scalar("SELECT count(*) FROM orders WHERE order_id = 'X0'") == 0


def test_events_and_tickets_come_in_the_same_way(served):
    who = _someone(served)
    events = [
        {
            "event_id": "API-E-1",
            "customer_id": who,
            "occurred_at": "2026-06-30T09:00:00+08:00",
            "type": "product_view",
            "channel": "app",
        },
    ]
    tickets = [
        {
            "ticket_id": "API-T-1",
            "customer_id": who,
            "opened_at": "2026-06-30T09:30:00+08:00",
            "category": "delivery",
            "is_complaint": True,
        },
    ]
    for path, body in (("/v1/events", events), ("/v1/tickets", tickets)):
        reply = served.call("POST", path, role="ingest", body=body)
        assert reply.status == 200 and reply.body["new"] == 1, reply.body


def test_customers_come_in_with_their_consent_and_a_change_is_recorded(served):
    items = [
        {
            "customer_id": "API-N-1",
            "name": "新客",
            "phone": "13912345678",
            "consent_sms": True,
            "attributes": {"vip_card": "G-77"},
        },
        {"customer_id": "API-N-2", "email": "not-an-address"},
    ]
    done = served.call("POST", "/v1/customers", role="ingest", body=items)
    assert [i["status"] for i in done.body["items"]] == ["new", "rejected"]
    assert done.body["items"][1]["problems"][0]["field"] == "email"
    later = served.call(
        "POST",
        "/v1/customers",
        role="ingest",
        body=[{"customer_id": "API-N-1", "consent_sms": False}],
    )
    assert later.body["items"][0]["status"] == "updated"
    with served.db() as db:
        row = db.rows(
            "SELECT name, consent_sms, attributes FROM customers WHERE customer_id = 'API-N-1'"
        )
    assert row == [("新客", False, '{"vip_card": "G-77"}')]
