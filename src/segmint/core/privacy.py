"""Personal data: values other systems masked, and masking ours for readers who may not see it.

Shop platforms hide part of a buyer's phone, e-mail or name in their exports
(``138****8000``, ``wang***@163.com``, ``王**``). segmint keeps such a value as given, so
the contact data shows what the export said, but never uses it to match or merge
customers: two buyers whose numbers are both ``138****8000`` need not be one person.
"""

from __future__ import annotations

MASK = "*"  # the character platforms put in place of the hidden part


def unmasked_sql(column: str) -> str:
    """A SQL condition: `column` (a quoted identifier) holds a value nobody masked."""
    return f"NOT contains({column}, '{MASK}')"


# The customer fields that identify a person: masked for a reader who may not see them.
PERSONAL = ("name", "phone", "email")


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits of a mobile number, else the last two."""
    if len(phone) >= 8:
        return f"{phone[:3]}{MASK * 4}{phone[-4:]}"
    return MASK * max(len(phone) - 2, 1) + phone[-2:]


def mask_email(email: str) -> str:
    """z***@example.com: the first character of the mailbox and the whole domain."""
    box, at, domain = email.partition("@")
    return f"{box[:1]}{MASK * 3}{at}{domain}"


def mask_name(name: str) -> str:
    """张*: the first character, then one mark per character hidden."""
    return name[:1] + MASK * (len(name) - 1)


_MASKS = {"name": mask_name, "phone": mask_phone, "email": mask_email}


def masked(record: dict[str, object]) -> dict[str, object]:
    """`record` with its personal fields masked (a missing or empty one stays as it is)."""
    return {
        k: _MASKS[k](v) if k in _MASKS and isinstance(v, str) and v else v
        for k, v in record.items()
    }
