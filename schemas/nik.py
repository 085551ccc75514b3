"""NIK rules as polars expressions: cleaning, structural validation, birth date and sex.

A NIK is 16 digits `PP KK CC DDMMYY SSSS` (extracts.md): province, regency and district of first
registration, birth date with 40 added to the day for women, and a serial from 0001.

Everything here is a vectorised polars expression, so that a whole registry column is cleaned and
checked in one pass. `is_valid_nik` is a convenience for a single string built on the same
expressions.

Rule precedence (the first that applies is the one reported, one rule per value):

1. missing (null, or nothing left after cleaning): `nik_rule` gives null; the caller decides
   (penduduk reports `NIK_MISSING`, asset extracts simply have no NIK);
2. `NIK_SCIENTIFIC`: the text is a number in scientific notation (`3.51012E+15`, `3,51012e15`),
   i.e. digits were lost by a spreadsheet and cannot be recovered;
3. `NIK_NOT_DIGITS`: after cleaning, a character other than 0-9 remains;
4. `NIK_LENGTH`: all digits, but not 16 of them;
5. `NIK_UNKNOWN_PROVINCE`: the first two digits are not one of the 38 Kemendagri provinces;
6. `NIK_BAD_DATE`: day 00 or above 31 after removing 40 (raw day 00, 32-40 or above 71), or month
   00 or above 12. As the contract defines it, the check is on the ranges, not the calendar: a
   date part such as 30 February passes the structure check (`nik_birth_date` gives null for it);
7. `NIK_SERIAL_ZERO`: the serial (last four digits) is 0000.

The checks run left to right along the number, so the reported rule is the first broken part.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from schemas import rules
from schemas.codes import PROVINCE_CODES

_PROVINCES = sorted(PROVINCE_CODES)

# Scientific notation as a spreadsheet writes it, on the text before cleaning removes dots.
_SCIENTIFIC = r"^[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+$"


def clean_nik(expr: pl.Expr) -> pl.Expr:
    """Remove surrounding blanks, a leading `'`, inner blanks and dots; empty becomes null.

    Works for any identifier typed like a NIK (NO_KK too). Letters are kept, so that the
    validation can report them.
    """
    return expr.cast(pl.String).str.replace_all(r"^\s*'|[\s.]+", "").replace("", None)


def _raw_day(cleaned: pl.Expr) -> pl.Expr:
    return cleaned.str.slice(6, 2).cast(pl.Int32, strict=False)


def _month(cleaned: pl.Expr) -> pl.Expr:
    return cleaned.str.slice(8, 2).cast(pl.Int32, strict=False)


def _yy(cleaned: pl.Expr) -> pl.Expr:
    return cleaned.str.slice(10, 2).cast(pl.Int32, strict=False)


def _day(cleaned: pl.Expr) -> pl.Expr:
    """Day of birth with the 40 added for women removed."""
    raw = _raw_day(cleaned)
    return pl.when(raw > 40).then(raw - 40).otherwise(raw)


def nik_rule(expr: pl.Expr, cleaned: pl.Expr | None = None) -> pl.Expr:
    """The rule a NIK breaks (see the module docstring for the precedence), or null if valid.

    `expr` is the NIK as delivered (raw text); it is cleaned here first. Null for a missing NIK.
    `cleaned`, when given, must be `clean_nik(expr)` already computed (a column reference), which
    saves cleaning the text again for each part of the check.
    """
    raw = expr.cast(pl.String)
    c = clean_nik(raw) if cleaned is None else cleaned
    d = _raw_day(c)
    m = _month(c)
    return (
        pl.when(c.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(raw.str.replace_all(r"^\s*'|\s+", "").str.contains(_SCIENTIFIC))
        .then(pl.lit(rules.NIK_SCIENTIFIC))
        .when(~c.str.contains(r"^[0-9]+$"))
        .then(pl.lit(rules.NIK_NOT_DIGITS))
        .when(c.str.len_bytes() != 16)
        .then(pl.lit(rules.NIK_LENGTH))
        .when(~c.str.slice(0, 2).is_in(_PROVINCES))
        .then(pl.lit(rules.NIK_UNKNOWN_PROVINCE))
        .when((d == 0) | ((d > 31) & (d <= 40)) | (d > 71) | (m < 1) | (m > 12))
        .then(pl.lit(rules.NIK_BAD_DATE))
        .when(c.str.slice(12, 4) == "0000")
        .then(pl.lit(rules.NIK_SERIAL_ZERO))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def nik_is_valid(expr: pl.Expr) -> pl.Expr:
    """True for a present, structurally valid NIK; False otherwise (missing included)."""
    return clean_nik(expr).is_not_null() & nik_rule(expr).is_null()


def nik_is_valid_as_stored(expr: pl.Expr) -> pl.Expr:
    """True for a NIK that is valid exactly as it stands, without cleaning: 16 digits, a known
    province, a date part in range and a serial from 0001; False otherwise (missing included).

    The check of a typed frame, whose NIKs were cleaned on the way in (a blank or a dot left in
    one is a defect). The same as `nik_is_valid` for a NIK already clean, at a fraction of its
    work: no cleaning and no scientific-notation test (at 1,700,000 NIKs 0.3 s instead of 0.8 s).
    """
    text = expr.cast(pl.String)
    d = _raw_day(text)
    m = _month(text)
    return (
        text.str.contains(r"^[0-9]{16}$")
        & text.str.slice(0, 2).is_in(_PROVINCES)
        & ~((d == 0) | ((d > 31) & (d <= 40)) | (d > 71) | (m < 1) | (m > 12))
        & (text.str.slice(12, 4) != "0000")
    ).fill_null(False)


def nik_is_female(expr: pl.Expr) -> pl.Expr:
    """True when the NIK's day carries the 40 added for women; null if the day is not digits.

    Meaningful only for a valid NIK (check `nik_rule` first).
    """
    return _raw_day(clean_nik(expr)) > 40


def nik_date_parts(expr: pl.Expr) -> pl.Expr:
    """Struct {day, month, yy} of the NIK's date part (day with 40 removed), Int32 fields."""
    c = clean_nik(expr)
    return pl.struct(_day(c).alias("day"), _month(c).alias("month"), _yy(c).alias("yy"))


def nik_birth_date(expr: pl.Expr, reference: date | pl.Expr | None = None) -> pl.Expr:
    """Birth date encoded in the NIK (Date), null when the date part is not a calendar date.

    The NIK carries a 2-digit year. The century is chosen relative to `reference` (default:
    today): the birth date is the latest date with those day, month and 2-digit year that is not
    after the reference. With reference 2026-11-01, `...101026...` is 2026-10-10 and
    `...101226...` is 1926-12-10 (a birth cannot lie after the reference).
    """
    if reference is None:
        reference = date.today()
    ref = pl.lit(reference, dtype=pl.Date) if isinstance(reference, date) else reference
    c = clean_nik(expr)
    day = _day(c)
    month = _month(c)
    yy = _yy(c)

    def _make(year: pl.Expr) -> pl.Expr:
        text = pl.format(
            "{}-{}-{}",
            year.cast(pl.String).str.zfill(4),
            month.cast(pl.String).str.zfill(2),
            day.cast(pl.String).str.zfill(2),
        )
        return text.str.to_date("%Y-%m-%d", strict=False)

    recent = _make(yy + 2000)
    older = _make(yy + 1900)
    return pl.when(recent.is_not_null() & (recent <= ref)).then(recent).otherwise(older)


def is_valid_nik(s: str | None) -> bool:
    """Convenience for one string: True when it is a present, structurally valid NIK."""
    frame = pl.DataFrame({"nik": [s]}, schema={"nik": pl.String})
    return bool(frame.select(nik_is_valid(pl.col("nik"))).item())
