"""`segmint webhook` as a user runs it: a real receiver on 127.0.0.1, real processes."""

import json

from standardwebhooks.webhooks import Webhook

from tests.activate.test_webhooks import receiving
from tests.cli.test_cli import segmint, workspace  # noqa: F401 -- the fixture


def _allow_loopback(folder) -> None:
    toml = folder / "segmint.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace("[webhooks]\n", '[webhooks]\nallowed_hosts = ["127.0.0.1"]\n'),
        encoding="utf-8",
    )


def test_add_test_list_and_remove_a_webhook(workspace):  # noqa: F811
    _allow_loopback(workspace)
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
