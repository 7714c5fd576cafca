"""Personal data: how a value masked by the system that exported it is told apart.

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
