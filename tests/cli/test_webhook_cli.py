"""`segmint webhook` as a user runs it: a real receiver on 127.0.0.1, real processes."""

import datetime as dt
import json
import subprocess
import time

from standardwebhooks.webhooks import Webhook

from segmint.store import webhook_messages
from segmint.workspace import Workspace
from tests.activate.test_webhooks import allow_loopback, receiving
from tests.api.conftest import _free_port
from tests.cli.test_cli import segmint, workspace  # noqa: F401 -- the fixture
from tests.cli.test_service_cli import _serve, _stop


def test_add_test_list_and_remove_a_webhook(workspace):  # noqa: F811
    allow_loopback(workspace)
    with receiving([]) as receiver:
        added = segmint("webhook", "add", receiver.url, "--on", "tier.changed", "-w", workspace)
        assert added.returncode == 0, added.stderr
        secret = next(line for line in added.stdout.splitlines() if line.startswith("whsec_"))
        assert "shown only now" in added.stdout
        (listed,) = json.loads(segmint("webhook", "list", "-w", workspace, "--json").stdout)[
            "subscriptions"
        ]
        assert listed["url"] == receiver.url and secret not in json.dumps(listed)
        sent = segmint("webhook", "test", listed["subscription_id"], "-w", workspace, "--json")
        assert json.loads(sent.stdout) == {"ok": True, "delivered": 1, "retried": 0, "given_up": 0}
    ((_, headers, body),) = receiver.got
    assert Webhook(secret).verify(body, headers)["type"] == "webhook.test"
    gone = segmint("webhook", "remove", listed["subscription_id"], "-w", workspace)
    assert gone.returncode == 0 and "is removed" in gone.stdout


def test_a_private_target_or_an_unknown_event_is_explained(workspace):  # noqa: F811
    private = segmint(
        "webhook", "add", "http://192.168.1.5/h", "--on", "tier.changed", "-w", workspace
    )
    assert private.returncode == 1 and "Traceback" not in private.stderr
    assert "192.168.1.5" in private.stderr and "allowed_hosts" in private.stderr
    unknown = segmint(
        "webhook", "add", "https://93.184.215.14/h", "--on", "tier.change", "-w", workspace
    )
    assert unknown.returncode == 1 and "tier.change'" in unknown.stderr
    assert "tier.changed" in unknown.stderr  # the hint lists the events
    zh = segmint("webhook", "dead", "-w", workspace, "--lang", "zh-CN")
    assert zh.returncode == 0 and "死信" in zh.stdout


def test_the_outbox_survives_the_server_killed_mid_delivery(workspace):  # noqa: F811
    """SIGKILL while `segmint serve` sends: after a restart every message is delivered.

    At least once: the pass in flight when the server died was never recorded, so its
    messages go again under the same ids; a receiver de-duplicating by id sees each once.
    """
    allow_loopback(workspace)
    with receiving([], delay=0.02) as receiver:  # 100 messages a pass: about 2 s each
        with Workspace(workspace) as ws:
            ws.add_webhook(receiver.url, events=["run.finished"])
            now = dt.datetime.now(dt.UTC)
            with ws.engine.transaction():
                for i in range(300):
                    webhook_messages.enqueue(ws.engine, "run.finished", {"run_id": i}, now=now)
            ids = {m for (m,) in ws.engine.rows("SELECT message_id FROM webhook_messages")}
        server = _serve(workspace, _free_port())
        _wait(lambda: len(receiver.got) >= 150, server)
        server.kill()  # SIGKILL: no shutdown, no last write
        server.communicate(timeout=30)
        with Workspace(workspace) as ws:
            recorded = ws.engine.scalar(
                "SELECT count(*) FROM webhook_messages WHERE delivered_at IS NOT NULL"
            )
        assert 100 <= recorded < 300  # passes before the one in flight were recorded
        server = _serve(workspace, _free_port())
        _wait(lambda: set(receiver.delivered) >= ids, server)
        _stop(server)
        server.communicate(timeout=30)
    assert set(receiver.delivered) == ids
    assert len(receiver.delivered) - len(ids) <= 100  # sent twice: the pass in flight only
    with Workspace(workspace) as ws:
        left = ws.engine.rows(
            "SELECT count(*) FILTER (WHERE delivered_at IS NULL), count(*) FILTER "
            "(WHERE dead_at IS NOT NULL), max(attempts) FROM webhook_messages"
        )
    assert left == [(0, 0, 1)]


def _wait(done, server: subprocess.Popen, *, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while not done():
        assert server.poll() is None, server.communicate()[1]
        assert time.monotonic() < deadline, "the server did not deliver in time"
        time.sleep(0.05)


def test_a_batched_subscription_to_one_segment_and_a_rotated_secret(workspace):  # noqa: F811
    allow_loopback(workspace)
    made = segmint(
        "webhook", "add", "http://127.0.0.1:9/h", "--on", "segment.entered",
        "--segment", "tier.A", "--batch", "20", "-w", workspace, "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    added = json.loads(made.stdout)
    assert (added["batch"], added["segments"]) == (20, ["tier.A"])
    table = segmint("webhook", "list", "-w", workspace)
    assert "tier.A" in table.stdout and "20" in table.stdout
    rotated = segmint(
        "webhook", "rotate", added["subscription_id"], "--keep-old", "2", "-w", workspace
    )
    assert rotated.returncode == 0 and "for 2.0 hours" in rotated.stdout
    new = next(line for line in rotated.stdout.splitlines() if line.startswith("whsec_"))
    assert new != added["secret"]
    typo = segmint(
        "webhook", "add", "http://127.0.0.1:9/h", "--on", "segment.entered",
        "--segment", "tier.Z", "-w", workspace, "--lang", "zh-CN",
    )  # fmt: skip
    assert typo.returncode == 1 and "tier.Z" in typo.stderr and "segmint segments" in typo.stderr
