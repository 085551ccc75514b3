"""Validation: raw text frames in, typed frames plus quarantine out (architecture.md, dirt.md).

Every extract goes through the same steps, all vectorised:

1. parse and clean each column into its typed value (`assets.validation.parse`, `schemas.nik`);
   parsers of repetitive columns (labels, dates, codes, numbers) run on the column's distinct
   values only, joined back; every row is evaluated in slices of `SLICE_ROWS` rows, keeping
   only the typed values and a few marks per row;
2. evaluate the rules of each column: one rule per column at most (the first that applies), each
   with its action (`ROW_REJECTED`, `VALUE_DROPPED` or `FLAGGED`);
3. find duplicates of the record key among rows whose key is usable: identical copies (equal
   after cleaning, in every column) keep the first and quarantine the later ones as
   `DUPLICATE_IDENTICAL`; copies that differ are all rejected as `DUPLICATE_CONFLICT` (in
   wilayah, the first is kept and every copy flagged `REGION_NAME_CONFLICT`);
4. keep the rows without a `ROW_REJECTED` rule, typed, and run the Pandera model of the typed
   frame over them (`schemas.models`); any failure there becomes a quarantine row too (the
   model restates the contract, so this normally finds nothing);
5. write one quarantine row per broken rule per source row, plus one `EXTRA_COLUMN` row per
   column the contract does not name; the rule and action columns are built for the rows with
   a finding only.

A later identical copy gets only its `DUPLICATE_IDENTICAL` row: whatever else it breaks is
reported once, on the copy that was kept. See docs/validation.md for the rules per extract.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from assets.concurrency import in_threads
from assets.validation import parse
from schemas import codes, rules
from schemas.codes import PROVINCE_CODES
from schemas.extracts import RECORD_ID, REQUIRED_COLUMNS
from schemas.models import (
    KODE_PATTERN,
    LEVELS,
    MAX_AREA_M2,
    MAX_NILAI_JUAL,
    MAX_NJOP_PER_M2,
    NIB_PATTERN,
    NO_KK_PATTERN,
    VILLAGE_PATTERN,
    failure_cases,
    schema_for,
)
from schemas.nik import clean_nik, nik_rule

ROW_NUMBER = "ROW_NUMBER"
_PROVINCES = sorted(PROVINCE_CODES)

QUARANTINE_SCHEMA = {
    "source": pl.String,
    "row_number": pl.Int64,
    "record_id": pl.String,
    "column": pl.String,
    "rule": pl.String,
    "value": pl.String,
    "action": pl.String,
}
FLAGS_SCHEMA = {"NO_KK": pl.String, "code": pl.String, "source_row": pl.Int64, "rule": pl.String}
# Persons whose registry row was rejected, as far as the row can be read (penduduk only).
UNLISTED_SCHEMA = {"NIK": pl.String, "NAMA_LGKP": pl.String, "KODE_WILAYAH": pl.String, "TGL_LHR": pl.Date,
                   "NO_RT": pl.String, "NO_RW": pl.String, ROW_NUMBER: pl.Int64}

REJECTED_MEMBER_ROW = "REJECTED_MEMBER_ROW"
CONFLICTING_RECORDS = "CONFLICTING_RECORDS"


@dataclass
class Validated:
    """A validated extract: the typed frame, its quarantine, household flags and the persons of
    rejected rows (penduduk only), and counts (no personal data)."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame
    flags: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FLAGS_SCHEMA))
    unlisted: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UNLISTED_SCHEMA))
    stats: dict = field(default_factory=dict)


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


def _null_str() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


# --- building blocks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    column: str  # the source column the rule is about
    rule: pl.Expr  # String: the rule broken, or null
    action: str | dict[str, str] | pl.Expr  # one action, one per rule, or an expression


@dataclass
class _Col:
    """What one source column contributes: parsers run on its distinct values (`derive`), the
    typed value(s) (`typed`, named `~<NAME>`) and its check."""

    derive: dict[str, dict[str, pl.Expr]] = field(default_factory=dict)
    typed: list[pl.Expr] = field(default_factory=list)
    checks: list[_Check] = field(default_factory=list)


def _d(column: str, what: str) -> str:
    """Name of a value derived from `column`'s distinct values."""
    return f"@{column}:{what}"


def _blank_then(column: str, rule: pl.Expr, missing: str = rules.REQUIRED_MISSING) -> pl.Expr:
    """`missing` for an empty field, else `rule` (an expression over pl.col(column))."""
    return pl.when(parse.is_blank(pl.col(column))).then(pl.lit(missing)).otherwise(rule)


def _text(column: str, required: bool = False, upper: bool = False) -> _Col:
    """Free text: blanks squeezed; empty → null; required → `REQUIRED_MISSING`; a line break in
    it → `LINE_BREAK_IN_FIELD`, flagged: in a CSV it comes from a quoted field spanning lines,
    and a quote opened by mistake (`"DUL` for a nickname) makes one field of the lines up to the
    next quote, so the rows between are not in the file as Polars reads it. The operator is shown
    the row that swallowed them; the squeezed text flows on."""
    value = parse.squeeze(pl.col(column))
    if upper:
        value = value.str.to_uppercase()
    col = _Col(typed=[value.alias(f"~{column}")])
    if required:
        rule = pl.when(parse.is_blank(pl.col(column))).then(pl.lit(rules.REQUIRED_MISSING))
        col.checks.append(_Check(column, rule.otherwise(_null_str()), rules.ROW_REJECTED))
    # (a blank field is REQUIRED_MISSING, or nothing: one rule per column)
    breaks = (pl.col(column).str.contains(r"[\r\n]") & ~parse.is_blank(pl.col(column))).fill_null(False)
    col.checks.append(_Check(column, pl.when(breaks).then(pl.lit(rules.LINE_BREAK_IN_FIELD))
                             .otherwise(_null_str()), rules.FLAGGED))
    return col


def _label(column: str, codes_: Sequence[object], required: bool) -> _Col:
    rule = parse.label_rule(pl.col(column), codes_)
    return _Col(
        derive={column: {
            _d(column, "v"): parse.parse_label(pl.col(column), codes_),
            _d(column, "r"): _blank_then(column, rule) if required else rule,
        }},
        typed=[pl.col(_d(column, "v")).alias(f"~{column}")],
        checks=[_Check(column, pl.col(_d(column, "r")), rules.ROW_REJECTED)],
    )


def _date(column: str, required: bool, not_after: date | None) -> _Col:
    rule = parse.date_rule(pl.col(column), not_after)
    return _Col(
        derive={column: {
            _d(column, "v"): parse.parse_date(pl.col(column)),
            _d(column, "r"): _blank_then(column, rule) if required else rule,
        }},
        typed=[pl.col(_d(column, "v")).alias(f"~{column}")],
        checks=[_Check(column, pl.col(_d(column, "r")), rules.ROW_REJECTED)],
    )


def _positive(column: str, integer: bool, maximum: int) -> _Col:
    """A required positive number (area, money) of at most `maximum`; Indonesian separators accepted."""
    value = parse.parse_int(pl.col(column)) if integer else parse.parse_number(pl.col(column))
    return _Col(
        derive={column: {
            _d(column, "v"): value,
            _d(column, "r"): _blank_then(column, parse.number_rule(pl.col(column), whole=integer, maximum=maximum)),
        }},
        typed=[pl.col(_d(column, "v")).alias(f"~{column}")],
        checks=[_Check(column, pl.col(_d(column, "r")), rules.ROW_REJECTED)],
    )


def _rt_rw(column: str) -> _Col:
    """NO_RT / NO_RW zero-padded to 3 digits; unreadable → dropped."""
    return _Col(
        derive={column: {
            _d(column, "v"): parse.parse_rt_rw(pl.col(column)),
            _d(column, "r"): parse.rt_rw_rule(pl.col(column)),
        }},
        typed=[pl.col(_d(column, "v")).alias(f"~{column}")],
        checks=[_Check(column, pl.col(_d(column, "r")), rules.VALUE_DROPPED)],
    )


def region_code(expr: pl.Expr) -> pl.Expr:
    """KODE_WILAYAH without blanks; ten bare digits get their dots (`3510122001` → `35.10.12.2001`)."""
    s = parse.text(expr).str.replace_all(r"\s+", "")
    dotted = pl.format(
        "{}.{}.{}.{}", s.str.slice(0, 2), s.str.slice(2, 2), s.str.slice(4, 2), s.str.slice(6, 4)
    )
    return pl.when(s.str.contains(r"^[0-9]{10}$")).then(dotted).otherwise(s)


def region_rule(expr: pl.Expr, villages: Sequence[str], scope: Sequence[str],
                resident: bool) -> pl.Expr:
    """The region rule of dirt.md's choices (null when fine).

    Empty → `REQUIRED_MISSING`. Malformed (not `PP.KK.CC.DDDD` with a known province) →
    `UNKNOWN_REGION`. Residents (penduduk, rumah): the village must be in the reference and its
    regency in the scope, else `UNKNOWN_REGION`. Assets: a regency outside the scope is
    `OUT_OF_SCOPE_REGION` (kept, flagged; the reference cannot tell); inside the scope the village
    must be in the reference, else `UNKNOWN_REGION`.
    """
    code = region_code(expr)
    in_scope = code.str.slice(0, 5).is_in(list(scope))
    known = code.is_in(list(villages))
    well_formed = code.str.contains(VILLAGE_PATTERN) & code.str.slice(0, 2).is_in(_PROVINCES)
    out = (
        pl.when(parse.is_blank(expr)).then(pl.lit(rules.REQUIRED_MISSING))
        .when(~well_formed).then(pl.lit(rules.UNKNOWN_REGION))
    )
    if resident:
        out = out.when(~(known & in_scope)).then(pl.lit(rules.UNKNOWN_REGION))
    else:
        out = out.when(~in_scope).then(pl.lit(rules.OUT_OF_SCOPE_REGION))
        out = out.when(~known).then(pl.lit(rules.UNKNOWN_REGION))
    return out.otherwise(_null_str())


def _region(column: str, villages: Sequence[str], scope: Sequence[str], resident: bool) -> _Col:
    code = region_code(pl.col(column))
    typed = [pl.col(_d(column, "v")).alias(f"~{column}")]
    if not resident:
        typed.append(pl.col(_d(column, "in")).alias("~IN_SCOPE"))
    return _Col(
        derive={column: {
            _d(column, "v"): code,
            _d(column, "in"): code.str.slice(0, 5).is_in(list(scope)).fill_null(False),
            _d(column, "r"): region_rule(pl.col(column), villages, scope, resident),
        }},
        typed=typed,
        checks=[_Check(column, pl.col(_d(column, "r")), {
            rules.REQUIRED_MISSING: rules.ROW_REJECTED,
            rules.UNKNOWN_REGION: rules.ROW_REJECTED,
            rules.OUT_OF_SCOPE_REGION: rules.FLAGGED,
        })],
    )


def _digits_key(column: str, pattern: str, missing: str, invalid: str) -> _Col:
    """A key typed like a NIK (NO_KK, NIB): cleaned of blanks, dots and a leading `'`; empty →
    `missing`; not the expected digits → `invalid` (both reject the row)."""
    cleaned = clean_nik(pl.col(column))
    ok = cleaned.str.contains(pattern).fill_null(False)
    rule = pl.when(parse.is_blank(pl.col(column))).then(pl.lit(missing)).when(~ok).then(
        pl.lit(invalid)).otherwise(_null_str())
    return _Col(
        typed=[pl.when(ok).then(cleaned).otherwise(None).alias(f"~{column}")],
        checks=[_Check(column, rule, rules.ROW_REJECTED)],
    )


def _asset_nik(column: str, exempt: pl.Expr | None = None) -> tuple[_Col, list[list[pl.Expr]]]:
    """An asset NIK column: valid → kept; invalid → dropped (`VALUE_DROPPED`), cleaned text kept
    in `<column>_RAW` for linkage's repair step; missing → null, no rule. Rows where `exempt` is
    true (a company NPWP in kendaraan) get no NIK and no rule.

    Returns the column and its helper stages (cleaned text, then rule)."""
    cleaned = pl.col(f"@{column}:c")
    rule = nik_rule(pl.col(column), cleaned=cleaned)
    if exempt is not None:
        rule = pl.when(exempt).then(_null_str()).otherwise(rule)
    col = _Col(
        typed=[
            pl.when(pl.col(f"@{column}:r").is_null()).then(cleaned).otherwise(None)
            .alias(f"~{column}"),
            pl.when(pl.col(f"@{column}:r").is_not_null()).then(cleaned).otherwise(None)
            .alias(f"~{column}_RAW"),
        ],
        checks=[_Check(column, pl.col(f"@{column}:r"), rules.VALUE_DROPPED)],
    )
    exempt_typed = exempt if exempt is not None else pl.lit(False)
    col.typed[0] = (
        pl.when(pl.col(f"@{column}:r").is_null() & ~exempt_typed).then(cleaned).otherwise(None)
        .alias(f"~{column}")
    )
    stages = [[clean_nik(pl.col(column)).alias(f"@{column}:c")], [rule.alias(f"@{column}:r")]]
    return col, stages


# --- the engine --------------------------------------------------------------------------------


@dataclass
class _Spec:
    source: str
    columns: list[_Col]
    atoms: list[list[pl.Expr]]  # row-wise helper columns ("@..."), computed in stages, first
    key: pl.Expr  # the row's key, cleaned (record_id)
    output: list[tuple[str, pl.DataType]]  # typed frame columns (from "~<NAME>") and dtypes
    dup_group: list[str]  # columns forming the duplicate key
    dup_column: str  # source column reported for duplicates
    dup_eligible: pl.Expr  # rows whose key is usable for duplicate detection
    schema_args: dict = field(default_factory=dict)
    extra_typed: list[pl.Expr] = field(default_factory=list)  # typed columns from several columns
    extra_checks: list[_Check] = field(default_factory=list)
    # What copies are compared on; None: every typed column (the raw text where untyped).
    dup_compare: list[pl.Expr] | None = None
    # Copies that differ: rule, action and column of their quarantine rows. `ROW_REJECTED`
    # rejects every copy; any other action keeps the first copy (later ones leave the typed
    # frame) and only rows no rule rejects take part.
    conflict_rule: str = rules.DUPLICATE_CONFLICT
    conflict_action: str = rules.ROW_REJECTED
    conflict_column: str | None = None  # None: dup_column
    # A date column by which differing copies are resolved: when no copy breaks a rejecting rule
    # and one copy's date is later than every other's, it is kept and the others are
    # `SURVEY_SUPERSEDED` (a household surveyed again); otherwise the copies conflict as above.
    latest_by: str | None = None


def _derived_tables(spec: _Spec, raw: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """Per source column with parsers: `exprs` (over `pl.col(column)`) evaluated on the distinct
    values of the column (joined back to the rows by `_row_values`)."""
    derive = [(column, exprs) for col in spec.columns for column, exprs in col.derive.items()]
    if not derive:
        return []
    distinct = raw.select(
        pl.col(column).unique().implode().alias(str(i)) for i, (column, _) in enumerate(derive)
    )
    tables = pl.collect_all([
        distinct.to_series(i).explode().to_frame(column).lazy().with_columns(**exprs)
        for i, (column, exprs) in enumerate(derive)
    ])
    return [(column, table) for (column, _), table in zip(derive, tables, strict=True)]


def _row_values(spec: _Spec, rows: pl.LazyFrame, tables: list[tuple[str, pl.DataFrame]],
                checks: list[_Check]) -> pl.LazyFrame:
    """Raw rows plus their parsed values (`@...`), typed values (`~<NAME>`) and rule columns
    (`~r<i>`, one per check). Every expression is row-wise, so any subset of rows gets the
    values it has in the whole frame."""
    lf = rows
    for column, table in tables:
        lf = lf.join(table.lazy(), on=column, how="left", nulls_equal=True, maintain_order="left")
    for stage in spec.atoms:
        lf = lf.with_columns(stage)
    return lf.with_columns(
        *[e for col in spec.columns for e in col.typed],
        *spec.extra_typed,
        *[c.rule.cast(pl.String).alias(f"~r{i}") for i, c in enumerate(checks)],
    )


# Rows evaluated at once: the parsed values and rule columns of one slice (about 80 columns)
# are what a slice costs in memory; the typed values are kept.
SLICE_ROWS = 250_000
SLICES_AT_ONCE = 2  # slices evaluated at the same time, each in a thread (assets/concurrency.py)


def _in_slices(raw: pl.DataFrame, query, rows: int | None = None) -> list[pl.DataFrame]:
    """`query` (LazyFrame → LazyFrame, row-wise) run over `raw` in slices of `rows` rows, in
    order: the wide working columns of `SLICES_AT_ONCE` slices exist at a time."""
    rows = rows or SLICE_ROWS
    starts = list(range(0, raw.height, rows)) if raw.height else [0]
    return in_threads(lambda start: query(raw.slice(start, rows).lazy()).collect(engine="in-memory"),
                      starts, SLICES_AT_ONCE)


def _rejects(check: _Check, rule_col: str) -> pl.Expr | None:
    """True where the check's action is `ROW_REJECTED` (as `_action_expr` gives it); None when
    the check never rejects."""
    rule = pl.col(rule_col)
    if isinstance(check.action, str):
        return rule.is_not_null() if check.action == rules.ROW_REJECTED else None
    if isinstance(check.action, pl.Expr):
        return (rule.is_not_null() & (check.action == rules.ROW_REJECTED)).fill_null(False)
    rejecting = [k for k, v in check.action.items() if v == rules.ROW_REJECTED]
    return rule.is_in(rejecting).fill_null(False) if rejecting else None


def _action_expr(check: _Check, rule_col: str) -> pl.Expr:
    present = pl.col(rule_col).is_not_null()
    if isinstance(check.action, str):
        return pl.when(present).then(pl.lit(check.action)).otherwise(_null_str())
    if isinstance(check.action, pl.Expr):
        return pl.when(present).then(check.action).otherwise(_null_str())
    return pl.col(rule_col).replace_strict(check.action, default=None, return_dtype=pl.String)


def _extra_rows(source: str, extra_columns: Sequence[str]) -> pl.DataFrame:
    n = len(extra_columns)
    return pl.DataFrame(
        {
            "source": [source] * n,
            "row_number": [None] * n,
            "record_id": [None] * n,
            "column": list(extra_columns),
            "rule": [rules.EXTRA_COLUMN] * n,
            "value": [None] * n,
            "action": [rules.FLAGGED] * n,
        },
        schema=QUARANTINE_SCHEMA,
    )


def _quarantine_rows(df: pl.DataFrame, mask: pl.Expr, source: str, column: str, rule: pl.Expr,
                     action: pl.Expr) -> pl.DataFrame:
    return df.filter(mask).select(
        pl.lit(source).alias("source"),
        pl.col(ROW_NUMBER).cast(pl.Int64).alias("row_number"),
        pl.col("~record_id").alias("record_id"),
        pl.lit(column).alias("column"),
        rule.cast(pl.String).alias("rule"),
        pl.col(column).cast(pl.String).alias("value"),
        action.cast(pl.String).alias("action"),
    )


# Pandera check names → quarantine rules (failure cases of the typed frame).
_CHECK_RULES = {
    "UNKNOWN_REGION": rules.UNKNOWN_REGION,
    "DATE_INCONSISTENT": rules.DATE_INCONSISTENT,
    "DUPLICATE_CONFLICT": rules.DUPLICATE_CONFLICT,
    "NOT_AFTER_LOAD_DATE": rules.DATE_IN_FUTURE,
    "field_uniqueness": rules.DUPLICATE_CONFLICT,
    "greater_than": rules.NOT_POSITIVE,
    "NUMBER_TOO_LARGE": rules.NUMBER_TOO_LARGE,
    "greater_than_or_equal_to": rules.DATE_IMPOSSIBLE,
    "less_than_or_equal_to": rules.DATE_IMPOSSIBLE,
    "isin": rules.UNKNOWN_CODE,
    "not_nullable": rules.REQUIRED_MISSING,
}
_COLUMN_RULES = {
    "NO_KK": rules.NO_KK_INVALID,
    "NIB": rules.NIB_INVALID,
    "KODE_WILAYAH": rules.UNKNOWN_REGION,
    "KODE": rules.UNKNOWN_REGION,
}
_MODEL_NAMES = ("WilayahModel", "PendudukModel", "TanahModel", "KendaraanModel", "RumahModel")


def failure_quarantine(source: str, typed: pl.DataFrame, failures: pl.DataFrame,
                       record_id_column: str) -> pl.DataFrame:
    """Quarantine rows (`ROW_REJECTED`) from Pandera failure cases on the typed frame.

    `index` is the row position in `typed`. A failure with a null `index` is about the frame's
    shape (a missing column, a wrong type): a defect of validation itself, never of the data, so
    it raises. Dataframe-level checks are reported on the record's key column.
    """
    if failures.height == 0:
        return empty_quarantine()
    if failures["index"].null_count() > 0:
        bad = failures.filter(pl.col("index").is_null())
        checks = sorted(set(bad["check"].to_list()))
        raise RuntimeError(f"{source}: typed frame breaks its schema: {', '.join(checks)}")
    rows = typed.with_row_index("~pos").select(
        pl.col("~pos").cast(pl.Int64),
        pl.col(ROW_NUMBER),
        pl.col(record_id_column).cast(pl.String).alias("record_id"),
    )
    check_name = pl.col("check").cast(pl.String).str.extract(r"^([A-Za-z_]+)", 1)
    column = pl.col("column").cast(pl.String)
    model_level = column.is_in(list(_MODEL_NAMES))
    by_check = check_name.replace_strict(_CHECK_RULES, default=None, return_dtype=pl.String)
    by_column = (
        pl.when(column.str.starts_with("NIK")).then(pl.lit(rules.NIK_NOT_DIGITS))
        .otherwise(column.replace_strict(_COLUMN_RULES, default=rules.REQUIRED_MISSING,
                                         return_dtype=pl.String))
    )
    return (
        failures.with_columns(pl.col("index").cast(pl.Int64).alias("~pos"))
        .join(rows, on="~pos", how="left")
        .select(
            pl.lit(source).alias("source"),
            pl.col(ROW_NUMBER).alias("row_number"),
            pl.col("record_id"),
            pl.when(model_level).then(pl.lit(record_id_column)).otherwise(column).alias("column"),
            pl.coalesce(by_check, by_column).alias("rule"),
            pl.when(model_level).then(_null_str())
            .otherwise(pl.col("failure_case").cast(pl.String)).alias("value"),
            pl.lit(rules.ROW_REJECTED).alias("action"),
        )
        .unique(subset=["row_number", "column", "rule"], maintain_order=True)
        .cast(QUARANTINE_SCHEMA)
    )


def _run(spec: _Spec, raw: pl.DataFrame, extra_columns: Sequence[str] = ()) -> tuple[
        Validated, pl.DataFrame]:
    """Run one extract's spec; returns the result and the rows with a finding (for flags).

    One pass over every row, in slices of `SLICE_ROWS`, keeps only what every row needs: the
    typed values, a hash of the duplicate key, whether the row breaks a rule and whether it is
    rejected. Parsed values, rule and action columns of all rows never exist at once. The few
    rows with a finding (a rule, a duplicate key, a Pandera failure) go through the same
    row-wise expressions again, with their rule and action columns, to give the quarantine and
    the household flags. docs/validation.md ("Performance") has the measurements.
    """
    source = spec.source
    tables = _derived_tables(spec, raw)
    checks = [c for col in spec.columns for c in col.checks] + spec.extra_checks
    rule_cols = [f"~r{i}" for i in range(len(checks))]
    action_cols = [f"~a{i}" for i in range(len(checks))]
    typed_cols = [f"~{name}" for name, _ in spec.output if name != ROW_NUMBER]
    rejecting = [e for c, r in zip(checks, rule_cols, strict=True)
                 if (e := _rejects(c, r)) is not None]

    # Every row, slice by slice: typed values, a hash of the duplicate key, finding / rejected
    # (the parsed values and the rule columns of one slice exist at a time).
    key_ok = spec.dup_eligible.fill_null(False) & pl.all_horizontal(
        [pl.col(k).is_not_null() for k in spec.dup_group]
    )
    slices = _in_slices(raw, lambda rows: (
        _row_values(spec, rows, tables, checks)
        .with_columns(
            key_ok.alias("~key_ok"),
            pl.struct(spec.dup_group).hash().alias("~key_hash"),
            pl.any_horizontal([pl.col(r).is_not_null() for r in rule_cols] or [pl.lit(False)])
            .alias("~finding"),
            pl.any_horizontal(rejecting or [pl.lit(False)]).fill_null(False).alias("~rejected"),
        )
        .select(ROW_NUMBER, *typed_cols, "~key_ok", "~key_hash", "~finding", "~rejected")
    ))
    marks = pl.concat(
        [s.select("~key_ok", "~key_hash", "~finding", "~rejected") for s in slices],
        how="vertical", rechunk=False,
    )
    n = marks.height

    # Keys seen more than once (rare). A row whose key is usable (and complete: a key with a
    # null part never matches) and whose key hash is unique has no copy; the others are grouped
    # on the key itself. Duplicates compare every typed column, falling back to the raw text
    # where the typed value is missing (or `spec.dup_compare`): two copies are identical when
    # they are equal after cleaning. Where a conflict keeps the first copy, a rejected row is
    # nobody's copy (a region row without a name must not displace the named one).
    keeps_first = spec.conflict_action != rules.ROW_REJECTED
    takes_part = pl.col("~key_ok") & ~pl.col("~rejected") if keeps_first else pl.col("~key_ok")
    candidates = (
        marks.select("~key_ok", "~key_hash", "~rejected").with_row_index("~i")
        .filter(takes_part)
        .filter(pl.col("~key_hash").is_duplicated())["~i"]
    )
    compare = spec.dup_compare or [
        pl.coalesce(
            pl.col(f"~{name}").cast(pl.String),
            pl.col(name) if name in raw.columns else _null_str(),
        ).alias(name)
        for name, _ in spec.output
        if name != ROW_NUMBER
    ]
    group = spec.dup_group
    dated = [pl.col(f"~{spec.latest_by}").alias("~date")] if spec.latest_by else [pl.lit(None, pl.Date).alias("~date")]
    copies = (
        _row_values(spec, raw[candidates].lazy(), tables, checks)
        .select(*group, ROW_NUMBER, pl.struct(compare).hash().alias("~hash"), *dated)
        .with_columns(candidates.alias("~i"), marks["~rejected"].gather(candidates).alias("~rej"))
        .with_columns(
            pl.len().over(group).alias("~n"),
            pl.col(ROW_NUMBER).min().over(group).alias("~first"),
            pl.col("~hash").n_unique().over(group).alias("~n_distinct"),
        )
        .filter(pl.col("~n") > 1)
        .collect(engine="in-memory")
    )
    later = pl.col(ROW_NUMBER) != pl.col("~first")
    # Differing copies resolved by date (`latest_by`): none rejected, one latest.
    latest = pl.col("~date") == pl.col("~date").max().over(group)
    resolved = (
        (pl.col("~n_distinct") > 1)
        & ~pl.col("~rej").any().over(group)
        & pl.col("~date").is_not_null().all().over(group)
        & (latest.cast(pl.Int32).sum().over(group) == 1)
    ) if spec.latest_by else pl.lit(False)
    copies = copies.with_columns(resolved.alias("~resolved"), latest.fill_null(False).alias("~latest"))
    outdated_at = copies.filter(pl.col("~resolved") & ~pl.col("~latest"))["~i"]
    copies = copies.filter(~pl.col("~resolved"))
    conflict_at = copies.filter(pl.col("~n_distinct") > 1)["~i"]
    identical_at = copies.filter((pl.col("~n_distinct") == 1) & later)["~i"]
    # Copies that leave the typed frame for a conflict: every one, or the later ones.
    if keeps_first:
        superseded_at = copies.filter((pl.col("~n_distinct") > 1) & later)["~i"]
    else:
        superseded_at = conflict_at
    conflict = pl.repeat(False, n, eager=True, dtype=pl.Boolean).scatter(conflict_at, True)
    identical = pl.repeat(False, n, eager=True, dtype=pl.Boolean).scatter(identical_at, True)
    superseded = pl.repeat(False, n, eager=True, dtype=pl.Boolean).scatter(superseded_at, True)
    outdated = pl.repeat(False, n, eager=True, dtype=pl.Boolean).scatter(outdated_at, True)
    keep = ~(marks["~rejected"] | superseded | identical | outdated)
    finding = marks["~finding"]
    del marks, candidates, copies

    # The typed frame, slice by slice (each slice's working frame is let go once filtered).
    typed_exprs = [
        pl.col(f"~{name}" if name != ROW_NUMBER else ROW_NUMBER).cast(dtype).alias(name)
        for name, dtype in spec.output
    ]
    typed_parts = []
    start = 0
    for i, part in enumerate(slices):
        typed_parts.append(part.filter(keep.slice(start, part.height)).select(typed_exprs))
        start += part.height
        slices[i] = None
    del part, slices
    typed = pl.concat(typed_parts, how="vertical", rechunk=False)
    del typed_parts

    # The contract's last word: the Pandera model of the typed frame.
    schema = schema_for(source, **spec.schema_args)
    late = failure_quarantine(source, typed, failure_cases(schema, typed), RECORD_ID[source])
    late_rows = late["row_number"].implode()
    if late.height:
        typed = typed.filter(~pl.col(ROW_NUMBER).is_in(late_rows))
    late_mask = raw.select(pl.col(ROW_NUMBER).is_in(late_rows)).to_series()

    # The rows with a finding, their rules and actions again, and their quarantine rows.
    sub_mask = finding | conflict | identical | outdated | late_mask
    sub = _row_values(spec, raw.filter(sub_mask).lazy(), tables, checks)
    sub = sub.with_columns(
        *[_action_expr(c, r).alias(a)
          for c, r, a in zip(checks, rule_cols, action_cols, strict=True)],
        pl.when(spec.dup_eligible.fill_null(False)).then(spec.key)
        .otherwise(parse.text(pl.col(RECORD_ID[source]))).alias("~record_id"),
    ).collect(engine="in-memory")
    sub = sub.with_columns(
        conflict.filter(sub_mask).alias("~conflict"),
        identical.filter(sub_mask).alias("~identical"),
        outdated.filter(sub_mask).alias("~outdated"),
        late_mask.filter(sub_mask).alias("~late"),
    )

    parts: list[pl.DataFrame] = [_extra_rows(source, extra_columns)]
    not_copy = ~pl.col("~identical")
    for check, r, a in zip(checks, rule_cols, action_cols, strict=True):
        parts.append(_quarantine_rows(sub, pl.col(r).is_not_null() & not_copy, source,
                                      check.column, pl.col(r), pl.col(a)))
    parts.append(_quarantine_rows(sub, pl.col("~identical"), source, spec.dup_column,
                                  pl.lit(rules.DUPLICATE_IDENTICAL), pl.lit(rules.ROW_REJECTED)))
    parts.append(_quarantine_rows(sub, pl.col("~conflict"), source,
                                  spec.conflict_column or spec.dup_column,
                                  pl.lit(spec.conflict_rule), pl.lit(spec.conflict_action)))
    if spec.latest_by:
        parts.append(_quarantine_rows(sub, pl.col("~outdated"), source, spec.latest_by,
                                      pl.lit(rules.SURVEY_SUPERSEDED), pl.lit(rules.ROW_REJECTED)))
    if late.height:
        parts.append(late)

    quarantine = pl.concat(parts, how="vertical").sort(
        "row_number", "column", "rule", nulls_last=False, maintain_order=True
    )
    stats = {
        "rows_read": raw.height,
        "rows_valid": typed.height,
        "rows_rejected": raw.height - typed.height,
        "quarantine_rows": quarantine.height,
        "duplicates_identical": int(identical.sum()),
        "duplicates_conflicting": int(conflict.sum()),
        "extra_columns": len(extra_columns),
        "by_rule": dict(quarantine.group_by("rule").len().sort("rule").iter_rows()),
        "by_action": dict(quarantine.group_by("action").len().sort("action").iter_rows()),
    }
    return Validated(frame=typed, quarantine=quarantine, stats=stats), sub


def _raw_frame(raw, extra_columns: Sequence[str] | None) -> tuple[pl.DataFrame, list[str]]:
    """Accept a RawExtract or its frame; extra columns from the argument, else the RawExtract."""
    if isinstance(raw, pl.DataFrame):
        return raw, list(extra_columns or [])
    found = extra_columns if extra_columns is not None else getattr(raw, "extra_columns", [])
    return raw.frame, list(found or [])


def _ensure_columns(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    missing = [c for c in (*REQUIRED_COLUMNS[name], ROW_NUMBER) if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: raw frame lacks column(s) {', '.join(missing)}")
    return frame.select(
        [pl.col(c).cast(pl.String) for c in REQUIRED_COLUMNS[name]]
        + [pl.col(ROW_NUMBER).cast(pl.Int64)]
    )


def _villages(regions: pl.DataFrame) -> list[str]:
    return regions.filter(pl.col("LEVEL") == "DESA")["KODE"].to_list()


def reference_regencies(regions: pl.DataFrame) -> list[str]:
    """Every regency the reference lists, by a row of its own or of one of its districts or villages."""
    present = regions.filter(pl.col("LEVEL").is_in(["KABUPATEN", "KECAMATAN", "DESA"]))["KODE"]
    return sorted(set(present.str.slice(0, 5).to_list()))


def _scope(regions: pl.DataFrame, scope: Sequence[str] | None) -> list[str]:
    """The scope's regency codes; without one, every regency present in the reference."""
    if scope:
        return sorted(set(scope))
    return reference_regencies(regions)


def _load_date(load_date: date | None) -> date:
    return load_date if load_date is not None else date.today()


def _merge_stages(*stage_lists: list[list[pl.Expr]]) -> list[list[pl.Expr]]:
    """Helper stages of several columns, stage by stage."""
    depth = max((len(s) for s in stage_lists), default=0)
    return [[e for s in stage_lists if i < len(s) for e in s[i]] for i in range(depth)]


# --- wilayah -----------------------------------------------------------------------------------


def region_name_key(expr: pl.Expr) -> pl.Expr:
    """A region name as copies of a KODE are compared: upper case, without blanks
    (`Lemahbang  Kulon` and `LEMAHBANGKULON` are one name)."""
    return parse.text(expr).str.to_uppercase().str.replace_all(r"\s+", "")


def validate_wilayah(raw, extra_columns: Sequence[str] | None = None) -> Validated:
    """The region reference: KODE well formed (`PP`, `PP.KK`, `PP.KK.CC`, `PP.KK.CC.DDDD`, with a
    known province), NAMA present; LEVEL derived from KODE. A KODE listed again with the same
    name (`region_name_key`) is an identical copy: one kept. A KODE listed again with another
    name keeps the first row's name and flags every copy `REGION_NAME_CONFLICT`: the code is in
    the reference all the same, so its residents and assets are not `UNKNOWN_REGION`."""
    frame, extra = _raw_frame(raw, extra_columns)
    frame = _ensure_columns(frame, "wilayah")
    kode = parse.text(pl.col("KODE")).str.replace_all(r"\s+", "")
    good = kode.str.contains(KODE_PATTERN) & kode.str.slice(0, 2).is_in(_PROVINCES)
    level = kode.str.count_matches(".", literal=True).cast(pl.Int64).replace_strict(
        dict(enumerate(LEVELS)), default=None, return_dtype=pl.String
    )
    rule = (
        pl.when(parse.is_blank(pl.col("KODE"))).then(pl.lit(rules.REQUIRED_MISSING))
        .when(~good).then(pl.lit(rules.UNKNOWN_REGION))
        .otherwise(_null_str())
    )
    kode_col = _Col(
        typed=[pl.when(good).then(kode).otherwise(None).alias("~KODE"),
               pl.when(good).then(level).otherwise(None).alias("~LEVEL")],
        checks=[_Check("KODE", rule, rules.ROW_REJECTED)],
    )
    spec = _Spec(
        source="wilayah",
        columns=[kode_col, _text("NAMA", required=True)],
        atoms=[],
        key=pl.col("~KODE"),
        output=[("KODE", pl.String), ("NAMA", pl.String), ("LEVEL", pl.String),
                (ROW_NUMBER, pl.Int64)],
        dup_group=["~KODE"],
        dup_column="KODE",
        dup_eligible=pl.col("~KODE").is_not_null(),
        dup_compare=[region_name_key(pl.col("NAMA")).alias("NAMA")],
        conflict_rule=rules.REGION_NAME_CONFLICT,
        conflict_action=rules.FLAGGED,
        conflict_column="NAMA",
    )
    result, _ = _run(spec, frame, extra)
    return result


# --- penduduk ----------------------------------------------------------------------------------

_PENDUDUK_LABELS_REQUIRED = ("JENIS_KLMIN", "STAT_HBKEL", "STATUS")
_PENDUDUK_LABELS_OPTIONAL = ("STAT_KWN", "PDDK_AKH", "JENIS_PKRJN")


def validate_penduduk(raw, regions: pl.DataFrame, load_date: date | None = None,
                      scope: Sequence[str] | None = None,
                      extra_columns: Sequence[str] | None = None) -> Validated:
    """The population registry (see docs/validation.md for every rule)."""
    frame, extra = _raw_frame(raw, extra_columns)
    frame = _ensure_columns(frame, "penduduk")
    load_date = _load_date(load_date)
    villages = _villages(regions)
    scope_ = _scope(regions, scope)
    cat = codes.CATEGORICAL["penduduk"]

    # NIK: cleaned once, then its rule; a missing NIK is NIK_MISSING here.
    c = pl.col("@NIK:c")
    atoms = [
        [clean_nik(pl.col("NIK")).alias("@NIK:c")],
        [
            pl.when(c.is_null()).then(pl.lit(rules.NIK_MISSING))
            .otherwise(nik_rule(pl.col("NIK"), cleaned=c)).alias("@NIK:r"),
            c.str.slice(6, 2).cast(pl.Int32, strict=False).alias("@NIK:day"),
            c.str.slice(8, 2).cast(pl.Int32, strict=False).alias("@NIK:month"),
            c.str.slice(10, 2).cast(pl.Int32, strict=False).alias("@NIK:yy"),
        ],
    ]
    nik_ok = pl.col("@NIK:r").is_null()
    nik_col = _Col(
        typed=[pl.when(nik_ok).then(c).otherwise(None).alias("~NIK")],
        checks=[_Check("NIK", pl.col("@NIK:r"), rules.ROW_REJECTED)],
    )

    labels = {x: _label(x, cat[x], required=True) for x in _PENDUDUK_LABELS_REQUIRED}
    labels |= {x: _label(x, cat[x], required=False) for x in _PENDUDUK_LABELS_OPTIONAL}
    tgl_lhr = _date("TGL_LHR", required=True, not_after=load_date)
    tgl_status = _date("TGL_STATUS", required=False, not_after=load_date)

    # NIK date part against TGL_LHR / JENIS_KLMIN: a warning, only when all three are usable.
    born = pl.col(_d("TGL_LHR", "v"))
    sex = pl.col(_d("JENIS_KLMIN", "v"))
    raw_day = pl.col("@NIK:day")
    day = pl.when(raw_day > 40).then(raw_day - 40).otherwise(raw_day)
    mismatch = (
        nik_ok & born.is_not_null() & pl.col(_d("TGL_LHR", "r")).is_null() & sex.is_not_null()
        & (
            (day != born.dt.day())
            | (pl.col("@NIK:month") != born.dt.month())
            | (pl.col("@NIK:yy") != (born.dt.year() % 100))
            | ((raw_day > 40) != (sex == "PEREMPUAN"))
        )
    )
    warning = pl.when(mismatch).then(pl.lit(rules.NIK_DATE_MISMATCH)).otherwise(_null_str())

    # TGL_STATUS against STATUS: a date for HIDUP is dropped; none for MATI/PINDAH is flagged.
    status = pl.col(_d("STATUS", "v"))
    status_date_rule = pl.col(_d("TGL_STATUS", "r"))
    has_status_date = ~parse.is_blank(pl.col("TGL_STATUS"))
    hidup_with_date = (status == "HIDUP") & has_status_date
    status_rule = (
        pl.when(status_date_rule.is_not_null()).then(status_date_rule)
        .when(hidup_with_date).then(pl.lit(rules.DATE_INCONSISTENT))
        .when(status.is_in(["MATI", "PINDAH"]) & ~has_status_date)
        .then(pl.lit(rules.DATE_INCONSISTENT))
        .otherwise(_null_str())
    )
    status_action = (
        pl.when(status_date_rule.is_not_null()).then(pl.lit(rules.ROW_REJECTED))
        .when(hidup_with_date).then(pl.lit(rules.VALUE_DROPPED))
        .otherwise(pl.lit(rules.FLAGGED))
    )
    tgl_status.typed = [
        pl.when(hidup_with_date.fill_null(False)).then(None)
        .otherwise(pl.col(_d("TGL_STATUS", "v"))).alias("~TGL_STATUS")
    ]
    tgl_status.checks = [_Check("TGL_STATUS", status_rule, status_action)]

    columns = [
        nik_col,
        _digits_key("NO_KK", NO_KK_PATTERN, rules.REQUIRED_MISSING, rules.NO_KK_INVALID),
        _text("NAMA_LGKP", required=True),
        labels["JENIS_KLMIN"],
        _text("TMPT_LHR"),
        tgl_lhr,
        labels["STAT_HBKEL"],
        labels["STAT_KWN"],
        labels["PDDK_AKH"],
        labels["JENIS_PKRJN"],
        _text("ALAMAT"),
        _rt_rw("NO_RT"),
        _rt_rw("NO_RW"),
        _region("KODE_WILAYAH", villages, scope_, resident=True),
        labels["STATUS"],
        tgl_status,
    ]
    output = [
        ("NIK", pl.String), ("NO_KK", pl.String), ("NAMA_LGKP", pl.String),
        ("JENIS_KLMIN", pl.String), ("TMPT_LHR", pl.String), ("TGL_LHR", pl.Date),
        ("STAT_HBKEL", pl.String), ("STAT_KWN", pl.String), ("PDDK_AKH", pl.String),
        ("JENIS_PKRJN", pl.String), ("ALAMAT", pl.String), ("NO_RT", pl.String),
        ("NO_RW", pl.String), ("KODE_WILAYAH", pl.String), ("STATUS", pl.String),
        ("TGL_STATUS", pl.Date), ("NIK_WARNING", pl.String), (ROW_NUMBER, pl.Int64),
    ]
    spec = _Spec(
        source="penduduk",
        columns=columns,
        atoms=atoms,
        key=c,
        output=output,
        dup_group=["~NIK"],
        dup_column="NIK",
        dup_eligible=nik_ok,
        schema_args={"regions": villages, "load_date": load_date},
        extra_typed=[warning.alias("~NIK_WARNING")],
        extra_checks=[_Check("NIK", warning, rules.FLAGGED)],
    )
    result, df = _run(spec, frame, extra)
    result.flags = _penduduk_flags(df)
    result.stats["flags"] = result.flags.height
    result.unlisted = _unlisted_persons(df, load_date)
    result.stats["unlisted_persons"] = result.unlisted.height
    result.stats["nik_warnings"] = int(result.frame["NIK_WARNING"].is_not_null().sum())
    return result


def _first_rejecting_rule(df: pl.DataFrame) -> pl.Expr:
    """Of a row with a finding (`_run`'s rows), the first rule in column order that rejects it, a
    Pandera failure on the typed frame counting as `REQUIRED_MISSING`; null when no rule but a
    duplicate one rejects it."""
    n = sum(1 for c in df.columns if c.startswith("~a"))
    return pl.coalesce(
        [pl.when(pl.col(f"~a{i}") == rules.ROW_REJECTED).then(pl.col(f"~r{i}")) for i in range(n)]
        + [pl.when(pl.col("~late")).then(pl.lit(rules.REQUIRED_MISSING))]
    )


def _penduduk_flags(df: pl.DataFrame) -> pl.DataFrame:
    """Household flags: `REJECTED_MEMBER_ROW` for a row rejected by any rule but a duplicate one
    (with the first such rule), `CONFLICTING_RECORDS` for each copy of a NIK with conflicting
    rows; only where the row's NO_KK is usable (16 digits). A later identical copy flags
    nothing: the household's make-up is known from the kept copy."""
    first_reject = _first_rejecting_rule(df)
    base = df.filter(pl.col("~NO_KK").is_not_null() & ~pl.col("~identical"))
    member = (
        base.with_columns(first_reject.alias("~why"))
        .filter(pl.col("~why").is_not_null())
        .select(
            pl.col("~NO_KK").alias("NO_KK"),
            pl.lit(REJECTED_MEMBER_ROW).alias("code"),
            pl.col(ROW_NUMBER).cast(pl.Int64).alias("source_row"),
            pl.col("~why").alias("rule"),
        )
    )
    conflict = base.filter(pl.col("~conflict")).select(
        pl.col("~NO_KK").alias("NO_KK"),
        pl.lit(CONFLICTING_RECORDS).alias("code"),
        pl.col(ROW_NUMBER).cast(pl.Int64).alias("source_row"),
        pl.lit(rules.DUPLICATE_CONFLICT).alias("rule"),
    )
    return pl.concat([member, conflict]).cast(FLAGS_SCHEMA).sort("source_row", "code")


def _unlisted_persons(df: pl.DataFrame, load_date: date) -> pl.DataFrame:
    """The persons of the rejected registry rows, one row each: the NIK (when valid), name, village,
    birth date, RT and RW as far as validation could read them (a village code as written, even one the
    reference lacks: its district is still told; a birth date after the load date is unknown). A rejected row is
    out of the load, but its person lives and may hold land all the same: linkage counts them
    among the namesakes of a record's candidate and never links a record to them. A later
    identical copy is nobody new; conflicting copies of one NIK are one person (the first copy);
    a row without a readable name is left out (no namesake of anyone)."""
    rejected = _first_rejecting_rule(df).is_not_null() | pl.col("~conflict")
    person = pl.coalesce(pl.col("~NIK"), pl.format("row {}", pl.col(ROW_NUMBER)))
    return (
        df.filter(rejected & ~pl.col("~identical") & pl.col("~NAMA_LGKP").is_not_null())
        .sort(ROW_NUMBER)
        .with_columns(person.alias("~person"))
        .unique(subset=["~person"], keep="first", maintain_order=True)
        .select(
            pl.col("~NIK").alias("NIK"),
            pl.col("~NAMA_LGKP").alias("NAMA_LGKP"),
            pl.col("~KODE_WILAYAH").alias("KODE_WILAYAH"),
            pl.when(pl.col("~TGL_LHR") <= load_date).then(pl.col("~TGL_LHR")).alias("TGL_LHR"),
            pl.col("~NO_RT").alias("NO_RT"),
            pl.col("~NO_RW").alias("NO_RW"),
            pl.col(ROW_NUMBER).cast(pl.Int64),
        )
        .cast(UNLISTED_SCHEMA)
    )


# --- asset extracts ----------------------------------------------------------------------------


def validate_tanah(raw, regions: pl.DataFrame, load_date: date | None = None,
                   scope: Sequence[str] | None = None,
                   extra_columns: Sequence[str] | None = None) -> Validated:
    """Land rights: one row per parcel holder; the key is NIB plus the holder (NIK, else name)."""
    frame, extra = _raw_frame(raw, extra_columns)
    frame = _ensure_columns(frame, "tanah")
    load_date = _load_date(load_date)
    villages = _villages(regions)
    scope_ = _scope(regions, scope)
    cat = codes.CATEGORICAL["tanah"]
    nik_col, nik_stages = _asset_nik("NIK_PEMEGANG")
    holder = pl.coalesce(
        pl.col("@NIK_PEMEGANG:c"), parse.squeeze(pl.col("NAMA_PEMEGANG")).str.to_uppercase()
    ).alias("@holder")
    columns = [
        _digits_key("NIB", NIB_PATTERN, rules.KEY_MISSING, rules.NIB_INVALID),
        _label("JENIS_HAK", cat["JENIS_HAK"], required=True),
        nik_col,
        _text("NAMA_PEMEGANG"),
        _region("KODE_WILAYAH", villages, scope_, resident=False),
        _positive("LUAS_M2", integer=False, maximum=MAX_AREA_M2),
        _label("PENGGUNAAN", cat["PENGGUNAAN"], required=True),
        _positive("NJOP_PER_M2", integer=True, maximum=MAX_NJOP_PER_M2),
        _date("TGL_TERBIT", required=False, not_after=load_date),
    ]
    output = [
        ("NIB", pl.String), ("JENIS_HAK", pl.String), ("NIK_PEMEGANG", pl.String),
        ("NIK_PEMEGANG_RAW", pl.String), ("NAMA_PEMEGANG", pl.String), ("KODE_WILAYAH", pl.String),
        ("IN_SCOPE", pl.Boolean), ("LUAS_M2", pl.Float64), ("PENGGUNAAN", pl.String),
        ("NJOP_PER_M2", pl.Int64), ("TGL_TERBIT", pl.Date), (ROW_NUMBER, pl.Int64),
    ]
    spec = _Spec(
        source="tanah",
        columns=columns,
        atoms=_merge_stages(nik_stages, [[], [holder]]),
        key=clean_nik(pl.col("NIB")),
        output=output,
        dup_group=["~NIB", "@holder"],
        dup_column="NIB",
        dup_eligible=pl.col("~NIB").is_not_null(),
        schema_args={"regions": villages, "load_date": load_date},
    )
    result, _ = _run(spec, frame, extra)
    result.stats["out_of_scope"] = int((~result.frame["IN_SCOPE"]).sum())
    return result


def npwp(expr: pl.Expr) -> pl.Expr:
    """A company NPWP typed in a NIK column, or null: 15 digits once blanks, dots, dashes and a
    leading `'` are removed, not starting with a province code (an NPWP starts with 0x; a
    15-digit value starting with a province is a NIK with a digit lost, `NIK_LENGTH`)."""
    digits = clean_nik(expr).str.replace_all("-", "", literal=True)
    return pl.when(
        digits.str.contains(r"^[0-9]{15}$") & ~digits.str.slice(0, 2).is_in(_PROVINCES)
    ).then(digits).otherwise(None)


def validate_kendaraan(raw, regions: pl.DataFrame, load_date: date | None = None,
                       scope: Sequence[str] | None = None,
                      extra_columns: Sequence[str] | None = None) -> Validated:
    """Vehicle registrations: one row per vehicle, keyed by NO_RANGKA."""
    frame, extra = _raw_frame(raw, extra_columns)
    frame = _ensure_columns(frame, "kendaraan")
    load_date = _load_date(load_date)
    villages = _villages(regions)
    scope_ = _scope(regions, scope)
    cat = codes.CATEGORICAL["kendaraan"]

    rangka = parse.text(pl.col("NO_RANGKA")).str.replace_all(r"\s+", "").str.to_uppercase()
    rangka_col = _Col(
        typed=[rangka.alias("~NO_RANGKA")],
        checks=[_Check("NO_RANGKA", pl.when(parse.is_blank(pl.col("NO_RANGKA")))
                       .then(pl.lit(rules.KEY_MISSING)).otherwise(_null_str()),
                       rules.ROW_REJECTED)],
    )
    is_npwp = pl.col("@NPWP").is_not_null()
    nik_col, nik_stages = _asset_nik("NIK_PEMILIK", exempt=is_npwp)
    nik_col.typed.append(pl.col("@NPWP").alias("~NPWP_PEMILIK"))

    year = parse.parse_number(pl.col("TAHUN_BUAT"))
    year_rule = (
        pl.when(parse.is_blank(pl.col("TAHUN_BUAT"))).then(_null_str())
        .when(year.is_null() | (year != year.round(0))).then(pl.lit(rules.NUMBER_UNPARSEABLE))
        .when((year < 1900) | (year > load_date.year + 1)).then(pl.lit(rules.DATE_IMPOSSIBLE))
        .otherwise(_null_str())
    )
    year_col = _Col(
        derive={"TAHUN_BUAT": {_d("TAHUN_BUAT", "v"): year, _d("TAHUN_BUAT", "r"): year_rule}},
        typed=[pl.when(pl.col(_d("TAHUN_BUAT", "r")).is_null())
               .then(pl.col(_d("TAHUN_BUAT", "v"))).otherwise(None).cast(pl.Int32)
               .alias("~TAHUN_BUAT")],
        checks=[_Check("TAHUN_BUAT", pl.col(_d("TAHUN_BUAT", "r")), rules.VALUE_DROPPED)],
    )
    columns = [
        rangka_col,
        _text("NO_POLISI", upper=True),
        nik_col,
        _text("NAMA_PEMILIK"),
        _text("ALAMAT_PEMILIK"),
        _region("KODE_WILAYAH", villages, scope_, resident=False),
        _label("JENIS_KENDARAAN", cat["JENIS_KENDARAAN"], required=True),
        _text("MEREK"),
        year_col,
        _positive("NILAI_JUAL", integer=True, maximum=MAX_NILAI_JUAL),
        # Tax may be paid ahead: no future check on TGL_AKHIR_PAJAK.
        _date("TGL_AKHIR_PAJAK", required=False, not_after=None),
    ]
    output = [
        ("NO_RANGKA", pl.String), ("NO_POLISI", pl.String), ("NIK_PEMILIK", pl.String),
        ("NIK_PEMILIK_RAW", pl.String), ("NPWP_PEMILIK", pl.String), ("NAMA_PEMILIK", pl.String),
        ("ALAMAT_PEMILIK", pl.String), ("KODE_WILAYAH", pl.String), ("IN_SCOPE", pl.Boolean),
        ("JENIS_KENDARAAN", pl.String), ("MEREK", pl.String), ("TAHUN_BUAT", pl.Int32),
        ("NILAI_JUAL", pl.Int64), ("TGL_AKHIR_PAJAK", pl.Date), (ROW_NUMBER, pl.Int64),
    ]
    spec = _Spec(
        source="kendaraan",
        columns=columns,
        atoms=_merge_stages([[npwp(pl.col("NIK_PEMILIK")).alias("@NPWP")]], nik_stages),
        key=rangka,
        output=output,
        dup_group=["~NO_RANGKA"],
        dup_column="NO_RANGKA",
        dup_eligible=pl.col("~NO_RANGKA").is_not_null(),
        schema_args={"regions": villages, "load_date": load_date},
    )
    result, _ = _run(spec, frame, extra)
    result.stats["out_of_scope"] = int((~result.frame["IN_SCOPE"]).sum())
    result.stats["company_npwp"] = int(result.frame["NPWP_PEMILIK"].is_not_null().sum())
    return result


_RUMAH_LABELS = (
    "STATUS_BANGUNAN", "LANTAI", "DINDING", "ATAP", "SUMBER_AIR_MINUM", "FASILITAS_BAB",
    "PENERANGAN", "BAHAN_BAKAR_MASAK",
)


def validate_rumah(raw, regions: pl.DataFrame, load_date: date | None = None,
                   scope: Sequence[str] | None = None,
                   extra_columns: Sequence[str] | None = None) -> Validated:
    """Housing survey: one row per household, keyed by NO_KK."""
    frame, extra = _raw_frame(raw, extra_columns)
    frame = _ensure_columns(frame, "rumah")
    load_date = _load_date(load_date)
    villages = _villages(regions)
    scope_ = _scope(regions, scope)
    cat = codes.CATEGORICAL["rumah"]
    nik_col, nik_stages = _asset_nik("NIK_KEPALA")

    daya = parse.parse_number(pl.col("DAYA_VA"))
    daya_ok = daya.is_in([float(v) for v in codes.DAYA_VA]).fill_null(False)
    daya_col = _Col(
        derive={"DAYA_VA": {
            _d("DAYA_VA", "v"): pl.when(daya_ok).then(daya).otherwise(None).cast(pl.Int32),
            _d("DAYA_VA", "r"): _blank_then(
                "DAYA_VA",
                pl.when(daya_ok).then(_null_str()).otherwise(pl.lit(rules.UNKNOWN_CODE)),
            ),
        }},
        typed=[pl.col(_d("DAYA_VA", "v")).alias("~DAYA_VA")],
        checks=[_Check("DAYA_VA", pl.col(_d("DAYA_VA", "r")), rules.ROW_REJECTED)],
    )
    labels = {x: _label(x, cat[x], required=True) for x in _RUMAH_LABELS}
    columns = [
        _digits_key("NO_KK", NO_KK_PATTERN, rules.KEY_MISSING, rules.NO_KK_INVALID),
        nik_col,
        _text("NAMA_KEPALA"),
        _region("KODE_WILAYAH", villages, scope_, resident=True),
        labels["STATUS_BANGUNAN"],
        _positive("LUAS_LANTAI_M2", integer=False, maximum=MAX_AREA_M2),
        *[labels[x] for x in _RUMAH_LABELS[1:7]],
        daya_col,
        labels["BAHAN_BAKAR_MASAK"],
        _date("TGL_PENDATAAN", required=True, not_after=load_date),
    ]
    output = [
        ("NO_KK", pl.String), ("NIK_KEPALA", pl.String), ("NIK_KEPALA_RAW", pl.String),
        ("NAMA_KEPALA", pl.String), ("KODE_WILAYAH", pl.String), ("STATUS_BANGUNAN", pl.String),
        ("LUAS_LANTAI_M2", pl.Float64), ("LANTAI", pl.String), ("DINDING", pl.String),
        ("ATAP", pl.String), ("SUMBER_AIR_MINUM", pl.String), ("FASILITAS_BAB", pl.String),
        ("PENERANGAN", pl.String), ("DAYA_VA", pl.Int32), ("BAHAN_BAKAR_MASAK", pl.String),
        ("TGL_PENDATAAN", pl.Date), (ROW_NUMBER, pl.Int64),
    ]
    spec = _Spec(
        source="rumah",
        columns=columns,
        atoms=nik_stages,
        key=clean_nik(pl.col("NO_KK")),
        output=output,
        dup_group=["~NO_KK"],
        dup_column="NO_KK",
        dup_eligible=pl.col("~NO_KK").is_not_null(),
        schema_args={"regions": villages, "load_date": load_date},
        latest_by="TGL_PENDATAAN",
    )
    result, _ = _run(spec, frame, extra)
    return result


def concat_quarantine(*results: Validated) -> pl.DataFrame:
    """The load's quarantine: every extract's rows, in `QUARANTINE_COLUMNS` order."""
    frames = [r.quarantine for r in results] or [empty_quarantine()]
    return pl.concat(frames, how="vertical")
