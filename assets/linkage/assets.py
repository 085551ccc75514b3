"""Linkage: land, vehicles and housing linked to registry persons and households."""


import dagster as dg
import polars as pl

from assets.linkage.match import link_assets

GROUP = "linkage"


@dg.asset(
    group_name=GROUP,
    description="One row per land, vehicle and housing record: the person and household it is linked "
    "to, the method (NIK_EXACT, NIK_REPAIRED, NAME_MATCH, AMBIGUOUS, UNLINKED), score and note.",
)
def asset_links(
    penduduk: pl.DataFrame,
    tanah: pl.DataFrame,
    kendaraan: pl.DataFrame,
    rumah: pl.DataFrame,
    policy,
):
    links = link_assets(
        penduduk,
        tanah,
        kendaraan,
        rumah,
        accept=policy.links.accept,
        review=policy.links.review,
        margin=policy.links.margin,
    )
    meta: dict = {"dagster/row_count": links.height}
    for source, method, n in links.group_by("source", "method").len().sort("source", "method").iter_rows():
        meta[f"{source}/{method}"] = n
    for source, rate in (
        links.group_by("source")
        .agg((pl.col("method").is_in(["NIK_EXACT", "NIK_REPAIRED", "NAME_MATCH"]) & (pl.col("score") >= policy.links.accept)).mean())
        .iter_rows()
    ):
        meta[f"link_rate/{source}"] = round(float(rate), 6)
    return dg.Output(links, metadata=meta)
