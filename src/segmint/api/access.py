"""Who may call what: the roles of every route, in one table, and the caller of a request.

A request names its key as ``Authorization: Bearer <key>``. Every route of the app has a
row in `ACCESS`; `create_app` refuses to start with a route that has none, so a new
route cannot slip out without a rule. A viewer reads with personal data masked
(`PLAIN`: the roles that see names, phones and e-mails as they are).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request

from segmint.core.errors import AccessDeniedError, Location
from segmint.store.apikeys import ApiKey, Role

READERS: frozenset[Role] = frozenset({"admin", "analyst", "viewer"})
ANALYSTS: frozenset[Role] = frozenset({"admin", "analyst"})
ADMINS: frozenset[Role] = frozenset({"admin"})
INGESTERS: frozenset[Role] = frozenset({"admin", "ingest"})
PLAIN: frozenset[Role] = ANALYSTS  # may see personal data unmasked
PUBLIC = "public"  # no key needed: the health check, the API's own description
LOCAL = "local"  # the server's own command line alone (`api.local`)

# The key of the server's own command line: made at start, known only to the holder file
# beside the database (readable by its owner), acting as an admin the audit calls "cli".
LOCAL_KEY = ApiKey(
    key_id="local",  # never a real key's: theirs are 8 hex digits
    name="cli",
    role="admin",
    created_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    created_by="segmint serve",
    revoked_at=None,
    revoked_by=None,
)

# Route name -> the roles that may call it (PUBLIC: anyone, with or without a key).
ACCESS: dict[str, frozenset[Role] | str] = {
    "health": PUBLIC,
    "post_customers": INGESTERS,
    "post_orders": INGESTERS,
    "post_events": INGESTERS,
    "post_tickets": INGESTERS,
    "list_customers": READERS,
    "get_customer": READERS,
    "erase_customer": ADMINS,
    "list_runs": READERS,
    "start_run": ANALYSTS,
    "get_job": READERS,
    "segments_report": READERS,
    "list_segments": READERS,
    "get_segment": READERS,
    "segment_members": READERS,
    "export_segment": PLAIN,  # names, phones and e-mails as they are
    "preview_segment": READERS,
    "add_segment": ANALYSTS,
    "edit_segment": ANALYSTS,
    "remove_segment": ANALYSTS,
    "list_alerts": READERS,
    "acknowledge_alert": ANALYSTS,
    "audit_log": ANALYSTS,
    "list_campaigns": READERS,
    "create_campaign": ANALYSTS,
    "campaign_report": READERS,
    "run_playbooks": ANALYSTS,
    "list_tasks": READERS,
    "task_done": ANALYSTS,
    "list_webhooks": ANALYSTS,
    "add_webhook": ADMINS,
    "webhook_dead_letters": ANALYSTS,
    "replay_webhook": ADMINS,
    "remove_webhook": ADMINS,
    "rotate_webhook_secret": ADMINS,
    "test_webhook": ADMINS,
    "insights_overview": READERS,
    "insights_tiers": READERS,
    "insights_rfm": READERS,
    "insights_lifecycle": READERS,
    "insights_needs": READERS,
    "insights_clv": READERS,
    "list_imports": READERS,
    "quarantined_rows": PLAIN,  # the rows as read: names, phones and e-mails in them
    "call_workspace": LOCAL,
}


@dataclass(frozen=True, slots=True)
class Caller:
    """The key a request came with and the address it came from."""

    key: ApiKey
    origin: str

    @property
    def actor(self) -> str:
        """How the audit names the caller: ``api:<key id>:<key name>``, or ``cli``."""
        if self.key.key_id == LOCAL_KEY.key_id:
            return LOCAL_KEY.name
        return f"api:{self.key.key_id}:{self.key.name}"

    @property
    def sees_personal_data(self) -> bool:
        """Whether names, phones and e-mails are shown as they are."""
        return self.key.role in PLAIN


def operations(app: FastAPI) -> list[tuple[str, str, str]]:
    """(route name, method, path) of every operation the app publishes in its OpenAPI.

    The app names each operation after its route (`create_app`), so the document lists
    exactly the names `ACCESS` is keyed by.
    """
    paths: dict[str, dict[str, dict[str, object]]] = app.openapi()["paths"]
    return [
        (str(operation["operationId"]), method.upper(), path)
        for path, methods in paths.items()
        for method, operation in methods.items()
    ]


def check_routes(app: FastAPI) -> None:
    """Refuse an app with a route `ACCESS` has no rule for (a programming error)."""
    missing = sorted({name for name, _, _ in operations(app) if name not in ACCESS})
    if missing:
        raise RuntimeError(f"routes without a role rule in segmint.api.access.ACCESS: {missing}")


def allows(key: ApiKey, name: str) -> bool:
    """Whether `key` may call route `name` (a LOCAL route: the server's own key alone)."""
    roles = ACCESS[name]
    if roles == LOCAL:
        return key.key_id == LOCAL_KEY.key_id
    return roles == PUBLIC or key.role in roles


def check(key: ApiKey, name: str, *, method: str, path: str) -> None:
    """Raise ``api.forbidden`` naming the roles that may, unless `key` may call route `name`.

    The API checks each request by it, and the dashboard each page by its JSON twin's name.
    """
    if allows(key, name):
        return
    roles = ACCESS[name]
    raise AccessDeniedError(
        "api.forbidden",
        location=Location(field="Authorization"),
        role=key.role,
        method=method,
        route=path,
        roles=LOCAL if roles == LOCAL else ", ".join(sorted(roles)),
    )


def caller_of(request: Request, *, verify: Callable[[str], ApiKey | None]) -> Caller:
    """The caller of `request`, checked against the roles of its route.

    `verify` is a function from a key to its `ApiKey` (None when it is not a live key).

    Raises
    ------
    AccessDeniedError
        No key (``api.no_key``), a key that is not live (``api.bad_key``), or a role the
        route does not allow (``api.forbidden``).
    """
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if not header:
        raise AccessDeniedError("api.no_key", location=Location(field="Authorization"))
    found = verify(key.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise AccessDeniedError("api.bad_key", location=Location(field="Authorization"))
    check(found, request.scope["route"].name, method=request.method, path=request.url.path)
    client = request.client
    return Caller(found, "unknown" if client is None else client.host)
