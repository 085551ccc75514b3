"""Pure logic of the validation stage's asset checks: rates that decide whether a load may go on."""

import polars as pl


def rejected_rates(quarantine: pl.DataFrame, rows: dict[str, int]) -> dict[str, float]:
    """Share of each extract's data rows rejected from the load (0 for an empty file)."""
    rejected = dict(
        quarantine.filter(pl.col("action") == "ROW_REJECTED")
        .group_by("source")
        .agg(pl.col("row_number").n_unique())
        .iter_rows()
    )
    return {name: (rejected.get(name, 0) / n if n else 0.0) for name, n in rows.items()}


# Rules that leave a registry row without a usable NIK (NIK_DATE_MISMATCH is a warning only).
INVALID_NIK_RULES = (
    "NIK_MISSING",
    "NIK_SCIENTIFIC",
    "NIK_LENGTH",
    "NIK_NOT_DIGITS",
    "NIK_BAD_DATE",
    "NIK_SERIAL_ZERO",
    "NIK_UNKNOWN_PROVINCE",
)


def valid_nik_share(penduduk_quarantine: pl.DataFrame, rows: int) -> float:
    """Share of penduduk data rows whose NIK is valid (1.0 for an empty file)."""
    if not rows:
        return 1.0
    invalid = (
        penduduk_quarantine.filter(pl.col("column") == "NIK", pl.col("rule").is_in(INVALID_NIK_RULES))[
            "row_number"
        ]
        .drop_nulls()
        .n_unique()
    )
    return 1.0 - invalid / rows
