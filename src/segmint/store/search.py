"""Finding customers in the live view: by id, phone, e-mail or name, by segment and label.

Keyset pages ordered by customer id: a page starts after the last id of the one before,
so paging stays fast and stable however deep it goes, while updates come in.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from segmint.core.privacy import masked
from segmint.store.engine import Store
from segmint.store.live import view_members, view_rows


class CustomerRow(BaseModel):
    """One customer as a list shows her: who, and her labels and value in the live view."""

    model_config = ConfigDict(frozen=True)

    customer_id: str
    name: str | None
    phone: str | None
    email: str | None
    tier: str | None
    stage: str | None
    rfm11: str | None
    value_customer: bool | None
    clv_12m: float | None
    p_alive: float | None

    def masked(self) -> CustomerRow:
        """The row with her name, phone and e-mail masked (`core.privacy`), for a viewer."""
        return self.model_copy(update=masked(self.model_dump()))


def search(
    engine: Store,
    run_id: int,
    *,
    text: str | None = None,
    phone: str | None = None,
    contacts: bool = True,
    segment_id: int | None = None,
    tier: str | None = None,
    stage: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> list[CustomerRow]:
    """Customers of run `run_id`'s live view matching every filter given, by customer id.

    `text` matches an id or an e-mail exactly (e-mail without regard to case) or a part
    of a name; `phone` a normalized phone number exactly. Without `contacts`, `text`
    matches an id alone (a reader who may not see contact data may not look people up by
    it either). Every value is bound, never spliced into the SQL.
    """
    where: list[str] = ["TRUE"]
    params: list[object] = []
    if text is not None and not contacts:
        where.append("v.customer_id = ?")
        params.append(text)
    elif text is not None:
        where.append(
            "(v.customer_id = ? OR lower(c.email) = lower(?) OR contains(lower(c.name), lower(?))"
            + (" OR c.phone = ?)" if phone else ")")
        )
        params += [text, text, text] + ([phone] if phone else [])
    if segment_id is not None:
        sql, args = view_members(run_id)
        where.append(f"v.customer_id IN (SELECT customer_id FROM ({sql}) WHERE segment_id = ?)")
        params += [*args, segment_id]
    for column, value in (("tier", tier), ("stage", stage)):
        if value is not None:
            where.append(f"v.{column} = ?")
            params.append(value)
    if after is not None:
        where.append("v.customer_id > ?")
        params.append(after)
    rows = engine.rows(
        f"""SELECT v.customer_id, c.name, c.phone, c.email, v.tier, v.stage, v.rfm11,
            v.value_customer, v.clv_12m, v.p_alive
        FROM ({view_rows(run_id)}) v LEFT JOIN customers c USING (customer_id)
        WHERE {" AND ".join(where)} ORDER BY v.customer_id LIMIT ?""",
        [*params, limit],
    )
    return [CustomerRow(**dict(zip(CustomerRow.model_fields, r, strict=True))) for r in rows]
