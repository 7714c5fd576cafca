"""The workspace's methods for who may do what and see whom: keys, erasure, the audit.

A part of `Workspace` kept in its own module; the work is `segmint.store.apikeys`'s and
`segmint.store.audit`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from segmint.workspace.part import WorkspacePart

if TYPE_CHECKING:
    from segmint.store.apikeys import ApiKey
    from segmint.store.audit import AuditEntry
    from segmint.store.erasure import Erasure


class AccessMethods(WorkspacePart):
    """`Workspace`'s methods for keys, erasure and the audit (it provides path, engine)."""

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

    def erase_customer(self, customer_id: str, *, actor: str = "python") -> Erasure:
        """Erase a customer's personal data everywhere; her history stays, anonymous.

        Her orders, events, tickets, snapshot rows, memberships and alerts move to a random
        pseudonym; her name, phone, e-mail, birthday and attributes are removed, with every
        copy (merge records, recorded changes, quarantined rows and their files, the
        audit). Audited under the pseudonym. See `segmint.store.erasure`.
        """
        from segmint.ingest import quarantine
        from segmint.store import erasure

        done = erasure.erase(self.engine, customer_id, actor=actor)
        for import_id in done.quarantine_files:  # written again without her rows
            (self.path / quarantine.QUARANTINE_DIR / f"{import_id}.csv").unlink(missing_ok=True)
        quarantine.restore_missing(self.engine, self.path, lang=self.settings.lang)
        return done

    def audit(self, *, limit: int = 100) -> list[AuditEntry]:
        """The audit log, newest first: every change, who made it, when, from where."""
        from segmint.store import audit

        return audit.entries(self.engine, limit=limit)
