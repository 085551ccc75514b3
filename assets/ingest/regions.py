"""Rows of one regency, and the whole scope put back together from its regencies.

A load can run as independent runs per regency (partitions, docs/operations.md section 7). Each
regency run reads the extract files, keeps the rows that belong to its regency and validates them;
the whole-scope steps then put the regencies' frames back together. The answer must be the one a
single run over the whole folder gives, row for row, so the split follows two rules:

- a row belongs to the regency of its `KODE_WILAYAH` (cleaned as validation cleans it); a row whose
  code names no regency of the scope (empty, malformed, or an asset outside the scope) goes with
  the first regency of the scope, so that every row of the file is validated exactly once;
- rows that share a duplicate key (NIK, NIB, NO_RANGKA, NO_KK: the key validation compares copies
  by) stay together, in the regency of the first of them: a person registered in two regencies is
  one duplicate group, and validation must see both copies to keep the first and reject the rest.
  The key is compared coarsely (upper case, letters and digits only), which can only put more
  rows together than validation's own key does.

Validation is otherwise row by row, so each regency's typed rows and findings are the whole
run's rows of that regency. Putting them back together restores the file's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from assets.ingest.read import ROW_NUMBER, ExtractError
from assets.validation.validate import reference_regencies, region_code

REGION_COLUMN = "KODE_WILAYAH"
# The column of each extract whose cleaned value validation uses to find duplicate rows.
DUPLICATE_KEY = {"penduduk": "NIK", "tanah": "NIB", "kendaraan": "NO_RANGKA", "rumah": "NO_KK"}
PARTITIONED_EXTRACTS = tuple(DUPLICATE_KEY)


class PartitionError(ValueError):
    """The regency runs of a load do not add up to the whole scope (missing or stale regencies)."""


def scope_regencies(declared: Sequence[str] | None, wilayah: pl.DataFrame) -> list[str]:
    """The load's regencies: load.json's scope (`LoadInfo.scope_codes`), else every regency the region
    reference lists (by a row of its own, or of one of its districts or villages, as validation
    reads it). The reference lists the regencies of the scope (extracts.md): a scope it does not
    cover, or a reference that covers none, stops the load here, before any heavy step."""
    if wilayah.height == 0:
        raise ExtractError("wilayah.csv holds no usable region row: the load has no region reference")
    present = reference_regencies(wilayah)
    if declared:
        regencies = list(declared)
        unlisted = [r for r in regencies if r not in present]
        if unlisted:
            raise ExtractError(
                f"load.json: the scope names {', '.join(unlisted)}, which wilayah.csv does not list "
                "(no row of the regency, its districts or its villages)"
            )
        return regencies
    if not present:
        raise ExtractError("wilayah.csv lists no regency, district or village: the load has no scope")
    return present


def regency_of_rows(raw: pl.DataFrame, extract: str, scope: Sequence[str]) -> pl.Series:
    """The regency (`PP.KK`) each raw row of `extract` is validated in, for a load of `scope`."""
    if not scope:
        raise PartitionError("a load without a regency in its scope cannot be split by regency")
    first = sorted(scope)[0]
    code = region_code(pl.col(REGION_COLUMN)).str.slice(0, 5)
    home = pl.when(code.is_in(list(scope)).fill_null(False)).then(code).otherwise(pl.lit(first))
    key = pl.col(DUPLICATE_KEY[extract]).cast(pl.String).str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "")
    key = pl.when(key.str.len_bytes() > 0).then(key)
    return raw.select(
        pl.when(key.is_not_null())
        .then(home.sort_by(ROW_NUMBER).first().over(key))
        .otherwise(home)
        .alias("regency")
    ).to_series()


def rows_of_regency(raw: pl.DataFrame, extract: str, scope: Sequence[str], regency: str) -> pl.DataFrame:
    """The raw rows of `extract` that the run of `regency` validates (file order kept)."""
    if regency not in scope:
        raise PartitionError(f"regency {regency} is not in the scope of this load ({'+'.join(sorted(scope))})")
    return raw.filter(regency_of_rows(raw, extract, scope) == regency)


def _in_scope(parts: Mapping[str, pl.DataFrame], regencies: Sequence[str], what: str) -> list[pl.DataFrame]:
    missing = [r for r in sorted(regencies) if r not in parts]
    if missing:
        raise PartitionError(
            f"{what}: regency partition(s) {', '.join(missing)} of the scope were not materialised; "
            "run them before the whole-scope steps"
        )
    return [parts[r] for r in sorted(regencies)]


def union_rows(parts: Mapping[str, pl.DataFrame], regencies: Sequence[str], what: str) -> pl.DataFrame:
    """Typed rows of the scope's regencies, in the file's order."""
    return pl.concat(_in_scope(parts, regencies, what), how="vertical").sort(ROW_NUMBER)


def union_flags(parts: Mapping[str, pl.DataFrame], regencies: Sequence[str], what: str) -> pl.DataFrame:
    """Household flags of the scope's regencies, in validation's order."""
    return pl.concat(_in_scope(parts, regencies, what), how="vertical").sort("source_row", "code")


def union_quarantine(parts: Mapping[str, pl.DataFrame], regencies: Sequence[str], what: str) -> pl.DataFrame:
    """Quarantine findings of the scope's regencies, in validation's order. Findings about the file
    rather than a row (an extra column: no row number) are reported by every regency once."""
    q = pl.concat(_in_scope(parts, regencies, what), how="vertical")
    of_file = q.filter(pl.col("row_number").is_null()).unique(maintain_order=True)
    of_rows = q.filter(pl.col("row_number").is_not_null())
    return pl.concat([of_file, of_rows], how="vertical").sort(
        "row_number", "column", "rule", nulls_last=False, maintain_order=True
    )


def union_file_facts(parts: Mapping[str, dict], regencies: Sequence[str], what: str) -> dict:
    """The facts of one extract file as the scope's regency runs read it. No regency run may have
    been stopped by a blocking check, every run must have read the same file (same SHA-256), and
    the regencies' rows must add up to the file's rows."""
    facts = _in_scope(parts, regencies, what)
    blocked = [r for r, f in zip(sorted(regencies), facts) if f.get("blocked_by")]
    if blocked:
        raise PartitionError(f"{what}: the run of regency {', '.join(blocked)} was stopped by a blocking check")
    hashes = {f["sha256"] for f in facts}
    if len(hashes) != 1:
        raise PartitionError(f"{what}: the regency runs read different deliveries; rerun every regency of the scope")
    total = sum(f.get("regency_rows", f["rows"]) for f in facts)
    if total != facts[0]["rows"]:
        raise PartitionError(f"{what}: the regencies hold {total:,} of the file's {facts[0]['rows']:,} rows")
    return file_facts(facts[0])


def file_facts(info: dict) -> dict:
    """The facts of an extract file, without the regency a run kept."""
    return {k: info[k] for k in ("file", "sha256", "rows", "extra_columns")}
