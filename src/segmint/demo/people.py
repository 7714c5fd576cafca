"""Who the synthetic customers are: names, contacts, places, and deliberate duplicates.

Everything is drawn as integer codes into the tables of `segmint.demo.tables` first, so a
duplicate customer copies an original's codes, and strings are built once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.demo import columns
from segmint.demo.clock import Clock, epoch_day, pick
from segmint.demo.tables import (
    CHANNELS,
    CITIES,
    EMAIL_DOMAINS,
    GENDER_WEIGHTS,
    GIVEN_FEMALE,
    GIVEN_MALE,
    PHONE_PREFIXES,
    SURNAMES,
)

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

EMAIL_SHARE = 0.45  # customers who left an e-mail address
BIRTHDAY_SHARE = 0.85  # customers who gave a birthday
TWO_CHARACTER_NAMES = 0.7  # given names of two characters rather than one
DUPLICATE_BY_EMAIL = 0.3  # duplicates found by a shared e-mail rather than a shared phone
DUPLICATE_SAME_CITY = 0.8
_NO_BIRTHDAY = -(2**31)  # a birthday code for "not given" (dates before 1970 are negative)
_QQ = 0  # index of qq.com in EMAIL_DOMAINS: its local part is the QQ number


@dataclass(frozen=True, slots=True)
class Customers:
    """The customers table and the codes later steps draw behaviour from."""

    table: pa.Table
    ids: pa.ChunkedArray
    signup_us: Ints  # ascending: customer ids are numbered in sign-up order
    city: Ints
    channel: Ints
    has_email: Bools
    duplicate_of: Ints  # index of the original customer, -1 for none


def draw_customers(
    rng: np.random.Generator,
    n: int,
    *,
    clock: Clock,
    growth: float,
    duplicate_share: float,
    channel: Ints,
) -> Customers:
    """Draw `n` customers; a `duplicate_share` of them re-register an earlier customer.

    Each signs up in their `channel` (index into CHANNELS), which their persona fixed.

    A duplicate has its own id, sign-up and behaviour, and shares the original's name,
    gender, birthday and phone (or e-mail), as when one person registers twice.
    """
    signup_us = np.sort(clock.at_shopping_hour(rng, clock.signup_days(rng, n, growth=growth)))
    codes = _codes(rng, n, clock=clock) | {"channel": channel}
    duplicate_of = _duplicates(rng, n, share=duplicate_share)
    _copy_identity(rng, codes, duplicate_of)
    ids = columns.serial_ids("C", np.arange(1, n + 1), digits=7)
    table = pa.table(
        {
            "customer_id": ids,
            "name": _names(codes),
            "phone": _phones(codes["phone"]),
            "email": _emails(codes),
            "gender": columns.lookup([g for g, _ in GENDER_WEIGHTS], codes["gender"]),
            "birthday": columns.dates(codes["birthday"], valid=codes["birthday"] != _NO_BIRTHDAY),
            "city": columns.lookup([c for c, _, _ in CITIES], codes["city"]),
            "province": columns.lookup([p for _, p, _ in CITIES], codes["city"]),
            "channel": columns.lookup([c for c, _, _ in CHANNELS], codes["channel"]),
            "signup_at": columns.timestamps(signup_us),
            "consent_email": pa.array((codes["domain"] >= 0) & (rng.random(n) < 0.6)),
            "consent_sms": pa.array(rng.random(n) < 0.7),
            "consent_wecom": pa.array(rng.random(n) < 0.45),
            "attributes": pa.nulls(n, pa.string()),
        }
    )
    return Customers(
        table=table,
        ids=ids,
        signup_us=signup_us,
        city=codes["city"],
        channel=codes["channel"],
        has_email=codes["domain"] >= 0,
        duplicate_of=duplicate_of,
    )


def _codes(rng: np.random.Generator, n: int, *, clock: Clock) -> dict[str, Ints]:
    gender = pick(rng, [w for _, w in GENDER_WEIGHTS], n)
    # Birthdays: ages 18 to 70 at as_of, most in their twenties and thirties.
    age_days = ((18 + np.minimum(rng.gamma(3.0, 4.5, n), 52)) * 365.25).astype(np.int64)
    given = rng.random(n) < BIRTHDAY_SHARE
    birthday = np.where(given, epoch_day(clock.as_of) - age_days, _NO_BIRTHDAY)
    has_email = rng.random(n) < EMAIL_SHARE
    domain = np.where(has_email, pick(rng, [w for _, w in EMAIL_DOMAINS], n), -1)
    return {
        "gender": gender,
        "surname": pick(rng, [w for _, _, w in SURNAMES], n),
        "given1": _given(rng, gender),
        "given2": np.where(rng.random(n) < TWO_CHARACTER_NAMES, _given(rng, gender), -1),
        "birthday": birthday,
        "city": pick(rng, [w for _, _, w in CITIES], n),
        # Distinct numbers make phones and e-mail addresses unique except for duplicates.
        "phone": rng.choice(len(PHONE_PREFIXES) * 10**8, n, replace=False).astype(np.int64),
        "domain": domain,
        "mailbox": 100_000 + rng.choice(max(20 * n, 10**6), n, replace=False).astype(np.int64),
    }


def _given(rng: np.random.Generator, gender: Ints) -> Ints:
    """Index into GIVEN_FEMALE + GIVEN_MALE; 'other' draws from both."""
    female, male = len(GIVEN_FEMALE), len(GIVEN_MALE)
    drawn = rng.integers(0, female + male, gender.size)
    by_gender = np.where(gender == 0, drawn % female, female + drawn % male)
    return np.where(gender == 2, drawn, by_gender)


def _duplicates(rng: np.random.Generator, n: int, *, share: float) -> Ints:
    """For each customer, the earlier customer it re-registers, or -1."""
    duplicate_of = np.full(n, -1, dtype=np.int64)
    count = min(round(share * n), n - 1)
    if count <= 0:
        return duplicate_of
    later = rng.choice(np.arange(1, n), count, replace=False)
    duplicate_of[later] = (rng.random(count) * later).astype(np.int64)
    # Point every duplicate at an original, never at another duplicate (ids only decrease).
    while np.any(chained := (duplicate_of >= 0) & (duplicate_of[duplicate_of] >= 0)):
        duplicate_of[chained] = duplicate_of[duplicate_of[chained]]
    return duplicate_of


def _copy_identity(rng: np.random.Generator, codes: dict[str, Ints], duplicate_of: Ints) -> None:
    copy = np.flatnonzero(duplicate_of >= 0)
    original = duplicate_of[copy]
    for name in ("gender", "surname", "given1", "given2", "birthday"):
        codes[name][copy] = codes[name][original]
    same_city = rng.random(copy.size) < DUPLICATE_SAME_CITY
    codes["city"][copy[same_city]] = codes["city"][original[same_city]]
    by_email = (rng.random(copy.size) < DUPLICATE_BY_EMAIL) & (codes["domain"][original] >= 0)
    for name in ("domain", "mailbox"):
        codes[name][copy[by_email]] = codes[name][original[by_email]]
    codes["phone"][copy[~by_email]] = codes["phone"][original[~by_email]]


def _names(codes: dict[str, Ints]) -> pa.Array:
    given = list(GIVEN_FEMALE + GIVEN_MALE)
    second = columns.lookup(given, np.maximum(codes["given2"], 0), valid=codes["given2"] >= 0)
    return columns.concat(
        columns.lookup([s for s, _, _ in SURNAMES], codes["surname"]),
        columns.lookup(given, codes["given1"]),
        pc.fill_null(second, ""),
    )


def _phones(code: Ints) -> pa.Array:
    prefixes = np.asarray(PHONE_PREFIXES, dtype=np.int64)
    number = prefixes[code // 10**8] * 10**8 + code % 10**8
    return pa.array(number).cast(pa.string())


def _emails(codes: dict[str, Ints]) -> pa.Array:
    """QQ mail uses the QQ number; other providers pinyin of the surname and digits."""
    domain = codes["domain"]
    has = domain >= 0
    pinyin = columns.lookup([p for _, p, _ in SURNAMES], codes["surname"])
    digits = pa.array(codes["mailbox"]).cast(pa.string())
    local = pc.if_else(pa.array(domain == _QQ), digits, columns.concat(pinyin, digits))
    hosts = columns.lookup([d for d, _ in EMAIL_DOMAINS], np.maximum(domain, 0), valid=has)
    return columns.concat(local, "@", hosts)
