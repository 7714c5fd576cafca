"""Who may call what, checked over real HTTP for every route the app has and every role."""

from __future__ import annotations

import re

import pytest

from segmint.api.access import ACCESS, LOCAL, PUBLIC, operations
from segmint.store.apikeys import ROLES


def _examples(served) -> dict[str, str]:
    """A real value for each path parameter a route may have (a segment of its own: the
    matrix edits and removes it)."""
    with served.db() as db:
        customer = db.scalar("SELECT min(customer_id) FROM snapshots")
        alert = db.scalar("SELECT max(alert_id) FROM alerts")
        imported = db.scalar("SELECT min(import_id) FROM imports")
        served.workspace.add_segment("matrix_probe", "orders_90d >= 1", actor="test")
        hook, _ = served.workspace.add_webhook("http://127.0.0.1:9/matrix", events=["run.finished"])
    return {
        "customer_id": customer,
        "name": "matrix_probe",
        "alert_id": str(alert),
        "job_id": "1",
        "subscription_id": hook.subscription_id,
        "message_id": "msg_probe",
        "task_id": "1",
        "import_id": imported,
    }


def _routes(served) -> list[tuple[str, str, str]]:
    """(name, method, path with real values) of every operation the app publishes."""
    examples = _examples(served)
    found = []
    for name, method, template in operations(served.app):
        params = re.findall(r"{(\w+)}", template)
        missing = [p for p in params if p not in examples]
        assert not missing, f"no example value for {missing} of {template}: add one above"
        found.append((name, method, template.format(**{p: examples[p] for p in params})))
    return found


def test_every_route_has_a_role_rule_and_the_rule_holds_for_every_role(served):
    """The matrix comes from the app's own routes: a new route is checked by itself."""
    routes = _routes(served)
    published = {name for name, roles in ACCESS.items() if roles != LOCAL}
    assert {name for name, _, _ in routes} == published
    for name, method, path in routes:
        allowed = ACCESS[name]
        for role in ROLES:
            reply = served.call(method, path, role=role)
            if allowed == PUBLIC or role in allowed:
                assert reply.status not in (401, 403), (name, role, reply.body)
            else:
                assert reply.status == 403, (name, role, reply.status)
                assert reply.body["code"] == "api.forbidden"
                assert reply.body["hint"] == f"Roles that may: {', '.join(sorted(allowed))}."
        anonymous = served.call(method, path)
        if allowed == PUBLIC:
            assert anonymous.status == 200, name
        else:
            assert anonymous.status == 401, (name, anonymous.status)
            assert anonymous.body["code"] == "api.no_key"
            assert anonymous.headers.get("www-authenticate") == "Bearer"


def test_the_command_lines_own_route_takes_the_servers_local_key_alone(served):
    """`segmint status` while the server runs: the same typed result, for no API key."""
    from segmint.store.status import Status

    for role in ROLES:
        refused = served.call("POST", "/v1/local/status", role=role, body={})
        assert (refused.status, refused.body["code"]) == (403, "api.forbidden"), role
    assert served.call("POST", "/v1/local/status", body={}).status == 401
    answered = served.call("POST", "/v1/local/status", role="local", body={})
    assert answered.status == 200
    with served.db():
        assert Status.model_validate(answered.body) == served.workspace.status()
    unknown = served.call("POST", "/v1/local/run", role="local", body={})
    assert (unknown.status, unknown.body["code"]) == (404, "api.no_call")  # reads only
    wrong = served.call(
        "POST", "/v1/local/customer", role="local", body={"arguments": {"run_id": "x"}}
    )
    assert (wrong.status, wrong.body["code"]) == (422, "api.bad_call")
    assert wrong.body["location"] == {"field": "customer_id"}


@pytest.mark.parametrize(
    "key", ["sgk_00000000_" + "0" * 48, "not-a-key", "sgk_short", "Basic dXNlcjpwYXNz"]
)
def test_a_key_that_is_not_live_gets_401_and_nothing_else(served, key):
    reply = served.call("GET", "/v1/runs", key=key)
    assert reply.status == 401
    assert set(reply.body) == {"code", "message", "hint", "location", "status"}
    assert reply.body["code"] == "api.bad_key" and reply.body["status"] == 401


def test_a_revoked_key_stops_working_at_once_and_is_audited(served):
    with served.db():
        made, key = served.workspace.create_api_key("temp", role="viewer", actor="test")
    assert served.call("GET", "/v1/runs", key=key).status == 200
    with served.db():
        served.workspace.revoke_api_key(made.key_id, actor="test")
    assert served.call("GET", "/v1/runs", key=key).status == 401
    log = served.call("GET", "/v1/audit?limit=20", role="admin").body
    actions = [(e["action"], e["target"]) for e in log]
    assert ("apikey_revoke", f"key {made.key_id}") in actions
    assert ("apikey_create", f"key {made.key_id}") in actions
    assert all(key not in str(e) for e in log)  # the key itself is never recorded


def test_more_callers_than_worker_threads_are_all_answered(served):
    """Regression: with the turn held across a threaded dependency, 40 waiting requests
    took every worker thread and the one holding the turn never got one back to finish."""
    import threading

    with served.db() as db:
        ids = [r[0] for r in db.rows("SELECT customer_id FROM customers ORDER BY 1 LIMIT 80")]
    replies = []

    def read(who: str) -> None:
        replies.append(served.call("GET", f"/v1/customers/{who}", role="viewer").status)

    callers = [threading.Thread(target=read, args=(who,)) for who in ids]
    for c in callers:
        c.start()
    health = served.call("GET", "/v1/health")  # answered while they wait for their turn
    for c in callers:
        c.join(timeout=120)
    assert health.status == 200
    assert replies == [200] * len(ids)
