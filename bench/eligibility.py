"""Benchmark the eligibility decisions on a generated set against the generator's truth.

    .venv/bin/python bench/eligibility.py [--persons 100000] [--seed 7] [--out bench/out]

Generates the set (or reuses it), runs the Dagster `load` job in-process (the same job as
`perlinsos load`), then computes a reference status per household: the same policy, through the
same `evaluate`, on the same validated registry, flags and housing rows, but with the asset links
taken from the generator's truth (`truth/tanah.csv`, `truth/kendaraan.csv`, `truth/rumah.csv`: the
registry person each record really names) instead of the linkage stage's. It prints:

- inclusion error: households the pipeline made ELIGIBLE whose reference status is not ELIGIBLE;
- exclusion error: households the pipeline EXCLUDED whose reference status is not EXCLUDED;
- review share: households the pipeline sent to REVIEW;

each as a share of all households, then the confusion table (pipeline status × reference status)
and the review reasons. Never run as a test; `tests/test_eligibility_e2e.py` uses the same
functions on a small set.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sets import set_dir  # noqa: E402

from assets.eligibility.evaluate import Eligibility, evaluate  # noqa: E402
from schemas.policy import Policy, load_policy  # noqa: E402

STATUSES = ("ELIGIBLE", "EXCLUDED", "REVIEW")
LINK_SCHEMA = {
    "source": pl.String,
    "row_number": pl.Int64,
    "record_id": pl.String,
    "nik": pl.String,
    "no_kk": pl.String,
    "method": pl.String,
    "score": pl.Float64,
    "note": pl.String,
    "candidates": pl.List(pl.String),
}


def truth_links(truth_dir: Path, penduduk: pl.DataFrame, tanah: pl.DataFrame, kendaraan: pl.DataFrame,
                rumah: pl.DataFrame) -> pl.DataFrame:
    """`asset_links` as a perfect linkage would write them, from the generator's truth.

    A land or vehicle row is linked (`NIK_EXACT`, score 1) to the registry person the record really
    names when that person's row survived validation; otherwise it is `UNLINKED`. A survey row is
    linked to its true household when that NO_KK is in the validated registry.
    """
    persons = penduduk.select(nik=pl.col("NIK"), person_no_kk=pl.col("NO_KK"))
    out = []
    for source, typed, key in (("tanah", tanah, "NIB"), ("kendaraan", kendaraan, "NO_RANGKA")):
        truth = pl.read_csv(truth_dir / f"{source}.csv", infer_schema=False).select(
            row_number=pl.col("row_number").cast(pl.Int64), owner=pl.col("owner_nik")
        )
        rows = (
            typed.select(row_number=pl.col("ROW_NUMBER").cast(pl.Int64), record_id=pl.col(key).cast(pl.String))
            .join(truth, on="row_number", how="left")
            .join(persons, left_on="owner", right_on="nik", how="left")
            .with_columns(linked=pl.col("person_no_kk").is_not_null())
        )
        out.append(
            rows.select(
                source=pl.lit(source),
                row_number="row_number",
                record_id="record_id",
                nik=pl.when("linked").then(pl.col("owner")),
                no_kk=pl.col("person_no_kk"),
                method=pl.when("linked").then(pl.lit("NIK_EXACT")).otherwise(pl.lit("UNLINKED")),
                score=pl.when("linked").then(pl.lit(1.0)),
                note=pl.when("linked").then(pl.lit(None, pl.String)).otherwise(pl.lit("NO_CANDIDATE")),
                candidates=pl.lit([], pl.List(pl.String)),
            )
        )
    truth = pl.read_csv(truth_dir / "rumah.csv", infer_schema=False).select(
        row_number=pl.col("row_number").cast(pl.Int64), true_kk=pl.col("no_kk"), head=pl.col("head_nik")
    )
    kks = penduduk.select(true_kk=pl.col("NO_KK")).unique()
    rows = (
        rumah.select(row_number=pl.col("ROW_NUMBER").cast(pl.Int64), record_id=pl.col("NO_KK").cast(pl.String))
        .join(truth, on="row_number", how="left")
        .join(kks.with_columns(known=pl.lit(True)), on="true_kk", how="left")
        .with_columns(linked=pl.col("known").fill_null(False))
    )
    out.append(
        rows.select(
            source=pl.lit("rumah"),
            row_number="row_number",
            record_id="record_id",
            nik=pl.when("linked").then(pl.col("head")),
            no_kk=pl.when("linked").then(pl.col("true_kk")),
            method=pl.when("linked").then(pl.lit("NIK_EXACT")).otherwise(pl.lit("UNLINKED")),
            score=pl.when("linked").then(pl.lit(1.0)),
            note=pl.when("linked").then(pl.lit(None, pl.String)).otherwise(pl.lit("NO_CANDIDATE")),
            candidates=pl.lit([], pl.List(pl.String)),
        )
    )
    return pl.concat([f.cast(LINK_SCHEMA) for f in out])


def reference(truth_dir: Path, frames: dict[str, pl.DataFrame], policy: Policy, load_date: date) -> Eligibility:
    """The policy applied on true links: `evaluate` with `truth_links` instead of the linkage's."""
    links = truth_links(truth_dir, frames["penduduk"], frames["tanah"], frames["kendaraan"], frames["rumah"])
    return evaluate(frames["penduduk"], frames["penduduk_flags"], frames["rumah"], frames["tanah"],
                    frames["kendaraan"], links, policy, load_date)


def compare(pipeline: pl.DataFrame, ref: pl.DataFrame) -> dict:
    """Error shares and the confusion table of two `households` frames (by NO_KK)."""
    both = pipeline.select("no_kk", status="status").join(
        ref.select("no_kk", ref_status="status"), on="no_kk", how="full", coalesce=True
    )
    n = both.height
    inclusion = both.filter((pl.col("status") == "ELIGIBLE") & (pl.col("ref_status") != "ELIGIBLE")).height
    exclusion = both.filter((pl.col("status") == "EXCLUDED") & (pl.col("ref_status") != "EXCLUDED")).height
    review = both.filter(pl.col("status") == "REVIEW").height
    confusion = {
        (s, r): both.filter((pl.col("status") == s) & (pl.col("ref_status") == r)).height
        for s in STATUSES for r in STATUSES
    }
    return {
        "households": n,
        "missing": both.filter(pl.col("status").is_null() | pl.col("ref_status").is_null()).height,
        "inclusion_errors": inclusion,
        "exclusion_errors": exclusion,
        "reviews": review,
        "inclusion_error": inclusion / n if n else 0.0,
        "exclusion_error": exclusion / n if n else 0.0,
        "review_share": review / n if n else 0.0,
        "confusion": confusion,
        "pairs": both,
    }


def excess_review(pairs: pl.DataFrame, reasons: pl.DataFrame, truth_dir: Path, penduduk: pl.DataFrame) -> dict:
    """Why households are in REVIEW that the reference decides: counts by cause.

    `pairs` is `compare`'s frame (no_kk, status, ref_status). Of the households the pipeline sends to
    REVIEW and the reference does not, one counts under

    - `untold` when every land or vehicle record behind its `UNCERTAIN_MATCH` is one whose owner the
      generator's truth says cannot be told apart from namesakes (the contract requires those
      to stay `AMBIGUOUS`, and the policy then sends every listed household with excluding evidence
      to review); `untold_owner` of them are the true owner's household;
    - `told_apart` when at least one such record could have been told apart;
    - `rank` when its `UNCERTAIN_MATCH` is only its decile, which depends on other households'
      uncertain assets;
    - `other` when it has no `UNCERTAIN_MATCH`.
    """
    extra = pairs.filter((pl.col("status") == "REVIEW") & (pl.col("ref_status") != "REVIEW")).select("no_kk")
    truth = pl.concat(
        [
            pl.read_csv(truth_dir / f"{source}.csv", infer_schema=False).select(
                evidence_source=pl.lit(source),
                evidence_id="record_id",
                owner_nik="owner_nik",
                told_apart=pl.col("identifiable") == "true",
            )
            for source in ("tanah", "kendaraan")
        ]
    ).join(penduduk.select(owner_nik="NIK", owner_kk="NO_KK"), on="owner_nik", how="left")
    uncertain = reasons.filter(pl.col("code") == "UNCERTAIN_MATCH").join(extra, on="no_kk", how="semi")
    records = (
        uncertain.filter(pl.col("evidence_source").is_in(["tanah", "kendaraan"]))
        # a NIB with two holders has two truth rows; the household is the owner's if either names it
        .join(truth, on=["evidence_source", "evidence_id"], how="left")
        .group_by("no_kk")
        .agg(told_apart=pl.col("told_apart").any(), owner=(pl.col("owner_kk") == pl.col("no_kk")).any())
    )
    per = extra.join(records, on="no_kk", how="left").join(
        uncertain.select("no_kk").unique().with_columns(uncertain=pl.lit(True)), on="no_kk", how="left"
    )
    untold = per.filter(pl.col("told_apart") == False)  # noqa: E712  (null: no such record)
    return {
        "beyond_reference": extra.height,
        "untold": untold.height,
        "untold_owner": untold.filter(pl.col("owner")).height,
        "told_apart": per.filter(pl.col("told_apart")).height,
        "rank": per.filter(pl.col("told_apart").is_null() & pl.col("uncertain")).height,
        "other": per.filter(pl.col("uncertain").is_null()).height,
    }


def print_report(result: dict, reasons: pl.DataFrame, households: pl.DataFrame, excess: dict | None = None) -> None:
    n = result["households"]
    print(f"\nhouseholds: {n:,}")
    print(f"inclusion error (ELIGIBLE, reference not): {result['inclusion_errors']:>6,}  {result['inclusion_error']:.3%}")
    print(f"exclusion error (EXCLUDED, reference not): {result['exclusion_errors']:>6,}  {result['exclusion_error']:.3%}")
    print(f"review share:                              {result['reviews']:>6,}  {result['review_share']:.3%}")
    ref_reviews = sum(result["confusion"][(s, "REVIEW")] for s in STATUSES)
    print(f"  of which the reference reviews too:      {result['confusion'][('REVIEW', 'REVIEW')]:>6,}"
          f"  (reference review share {ref_reviews / n:.3%}: same registry and survey, true links)")
    if excess is not None:
        k = excess["beyond_reference"]
        print(f"  beyond the reference:                    {k:>6,}  {k / n:.3%}, of which")
        print(f"    only through records whose owner cannot be told apart (kept AMBIGUOUS):"
              f" {excess['untold']:,} ({excess['untold'] / n:.3%}; the owner's own household in"
              f" {excess['untold_owner']:,})")
        print(f"    through a record whose owner could be told apart: {excess['told_apart']:,}"
              f" ({excess['told_apart'] / n:.3%})")
        print(f"    only through its decile, which others' uncertain assets could move: {excess['rank']:,}"
              f" ({excess['rank'] / n:.3%})")
        print(f"    without an uncertain match: {excess['other']:,}")
    print("\n" + "pipeline / reference".ljust(22) + "".join(f"{s:>10}" for s in STATUSES))
    for s in STATUSES:
        print(f"{s:<22}" + "".join(f"{result['confusion'][(s, r)]:>10,}" for r in STATUSES))
    review_kk = households.filter(pl.col("status") == "REVIEW").select("no_kk")
    codes = (
        reasons.filter(pl.col("kind") == "REVIEW")
        .join(review_kk, on="no_kk", how="semi")
        .group_by("code")
        .agg(pl.col("no_kk").n_unique().alias("households"))
        .sort("households", descending=True)
    )
    print("\nreview reasons of households in REVIEW (a household may have several):")
    for code, k in codes.iter_rows():
        print(f"  {code:<22}{k:>7,}  {k / n:.3%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    parser.add_argument("--regenerate", action="store_true", help="generate the set again even if it exists")
    args = parser.parse_args()

    from dagster import DagsterInstance

    from pipelines.definitions import defs
    from pipelines.resources import load_run_config
    from synth.generate import generate

    base = set_dir(args.out, args.persons, args.seed)
    extracts = base / "extracts"
    if args.regenerate or not (extracts / "truth" / "households.csv").exists():
        t0 = time.perf_counter()
        generate(args.persons, args.seed, extracts)
        print(f"generated {args.persons:,} persons in {time.perf_counter() - t0:.1f} s")
    work = base / "work"
    run_config = load_run_config(extracts, base / "perlinsos.duckdb", base / "exports", work_dir=work)
    t0 = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("load").execute_in_process(run_config=run_config, instance=instance)
    if not result.success:
        print("the load failed")
        return 1
    print(f"load of {args.persons:,} persons: {time.perf_counter() - t0:.1f} s")

    frames = {name: pl.read_parquet(work / f"{name}.parquet")
              for name in ("penduduk", "penduduk_flags", "rumah", "tanah", "kendaraan", "households",
                           "household_reasons")}
    import json

    load_date = date.fromisoformat(json.loads((extracts / "load.json").read_text())["load_date"])
    policy = load_policy()
    t0 = time.perf_counter()
    ref = reference(extracts / "truth", frames, policy, load_date)
    print(f"reference on true links: {time.perf_counter() - t0:.1f} s")
    outcome = compare(frames["households"], ref.households)
    excess = excess_review(outcome["pairs"], frames["household_reasons"], extracts / "truth", frames["penduduk"])
    print_report(outcome, frames["household_reasons"], frames["households"], excess)
    if outcome["missing"]:
        print(f"\nhouseholds missing on one side: {outcome['missing']}")
        return 1
    ok = outcome["inclusion_error"] <= 0.001 and outcome["exclusion_error"] <= 0.001 and outcome["review_share"] <= 0.03
    print(f"\nwithin the targets (0.1 % / 0.1 % / 3 %): {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
