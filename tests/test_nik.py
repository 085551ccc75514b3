"""NIK cleaning and structural rules (schemas.nik), with python-stdnum as oracle for the date part."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

from schemas import rules
from schemas.codes import PROVINCE_CODES
from schemas.nik import (
    clean_nik,
    is_valid_nik,
    nik_birth_date,
    nik_is_female,
    nik_is_valid_as_stored,
    nik_rule,
)

PROVINCES = sorted(PROVINCE_CODES)
REF = date(2026, 11, 1)


def _eval(expr_fn, values: list[str | None]) -> list:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(expr_fn(pl.col("v"))).to_series().to_list()


def _rule(value: str | None) -> str | None:
    return _eval(nik_rule, [value])[0]


def make_nik(prov: str, rest4: str, day: int, month: int, yy: int, serial: int, female: bool) -> str:
    return f"{prov}{rest4}{day + (40 if female else 0):02d}{month:02d}{yy:02d}{serial:04d}"


valid_parts = st.tuples(
    st.sampled_from(PROVINCES),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.integers(1, 28),
    st.integers(1, 12),
    st.integers(0, 99),
    st.integers(1, 9999),
    st.booleans(),
)


# --- cleaning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "3510121010900001",
        " 3510121010900001 ",
        "'3510121010900001",
        "3510 1210 1090 0001",
        "3510.1210.1090.0001",
        " '35.10.12 101090 0001\t",
    ],
)
def test_formatting_is_cleaned_and_valid(raw):
    assert _eval(clean_nik, [raw]) == ["3510121010900001"]
    assert _rule(raw) is None
    assert is_valid_nik(raw)


def test_missing_gives_no_rule_and_is_not_valid():
    assert _eval(clean_nik, [None, "", "   ", "'"]) == [None, None, None, None]
    assert _eval(nik_rule, [None, "", "  "]) == [None, None, None]
    assert not is_valid_nik(None)
    assert not is_valid_nik("")


# --- each rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("3.51012E+15", rules.NIK_SCIENTIFIC),
        ("3,51012E+15", rules.NIK_SCIENTIFIC),
        ("3.51012e15", rules.NIK_SCIENTIFIC),
        ("'3.51012E+15", rules.NIK_SCIENTIFIC),
        ("351012101090001", rules.NIK_LENGTH),
        ("35101210109000011", rules.NIK_LENGTH),
        ("35101210109OOO1", rules.NIK_NOT_DIGITS),
        ("3510121010900O01", rules.NIK_NOT_DIGITS),
        ("35l0121010900001", rules.NIK_NOT_DIGITS),
        ("3510-1210-1090-0001", rules.NIK_NOT_DIGITS),
        ("9910121010900001", rules.NIK_UNKNOWN_PROVINCE),
        ("2010121010900001", rules.NIK_UNKNOWN_PROVINCE),
        ("3510120010900001", rules.NIK_BAD_DATE),  # day 00
        ("3510123210900001", rules.NIK_BAD_DATE),  # day 32
        ("3510124010900001", rules.NIK_BAD_DATE),  # day 40 = 00 for a woman
        ("3510127210900001", rules.NIK_BAD_DATE),  # day 72 = 32 for a woman
        ("3510121000900001", rules.NIK_BAD_DATE),  # month 00
        ("3510121013900001", rules.NIK_BAD_DATE),  # month 13
        ("3510121010900000", rules.NIK_SERIAL_ZERO),
    ],
)
def test_each_rule(raw, rule):
    assert _rule(raw) == rule
    assert not is_valid_nik(raw)


def test_newer_provinces_are_known():
    for prov in ("65", "92", "93", "94", "95", "96"):
        assert is_valid_nik(f"{prov}01011010900001")


def test_precedence_left_to_right():
    # letters beat length; length beats province; province beats date; date beats serial
    assert _rule("99A") == rules.NIK_NOT_DIGITS
    assert _rule("991012101090000") == rules.NIK_LENGTH
    assert _rule("9910120010900000") == rules.NIK_UNKNOWN_PROVINCE
    assert _rule("3510120010900000") == rules.NIK_BAD_DATE


def test_women_day_plus_40_is_valid_and_female():
    assert is_valid_nik("3510125010900001")
    assert _eval(nik_is_female, ["3510125010900001", "3510121010900001"]) == [True, False]


# --- properties -------------------------------------------------------------------------------


@given(valid_parts)
@settings(max_examples=300, deadline=None)
def test_generated_valid_niks_pass_and_decode(parts):
    prov, rest4, day, month, yy, serial, female = parts
    nik = make_nik(prov, rest4, day, month, yy, serial, female)
    assert _rule(nik) is None
    assert is_valid_nik(nik)
    assert _eval(nik_is_female, [nik]) == [female]
    born = _eval(lambda e: nik_birth_date(e, REF), [nik])[0]
    assert (born.day, born.month, born.year % 100) == (day, month, yy)
    # century: the latest date not after the reference
    assert born <= REF
    assert date(born.year + 100, born.month, born.day) > REF if not (
        born.month == 2 and born.day == 29
    ) else True


@given(valid_parts)
@settings(max_examples=300, deadline=None)
def test_birth_date_agrees_with_stdnum(parts):
    prov, rest4, day, month, yy, serial, female = parts
    nik = make_nik(prov, rest4, day, month, yy, serial, female)
    oracle = stdnum_nik.get_birth_date(nik)  # stdnum picks the century its own way
    born = _eval(lambda e: nik_birth_date(e, REF), [nik])[0]
    assert (born.day, born.month, born.year % 100) == (oracle.day, oracle.month, oracle.year % 100)


@given(
    st.sampled_from(PROVINCES),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
)
@settings(max_examples=400, deadline=None)
def test_date_rule_agrees_with_stdnum_ranges(prov, raw_day, month, yy):
    nik = f"{prov}1012{raw_day:02d}{month:02d}{yy:02d}0001"
    rule = _rule(nik)
    day = raw_day - 40 if raw_day > 40 else raw_day
    in_range = 1 <= day <= 31 and 1 <= month <= 12
    assert (rule == rules.NIK_BAD_DATE) == (not in_range)
    # stdnum rejects every date part outside the ranges (it also rejects calendar-impossible
    # days such as 30 February, which the contract's structure check does not)
    if raw_day <= 71:
        try:
            stdnum_nik.get_birth_date(nik)
            stdnum_ok = True
        except ValidationError:
            stdnum_ok = False
        if stdnum_ok:
            assert in_range


@given(st.text(max_size=20))
@settings(max_examples=300, deadline=None)
def test_rule_is_total_and_consistent_with_is_valid(text):
    rule = _rule(text)
    assert rule is None or rule in rules.RULES
    cleaned = _eval(clean_nik, [text])[0]
    assert is_valid_nik(text) == (cleaned is not None and rule is None)
    if is_valid_nik(text):
        assert len(cleaned) == 16 and cleaned.isascii() and cleaned.isdigit()


@given(st.one_of(st.text(max_size=20), st.text(alphabet="0123456789", min_size=15, max_size=17),
                 valid_parts.map(lambda parts: make_nik(*parts))))
@settings(max_examples=400, deadline=None)
def test_valid_as_stored_is_the_rule_without_cleaning(text):
    """A typed frame's NIK check: the rule applied to the text as it stands (cleaned or not)."""
    as_stored = _eval(nik_is_valid_as_stored, [text])[0]
    assert as_stored == (text is not None and _eval(lambda e: nik_rule(e, cleaned=e), [text])[0] is None)
    cleaned = _eval(clean_nik, [text])[0]
    if cleaned == text:  # already clean: the same answer as the full check
        assert as_stored == is_valid_nik(text)
    else:  # a blank, a dot or a quote left in it
        assert not as_stored


@given(valid_parts, st.sampled_from([" ", ".", "  "]), st.booleans())
@settings(max_examples=200, deadline=None)
def test_cleaning_is_idempotent_and_removes_formatting(parts, sep, quote):
    nik = make_nik(*parts)
    dirty = ("'" if quote else "") + sep.join([nik[:4], nik[4:8], nik[8:12], nik[12:]]) + " "
    once = _eval(clean_nik, [dirty])[0]
    assert once == nik
    assert _eval(clean_nik, [once])[0] == once


def test_century_relative_to_reference():
    got = _eval(lambda e: nik_birth_date(e, date(2026, 11, 1)),
                ["3510121010260001", "3510121012260001", "3510121010990001"])
    assert got == [date(2026, 10, 10), date(1926, 12, 10), date(1999, 10, 10)]
