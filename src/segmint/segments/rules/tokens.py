"""Rule text as tokens, after the limits that keep hostile text cheap to refuse.

Before any token is made the text is measured (`MAX_RULE_LENGTH`) and scanned for
characters a person cannot see or type on purpose: control characters such as NUL,
direction marks that make text read in another order than it runs (U+200E/F,
U+202A–E, U+2066–9), zero-width and other format characters. They are refused with
their position, inside strings too, since a name or value that looks right and is
not would be the worst kind of wrong rule.

A Chinese keyboard types full-width punctuation (（）＞＝，！) and quotes ‘…’; outside
strings they read as their ASCII forms, one character for one, so positions stay those
of the text. 且, 或 and 非 are the keywords and, or, not even between Chinese names
(no field alias contains them; a test keeps it so).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from segmint.core.errors import Phrase
from segmint.segments.rules.tree import Span
from segmint.segments.rules.where import error

MAX_RULE_LENGTH = 4_000  # characters; a page of conditions is already more than a person reads
MAX_TOKENS = 500  # bounds the node count: every node takes at least one token
MAX_DEPTH = 32  # parentheses (and calls) inside each other; bounds the parser's recursion
MAX_INT = 2**63 - 1  # int64, what every engine stores
MAX_FRACTION_DIGITS = 18
MAX_DIGITS = 38  # DECIMAL(38): the widest exact number DuckDB and Spark hold

KEYWORDS = frozenset({"and", "or", "not", "in", "between", "is", "null", "true", "false", "date"})
CHINESE_KEYWORDS = {"且": "and", "或": "or", "非": "not"}
OPERATORS = ("!=", "<>", "<=", ">=", "(", ")", ",", "=", "<", ">", "+", "-", "*", "/")
QUOTES = {"'": "'", "‘": "’"}  # opening quote -> its closing quote
_SPACE = frozenset("\t\n\r")
_INVISIBLE = frozenset({"Cf", "Zl", "Zp", "Cs", "Co", "Cn"})  # format, separators, unassigned


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text as written and its value.

    ``kind`` is "number" (value int or Decimal), "string" (value the text, quotes
    removed), "name", "keyword" (value the English keyword, lower case), "op" (value
    the ASCII operator, ``<>`` as ``!=``) or "end".
    """

    kind: str
    text: str
    value: int | Decimal | str
    span: Span


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an "end" token, once the limits are checked.

    Raises
    ------
    RuleError
        The text is too long, too deep or has too many tokens, holds a character rules
        do not use, or a string, number or parenthesis that is not closed or not valid.
    """
    if len(text) > MAX_RULE_LENGTH:
        raise error("rules.too_long", text, MAX_RULE_LENGTH, length=len(text), most=MAX_RULE_LENGTH)
    _refuse_invisible(text)
    tokens = _Scanner(text).tokens()
    _check_parentheses(text, tokens)
    return tokens


def _refuse_invisible(text: str) -> None:
    for at, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cc" and char not in _SPACE:
            raise error("rules.control_character", text, at, char=describe_char(char))
        if category in _INVISIBLE:
            raise error("rules.invisible_character", text, at, char=describe_char(char))


def describe_char(char: str) -> str:
    """'U+200E LEFT-TO-RIGHT MARK': a character by code point and name, as Unicode names it."""
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def ascii_form(char: str) -> str:
    """The ASCII form of a full-width character (＞ -> >, （ -> (); other characters as they are."""
    if "\uff01" <= char <= "\uff5e":
        return chr(ord(char) - 0xFEE0)
    return " " if char == "\u3000" else char


def is_name_char(char: str) -> bool:
    """A letter of a name: ASCII letters, digits and _, or a CJK ideograph."""
    return (char.isascii() and (char.isalnum() or char == "_")) or _is_cjk(char)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK Unified Ideographs
        or 0x3400 <= code <= 0x4DBF  # Extension A
        or 0xF900 <= code <= 0xFAFF  # Compatibility Ideographs
        or 0x20000 <= code <= 0x3134F  # Extensions B-G
    )


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"  # str.isdigit accepts digits of every script


class _Scanner:
    """Walks the text once, left to right, making tokens."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.plain = "".join(ascii_form(c) for c in text)  # same length, same positions
        self.at = 0
        self.made: list[Token] = []

    def tokens(self) -> list[Token]:
        while self.at < len(self.plain):
            char = self.plain[self.at]
            if char in _SPACE or unicodedata.category(char) == "Zs":
                self.at += 1
                continue
            self.made.append(self._token(char))
            if len(self.made) > MAX_TOKENS:
                raise error(
                    "rules.too_complex", self.text, self.made[-1].span.start, most=MAX_TOKENS
                )
        end = len(self.text)
        self.made.append(Token("end", "", "", Span(end, end)))
        return self.made

    def _token(self, char: str) -> Token:
        if self.text[self.at] in QUOTES:  # the text as written: ＇ is not a quote
            return self._string(QUOTES[self.text[self.at]])
        if _is_digit(char):
            return self._number()
        if char in CHINESE_KEYWORDS:
            return self._make("keyword", self.at + 1, CHINESE_KEYWORDS[char])
        if is_name_char(char):
            return self._name()
        return self._operator(char)

    def _make(self, kind: str, end: int, value: int | Decimal | str) -> Token:
        token = Token(kind, self.text[self.at : end], value, Span(self.at, end))
        self.at = end
        return token

    def _string(self, close: str) -> Token:
        start, at, parts = self.at, self.at + 1, []
        while True:
            end = self.text.find(close, at)
            if end < 0:
                raise error("rules.unterminated_string", self.text, start, quote=close)
            parts.append(self.text[at:end])
            if self.text.startswith(close, end + 1):  # '' is a quote inside the text
                parts.append(close)
                at = end + 2
                continue
            return self._make("string", end + 1, "".join(parts))

    def _number(self) -> Token:
        end = self._run(self.at, _is_digit)
        if end < len(self.plain) and self.plain[end] == ".":
            end = self._run(end + 1, _is_digit)
        word = self._run(end, lambda c: is_name_char(c) or c == ".")
        written = self.plain[self.at : word]
        if word != end or written.endswith("."):
            raise error("rules.bad_number", self.text, self.at, got=self.text[self.at : word])
        return self._make("number", end, _number_value(written, self.text, self.at))

    def _run(self, at: int, accept: Callable[[str], bool]) -> int:
        while at < len(self.plain) and accept(self.plain[at]):
            at += 1
        return at

    def _name(self) -> Token:
        end = self._run(self.at, lambda c: is_name_char(c) and c not in CHINESE_KEYWORDS)
        word = self.plain[self.at : end]
        if word.lower() in KEYWORDS:
            return self._make("keyword", end, word.lower())
        return self._make("name", end, word)

    def _operator(self, char: str) -> Token:
        pair = self.plain[self.at : self.at + 2]
        if pair in ("--", "/*", "//"):
            raise error("rules.comment", self.text, self.at, got=self.text[self.at : self.at + 2])
        for op in OPERATORS:
            if self.plain.startswith(op, self.at):
                return self._make("op", self.at + len(op), "!=" if op == "<>" else op)
        why = Phrase(_WHY.get(char, "rules.why.other"))
        shown = f"'{char}'" if char.isascii() else f"'{char}' ({describe_char(char)})"
        raise error("rules.unexpected_character", self.text, self.at, char=shown, why=why)


# What a character that rules do not use was most likely meant for.
_WHY = {
    ";": "rules.why.separator",
    '"': "rules.why.double_quote",
    "“": "rules.why.double_quote",
    "”": "rules.why.double_quote",
    ".": "rules.why.dot",
    "!": "rules.why.bang",
    "#": "rules.why.comment",
    "&": "rules.why.symbol_logic",
    "|": "rules.why.symbol_logic",
}


def _number_value(written: str, text: str, at: int) -> int | Decimal:
    whole, _, fraction = written.partition(".")
    digits = len(whole.lstrip("0")) + len(fraction)
    # counted before int() so that 1 followed by 4,000 zeros costs nothing to refuse
    if len(whole.lstrip("0")) > 19 or len(fraction) > MAX_FRACTION_DIGITS or digits > MAX_DIGITS:
        raise error("rules.number_out_of_range", text, at, got=_shortened(written))
    if int(whole) > MAX_INT:
        raise error("rules.number_out_of_range", text, at, got=_shortened(written))
    return Decimal(written) if fraction else int(whole)


def _shortened(written: str) -> str:
    return written if len(written) <= 24 else f"{written[:10]}…{written[-10:]}"


def _check_parentheses(text: str, tokens: list[Token]) -> None:
    """Every ')' closes a '(' and every '(' is closed, at most `MAX_DEPTH` deep.

    Counted on the tokens, before parsing, so the parser's recursion is bounded.
    """
    open_at: list[Token] = []
    for token in tokens:
        if token.kind != "op" or token.value not in ("(", ")"):
            continue
        if token.value == "(":
            open_at.append(token)
            if len(open_at) > MAX_DEPTH:
                raise error("rules.too_deep", text, token.span.start, most=MAX_DEPTH)
        elif not open_at:
            raise error("rules.unmatched_parenthesis", text, token.span.start)
        else:
            open_at.pop()
    if open_at:
        raise error("rules.unclosed_parenthesis", text, open_at[-1].span.start)
