"""Customers: find them, and the 360° profile of one (masked for a viewer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from segmint.api import pages
from segmint.api.app import Reads, Session, Writes
from segmint.api.pages import Page
from segmint.segments.results import Profile
from segmint.store.erasure import Erasure
from segmint.store.search import CustomerRow

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("", name="list_customers")
def list_customers(
    q: Annotated[
        str | None,
        Query(description="An id, phone, e-mail or part of a name (a viewer: an id)."),
    ] = None,
    segment: Annotated[
        str | None, Query(description="A segment's name: a rule segment's, or tier.A, stage.new …")
    ] = None,
    tier: str | None = None,
    stage: str | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before.")] = None,
    limit: Annotated[int, Query(ge=1, le=pages.MAX_LIMIT)] = 50,
    s: Session = Reads,
) -> Page[CustomerRow]:
    """Customers of the live view matching every filter given, by customer id."""
    found = s.workspace.find_customers(
        text=q,
        segment=segment,
        tier=tier,
        stage=stage,
        after=pages.decode(cursor),
        limit=limit + 1,
        contacts=s.caller.sees_personal_data,
    )
    if not s.caller.sees_personal_data:
        found = [row.masked() for row in found]
    return pages.paged(found, limit=limit, key="customer_id")


@router.get("/{customer_id}", name="get_customer")
def get_customer(customer_id: str, run: int | None = None, s: Session = Reads) -> Profile:
    """The 360° profile: identity, every feature and score, labels with why, history."""
    profile = s.workspace.customer(customer_id, run_id=run, lang=s.lang)
    return profile if s.caller.sees_personal_data else profile.masked()


@router.delete("/{customer_id}", name="erase_customer")
def erase_customer(customer_id: str, s: Session = Writes) -> Erasure:
    """Erase a customer's personal data everywhere (PIPL / GDPR); her history stays anonymous.

    Her orders, scores and memberships move to a random pseudonym, so totals still add up;
    name, phone, e-mail, birthday and attributes are removed with every copy. Audited.
    """
    return s.workspace.erase_customer(customer_id, actor=s.caller.actor)
