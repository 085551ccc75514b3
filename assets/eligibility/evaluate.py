"""Entry point of the eligibility stage: typed frames and asset links in, decisions out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from schemas.policy import Policy

from assets.eligibility.decide import (
    combined_gains,
    decide,
    decile_findings,
    exclusion_findings,
    program_lists,
    ranking_findings,
    review_findings,
    uncertain_facts,
    uncertain_gains,
    uncertain_score_findings,
)
from assets.eligibility.holdings import household_housing, household_parcels, household_vehicles
from assets.eligibility.households import build_households, build_members
from assets.eligibility.score import assign_deciles, member_ages, score_households

HOUSEHOLD_COLUMNS = {
    "no_kk": pl.String,
    "kode_wilayah": pl.String,
    "kode_kecamatan": pl.String,
    "kode_kabupaten": pl.String,
    "head_nik": pl.String,
    "head_name": pl.String,
    "members": pl.Int32,
    "score": pl.Int32,
    "desil": pl.Int32,
    "status": pl.String,
    "programs": pl.List(pl.String),
    "policy_version": pl.String,
    # The head's address, for the district exports (for a dissolved household: the former head's).
    "alamat": pl.String,
    "no_rt": pl.String,
    "no_rw": pl.String,
}


@dataclass(frozen=True)
class Eligibility:
    members: pl.DataFrame  # outputs.md `members` without load_id
    households: pl.DataFrame  # `households` without load_id, plus alamat, no_rt, no_rw
    reasons: pl.DataFrame  # `household_reasons` without load_id
    components: pl.DataFrame  # `score_components` without load_id


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass
class Holdings:
    """What the extracts of assets and housing, and the links, tell of each household
    (holdings.py), built apart from the rest so that a caller can let the extracts and links go
    before the score is built: at regency scale they hold about half a gigabyte."""

    households: pl.DataFrame  # build_households: one row per household of the registry
    housing: pl.DataFrame  # household_housing
    head_conflicts: pl.DataFrame
    vehicles: pl.DataFrame  # household_vehicles: confident and uncertain
    parcels: pl.DataFrame  # household_parcels: confident and uncertain


def attribute_holdings(
    penduduk: pl.DataFrame,
    flags: pl.DataFrame,
    rumah: pl.DataFrame,
    tanah: pl.DataFrame,
    kendaraan: pl.DataFrame,
    asset_links: pl.DataFrame,
    policy: Policy,
    load_date: date | datetime | str,
) -> Holdings:
    """The households of the registry and the housing, vehicles and parcels that count, or may
    count, for each: everything of the decision that reads `rumah`, `tanah`, `kendaraan` and
    `asset_links`."""
    day = _as_date(load_date)
    households = build_households(penduduk, flags, rumah, day)
    housing, head_conflicts = household_housing(rumah, asset_links, penduduk, flags)
    vehicles = household_vehicles(kendaraan, asset_links, penduduk, policy)
    parcels = household_parcels(tanah, asset_links, penduduk, policy)
    return Holdings(households, housing, head_conflicts, vehicles, parcels)


def evaluate(
    penduduk: pl.DataFrame, flags: pl.DataFrame, rumah: pl.DataFrame, tanah: pl.DataFrame,
    kendaraan: pl.DataFrame, asset_links: pl.DataFrame, policy: Policy, load_date: date | datetime | str,
) -> Eligibility:
    """Decide every household of the registry: score, decile, reasons, status and programs
    (`attribute_holdings`, then `decide_households`)."""
    return decide_households(
        penduduk, flags, attribute_holdings(penduduk, flags, rumah, tanah, kendaraan, asset_links, policy, load_date),
        policy, load_date,
    )


def decide_households(
    penduduk: pl.DataFrame, flags: pl.DataFrame, held: Holdings, policy: Policy, load_date: date | datetime | str
) -> Eligibility:
    """The decision of every household from its holdings (`attribute_holdings`).

    `held` is consumed: its holdings are taken out of it, so that they are released before the
    score is built whoever else keeps `held`."""
    day = _as_date(load_date)
    households, housing, head_conflicts = held.households, held.housing, held.head_conflicts
    vehicles, parcels = held.vehicles, held.parcels
    held.vehicles = held.parcels = held.head_conflicts = held.housing = None
    members = build_members(penduduk, day)

    # Everything that reads the holdings first (at regency scale the uncertain ones number
    # millions of rows), then the holdings are released before the score and its components
    # are built: the two never take memory at the same time. The score counts confident holdings only.
    findings = exclusion_findings(penduduk, households, housing, vehicles, parcels, policy, day)
    findings += review_findings(households, flags, housing, head_conflicts)
    gains = uncertain_gains(vehicles, parcels, policy, day)
    combined = combined_gains(vehicles, parcels, policy, day)
    facts = uncertain_facts(vehicles, parcels)
    sure_vehicles, sure_parcels = vehicles.filter(pl.col("certain")), parcels.filter(pl.col("certain"))
    del vehicles, parcels, head_conflicts

    scores, components = score_households(households, members, housing, sure_vehicles, sure_parcels, policy, day)
    del sure_vehicles, sure_parcels, housing
    scores = assign_deciles(scores, policy.decile_groups)
    ages = member_ages(members, policy)
    programs = program_lists(scores, ages, policy)

    findings.append(decile_findings(scores, programs, policy))
    # An uncertain record that would exclude through the score; one reason row per household and
    # record (a record already under review for a limit is not listed twice).
    listed = pl.concat([f.select("no_kk", "code", "evidence_source", "evidence_id") for f in findings], how="vertical_relaxed")
    by_score = uncertain_score_findings(scores, ages, programs, gains, combined, policy, facts)
    findings.append(
        by_score.join(listed.filter(pl.col("code") == "UNCERTAIN_MATCH"), on=["no_kk", "code", "evidence_source", "evidence_id"], how="anti")
    )
    findings.append(ranking_findings(scores, ages, programs, gains, policy))

    decided, reasons = decide(
        households.join(scores.select("no_kk", "score", "desil"), on="no_kk", how="left"),
        findings,
        programs,
        policy,
    )
    out = decided.with_columns(policy_version=pl.lit(policy.version)).select(
        [pl.col(c).cast(t) for c, t in HOUSEHOLD_COLUMNS.items()]
    )
    return Eligibility(members=members, households=out.sort("no_kk"), reasons=reasons, components=components)
