"""The welfare score, kept component by component, and the person-weighted deciles.

A household is scored when it has at least one living member and a usable housing-survey row.
Every component is one row of `score_components` (`no_kk`, `component`, `value`, `points`); the
score is their sum. Only confident holdings count (see holdings.py).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from schemas.policy import COMPONENTS, METERED, Band, Policy, UpperBand

from assets.eligibility.holdings import VALUE_PLACES, years_before

COMPONENT_SCHEMA = {"no_kk": pl.String, "component": pl.String, "value": pl.String, "points": pl.Int32}


def band_points(x: pl.Expr, bands: tuple[Band, ...]) -> pl.Expr:
    """Points of the last band whose lower bound is at or below x (the first band below that)."""
    expr = pl.lit(bands[0].points, pl.Int32)
    for band in bands[1:]:
        expr = pl.when(x >= band.lower).then(pl.lit(band.points, pl.Int32)).otherwise(expr)
    return expr


def upper_band_points(x: pl.Expr, bands: tuple[UpperBand, ...], otherwise: int) -> pl.Expr:
    """Points of the first band whose upper bound is at or above x; `otherwise` past the last."""
    expr = pl.lit(otherwise, pl.Int32)
    for band in reversed(bands):
        expr = pl.when(x <= band.upper).then(pl.lit(band.points, pl.Int32)).otherwise(expr)
    return expr


def label_points(x: pl.Expr, table) -> pl.Expr:
    return x.replace_strict(dict(table), default=0, return_dtype=pl.Int32)


def occupation_points(x: pl.Expr, policy: Policy) -> pl.Expr:
    occ = policy.score.occupation
    expr = pl.lit(occ.default, pl.Int32)
    # Longest prefix first, so a more specific prefix wins.
    for prefix, pts in sorted(occ.prefixes.items(), key=lambda kv: len(kv[0])):
        expr = pl.when(x.str.starts_with(prefix)).then(pl.lit(pts, pl.Int32)).otherwise(expr)
    labelled = x.replace_strict(dict(occ.labels), default=None, return_dtype=pl.Int32)
    return pl.when(x.is_null()).then(pl.lit(occ.missing, pl.Int32)).otherwise(pl.coalesce(labelled, expr))


def _fmt(x: pl.Expr, decimals: int = 2) -> pl.Expr:
    return x.round(decimals).cast(pl.String)


def member_ages(members: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Per household: dependants, working-age members, and whether a program's age rule is met."""
    dep = policy.score.dependency
    age = pl.col("age")
    aggs = [
        ((age < dep.young_below) | (age >= dep.old_from)).sum().cast(pl.Int32).alias("dependants"),
        ((age >= dep.young_below) & (age < dep.old_from)).sum().cast(pl.Int32).alias("working_age"),
    ]
    for prog in policy.programs:
        cond = pl.lit(False)
        if prog.member_age_below is not None:
            cond = cond | (age < prog.member_age_below)
        if prog.member_age_from is not None:
            cond = cond | (age >= prog.member_age_from)
        aggs.append(cond.fill_null(False).any().alias(f"age_rule_{prog.name}"))
    return members.group_by("no_kk").agg(aggs)


def vehicle_counts(vehicles: pl.DataFrame, policy: Policy, load_date: date) -> pl.DataFrame:
    """Confident vehicles with tax paid within the window, counted per household and kind."""
    out = []
    for name, rule in (("sepeda_motor", policy.score.motorcycles), ("mobil", policy.score.cars)):
        since = years_before(load_date, rule.tax_window_years)
        out.append(
            vehicles.filter(
                pl.col("certain")
                & pl.col("JENIS_KENDARAAN").is_in(rule.types)
                & (pl.col("TGL_AKHIR_PAJAK") >= since)
            )
            .group_by("no_kk")
            .agg(pl.col("NO_RANGKA").n_unique().cast(pl.Int32).alias(f"n_{name}"))
        )
    return out[0].join(out[1], on="no_kk", how="full", coalesce=True)


def land_values(parcels: pl.DataFrame) -> pl.DataFrame:
    return (
        parcels.filter(pl.col("certain"))
        .group_by("no_kk")
        .agg(pl.col("NILAI").sum().round(VALUE_PLACES).alias("land_value"))
    )


def score_households(
    households: pl.DataFrame,
    members: pl.DataFrame,
    housing: pl.DataFrame,
    vehicles: pl.DataFrame,
    parcels: pl.DataFrame,
    policy: Policy,
    load_date: date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score every household that has living members and a housing row.

    Returns `(scores, components)`: `scores` has `no_kk`, `members`, `floor_area_per_member`,
    `score`; `components` one row per household and component, points summing to the score.
    """
    sc = policy.score
    base = (
        households.filter(~pl.col("dissolved") & (pl.col("members") > 0))
        .select("no_kk", "members", "head_education", "head_occupation")
        .join(housing, on="no_kk", how="inner")
        .join(member_ages(members, policy), on="no_kk", how="left")
        .join(vehicle_counts(vehicles, policy, load_date), on="no_kk", how="left")
        .join(land_values(parcels), on="no_kk", how="left")
        .with_columns(
            floor_area_per_member=pl.col("LUAS_LANTAI_M2") / pl.col("members").cast(pl.Float64),
            n_sepeda_motor=pl.col("n_sepeda_motor").fill_null(0),
            n_mobil=pl.col("n_mobil").fill_null(0),
            land_value=pl.col("land_value").fill_null(0.0),
            dependants=pl.col("dependants").fill_null(0),
            working_age=pl.col("working_age").fill_null(0),
        )
    )

    fa = pl.col("floor_area_per_member")
    daya = pl.col("DAYA_VA").cast(pl.Int64)
    metered = pl.col("PENERANGAN") == METERED
    ratio = pl.col("dependants").cast(pl.Float64) / pl.col("working_age").cast(pl.Float64)
    dep = sc.dependency
    mc, car = sc.motorcycles, sc.cars

    parts: dict[str, tuple[pl.Expr, pl.Expr]] = {
        "luas_lantai_per_anggota": (_fmt(fa), band_points(fa, sc.floor_area_bands)),
        "listrik": (
            pl.when(metered)
            .then(pl.format("{} {} VA", pl.col("PENERANGAN"), daya.fill_null(0)))
            .otherwise(pl.col("PENERANGAN")),
            pl.when(metered)
            .then(band_points(daya.fill_null(0), sc.electricity.pln_meteran))
            .otherwise(label_points(pl.col("PENERANGAN"), sc.electricity.penerangan)),
        ),
        "pekerjaan_kepala": (pl.col("head_occupation"), occupation_points(pl.col("head_occupation"), policy)),
        "rasio_ketergantungan": (
            pl.format("{}/{}", pl.col("dependants"), pl.col("working_age")),
            pl.when(pl.col("working_age") == 0)
            .then(pl.lit(dep.otherwise, pl.Int32))
            .otherwise(upper_band_points(ratio, dep.bands, dep.otherwise)),
        ),
        "sepeda_motor": (
            pl.col("n_sepeda_motor").cast(pl.String),
            pl.min_horizontal(pl.col("n_sepeda_motor") * mc.points_each, pl.lit(mc.max_points)).cast(pl.Int32),
        ),
        "mobil": (
            pl.col("n_mobil").cast(pl.String),
            pl.min_horizontal(pl.col("n_mobil") * car.points_each, pl.lit(car.max_points)).cast(pl.Int32),
        ),
        "nilai_tanah": (
            # whole Rupiah; a sum past Int64 (only absurd parcels reach it) as the number it is
            pl.coalesce(pl.col("land_value").round(0).cast(pl.Int64, strict=False).cast(pl.String),
                        pl.col("land_value").round(0).cast(pl.String)),
            band_points(pl.col("land_value"), sc.land_value_bands),
        ),
    }
    source_column = {"pendidikan_kepala": "head_education"}
    for name, table in sc.categorical.items():
        col = pl.col(source_column.get(name, name.upper()))
        parts[name] = (col, pl.when(col.is_null()).then(pl.lit(0, pl.Int32)).otherwise(label_points(col, table)))

    # Component by component, each in household order: a fixed order without sorting millions of
    # rows (readers select by household: the warehouse keeps no row order, `explain` orders
    # the components itself).
    # The points are computed once, as columns, and the score is their sum across the row: the
    # same sum as the components' points, without grouping millions of component rows.
    ranked = base.sort("no_kk").with_columns(
        *(parts[name][1].cast(pl.Int32).alias(f"~{name}") for name in COMPONENTS)
    )
    components = pl.concat(
        [
            ranked.select(
                pl.col("no_kk"),
                pl.lit(name).alias("component"),
                parts[name][0].cast(pl.String).alias("value"),
                pl.col(f"~{name}").alias("points"),
            )
            for name in COMPONENTS
        ]
    ).cast(COMPONENT_SCHEMA)
    scores = ranked.select(
        "no_kk", "members", "floor_area_per_member",
        score=pl.sum_horizontal(f"~{name}" for name in COMPONENTS).cast(pl.Int32),
    )
    return scores, components


def assign_deciles(scores: pl.DataFrame, groups: int = 10) -> pl.DataFrame:
    """Person-weighted deciles over all scored households.

    Sort by score ascending, then floor area per member ascending, then NO_KK; a household's decile
    is `min(groups, floor(groups * persons_before / total_persons) + 1)`, persons_before counting
    the members of the households sorted ahead of it. Adds `desil` (Int32).
    """
    total = scores["members"].cast(pl.Int64).sum()
    if scores.height == 0 or total == 0:
        return scores.with_columns(desil=pl.lit(None, pl.Int32))
    persons = pl.col("members").cast(pl.Int64)
    return (
        scores.sort(["score", "floor_area_per_member", "no_kk"])
        .with_columns(_before=persons.cum_sum() - persons)
        .with_columns(
            desil=pl.min_horizontal(pl.lit(groups, pl.Int64), (pl.col("_before") * groups) // total + 1).cast(pl.Int32)
        )
        .drop("_before")
    )
