"""Parsing text fields into typed values, as polars expressions.

Each parser comes as a pair: a value expression (the typed value, null when it cannot be had) and
a rule expression (null when the text is fine, else the name of the rule from `schemas.rules` it
breaks). A missing field (null, or only blanks) gives null for both: whether a field is required
is the caller's business.

These are plain expressions. Validation evaluates them on the distinct values of a column only
(labels, dates and codes repeat a lot in a registry) and joins the results back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import polars as pl

from schemas import rules

MIN_DATE = date(1900, 1, 1)

_ISO = r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$"
_DMY_DASH = r"^([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})$"
_DMY_SLASH = r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$"


def is_blank(expr: pl.Expr) -> pl.Expr:
    """True for a missing field: null, or only blanks."""
    return ~expr.cast(pl.String).str.contains(r"\S").fill_null(False)


def text(expr: pl.Expr) -> pl.Expr:
    """Surrounding blanks removed; empty becomes null."""
    s = expr.cast(pl.String).str.strip_chars()
    return pl.when(s.str.len_bytes() > 0).then(s).otherwise(None)


def squeeze(expr: pl.Expr) -> pl.Expr:
    """`text`, with runs of inner blanks reduced to one space."""
    return text(expr).str.replace_all(r"\s+", " ")


# --- dates ------------------------------------------------------------------------------------


def _date_fields(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    s = text(expr)
    year = pl.coalesce(
        s.str.extract(_ISO, 1), s.str.extract(_DMY_DASH, 3), s.str.extract(_DMY_SLASH, 3)
    )
    month = pl.coalesce(
        s.str.extract(_ISO, 2), s.str.extract(_DMY_DASH, 2), s.str.extract(_DMY_SLASH, 2)
    )
    day = pl.coalesce(
        s.str.extract(_ISO, 3), s.str.extract(_DMY_DASH, 1), s.str.extract(_DMY_SLASH, 1)
    )
    return year, month, day


def _calendar_date(expr: pl.Expr) -> pl.Expr:
    """The date the text names if it has one of the three shapes and is a calendar date."""
    year, month, day = _date_fields(expr)
    iso = pl.format("{}-{}-{}", year, month.str.zfill(2), day.str.zfill(2))
    return iso.str.to_date("%Y-%m-%d", strict=False)


def _matches_shape(expr: pl.Expr) -> pl.Expr:
    s = text(expr)
    return s.str.contains(_ISO) | s.str.contains(_DMY_DASH) | s.str.contains(_DMY_SLASH)


def _parse_date(expr: pl.Expr) -> pl.Expr:
    d = _calendar_date(expr)
    return pl.when(d >= pl.lit(MIN_DATE)).then(d).otherwise(None)


def _date_rule(expr: pl.Expr, not_after: date | None) -> pl.Expr:
    s = text(expr)
    d = _calendar_date(expr)
    out = (
        pl.when(s.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(~_matches_shape(expr))
        .then(pl.lit(rules.DATE_UNPARSEABLE))
        .when(d.is_null() | (d < pl.lit(MIN_DATE)))
        .then(pl.lit(rules.DATE_IMPOSSIBLE))
    )
    if not_after is not None:
        out = out.when(d > pl.lit(not_after)).then(pl.lit(rules.DATE_IN_FUTURE))
    return out.otherwise(pl.lit(None, dtype=pl.String))


def parse_date(expr: pl.Expr) -> pl.Expr:
    """`YYYY-MM-DD`, `DD-MM-YYYY` or `DD/MM/YYYY` (day and month may have one digit) to Date.

    Null when missing, unparseable, not a calendar date, or before 1900 (see `date_rule`).
    """
    return _parse_date(expr)


def date_rule(expr: pl.Expr, not_after: date | None = None) -> pl.Expr:
    """`DATE_UNPARSEABLE` (none of the three shapes), `DATE_IMPOSSIBLE` (the shape is right but
    there is no such day, or it is before 1900), `DATE_IN_FUTURE` (after `not_after`, when
    given), or null (fine or missing)."""
    return _date_rule(expr, not_after)


# --- numbers ----------------------------------------------------------------------------------

# Indonesian notation: `.` groups thousands, `,` is the decimal mark. Plain machine notation
# (`1234.5`) is accepted too when it cannot be read as thousands grouping.
_GROUPED = r"^-?[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?$"  # 12.500.000  1.234,5
_COMMA_DECIMAL = r"^-?[0-9]+(?:,[0-9]+)?$"  # 1234  1234,5
_POINT_DECIMAL = r"^-?[0-9]+\.[0-9]+$"  # 1234.5 (not 3-digit groups: see _GROUPED)


def _number_text(expr: pl.Expr) -> pl.Expr:
    """Blanks, a leading `Rp`/`Rp.` and a trailing `,-`/`.-` after a digit removed."""
    s = text(expr)
    s = s.str.replace(r"^(?i:rp)\.?", "").str.replace_all(r"\s+", "")
    s = s.str.replace(r"^(.*[0-9])[.,]-$", "$1")
    return pl.when(s.str.len_bytes() > 0).then(s).otherwise(None)


def _parse_number(expr: pl.Expr) -> pl.Expr:
    s = _number_text(expr)
    grouped = s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    v = (
        pl.when(s.str.contains(_GROUPED) | s.str.contains(_COMMA_DECIMAL))
        .then(grouped)
        .when(s.str.contains(_POINT_DECIMAL))
        .then(s)
        .otherwise(None)
        .cast(pl.Float64, strict=False)
    )
    return pl.when(v.is_finite()).then(v).otherwise(None)


def _number_rule(expr: pl.Expr, positive: bool, whole: bool = False, maximum: float | None = None) -> pl.Expr:
    s = _number_text(expr)
    read = _parse_number(expr)
    v = read.round(0) if whole else read  # judged as it is kept: in whole units
    out = (
        pl.when(s.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(v.is_null())
        .then(pl.lit(rules.NUMBER_UNPARSEABLE))
    )
    if positive:
        out = out.when(v <= 0).then(pl.lit(rules.NOT_POSITIVE))
    # judged on the number as read, not rounded: one past Int64 has no whole value
    if maximum is not None:
        out = out.when(read > maximum).then(pl.lit(rules.NUMBER_TOO_LARGE))
    return out.otherwise(pl.lit(None, dtype=pl.String))


def _parse_int(expr: pl.Expr) -> pl.Expr:
    v = _parse_number(expr)
    ok = v.is_not_null() & (v.abs() < 9.0e18)
    return pl.when(ok).then(v.round(0)).otherwise(None).cast(pl.Int64)


def parse_number(expr: pl.Expr) -> pl.Expr:
    """Text in Indonesian or machine notation to Float64; null when missing or unparseable.

    `1.234,5` → 1234.5, `12.500.000` → 12500000, `1234,5` → 1234.5, `1234.5` → 1234.5. A dot
    followed by exactly three digits is a thousands separator (`12.500` → 12500), as in
    Indonesian usage. A leading `Rp`, blanks and the trailing `,-` or `.-` of a Rupiah amount
    (`50.000,-`) are ignored.
    """
    return _parse_number(expr)


def number_rule(expr: pl.Expr, positive: bool = True, whole: bool = False, maximum: float | None = None) -> pl.Expr:
    """`NUMBER_UNPARSEABLE`, `NOT_POSITIVE` (zero or negative, when `positive`),
    `NUMBER_TOO_LARGE` (above `maximum`, when given), or null. `whole`: the number is kept in
    whole units (`parse_int`), so it is judged rounded: `0,4` Rupiah is 0, not positive, and the
    rule, not the typed model, says so with the text as delivered."""
    return _number_rule(expr, positive, whole, maximum)


def parse_int(expr: pl.Expr) -> pl.Expr:
    """`parse_number` rounded to whole units (money is whole Rupiah), as Int64."""
    return _parse_int(expr)


# --- category labels --------------------------------------------------------------------------


def label_key(expr: pl.Expr) -> pl.Expr:
    """Case and spaces normalised: upper case, blank runs to one space, no blanks around `/`
    and `-`, none just inside parentheses, none at the ends.
    `' Belum / tidak  bekerja '` → `BELUM/TIDAK BEKERJA`, `sipil ( pns )` → `SIPIL (PNS)`."""
    s = squeeze(expr).str.to_uppercase()
    s = s.str.replace_all(r" ?([/-]) ?", "$1")
    return s.str.replace_all(r"\( ", "(").str.replace_all(r" \)", ")")


def _label_map(codes: Iterable[object]) -> dict[str, str]:
    keys = pl.Series([str(c) for c in codes], dtype=pl.String)
    normalised = pl.select(label_key(pl.lit(keys))).to_series()
    return dict(zip(normalised.to_list(), keys.to_list(), strict=True))


def parse_label(expr: pl.Expr, codes: Iterable[object]) -> pl.Expr:
    """The canonical label of the code list whose normalised form equals the text's, or null."""
    mapping = _label_map(codes)
    return label_key(expr).replace_strict(mapping, default=None, return_dtype=pl.String)


def label_rule(expr: pl.Expr, codes: Iterable[object]) -> pl.Expr:
    """`UNKNOWN_CODE` for a present label not in the code list after normalising, else null."""
    mapping = _label_map(codes)

    def rule(v: pl.Expr) -> pl.Expr:
        known = label_key(v).replace_strict(mapping, default=None, return_dtype=pl.String)
        return (
            pl.when(text(v).is_not_null() & known.is_null())
            .then(pl.lit(rules.UNKNOWN_CODE))
            .otherwise(pl.lit(None, dtype=pl.String))
        )

    return rule(expr)


# --- neighbourhood numbers --------------------------------------------------------------------


def _parse_rt_rw(expr: pl.Expr) -> pl.Expr:
    s = text(expr).str.replace_all(r"\s+", "")
    digits = s.str.contains(r"^[0-9]+$")
    number = pl.when(digits).then(s.str.strip_chars_start("0")).otherwise(None)
    padded = number.str.zfill(3)
    return pl.when(digits & (number.str.len_bytes() <= 3)).then(padded).otherwise(None)


def parse_rt_rw(expr: pl.Expr) -> pl.Expr:
    """`3`, `03`, `003`, `0003` → `003`; null when missing or not 1-3 significant digits."""
    return _parse_rt_rw(expr)


def rt_rw_rule(expr: pl.Expr) -> pl.Expr:
    """`NUMBER_UNPARSEABLE` for a present value `parse_rt_rw` cannot read, else null."""

    def rule(v: pl.Expr) -> pl.Expr:
        return (
            pl.when(text(v).is_not_null() & _parse_rt_rw(v).is_null())
            .then(pl.lit(rules.NUMBER_UNPARSEABLE))
            .otherwise(pl.lit(None, dtype=pl.String))
        )

    return rule(expr)
