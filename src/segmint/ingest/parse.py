"""One vectorized parser per value kind, so messy CRM cells become typed Arrow columns fast."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.privacy import MASK

MONEY = pa.decimal128(18, 2)
UTC = pa.timestamp("us", tz="UTC")
_WALL = pa.timestamp("us")  # a clock time without a zone
_MOMENTS = pa.struct([("wall", _WALL), ("fixed", UTC)])  # fixed: the instant, when named
MAX_ID_LENGTH = 128

Rewrites = tuple[tuple[str, str], ...]  # (regex, replacement), applied in order
Reader = Callable[[pa.Array], pa.Array]

# strptime layouts, picked by the character after the year; most common first.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "-": ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"),
    "/": ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"),
    ".": ("%Y.%m.%d", "%Y.%m.%d %H:%M", "%Y.%m.%d %H:%M:%S"),
    "年": (
        "%Y年%m月%d日",
        "%Y年%m月%d日 %H:%M",
        "%Y年%m月%d日 %H时%M分",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H时%M分%S秒",
    ),
}
SECONDS = r"[0-5]\d\D*$"  # strptime reads seconds 60 and 61 as a roll-over
DAY = r"^\d{4}(?:\D\d{1,2}\D|\d{2})(?P<day>\d{1,2})"
# Cells no layout reads as written are rewritten into one (Chinese after NFKC).
CHINESE_DATE_WORDS: Rewrites = (
    (r"\s*[日号號]\s*$", ""),
    (r"\s*[年月]\s*", "-"),
    (r"\s*[日号號]\s*", " "),
    (r"\s*[时時点點]\s*", ":"),
    (r"\s*分\s*(\d)", r":\1"),
    (r"\s*[分秒]", ""),
)
COMPACT_LAYOUT = "%Y%m%d"  # for cells of 8 digits only
_DATE = r"\d{4}(?:-\d{1,2}-|/\d{1,2}/|\.\d{1,2}\.)\d{1,2}"  # one separator throughout
_TIME = r"(?:T|\s+)\d{1,2}:[0-5]\d(?::[0-5]\d)?"
ZONED_SHAPE = (  # a time with a fraction of a second or a UTC offset
    rf"^(?P<local>{_DATE}{_TIME})(?:\.(?P<fraction>\d{{1,9}}))?"
    r"\s*(?P<zone>Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$"
)
OFFSET_ANCHOR = ("1970-01-01 00:00", "%Y-%m-%d %H:%M%z")  # %z reads Z, +08:00 and +0800
SERIAL_SHAPE = r"^\d+(?:\.\d+)?$"
EXCEL_SERIALS = (1.0, 2958465.0)  # 1900-01-01 to 9999-12-31, the dates Excel can hold
EXCEL_EPOCH = 25569  # days from Excel's day zero, 1899-12-30, to 1970-01-01

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
# At most two decimals; zeros after them change nothing, so accepting them is no rounding.
_CENTS = r"(?:\.\d{1,2}0*)?"
PLAIN_MONEY = rf"^-?\d{{1,16}}{_CENTS}$"  # what Arrow's cast reads exactly as DECIMAL(18, 2)
_CURRENCY = r"(?:[¥$]|RMB|CNY)"
_AMOUNT = rf"{_NUMBER}{_CENTS}\s*(?:元|RMB|CNY)?"
MONEY_SHAPE = (
    rf"^(?:(?:{_CURRENCY}\s*)?-?\s*{_AMOUNT}|-\s*{_CURRENCY}\s*{_AMOUNT}"
    rf"|\(\s*(?:{_CURRENCY}\s*)?{_AMOUNT}\s*\))$"
)
MONEY_DIGITS = r"^\d{1,16}(?:\.\d+)?$"  # 17 integer digits overflow DECIMAL(18, 2)
INT_SHAPE = rf"^[+-]?{_NUMBER}(?:\.0*)?$"
INT_NOISE: Rewrites = ((r"[,+]|\.0*$", ""),)

TRUE_WORDS = ("true", "yes", "y", "1", "t", "是", "对", "對", "同意", "✓", "✔", "√")
FALSE_WORDS = ("false", "no", "n", "0", "f", "否", "错", "錯", "不同意", "✗", "✘", "×")

MOBILE = r"^1[3-9]\d{9}$"
# A number the exporting platform masked (138****8000): kept as given, never matched.
MASKED_PHONE = r"^\+?\d[\d*]{5,13}\d$"  # digits kept at both ends
PHONE_REWRITES: Rewrites = (
    (r"[\s\-().]+", ""),
    (r"^00", "+"),  # 0086 is +86
    (r"^(86\d{11})$", r"+\1"),  # 86 13800138000: a country code without + or 00
)
PHONE_SHAPE = r"^\+?\d{7,15}$"  # E.164 allows 15 digits with the country code
CHINESE_NUMBER = (
    r"^(?:1[3-9]\d{9}"  # mobile
    r"|0(?:10\d{7,9}|[2-9]\d{8,10})"  # landline: 0, area code 10 or 2x-9xx, number
    r"|[48]00\d{7})$"  # 400 and 800 service numbers
)
EMAIL_SHAPE = r"^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$"
EXCEL_TEXT = {  # first characters -> (regex, replacement) that leaves the text Excel shows
    '="': (r'^="(.*)"\s*$', r"\1"),  # ="2398123456789012345", a tab after it at most
    "'": (r"^'([+\d])", r"\1"),  # '13925130165
}
ENUM_IGNORED = r"[\s()\[\]{}<>【】《》「」_\-]+"  # as header matching in ingest.mapping


@dataclass(frozen=True, slots=True)
class Parsed:
    """One parsed column: values (null where empty or bad), bad cells, and their code."""

    values: pa.Array  # null where the cell was empty or bad
    bad: npt.NDArray[np.bool_]  # the cell was not empty but could not be parsed or is out of range
    code: str  # error code of the bad cells, e.g. "ingest.bad_date"


@dataclass(frozen=True, slots=True)
class _Moments:
    wall: pa.Array  # naive timestamp[us]: the clock time as written
    fixed: pa.Array  # timestamp[us, UTC] where the input named its instant (offset, epoch)
    present: pa.Array  # bool: the cell was not empty


def parse_text(arr: pa.Array | pa.ChunkedArray) -> Parsed:
    """Trim text; empty and whitespace-only cells become null. Never bad."""
    text = pc.utf8_trim_whitespace(_as_text(_array(arr)))
    return _result(_keep(text, _present(text)), _present(text), "ingest.bad_value")


def parse_ids(arr: pa.Array | pa.ChunkedArray) -> Parsed:
    """Identifiers as text: trimmed, full-width folded, numbers written as integers.

    A float or decimal that is not a whole number, or text over 128 characters, is bad
    (``ingest.bad_id``); Excel's ``1023.0`` becomes ``"1023"``.
    """
    arr = _array(arr)
    text = _clean(arr)
    ok = pc.and_(_present(text), pc.less_equal(pc.utf8_length(text), MAX_ID_LENGTH))
    if pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        ok = pc.and_(ok, pc.match_substring_regex(text, r"^-?\d+$"))
    return _result(_keep(text, ok), _present(text), "ingest.bad_id")


def parse_timestamps(
    arr: pa.Array | pa.ChunkedArray, *, timezone: str, excel_serial: bool = False
) -> Parsed:
    """Instants as ``timestamp[us, UTC]``; times without an offset are local to `timezone`.

    Parameters
    ----------
    arr : pa.Array or pa.ChunkedArray
        Text (ISO 8601, ``2024/3/5``, ``2024年3月5日 14:03``, ``20240305``, epoch seconds or
        milliseconds) or typed dates and timestamps.
    timezone : str
        IANA zone of naive times, e.g. ``"Asia/Shanghai"``.
    excel_serial : bool, default False
        Read plain numbers from 1 to 2958465 as Excel serial dates (XLSX input).

    Returns
    -------
    Parsed
        Bad cells carry ``ingest.bad_date``.
    """
    moments = _moments(_array(arr), excel_serial=excel_serial)
    # A clock time that a DST change skips or repeats is read as the first instant after
    # the gap, or the earlier of the two, instead of failing the whole batch.
    local = pc.assume_timezone(moments.wall, timezone, ambiguous="earliest", nonexistent="latest")
    values = pc.coalesce(moments.fixed, pc.cast(local, UTC))
    return _result(values, moments.present, "ingest.bad_date")


def parse_dates(arr: pa.Array | pa.ChunkedArray, *, excel_serial: bool = False) -> Parsed:
    """Calendar dates as ``date32``: the forms of `parse_timestamps`, the time dropped.

    The date is the one written (for an epoch, the UTC date); a typed timestamp with a zone
    gives its date in that zone. Bad cells carry ``ingest.bad_date``.
    """
    moments = _moments(_array(arr), excel_serial=excel_serial)
    return _result(pc.cast(moments.wall, pa.date32()), moments.present, "ingest.bad_date")


def parse_money(arr: pa.Array | pa.ChunkedArray) -> Parsed:
    """Amounts as exact ``decimal128(18, 2)``.

    Text may carry ``¥ ￥ $ 元 RMB CNY``, thousands separators, a minus sign or accounting
    parentheses. More than two decimals is bad rather than rounded; so is a float that is
    not a whole number of cents within 1e-6 (``ingest.bad_amount``).
    """
    arr = _array(arr)
    if pa.types.is_floating(arr.type):
        return _float_money(arr)
    if _exact_cents(arr.type):
        values = pc.cast(arr, MONEY)  # cannot lose a digit: no text round trip needed
        return _result(values, pc.is_valid(values), "ingest.bad_amount")
    text = _clean(arr)
    plain = pc.match_substring_regex(text, PLAIN_MONEY)
    written = pc.and_(_present(text), pc.invert(plain))
    values = pc.coalesce(
        _subset(text, plain, _to_money, MONEY), _subset(text, written, _written_money, MONEY)
    )
    return _result(values, _present(text), "ingest.bad_amount")


def parse_ints(arr: pa.Array | pa.ChunkedArray) -> Parsed:
    """Whole numbers as ``int32``: ``"3"``, ``"３"``, ``"1,000"`` and ``"3.0"``; not ``"3.5"``."""
    text = _clean(_array(arr))
    shaped = pc.match_substring_regex(text, INT_SHAPE)
    digits = _subset(text, shaped, partial(_rewrite_all, rewrites=INT_NOISE), pa.string())
    sized = pc.match_substring_regex(digits, r"^-?0*\d{1,10}$")  # int64 cannot overflow
    number = _subset(digits, sized, partial(pc.cast, target_type=pa.int64()), pa.int64())
    fits = pc.and_(pc.greater_equal(number, -(2**31)), pc.less(number, 2**31))
    values = pc.cast(_keep(number, fits), pa.int32())
    return _result(values, _present(text), "ingest.bad_number")


def parse_bools(arr: pa.Array | pa.ChunkedArray) -> Parsed:
    """Booleans from true/false, yes/no, y/n, 1/0, t/f, 是/否, 对/错, 同意/不同意, ✓/✗."""
    arr = _array(arr)
    if pa.types.is_boolean(arr.type):
        return _result(arr, pc.is_valid(arr), "ingest.bad_boolean")
    text = pc.utf8_lower(_clean(arr))
    yes = pc.is_in(text, value_set=pa.array(TRUE_WORDS))
    no = pc.is_in(text, value_set=pa.array(FALSE_WORDS))
    return _result(_keep(yes, pc.or_(yes, no)), _present(text), "ingest.bad_boolean")


def parse_phones(arr: pa.Array | pa.ChunkedArray) -> Parsed:
    """Phone numbers: Chinese ones as national digits, others as ``+`` and digits.

    ``+86 138 0013 8000``, ``0086-13800138000`` and ``86 13800138000`` all become
    ``"13800138000"``; ``(010) 6552-9988`` becomes ``"01065529988"``. Fewer than 7 or more
    than 15 digits, letters, or a number that is +86 or starts with 0 or 1 but is no Chinese
    mobile, landline or 400/800 number are bad (``ingest.bad_phone``). A number the
    exporting platform masked (``138****8000``) is kept as written, spaces and dashes
    dropped: it is contact data, not an identity (`segmint.core.privacy`).
    """
    text = _clean(_array(arr))
    mobile = pc.match_substring_regex(text, MOBILE)  # most cells: nothing to do
    written = pc.and_(_present(text), pc.invert(mobile))
    values = pc.if_else(mobile, text, _subset(text, written, _phone_numbers, pa.string()))
    return _result(values, _present(text), "ingest.bad_phone")


def normalized_phone(text: str) -> str | None:
    """`text` as the importer stores a phone number (None when it is not one)."""
    found: str | None = parse_phones(pa.array([text], pa.string())).values[0].as_py()
    return found


def parse_emails(arr: pa.Array | pa.ChunkedArray) -> Parsed:
    """E-mail addresses, trimmed and lower-cased; ``local@domain.tld`` or bad."""
    text = pc.utf8_lower(_clean(_array(arr)))
    values = _keep(text, pc.match_substring_regex(text, EMAIL_SHAPE))
    return _result(values, _present(text), "ingest.bad_email")


def parse_enum(
    arr: pa.Array | pa.ChunkedArray, *, synonyms: Mapping[str, str], values: Sequence[str]
) -> Parsed:
    """One of `values`, given as itself or as a key of `synonyms`.

    Cells and keys match after NFKC, lower-casing and dropping spaces, brackets, dashes and
    underscores, the folding `ingest.mapping` gives headers: ``"Page View"`` is
    ``page_view``. Other cells are bad (``ingest.bad_value``).
    """
    text = _clean(_array(arr))
    keys = _fold(pa.array([*values, *synonyms], pa.string())).to_pylist()
    lookup: dict[str, str] = {}
    for key, target in zip(keys, [*values, *synonyms.values()], strict=True):
        lookup.setdefault(key, target)  # a canonical value wins over a synonym
    # An enum column holds few distinct cells: fold those, then spread the answers.
    encoded = pc.dictionary_encode(text)
    found = pc.index_in(_fold(encoded.dictionary), value_set=pa.array(list(lookup)))
    canonical = pc.take(pa.array(list(lookup.values()), pa.string()), found)
    return _result(pc.take(canonical, encoded.indices), _present(text), "ingest.bad_value")


def _moments(arr: pa.Array, *, excel_serial: bool) -> _Moments:
    kind = arr.type
    present = pc.is_valid(arr)
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        zoned = pc.cast(arr, pa.timestamp("us", tz=kind.tz), safe=False)
        return _Moments(pc.local_timestamp(zoned), pc.cast(zoned, UTC), present)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        wall = pc.cast(arr, _WALL, safe=False)
        return _Moments(wall, pa.nulls(len(arr), UTC), present)
    text = _clean(arr)
    wall = _layouts(text)
    rest = pc.and_(_present(text), pc.is_null(wall))
    read = partial(_other_moments, excel_serial=excel_serial)
    other = _subset(text, rest, read, _MOMENTS)
    wall = _either(wall, pc.struct_field(other, "wall"))
    return _Moments(wall, pc.struct_field(other, "fixed"), _present(text))


def _other_moments(text: pa.Array, *, excel_serial: bool) -> pa.Array:
    """The rarer forms: Chinese words spaced out, 20240305, offsets, epochs, Excel serials."""
    size, digits, ascii = pc.utf8_length(text), pc.utf8_is_digit(text), pc.string_is_ascii(text)
    spelled_out = partial(_layouts, rewrites=CHINESE_DATE_WORDS)
    wall = _subset(text, pc.invert(ascii), spelled_out, _WALL)
    wall = _either(wall, _subset(text, pc.and_(digits, pc.equal(size, 8)), _compact, _WALL))
    zoned = pc.and_(ascii, pc.invert(digits))
    zoned = _subset(text, zoned, _zoned, _MOMENTS)
    epoch = pc.and_(digits, pc.or_(pc.equal(size, 10), pc.equal(size, 13)))
    fixed = _either(pc.struct_field(zoned, "fixed"), _subset(text, epoch, _epochs, UTC))
    wall = _either(wall, pc.struct_field(zoned, "wall"))
    if excel_serial:
        serial = pc.match_substring_regex(text, SERIAL_SHAPE)
        wall = _either(wall, _subset(text, serial, _serials, _WALL))
    wall = _either(wall, pc.local_timestamp(fixed))
    return pc.make_struct(wall, fixed, field_names=["wall", "fixed"])


def _compact(text: pa.Array) -> pa.Array:
    return _unrolled(_first_layout(text, formats=(COMPACT_LAYOUT,)), text)


def _layouts(text: pa.Array, rewrites: Rewrites = ()) -> pa.Array:
    """Wall times of cells written (after `rewrites`) in one of `LAYOUTS`; null for others."""
    text = _rewrite_all(text, rewrites)
    after_year = pc.utf8_slice_codeunits(text, 4, 5)
    wall = pa.nulls(len(text), _WALL)
    for mark, formats in LAYOUTS.items():
        read = partial(_first_layout, formats=formats)
        wall = _either(wall, _subset(text, pc.equal(after_year, mark), read, _WALL))
    return _unrolled(wall, text)


def _first_layout(text: pa.Array, *, formats: Sequence[str]) -> pa.Array:
    wall = pa.nulls(len(text), _WALL)
    for format in formats:
        read = partial(_strptime, format=format)
        wall = _either(wall, _subset(text, pc.is_null(wall), read, _WALL))
    return wall


def _strptime(text: pa.Array, format: str) -> pa.Array:
    wall = pc.strptime(text, format=format, unit="us", error_is_null=True)
    if "%S" not in format:
        return wall
    seconds = partial(pc.match_substring_regex, pattern=SECONDS)
    return _keep(wall, _subset(text, pc.is_valid(wall), seconds, pa.bool_()))


def _unrolled(wall: pa.Array, text: pa.Array) -> pa.Array:
    """Null where strptime rolled an impossible day over (it takes 2024-02-30 for 03-01)."""
    suspect = pc.less_equal(pc.day(wall), 3)  # a rolled-over day lands on the 1st to 3rd
    written = _subset(text, suspect, _written_day, pa.int64())
    return _keep(wall, pc.or_kleene(pc.invert(suspect), pc.equal(pc.day(wall), written)))


def _written_day(text: pa.Array) -> pa.Array:
    return pc.cast(pc.struct_field(pc.extract_regex(text, DAY), "day"), pa.int64())


def _zoned(text: pa.Array) -> pa.Array:
    """Times with a fraction or an offset: the wall time, and the instant when offset."""
    parts = pc.extract_regex(text, ZONED_SHAPE)  # null where the shape does not match
    wall = _layouts(pc.struct_field(parts, "local"))
    fraction = pc.utf8_rpad(pc.struct_field(parts, "fraction"), 6, "0")
    micros = pc.cast(pc.utf8_slice_codeunits(fraction, 0, 6), pa.int64())  # ns are dropped
    wall = pc.add(wall, pc.cast(micros, pa.duration("us")))
    zone = pc.struct_field(parts, "zone")
    anchor, format = OFFSET_ANCHOR
    written = pc.binary_join_element_wise(anchor, _keep(zone, pc.not_equal(zone, "")), "")
    # Midnight 1970-01-01 at the offset is the instant minus the offset, in microseconds.
    shift = pc.cast(pc.strptime(written, format=format, unit="us"), pa.int64())
    fixed = pc.cast(pc.add(pc.cast(wall, pa.int64()), shift), UTC)
    return pc.make_struct(wall, fixed, field_names=["wall", "fixed"])


def _epochs(text: pa.Array) -> pa.Array:
    scale = pc.if_else(pc.equal(pc.utf8_length(text), 10), 1_000_000, 1_000)
    return pc.cast(pc.multiply(pc.cast(text, pa.int64()), scale), UTC)


def _serials(text: pa.Array) -> pa.Array:
    days = pc.cast(text, pa.float64())
    low, high = EXCEL_SERIALS
    days = _keep(days, pc.and_(pc.greater_equal(days, low), pc.less_equal(days, high)))
    # Excel keeps times to the millisecond; finer digits are float noise.
    millis = pc.round(pc.multiply(pc.subtract(days, EXCEL_EPOCH), 86_400_000.0))
    return pc.cast(pc.multiply(pc.cast(millis, pa.int64()), 1_000), _WALL)


_to_money: Reader = partial(pc.cast, target_type=MONEY)


def _written_money(text: pa.Array) -> pa.Array:
    """Amounts with currency signs, separators or accounting parentheses."""
    shaped = pc.match_substring_regex(text, MONEY_SHAPE, ignore_case=True)
    digits = pc.replace_substring_regex(text, r"[^\d.]+", "")
    sized = pc.match_substring_regex(digits, MONEY_DIGITS)
    amount = _subset(digits, pc.and_(shaped, sized), _to_money, MONEY)
    negative = pc.or_(pc.starts_with(text, "("), pc.match_substring(text, "-"))
    return pc.if_else(negative, pc.negate(amount), amount)


def _float_money(arr: pa.Array) -> Parsed:
    present = pc.and_(pc.is_valid(arr), pc.invert(pc.is_nan(arr)))
    cents = pc.round(pc.multiply(arr, 100.0))
    exact = pc.less_equal(pc.abs(pc.subtract(arr, pc.divide(cents, 100.0))), 1e-6)
    fits = pc.less(pc.abs(cents), 1e18)
    whole = pc.cast(_keep(cents, pc.and_(exact, fits)), pa.int64())
    # A decimal is an integer count of its smallest unit: cents viewed at scale 2.
    values = pc.cast(pc.cast(whole, pa.decimal128(38, 0)).view(pa.decimal128(38, 2)), MONEY)
    return _result(values, present, "ingest.bad_amount")


def _phone_numbers(text: pa.Array) -> pa.Array:
    """National digits for Chinese numbers, ``+`` and digits for others; null if neither."""
    number = _rewrite_all(text, PHONE_REWRITES)
    chinese = pc.starts_with(number, "+86")
    values = pc.if_else(chinese, _with_trunk_zero(pc.utf8_slice_codeunits(number, 3)), number)
    # After +86, and when it starts with a trunk 0 or a mobile's 1, it must be a Chinese number.
    strict = pc.or_(chinese, pc.match_substring_regex(values, r"^[01]"))
    valid = pc.or_(pc.invert(strict), pc.match_substring_regex(values, CHINESE_NUMBER))
    values = _keep(values, pc.and_(pc.match_substring_regex(number, PHONE_SHAPE), valid))
    masked = pc.match_substring(number, MASK)
    masked = pc.and_(masked, pc.match_substring_regex(number, MASKED_PHONE))
    return pc.if_else(masked, number, values)


def _with_trunk_zero(national: pa.Array) -> pa.Array:
    """Give back the leading 0 a landline drops after +86 (+86 10 … is 010 …)."""
    zeroed = pc.binary_join_element_wise("0", national, "")
    dropped = pc.and_(
        pc.invert(pc.match_substring_regex(national, CHINESE_NUMBER)),
        pc.match_substring_regex(zeroed, CHINESE_NUMBER),
    )
    return pc.if_else(dropped, zeroed, national)


def _fold(text: pa.Array) -> pa.Array:
    folded = pc.utf8_lower(pc.utf8_normalize(text, "NFKC"))
    return pc.replace_substring_regex(folded, ENUM_IGNORED, "")


def _array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _as_text(arr: pa.Array) -> pa.Array:
    """Any column as ``string``; integral floats and decimals written as integers."""
    kind = arr.type
    if pa.types.is_dictionary(kind):
        return _as_text(arr.dictionary_decode())
    if pa.types.is_null(kind):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_floating(kind):
        return _float_text(arr)
    if pa.types.is_nested(kind):
        # JSON input may nest; write it back as JSON (a rare path, so per row is fine).
        return pa.array(
            [None if v is None else json.dumps(v, ensure_ascii=False) for v in arr.to_pylist()]
        )
    text = pc.cast(arr, pa.string())
    if pa.types.is_decimal(kind):
        return pc.replace_substring_regex(text, r"\.0+$", "")
    return text


def unprotected(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Cells written so that Excel keeps them as text: ``="0123"`` and ``'0123`` are ``0123``.

    Shop platforms write long order numbers and phone numbers this way (Excel would show
    2398123456789012345 as 2.39812E+18). Only a ``'`` before a digit or ``+`` is taken
    for Excel's mark; a name may well start with one.
    """
    text = _array(arr)
    if not pa.types.is_string(text.type):
        return text
    for mark, (pattern, replacement) in EXCEL_TEXT.items():
        protected = pc.starts_with(text, mark)
        if pc.any(protected).as_py():
            unwrap = partial(pc.replace_substring_regex, pattern=pattern, replacement=replacement)
            text = pc.if_else(protected, _subset(text, protected, unwrap, pa.string()), text)
    return text


def _exact_cents(kind: pa.DataType) -> bool:
    """A decimal type every value of which fits DECIMAL(18, 2) exactly."""
    return bool(
        pa.types.is_decimal(kind)
        and 0 <= kind.scale <= MONEY.scale
        and kind.precision - kind.scale <= MONEY.precision - MONEY.scale
    )


def _float_text(arr: pa.Array) -> pa.Array:
    whole = pc.and_(pc.equal(pc.floor(arr), arr), pc.less(pc.abs(arr), 2.0**53))
    integers = pc.cast(pc.cast(_keep(arr, whole), pa.int64()), pa.string())
    text = pc.if_else(whole, integers, pc.cast(arr, pa.string()))
    return _keep(text, pc.invert(pc.is_nan(arr)))  # pandas writes a missing float as NaN


def _clean(arr: pa.Array) -> pa.Array:
    """Text folded by NFKC (full-width digits, letters, ￥, brackets) and trimmed."""
    text = _as_text(arr)
    # NFKC leaves ASCII as it is, and most id, code and amount columns are pure ASCII.
    if pc.all(pc.string_is_ascii(text)).as_py() is not False:
        return pc.ascii_trim_whitespace(text)
    return pc.utf8_trim_whitespace(pc.utf8_normalize(text, "NFKC"))


def _present(text: pa.Array) -> pa.Array:
    return pc.not_equal(text, "")  # null stays null: not present either


def _rewrite_all(text: pa.Array, rewrites: Rewrites) -> pa.Array:
    for pattern, replacement in rewrites:
        text = pc.replace_substring_regex(text, pattern, replacement)
    return text


def _subset(values: pa.Array, where: pa.Array, read: Reader, kind: pa.DataType) -> pa.Array:
    """`read` of the cells flagged by `where`, null elsewhere; regex work only where needed."""
    chosen = flags(where)
    if chosen.all():
        return read(values)
    if not chosen.any():
        return pa.nulls(len(values), kind)
    # Scatter back by position: the i-th flagged cell takes the i-th result.
    positions = pa.array(np.cumsum(chosen) - 1, mask=~chosen)
    return pc.take(read(pc.filter(values, pa.array(chosen))), positions)


def _either(first: pa.Array, second: pa.Array) -> pa.Array:
    """`pc.coalesce` of two arrays, without the copy when one of them is all null."""
    if first.null_count == len(first):
        return second
    return first if second.null_count == len(second) else pc.coalesce(first, second)


def _keep(values: pa.Array, ok: pa.Array) -> pa.Array:
    """`values` where `ok` is true, null elsewhere."""
    return pc.if_else(ok, values, pa.scalar(None, values.type))


def flags(condition: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    """A boolean array as NumPy, null counted as false."""
    filled = pc.fill_null(condition, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.bool_)


def _result(values: pa.Array, present: pa.Array, code: str) -> Parsed:
    return Parsed(values, flags(pc.and_(present, pc.is_null(values))), code)
