"""The workspace's methods for who may do what: API keys, and the audit log of changes.

A part of `Workspace` kept in its own module; the work is `segmint.store.apikeys`'s and
`segmint.store.audit`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from segmint.store.apikeys import ApiKey
    from segmint.store.audit import AuditEntry
    from segmint.store.duckdb import DuckDBEngine


class AccessMethods:
    """`Workspace`'s methods for API keys and the audit (it provides engine)."""

    @property
    def engine(self) -> DuckDBEngine:
        """The database connection (`Workspace.engine`)."""
        raise NotImplementedError

    def create_api_key(self, name: str, *, role: str, actor: str = "python") -> tuple[ApiKey, str]:
        """Make an API key with `role` (admin, analyst, viewer, ingest); audited.

        Returns the key as listed and the key itself: shown this once, stored only as a
        hash, so it cannot be recovered later (revoke it and make another).
        """
        from segmint.store import apikeys

        return apikeys.create(self.engine, name=name, role=role, actor=actor)

    def api_keys(self) -> list[ApiKey]:
        """Every API key, newest first, revoked ones too; never a key's secret."""
        from segmint.store import apikeys

        return apikeys.listed(self.engine)

    def revoke_api_key(self, key_id: str, *, actor: str = "python") -> ApiKey:
        """Revoke a key by its id: it stops working at once; audited."""
        from segmint.store import apikeys

        return apikeys.revoke(self.engine, key_id, actor=actor)

    def audit(self, *, limit: int = 100) -> list[AuditEntry]:
        """The audit log, newest first: every change, who made it, when, from where."""
        from segmint.store import audit

        return audit.entries(self.engine, limit=limit)
