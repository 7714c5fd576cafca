"""Export templates: the column layouts bulk email tools, SMS gateways and WeCom take.

A template keeps, of a segment's members, those who consented to its channel (the
customer's ``consent_email``, ``consent_sms`` or ``consent_wecom`` is true: unknown is
no) and have an address the channel can use (an e-mail address, or a mobile number:
masked ones such as 138****8000 and landlines cannot be sent to), and lays out their
columns as the tool's import expects (docs/exports.md has each layout). How many were
left out, and why, is counted. The layouts are expressions: the database lays out the
rows, a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from segmint.core.privacy import MASK

if TYPE_CHECKING:
    import ibis.expr.types as ir

EMAIL = r"^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$"
MOBILE = r"^(1[3-9][0-9]{9}|\+[1-9][0-9]{6,14})$"  # a Chinese mobile, or E.164 abroad
TAG_GROUP = "segmint"  # the WeCom tag group the segments' tags are made in

Column = Callable[["ir.Table", str], "ir.Value"]


@dataclass(frozen=True, slots=True)
class Template:
    """A layout: the consent it needs, the address it sends to, its columns in order."""

    consent: str  # the customers column saying yes to the channel
    address: str  # the customers column it sends to
    shape: str  # a regular expression an address must match to be sendable
    columns: tuple[tuple[str, Column], ...]  # header, value from (members ⋈ customers, segment)


def _field(name: str) -> Column:
    return lambda t, _: t[name]


def _segment(t: ir.Table, segment: str) -> ir.Value:
    import ibis

    return ibis.literal(segment, "string")


def _tag_group(t: ir.Table, segment: str) -> ir.Value:
    import ibis

    return ibis.literal(TAG_GROUP, "string")


TEMPLATES: dict[str, Template] = {
    # Mailchimp, Klaviyo, SendCloud and the like map these headers at import
    "email": Template(
        "consent_email",
        "email",
        EMAIL,
        (
            ("email", _field("email")),
            ("name", _field("name")),
            ("customer_id", _field("customer_id")),
            ("segment", _segment),
        ),
    ),
    # the number first, the template's variables after (Aliyun and Tencent Cloud bulk SMS)
    "sms": Template(
        "consent_sms",
        "phone",
        MOBILE,
        (
            ("phone", _field("phone")),
            ("name", _field("name")),
            ("customer_id", _field("customer_id")),
            ("segment", _segment),
        ),
    ),
    # WeCom's customer tags by batch: the contact found by her mobile number, then tagged
    "wecom": Template(
        "consent_wecom",
        "phone",
        MOBILE,
        (
            ("手机号", _field("phone")),
            ("客户名称", _field("name")),
            ("标签组", _tag_group),
            ("标签", _segment),
            ("customer_id", _field("customer_id")),
        ),
    ),
}


class Reach(BaseModel):
    """Of a segment's members: how many a template exports, and how many it leaves out why."""

    model_config = ConfigDict(frozen=True)

    members: int
    exported: int
    no_consent: int  # the channel's consent not given (false or unknown)
    no_address: int  # consented, but no address the channel can send to


def laid_out(
    members: ir.Table, customers: ir.Table, template: Template, *, segment: str
) -> tuple[ir.Table, ir.Table]:
    """The rows to export, by customer id, and the one-row `Reach` counts of them."""
    import ibis

    joined = members.select("customer_id").left_join(customers, "customer_id")
    consented = joined[template.consent].fill_null(False)
    address = joined[template.address]
    usable = (
        address.notnull() & address.re_search(template.shape) & ~address.contains(MASK)
    ).fill_null(False)
    chosen = joined.filter(consented & usable)
    rows = chosen.select(
        **{header: value(chosen, segment) for header, value in template.columns}
    ).order_by("customer_id")  # every layout has it
    counts = joined.aggregate(
        members=joined.count(),
        exported=(consented & usable).sum(),
        no_consent=(~consented).sum(),
        no_address=(consented & ~usable).sum(),
    )
    return rows, counts.select(*(ibis.coalesce(counts[k], 0).name(k) for k in counts.columns))
