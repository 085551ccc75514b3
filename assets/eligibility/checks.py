"""Pure logic of the eligibility stage's asset checks: decisions that cannot be published."""

import polars as pl


def decision_problems(households: pl.DataFrame, reasons: pl.DataFrame, members: pl.DataFrame) -> dict[str, int]:
    """Counts of households whose decision breaks an invariant of the policy (all should be 0)."""
    exclusion_kk = reasons.filter(pl.col("kind") == "EXCLUSION").select("no_kk").unique()
    review_kk = reasons.filter(pl.col("kind") == "REVIEW").select("no_kk").unique()
    reason_kk = reasons.select("no_kk").unique()
    return {
        "excluded_without_exclusion_reason": households.filter(pl.col("status") == "EXCLUDED")
        .join(exclusion_kk, on="no_kk", how="anti")
        .height,
        "review_without_review_reason": households.filter(pl.col("status") == "REVIEW")
        .join(review_kk, on="no_kk", how="anti")
        .height,
        "eligible_with_a_reason": households.filter(pl.col("status") == "ELIGIBLE")
        .join(reason_kk, on="no_kk", how="semi")
        .height,
        "eligible_without_program": households.filter(
            (pl.col("status") == "ELIGIBLE") & (pl.col("programs").list.len() == 0)
        ).height,
        "duplicate_households": households.height - households["no_kk"].n_unique(),
        "more_households_than_persons": max(0, households.filter(pl.col("members") > 0).height - members.height),
    }
