"""Webhook signatures by the Standard Webhooks scheme (https://www.standardwebhooks.com).

A message is signed with HMAC-SHA256 over ``"{id}.{timestamp}.{body}"`` with each of
the subscription's secrets (``whsec_`` + base64 of 24 random bytes); the signatures go
in ``webhook-signature`` as ``v1,<base64>``, space-separated, so a receiver keeps
working while a secret is rotated (the old and the new one both sign for a while). The
id is stable across retries: a receiver de-duplicates by it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from segmint.core.errors import InputError, Location

PREFIX = "whsec_"
KEY_BYTES = 24


def new_secret() -> str:
    """A fresh secret, shown once when a subscription is made or its secret rotated."""
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of the message under `secret`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secrets_: Sequence[str], *, message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three headers of a signed message, one signature per live secret."""
    signed = " ".join(
        signature(s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_
    )
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signed,
    }


def _key(secret: str) -> bytes:
    """The secret's bytes; a secret not of our shape is a programming error upstream."""
    if not secret.startswith(PREFIX):
        raise InputError("webhook.bad_secret", location=Location(field="secret"))
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except ValueError:
        raise InputError("webhook.bad_secret", location=Location(field="secret")) from None
    if not key:
        raise InputError("webhook.bad_secret", location=Location(field="secret"))
    return key
