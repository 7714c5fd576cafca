"""Where a problem is in rule text, and the `RuleError` that says so.

Every rule error carries the 0-based offset as `location.position` (what an editor
needs) and 1-based ``line`` and ``column`` parameters for its message (what a person
reads); a rule may span lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from segmint.core import i18n
from segmint.core.errors import Location, RuleError


def line_column(text: str, position: int) -> tuple[int, int]:
    """The 1-based line and column of offset `position` in `text`."""
    before = text[:position]
    line = before.count("\n") + 1
    return line, position - before.rfind("\n")


def error(code: str, text: str, position: int, /, **params: object) -> RuleError:
    """A `RuleError` with catalogue `code` at offset `position` of `text`.

    Parameters
    ----------
    code
        A ``rules.*`` catalogue code.
    text
        The rule text, to turn `position` into a line and a column.
    position
        0-based offset of the problem.
    **params
        The values the code's message needs besides ``line`` and ``column``.
    """
    line, column = line_column(text, position)
    return RuleError(code, location=Location(position=position), line=line, column=column, **params)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The words "did you mean 'x'?" in the reader's language, or nothing when none is close."""

    close: str | None

    def render(self, lang: str) -> str:
        """The suggestion in `lang`, empty when there is none."""
        if self.close is None:
            return ""
        return i18n.message("rules.did_you_mean", lang, close=self.close)


def suggest(name: str, names: Iterable[str]) -> Suggestion:
    """The known name nearest to `name` (difflib, as sqlglot does for dialects), if any."""
    known = list(names)
    folded = [n for n in known if n.lower() == name.lower()]  # ORDERS_30D -> orders_30d
    close = folded or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return Suggestion(close[0] if close else None)


@dataclass(frozen=True, slots=True)
class Listing:
    """Names listed in the reader's language: "'a', 'b' and 'c'" or "“a”、“b”和“c”"."""

    names: tuple[str, ...]

    def render(self, lang: str) -> str:
        """The names quoted and joined in `lang`."""
        quoted = [i18n.message("rules.quoted", lang, text=n) for n in self.names]
        if len(quoted) < 2:
            return "".join(quoted)
        comma = i18n.message("rules.list_separator", lang)
        return i18n.message("rules.list_last", lang, rest=comma.join(quoted[:-1]), last=quoted[-1])
