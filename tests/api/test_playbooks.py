"""/v1/playbooks/run and /v1/tasks over real HTTP (the shared server's workspace has no
playbook rules: the answers' shapes, the roles and the errors are what is checked here;
tests/activate/test_playbooks.py checks what rules do)."""

from __future__ import annotations


def test_playbooks_and_tasks_answer_by_role_and_name_their_errors(served):
    dry = served.call("POST", "/v1/playbooks/run", role="analyst", body={"dry_run": True})
    assert dry.status == 200 and dry.body["dry_run"] is True and dry.body["rules"] == []
    assert served.call("POST", "/v1/playbooks/run", role="viewer", body={}).status == 403
    listed = served.call("GET", "/v1/tasks", role="viewer", params={"done": "true"})
    assert listed.status == 200 and isinstance(listed.body, list)
    missing = served.call("POST", "/v1/tasks/999999/done", role="analyst")
    assert missing.status == 404 and missing.body["code"] == "task.not_found"
    wrong = served.call("POST", "/v1/playbooks/run", role="analyst", body={"dry_run": "yes"})
    assert wrong.status == 422
