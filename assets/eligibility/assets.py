"""Eligibility: households, welfare score, deciles, reasons with evidence, status and programs."""


import time

import dagster as dg
import polars as pl

from assets.eligibility.checks import decision_problems
from assets.eligibility.evaluate import attribute_holdings, decide_households
from assets.eligibility.holdings import PARCEL_COLUMNS, VEHICLE_COLUMNS
from assets.ingest.regions import union_flags, union_rows
from pipelines.partitions import ALL_REGENCIES, whole_scope
from pipelines.resources import Deferred, release_finished_steps

GROUP = "eligibility"


# Of the asset extracts, eligibility reads only the columns a holding carries (assets/eligibility/holdings.py),
# and of the links all but the record id. The extracts of assets and housing and the links are read
# deferred: only to build the holdings, and let go before the score is built (about 500 MB less at
# the peak at 1,700,000 persons; pipelines/resources.py `Deferred`).
READS = {
    # of the registry, all but TMPT_LHR and STAT_KWN (ROW_NUMBER puts regencies back in the file's order)
    "penduduk": {"columns": [
        "NIK", "NO_KK", "NAMA_LGKP", "JENIS_KLMIN", "TGL_LHR", "STAT_HBKEL", "PDDK_AKH", "JENIS_PKRJN", "ALAMAT",
        "NO_RT", "NO_RW", "KODE_WILAYAH", "STATUS", "TGL_STATUS", "NIK_WARNING", "ROW_NUMBER",
    ]},
    "rumah": {"deferred": True},
    "tanah": {"columns": ["ROW_NUMBER", *PARCEL_COLUMNS], "deferred": True},
    "kendaraan": {"columns": ["ROW_NUMBER", *VEHICLE_COLUMNS], "deferred": True},
    "asset_links": {
        "columns": ["source", "row_number", "nik", "no_kk", "method", "score", "note", "candidates"],
        "deferred": True,
    },
}


@dg.multi_asset(
    group_name=GROUP,
    outs={
        "members": dg.AssetOut(description="Living registry persons of each household, with age at the load date."),
        "households": dg.AssetOut(description="One row per household: head, members, score, decile, status, programs."),
        "household_reasons": dg.AssetOut(description="Every exclusion and review reason, with its evidence."),
        "score_components": dg.AssetOut(description="Every household's points per component of the welfare score."),
    },
    ins={
        **{name: dg.AssetIn(partition_mapping=ALL_REGENCIES, metadata=READS.get(name, {}))
           for name in ("penduduk", "penduduk_flags", "rumah", "tanah", "kendaraan")},
        "asset_links": dg.AssetIn(metadata=READS["asset_links"]),
    },
)
def eligibility(
    penduduk, penduduk_flags, rumah: Deferred, tanah: Deferred, kendaraan: Deferred, asset_links: Deferred,
    policy, load_info: dict,
):
    """Over the whole scope: deciles rank every household of the scope, and a household's holdings
    come from links made over the whole registry."""
    release_finished_steps()
    started = time.perf_counter()

    def scope(name: str, value):
        return whole_scope(value, load_info, union_rows, name)

    penduduk = scope("penduduk", penduduk)
    penduduk_flags = whole_scope(penduduk_flags, load_info, union_flags, "penduduk_flags")
    load_date = load_info["load_date"]
    # The extracts and links are read inside the call, so that nothing holds them once it returns.
    result = decide_households(
        penduduk, penduduk_flags,
        attribute_holdings(
            penduduk, penduduk_flags, scope("rumah", rumah.load()), scope("tanah", tanah.load()),
            scope("kendaraan", kendaraan.load()), asset_links.load(), policy, load_date,
        ),
        policy, load_date,
    )
    hh = result.households
    status_meta = {f"status/{s}": n for s, n in hh.group_by("status").len().sort("status").iter_rows()}
    reason_meta = {
        f"reason/{c}": n
        for c, n in result.reasons.group_by("code").agg(pl.col("no_kk").n_unique()).sort("code").iter_rows()
    }
    took = {"duration_seconds": round(time.perf_counter() - started, 3)}
    yield dg.Output(
        result.members, output_name="members", metadata={"dagster/row_count": result.members.height, **took}
    )
    yield dg.Output(
        hh,
        output_name="households",
        metadata={"dagster/row_count": hh.height, "policy_version": policy.version, **status_meta, **took},
    )
    yield dg.Output(
        result.reasons, output_name="household_reasons", metadata={"dagster/row_count": result.reasons.height, **reason_meta}
    )
    yield dg.Output(
        result.components, output_name="score_components", metadata={"dagster/row_count": result.components.height}
    )


@dg.asset_check(
    asset="households",
    blocking=True,
    additional_ins={"household_reasons": dg.AssetIn("household_reasons"), "members": dg.AssetIn("members")},
    description="Blocks publication when a decision cannot be explained: an excluded household without "
    "an exclusion reason, a review without a review reason, an eligible household with a reason or no "
    "program, a household twice, or more households than living persons.",
)
def decisions_are_explained(
    households: pl.DataFrame, household_reasons: pl.DataFrame, members: pl.DataFrame
) -> dg.AssetCheckResult:
    problems = decision_problems(households, household_reasons, members)
    bad = {k: v for k, v in problems.items() if v}
    return dg.AssetCheckResult(
        passed=not bad,
        description=", ".join(f"{k}: {v}" for k, v in bad.items()) or None,
        metadata=problems,
    )


eligibility_checks = [decisions_are_explained]
