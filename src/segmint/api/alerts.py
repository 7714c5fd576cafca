"""Alerts to read and acknowledge, and the audit log of every change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from segmint.api.app import Reads, Session, Writes
from segmint.segments.results import Alert
from segmint.store.audit import AuditEntry

router = APIRouter(tags=["alerts"])


@router.get("/alerts", name="list_alerts")
def list_alerts(
    severity: Annotated[list[str] | None, Query()] = None,
    reason: Annotated[list[str] | None, Query()] = None,
    customer: str | None = None,
    closed: Annotated[bool, Query(description="Also resolved and acknowledged ones.")] = False,
    s: Session = Reads,
) -> list[Alert]:
    """The alerts, newest first: open ones by default."""
    return s.workspace.alerts(
        severities=severity or (),
        reasons=reason or (),
        include_closed=closed,
        customer_id=customer,
    )


@router.post("/alerts/{alert_id}/ack", name="acknowledge_alert")
def acknowledge_alert(
    alert_id: int,
    note: Annotated[str | None, Body(embed=True, max_length=2000)] = None,
    s: Session = Writes,
) -> Alert:
    """Mark an alert seen and handled; audited with the key and the caller's address."""
    return s.workspace.acknowledge_alert(alert_id, note=note, actor=s.caller.actor)


@router.get("/audit", name="audit_log")
def audit_log(
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, s: Session = Reads
) -> list[AuditEntry]:
    """Every change, newest first: who, what, when, and from where."""
    return s.workspace.audit(limit=limit)
