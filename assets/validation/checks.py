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
