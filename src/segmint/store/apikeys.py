"""API keys: made with a role, shown once, kept only as a hash, revoked but never deleted.

A key reads ``sgk_<id>_<secret>``: the id (8 hex digits) names the key in lists, the
audit and errors; the secret (24 random bytes in hex) is what proves it. Only the SHA-256 of the
whole key is stored: a key is random, not a password, so one fast hash is as safe as a
slow one, and checking a request costs microseconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from segmint.core.errors import InputError, Location, NotFoundError
from segmint.store import audit
from segmint.store.engine import Store

Role = Literal["admin", "analyst", "viewer", "ingest"]
ROLES: tuple[Role, ...] = get_args(Role)
PREFIX = "sgk_"


class ApiKey(BaseModel):
    """A key as listed: never its secret."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    name: str
    role: Role
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None
    revoked_by: str | None


_COLUMNS = "key_id, name, role, created_at, created_by, revoked_at, revoked_by"


def create(engine: Store, *, name: str, role: str, actor: str) -> tuple[ApiKey, str]:
    """Make a key with `role`; return it and the key itself (shown once, never stored)."""
    if role not in ROLES:
        raise InputError(
            "apikey.unknown_role",
            location=Location(field="role"),
            role=role,
            roles=", ".join(ROLES),
        )
    if not name.strip():
        raise InputError("apikey.no_name", location=Location(field="name"))
    key_id = secrets.token_hex(4)
    key = f"{PREFIX}{key_id}_{secrets.token_hex(24)}"
    now = dt.datetime.now(dt.UTC)
    with engine.transaction():
        engine.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
            [key_id, name.strip(), role, _hash(key), now, actor],
        )
        audit.record(
            engine, "apikey_create", target=f"key {key_id}", actor=actor, details={"role": role}
        )
    return _one(engine, key_id), key


def listed(engine: Store) -> list[ApiKey]:
    """Every key, the newest first, revoked ones too."""
    rows = engine.rows(f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at DESC, key_id")
    return [_key(row) for row in rows]


def revoke(engine: Store, key_id: str, *, actor: str) -> ApiKey:
    """Revoke a key: it stops working at once and stays listed with who revoked it."""
    found = _one(engine, key_id)
    if found.revoked_at is not None:
        return found
    with engine.transaction():
        engine.execute(
            "UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE key_id = ?",
            [dt.datetime.now(dt.UTC), actor, key_id],
        )
        audit.record(engine, "apikey_revoke", target=f"key {key_id}", actor=actor, details={})
    return _one(engine, key_id)


def verify(engine: Store, key: str) -> ApiKey | None:
    """The live key `key` is (None for a malformed, unknown or revoked key)."""
    key_id = _key_id(key)
    if key_id is None:
        return None
    rows = engine.rows(
        f"SELECT {_COLUMNS}, key_hash FROM api_keys WHERE key_id = ? AND revoked_at IS NULL",
        [key_id],
    )
    if not rows or not hmac.compare_digest(rows[0][-1], _hash(key)):
        return None
    return _key(rows[0][:-1])


def live(engine: Store, key_id: str) -> ApiKey | None:
    """Key `key_id` while it is not revoked (a dashboard session is checked by it)."""
    rows = engine.rows(
        f"SELECT {_COLUMNS} FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", [key_id]
    )
    return _key(rows[0]) if rows else None


def _key_id(key: str) -> str | None:
    """The id part of a well-formed key."""
    if not key.startswith(PREFIX):
        return None
    key_id, _, secret = key[len(PREFIX) :].partition("_")
    return key_id if len(key_id) == 8 and secret else None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _one(engine: Store, key_id: str) -> ApiKey:
    rows = engine.rows(f"SELECT {_COLUMNS} FROM api_keys WHERE key_id = ?", [key_id])
    if not rows:
        raise NotFoundError("apikey.not_found", location=Location(field="key_id"), key=key_id)
    return _key(rows[0])


def _key(row: tuple[object, ...]) -> ApiKey:
    return ApiKey(**dict(zip(ApiKey.model_fields, row, strict=True)))
