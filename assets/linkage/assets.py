"""Linkage: land, vehicles and housing linked to registry persons and households."""


import time

import dagster as dg
import polars as pl

from assets.linkage.checks import link_rate_drops, link_rates
from assets.ingest.regions import PARTITIONED_EXTRACTS, union_rows
from assets.linkage.match import COLUMNS, link_assets
from pipelines.partitions import ALL_REGENCIES, whole_scope
from pipelines.resources import PerlinsosSettings, release_finished_steps

GROUP = "linkage"
LINK_RATE = "link_rate/"


@dg.asset(
    group_name=GROUP,
    description="One row per land, vehicle and housing record: the person and household it is linked "
    "to, the method (NIK_EXACT, NIK_REPAIRED, NAME_MATCH, AMBIGUOUS, UNLINKED), score and note. "
    "Over the whole scope: a parcel in one regency may belong to a person registered in another.",
    ins={
        **{name: dg.AssetIn(partition_mapping=ALL_REGENCIES, metadata={"columns": list(COLUMNS[name])})
           for name in PARTITIONED_EXTRACTS},
        "penduduk_unlisted": dg.AssetIn(partition_mapping=ALL_REGENCIES),
    },
)
def asset_links(penduduk, tanah, kendaraan, rumah, penduduk_unlisted, policy, load_info: dict):
    release_finished_steps()
    started = time.perf_counter()
    penduduk, tanah, kendaraan, rumah, unlisted = (
        whole_scope(frame, load_info, union_rows, name)
        for name, frame in zip((*PARTITIONED_EXTRACTS, "penduduk_unlisted"),
                               (penduduk, tanah, kendaraan, rumah, penduduk_unlisted))
    )
    links = link_assets(
        penduduk,
        tanah,
        kendaraan,
        rumah,
        accept=policy.links.accept,
        review=policy.links.review,
        margin=policy.links.margin,
        holder_min_age=policy.links.holder_min_age,
        unlisted=unlisted,
    )
    meta: dict = {
        "dagster/row_count": links.height,
        "scope": load_info["scope"],
        "load_date": load_info["load_date"].isoformat(),
    }
    for source, method, n in links.group_by("source", "method").len().sort("source", "method").iter_rows():
        meta[f"{source}/{method}"] = n
    # why records are held or left unlinked (NAMESAKE_ELSEWHERE, NIK_NAME_CONFLICT, NIK_TWIN, ...)
    noted = links.filter(pl.col("note").is_not_null()).group_by("source", "note").len().sort("source", "note")
    for source, note, n in noted.iter_rows():
        meta[f"{source}/note/{note}"] = n
    for source, rate in link_rates(links, policy.links.accept).items():
        meta[f"{LINK_RATE}{source}"] = rate
    meta["duration_seconds"] = round(time.perf_counter() - started, 3)
    return dg.Output(links, metadata=meta)


def _previous_link_rates(
    context: dg.AssetCheckExecutionContext, scope: str, load_date: str
) -> tuple[str, dict[str, float]] | None:
    """The load date and link rates of the previous load of the same scope: the latest materialization
    in the instance's history with an earlier load date (reruns of the same date are not compared),
    of a run that succeeded. A run stopped by a blocking check published nothing and is no
    baseline: the same fault delivered again would otherwise be compared with itself and pass."""
    records = context.instance.fetch_materializations(dg.AssetKey("asset_links"), limit=200).records
    best: tuple[str, dict[str, float]] | None = None
    for record in records:  # newest first
        mat = record.asset_materialization
        if mat is None or record.run_id == context.run.run_id:
            continue
        meta = mat.metadata
        if "scope" not in meta or "load_date" not in meta or meta["scope"].value != scope:
            continue
        earlier = str(meta["load_date"].value)
        if earlier >= load_date or (best is not None and earlier <= best[0]):
            continue
        run = context.instance.get_run_by_id(record.run_id)
        if run is None or run.status != dg.DagsterRunStatus.SUCCESS:
            continue
        best = (earlier, {k[len(LINK_RATE):]: float(v.value) for k, v in meta.items() if k.startswith(LINK_RATE)})
    return best


@dg.asset_check(
    asset=asset_links,
    blocking=True,
    additional_ins={"policy": dg.AssetIn("policy"), "load_info": dg.AssetIn("load_info")},
    description="Blocks publication when a source's link rate fell by more than the settings' "
    "max_link_rate_drop since the previous load (earlier load date) of the same scope: a broken NIK "
    "column or a changed file layout, not a change in who owns what.",
)
def link_rate_stable(
    context: dg.AssetCheckExecutionContext,
    asset_links: pl.DataFrame,
    policy,
    load_info: dict,
    settings: PerlinsosSettings,
) -> dg.AssetCheckResult:
    current = link_rates(asset_links, policy.links.accept)
    found = _previous_link_rates(context, load_info["scope"], load_info["load_date"].isoformat())
    meta: dict = {"max_drop": settings.link_drop_limit, **{f"{LINK_RATE}{k}": v for k, v in current.items()}}
    if found is None:
        return dg.AssetCheckResult(
            passed=True, description="no earlier load of this scope to compare with", metadata=meta
        )
    previous_date, previous = found
    drops = link_rate_drops(current, previous, settings.link_drop_limit)
    meta["previous_load_date"] = previous_date
    meta.update({f"previous_{LINK_RATE}{k}": v for k, v in previous.items()})
    return dg.AssetCheckResult(
        passed=not drops,
        description=(
            f"link rate fell against the load of {previous_date}: "
            + ", ".join(f"{s} {previous[s]:.1%} -> {current[s]:.1%}" for s in drops)
            if drops
            else None
        ),
        metadata=meta,
    )


linkage_checks = [link_rate_stable]
