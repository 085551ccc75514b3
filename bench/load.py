"""Benchmark a full load on a generated set: time per step, and quarantine against the planted dirt.

    .venv/bin/python bench/load.py --persons 100000 [--seed 7] [--out bench/out]

Generates the set (or reuses it), runs the Dagster `load` job in-process (the same job as
`perlinsos load`), and prints two tables: wall time per step, and for every rule the quarantine
rows expected from `truth/dirt.csv` against those found. Never run as a test.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pipelines  # noqa: E402,F401  (first: the allocator setting of `perlinsos`, before Polars loads)
import polars as pl  # noqa: E402

from bench.sets import set_dir  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()

    from dagster import DagsterInstance

    from pipelines.definitions import defs
    from pipelines.resources import load_run_config
    from synth.generate import generate

    base = set_dir(args.out, args.persons, args.seed)
    extracts = base / "extracts"
    if not (extracts / "truth" / "dirt.csv").exists():
        t0 = time.perf_counter()
        generate(args.persons, args.seed, extracts)
        print(f"generated {args.persons:,} persons in {time.perf_counter() - t0:.1f} s")
    wh = base / "perlinsos.duckdb"
    run_config = load_run_config(extracts, wh, base / "exports", work_dir=base / "work")
    t0 = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("load").execute_in_process(run_config=run_config, instance=instance)
        wall = time.perf_counter() - t0
        steps = {}
        for stats in instance.get_run_step_stats(result.run_id):
            steps[stats.step_key] = (stats.end_time or 0) - (stats.start_time or 0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nload of {args.persons:,} persons: {wall:.1f} s wall, peak RSS {peak_mb:,.0f} MB, {len(steps)} steps")
    print(f"{'step':<28}{'seconds':>10}")
    for key, seconds in sorted(steps.items(), key=lambda kv: -kv[1]):
        print(f"{key:<28}{seconds:>10.2f}")

    dirt = pl.read_csv(extracts / "truth" / "dirt.csv", infer_schema=False).filter(pl.col("rule").is_not_null())
    expected = dirt.select("source", pl.col("row_number").cast(pl.Int64), "rule", "action").unique()
    con = duckdb.connect(str(wh), read_only=True)
    got = con.sql(
        "SELECT source, row_number, rule, action FROM mart.quarantine_latest WHERE row_number IS NOT NULL"
    ).pl().unique()
    con.close()
    keys = ["source", "row_number", "rule", "action"]
    matched = expected.join(got, on=keys, how="semi").group_by("source", "rule").len().rename({"len": "matched"})
    table = (
        expected.group_by("source", "rule").len().rename({"len": "expected"})
        .join(got.group_by("source", "rule").len().rename({"len": "found"}), on=["source", "rule"], how="full", coalesce=True)
        .join(matched, on=["source", "rule"], how="left")
        .fill_null(0)
        .sort("source", "rule")
    )
    print(f"\n{'source':<11}{'rule':<24}{'expected':>10}{'found':>10}{'matched':>10}")
    for source, rule, exp, found, match in table.select("source", "rule", "expected", "found", "matched").iter_rows():
        print(f"{source:<11}{rule:<24}{exp:>10}{found:>10}{match:>10}")
    exact = table.filter((pl.col("expected") != pl.col("found")) | (pl.col("expected") != pl.col("matched"))).height == 0
    print(f"\nquarantine equals the planted dirt, rule by rule: {'yes' if exact else 'NO'}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
