"""Indonesian personal names, normalised for matching.

Two levels, both polars expressions over a String column so that millions of names are handled
vectorised, each with a scalar twin built on the very same expression (for tests and tools):

- `name_expr` / `normalise_name`: the readable normalised name: upper case, titles and academic
  degrees removed, `BIN`/`BINTI` and the patronymic after it dropped, Muhammad's abbreviations and
  spellings unified to `MUHAMMAD`, `ST` to `SITI`, only letters and single spaces.
- `name_key_expr` / `name_key`: the phonetic matching key built on the normalised name: the old
  spelling (`OE`, `DJ`, `TJ`, `SJ`, `CH`, `J`) and the new one are mapped onto one canonical form,
  `J` and `Y` meet, `DH` becomes `D`, and doubled letters are collapsed. Two spellings of one name
  have the same key. The key is for comparing, never for showing.
- `patronymic_expr` / `patronymic`: the part after `BIN`/`BINTI` (the father's name), or null.

The steps and their order are documented in docs/linkage.md.
"""

from __future__ import annotations

import polars as pl

# Academic degrees written with dots, removed wherever they stand (before the punctuation goes).
# Sarjana (S.x), diploma (A.Md.x) and the written-out forms are listed one by one so that an
# initial followed by a name ("A. RAHMAN", "S. BUDI") is never taken for a degree.
_S_DEGREES = (
    "PD", "PDI", "PDSD", "E", "H", "HI", "KOM", "T", "AG", "SOS", "KM", "KEP", "IP", "PT", "SI",
    "PSI", "STP", "HUT", "TP", "KED", "FARM", "IKOM", "AK", "ST", "GZ", "KEB", "TR", "P", "KG",
    "IN", "ANG", "KEL", "ARS", "DS", "SN", "TH", "THI", "SY", "HUM", "MB", "TRK", "TEKS", "KL",
)
_A_DEGREES = ("MD", "MA", "MK", "MKEB", "MKEP", "MDKEB", "MDKEP", "MAPD")
_M_DEGREES = (
    "PD", "PDI", "SI", "M", "KES", "T", "H", "AG", "KOM", "SC", "A", "HUM", "E", "AK", "KEB",
    "KEP", "PSI", "IP", "AP", "MT", "PH", "TI", "SN", "HI", "MKES",
)


def _alt(items: tuple[str, ...]) -> str:
    return "|".join(sorted(set(items), key=len, reverse=True))


# A specialisation after the degree (S.Pd.I, A.Md.Keb) follows its dot without a space: across a
# space the next word is the next degree ("S.PD. M.PD."), BIN, or a name part ("S.H. ALI").
_DOTTED_DEGREES = (
    rf"\bS\.\s?(?:{_alt(_S_DEGREES)})(?:\.[A-Z]{{1,4}})?\.?(?:\b|$)"
    rf"|\bA\.\s?(?:{_alt(_A_DEGREES)})(?:\.[A-Z]{{1,4}})?\.?(?:\b|$)"
    rf"|\bD\.\s?(?:I|II|III|IV)\.?(?:\b|$)"
)
# Master's degrees (M.Pd, M.Si...) collide with "M." for Muhammad, so they are removed only at
# the end of the name and after a name: "M. HI" alone is Muhammad Hi, "H. M. SI" is Haji
# Muhammad Si (the titles in front are set aside first, `_FRONT_TITLES_RE`), "BUDI M.SI" is Budi.
_DOTTED_MASTERS = rf"(\S)\s+M\.\s?(?:{_alt(_M_DEGREES)})(?:\.[A-Z]{{1,4}})?\.?\s*$"

# Titles and degrees written without dots, removed wherever they stand as a whole word. Only
# tokens that are never a name part in Indonesia are here.
_ANYWHERE_TITLES = (
    "DRS", "DRA", "DRG", "DRH", "DR", "IR", "PROF", "HJ", "KH", "HAJI", "HAJAH", "ALM", "ALMH",
    "ALMARHUM", "ALMARHUMAH",
    "SPD", "SPDI", "SPDSD", "SKOM", "SAG", "SSOS", "SKM", "SKEP", "SPSI", "STP", "SHI", "SHUT",
    "SFARM", "SKED", "SGZ", "SKEB", "SIKOM", "SSI", "SSN", "SSY", "STH", "STHI", "SAK", "SIP",
    "SE", "SH", "SST", "AMD", "AMK", "AMKEB", "AMKEP", "AMDKEB", "AMDKEP", "AMAPD",
    "MPD", "MPDI", "MSI", "MKES", "MAG", "MKOM", "MHUM", "MSC", "MAP", "MPSI", "MBA", "PHD", "BSC",
)
# Titles removed only in front of the name ("H." is Haji there; elsewhere it may be an initial).
_LEADING_TITLES = (
    "H", "HJ", "KH", "NY", "NYONYA", "TN", "TUAN", "SDR", "SDRI", "BPK", "BAPAK", "IBU", "ALM",
    "ALMH", "ALMARHUM", "ALMARHUMAH",
)
# Degrees written without dots that are short enough to be something else: only at the end.
_TRAILING_TITLES = ("MM", "MT", "MH", "MA", "MPD", "MSI", "SE", "SH", "ST", "SPD")

_ANYWHERE_RE = rf"\b(?:{_alt(_ANYWHERE_TITLES)})\b"
# The titles in front of a name, dotted or not, before the dots go (removed later all the same).
_FRONT_TITLES_RE = rf"^\s*(?:(?:{_alt(_LEADING_TITLES + _ANYWHERE_TITLES)})(?:\.\s*|\s+))+"
_LEADING_RE = rf"^(?:(?:{_alt(_LEADING_TITLES)})\s+)+"
_TRAILING_RE = rf"(?:\s+(?:{_alt(_TRAILING_TITLES)}))+$"

# BIN / BINTI (and the abbreviation BT) and everything after it: the patronymic.
_BIN_RE = r"\s+(?:BIN|BINTI|BT)(?:\s+.*)?$"
_BIN_CAPTURE_RE = r"\s(?:BIN|BINTI|BT)\s+(.+)$"

# Muhammad, spelt out in any of its forms or abbreviated: one token.
_MUHAMMAD_RE = (
    r"\b(?:M[UO](?:H|CH|KH)?A?M{1,2}[AE][DT]|MOHD|MUHD|MHD|MUH|MOH|MOCH|MUCH|MOKH|MUKH|MOHH)\b"
)

# The spelling canonicalisation, in order (see name_key_expr).
_SPELLING = (
    ("DH", "D"),
    ("OE", "U"),
    ("DJ", "J"),
    ("DY", "J"),
    ("TJ", "C"),
    ("TY", "C"),
    ("CH", "KH"),
    ("SJ", "SY"),
    ("J", "Y"),
)
_LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
_DOUBLES = [c + c for c in _LETTERS]


def _squash(e: pl.Expr) -> pl.Expr:
    return e.str.replace_all(r"\s+", " ").str.strip_chars(" ")


def _as_expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def _upper_clean(e: pl.Expr) -> pl.Expr:
    """Upper case, apostrophes joined (MA'RUF = MARUF), degrees after a comma cut off."""
    e = e.cast(pl.String).str.to_uppercase()
    e = e.str.replace_all(r"['`\u2019\u2018\u00b4]", "")
    # "NAME, S.PD., M.SI": what follows the first comma is titles by convention.
    return e.str.replace(r",.*$", "")


def name_expr(col: str | pl.Expr) -> pl.Expr:
    """The normalised name (String; null when nothing of a name is left)."""
    e = _upper_clean(_as_expr(col))
    e = e.str.replace_all(_DOTTED_DEGREES, " ")
    e = e.str.replace(_FRONT_TITLES_RE, "")
    e = e.str.replace(_DOTTED_MASTERS, "${1} ")
    # Only letters remain: dots, hyphens, digits and the rest become spaces.
    e = _squash(e.str.replace_all(r"[^A-Z ]", " "))
    e = _squash(e.str.replace_all(_ANYWHERE_RE, " "))
    e = e.str.replace(_LEADING_RE, "")
    e = e.str.replace(_TRAILING_RE, "")
    e = e.str.replace(_BIN_RE, "")
    e = e.str.replace_all(_MUHAMMAD_RE, "MUHAMMAD")
    # "M ALI": a leading lone M is Muhammad; "ST AMINAH": ST is Siti.
    e = e.str.replace(r"^M ", "MUHAMMAD ")
    e = e.str.replace_all(r"\bST\b", "SITI")
    e = _squash(e)
    return pl.when(e.str.len_chars() > 0).then(e).otherwise(None)


def patronymic_expr(col: str | pl.Expr) -> pl.Expr:
    """The name after BIN/BINTI, normalised like a name; null when there is none."""
    e = _upper_clean(_as_expr(col))
    e = _squash(e.str.replace_all(r"[^A-Z ]", " "))
    return name_expr(e.str.extract(_BIN_CAPTURE_RE, 1))


def _collapse_doubles(e: pl.Expr) -> pl.Expr:
    # Each pass halves a run of one letter; five passes collapse runs up to 32 letters, far more
    # than any name carries.
    for _ in range(5):
        e = e.str.replace_many(_DOUBLES, _LETTERS)
    return e


def key_from_normalised_expr(e: pl.Expr) -> pl.Expr:
    """The phonetic key of an already normalised name (see name_key_expr)."""
    for old, new in _SPELLING:
        e = e.str.replace_all(old, new, literal=True)
    return _collapse_doubles(e)


def name_key_expr(col: str | pl.Expr) -> pl.Expr:
    """The matching key: the normalised name with old and new spelling mapped onto one form.

    The rules, in this order: DH→D, OE→U, DJ→J, DY→J, TJ→C, TY→C, CH→KH, SJ→SY, then every
    J→Y, and finally doubled letters are collapsed. Old J is new Y and old DJ is new J, so the
    two spellings meet only when J and Y meet; old DJ may also be new D+Y (DYAH = DJAH) and old
    TJ new T+Y, hence DY and TY. The order makes the key stable: no rule can re-create a pattern
    an earlier rule removed, and collapsing runs creates no new pair of letters, so the key of a
    key is the key.
    """
    return key_from_normalised_expr(name_expr(col))


def _scalar(expr_fn, s: str | None) -> str:
    out = pl.select(expr_fn(pl.lit(s, dtype=pl.String))).to_series().item()
    return out or ""


def normalise_name(s: str | None) -> str:
    """Scalar twin of `name_expr` ("" when nothing of a name is left)."""
    return _scalar(name_expr, s)


def name_key(s: str | None) -> str:
    """Scalar twin of `name_key_expr`."""
    return _scalar(name_key_expr, s)


def patronymic(s: str | None) -> str:
    """Scalar twin of `patronymic_expr` ("" when there is none)."""
    return _scalar(patronymic_expr, s)
