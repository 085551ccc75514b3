"""Pure logic of the linkage stage's asset check: a link rate that falls sharply between loads."""

import polars as pl

LINKED_METHODS = ("NIK_EXACT", "NIK_REPAIRED", "NAME_MATCH")


def link_rates(links: pl.DataFrame, accept: float) -> dict[str, float]:
    """Per source, the share of records linked with confidence (a NIK link, or a name match at or
    above `accept`)."""
    confident = pl.col("method").is_in(LINKED_METHODS) & (pl.col("score") >= accept)
    return {
        source: round(float(rate), 6)
        for source, rate in links.group_by("source").agg(confident.mean()).sort("source").iter_rows()
    }


def link_rate_drops(current: dict[str, float], previous: dict[str, float], max_drop: float) -> dict[str, float]:
    """Sources whose link rate fell by more than `max_drop` (absolute share) since `previous`,
    with the fall. A source absent from either load is not compared."""
    drops = {s: previous[s] - current[s] for s in current.keys() & previous.keys()}
    return {s: round(d, 6) for s, d in sorted(drops.items()) if d > max_drop + 1e-12}
