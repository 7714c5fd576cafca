"""Signed-in sessions of the dashboard: a cookie naming an API key, and its CSRF token.

Signing in takes an API key once; the cookie then holds only the key's id and an expiry,
signed with the server's secret (HMAC-SHA256), never the key itself. Every request looks
the key up again, so a revoked key signs its sessions out at once. The secret is made
when the server starts: a restart signs everyone out, and no secret is kept on disk.
A form or an htmx request that changes something carries the session's CSRF token
(derived from the cookie, so it needs no storage), which a page from another site cannot
read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

COOKIE = "segmint_session"
LANG_COOKIE = "segmint_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
LIFETIME = 12 * 3600  # seconds a sign-in lasts


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs and checks session cookies and CSRF tokens with one server secret."""

    secret: bytes

    @classmethod
    def fresh(cls) -> Signer:
        """A signer with a new random secret (one per server process)."""
        return cls(secrets.token_bytes(32))

    def cookie(self, key_id: str, *, now: float | None = None) -> str:
        """The cookie value of a session of key `key_id`, valid for `LIFETIME`."""
        expires = int((time.time() if now is None else now) + LIFETIME)
        body = f"{key_id}.{expires}"
        return f"{body}.{self._sign('session', body)}"

    def key_id(self, cookie: str | None, *, now: float | None = None) -> str | None:
        """The key id of a cookie that is well formed, signed by us and not expired."""
        if not cookie or cookie.count(".") != 2:
            return None
        key_id, expires, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._sign("session", f"{key_id}.{expires}")):
            return None
        if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
            return None
        return key_id

    def csrf(self, cookie: str) -> str:
        """The CSRF token of the session whose cookie is `cookie`."""
        return self._sign("csrf", cookie)

    def csrf_ok(self, cookie: str, token: str | None) -> bool:
        """Whether `token` is the session's CSRF token."""
        return token is not None and hmac.compare_digest(token, self.csrf(cookie))

    def _sign(self, purpose: str, text: str) -> str:
        message = f"{purpose}:{text}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()
