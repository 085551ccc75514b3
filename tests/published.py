"""Reading a published warehouse back in tests that compare two loads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl


def published_tables(db: Path, tables: tuple[str, ...], *, loads: bool = False) -> dict[str, pl.DataFrame]:
    """Every row of the mart `tables` (without `load_id`), sorted on all columns, so that two loads
    of the same delivery compare equal; with `loads`, `mart.loads` too, without its clock times."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        frames = {}
        for table in tables:
            frame = con.sql(f"SELECT * EXCLUDE (load_id) FROM mart.{table}").pl()
            frames[table] = frame.sort(frame.columns, nulls_last=True)
        if loads:
            frames["loads"] = con.sql("SELECT * EXCLUDE (started_at, finished_at) FROM mart.loads").pl()
        return frames
    finally:
        con.close()


def sql(db: Path, query: str, params=None) -> pl.DataFrame:
    """One query's result from the database at `db`, opened read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(query, params=params).pl()
    finally:
        con.close()
