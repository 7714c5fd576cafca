"""Webhook signatures, checked the way receivers check them: with the `standardwebhooks`
package (the scheme's reference library), not with our own code."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from segmint.activate import signing
from segmint.core.errors import InputError


def _now() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp())


@given(body=st.dictionaries(st.text(max_size=8), st.text(max_size=40), max_size=5))
def test_a_receiver_verifies_what_we_sign(body):
    secret = signing.new_secret()
    raw = json.dumps(body, ensure_ascii=False).encode()
    sent = signing.headers([secret], message_id="msg_1", timestamp=_now(), body=raw)
    assert Webhook(secret).verify(raw, sent) == body


def test_while_a_secret_is_rotated_both_sign_and_either_verifies():
    old, new = signing.new_secret(), signing.new_secret()
    raw = b'{"type": "tier.changed"}'
    sent = signing.headers([old, new], message_id="msg_2", timestamp=_now(), body=raw)
    assert len(sent["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(raw, sent) == Webhook(new).verify(raw, sent)


def test_a_changed_body_id_or_other_secret_does_not_verify():
    secret = signing.new_secret()
    raw = b'{"customer_id": "C1"}'
    sent = signing.headers([secret], message_id="msg_3", timestamp=_now(), body=raw)
    for body, headers, key in (
        (b'{"customer_id": "C2"}', sent, secret),
        (raw, {**sent, "webhook-id": "msg_4"}, secret),
        (raw, sent, signing.new_secret()),
    ):
        with pytest.raises(WebhookVerificationError):
            Webhook(key).verify(body, headers)


def test_secrets_are_random_and_of_the_schemes_shape():
    made = {signing.new_secret() for _ in range(100)}
    assert len(made) == 100
    assert all(s.startswith("whsec_") and len(s) == len("whsec_") + 32 for s in made)


@pytest.mark.parametrize("secret", ["nope", "whsec_", "whsec_!!!"])
def test_a_secret_not_of_that_shape_is_named(secret):
    with pytest.raises(InputError) as caught:
        signing.signature(secret, message_id="m", timestamp=1, body=b"")
    assert caught.value.code == "webhook.bad_secret"
