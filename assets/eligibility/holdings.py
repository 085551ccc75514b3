"""Which land, vehicles and housing count for which household, and how surely.

From `asset_links` (one row per typed tanah/kendaraan/rumah row):

- a *confident* holding counts for its household, in the score and in the exclusion rules: method
  `NIK_EXACT` or `NIK_REPAIRED`, or `NAME_MATCH` scored at or above `links.accept`;
- an *uncertain* holding never counts: a `NAME_MATCH` scored from `links.review` up to (not
  including) `links.accept`, or an `AMBIGUOUS` record. It is attributed to the household of every
  candidate (the candidate NIKs plus the linked NIK, if any), where it can only send the household
  to review. A candidate born after a certificate's issue date (`TGL_TERBIT`) cannot be the holder
  it names and is not a candidate of that parcel. With `links.review_max_candidates` set, a record
  listing more candidates than that is attributed to nobody.

A holding of a person who moved out (`PINDAH`) counts for nobody; a deceased person's (`MATI`)
still counts for the household. A parcel with several holders in one household counts once.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from schemas.policy import Policy

CONFIDENT_NIK_METHODS = ("NIK_EXACT", "NIK_REPAIRED")
NAME_MATCH = "NAME_MATCH"
AMBIGUOUS = "AMBIGUOUS"
PINDAH = "PINDAH"
HEAD_NOT_MEMBER = "HEAD_NOT_MEMBER"

# Sums of areas and values are rounded before a limit or a band is applied: a float sum of decimal
# areas (181.1 + 4,395.8 + 423.1 m²) can come out a hair above the exact total (5,000 m²) and
# exceed a limit it only reaches. Areas to a ten-thousandth of a m², values to the sen.
AREA_PLACES = 4
VALUE_PLACES = 2

VEHICLE_COLUMNS = ("NO_RANGKA", "NO_POLISI", "JENIS_KENDARAAN", "MEREK", "TAHUN_BUAT", "TGL_AKHIR_PAJAK")
PARCEL_COLUMNS = ("NIB", "PENGGUNAAN", "LUAS_M2", "NJOP_PER_M2", "JENIS_HAK", "TGL_TERBIT")


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _links(asset_links: pl.DataFrame, source: str) -> pl.DataFrame:
    return asset_links.filter(pl.col("source") == source).select(
        pl.col("row_number").cast(pl.Int64),
        link_nik=pl.col("nik"),
        link_no_kk=pl.col("no_kk"),
        link_method=pl.col("method"),
        link_score=pl.col("score").cast(pl.Float64),
        link_note=pl.col("note"),
        candidates=pl.col("candidates").cast(pl.List(pl.String)),
    )


def _persons(penduduk: pl.DataFrame) -> pl.DataFrame:
    return penduduk.select(
        person_nik=pl.col("NIK"), person_no_kk=pl.col("NO_KK"), owner_status=pl.col("STATUS"),
        person_birth=pl.col("TGL_LHR"),
    )


def _attribute(records: pl.DataFrame, links: pl.DataFrame, penduduk: pl.DataFrame, policy: Policy, key: str,
               issued: str | None = None) -> pl.DataFrame:
    """Confident and uncertain holdings of each household for one asset extract.

    `issued`: a date column of the record (a certificate's issue date); a candidate of an uncertain
    record born after it cannot be the person the record names and is dropped.

    Returns the record columns plus `no_kk`, `owner_status`, `link_method`, `link_score`,
    `candidate_count` and `certain` (Boolean), one row per (household, record key).
    """
    accept, review = policy.links.accept, policy.links.review
    max_candidates = policy.links.review_max_candidates
    persons = _persons(penduduk)
    # The work is done on narrow frames (record key, link, household) and the record's columns are
    # joined back at the end: an uncertain record becomes one row per candidate household.
    # One lazy query, collected once: at regency scale an uncertain record's rows number millions,
    # and every eager step would copy them once more. Collected by the in-memory engine: Polars'
    # default, the streaming engine, returned it in 32 chunks, which slowed every later step over
    # the holdings and took more memory (docs/performance.md).
    persons = persons.lazy()
    narrow = records.lazy().select("ROW_NUMBER", key, *([issued] if issued else [])).join(
        links.lazy(), left_on="ROW_NUMBER", right_on="row_number", how="inner"
    )

    confident_rule = pl.col("link_method").is_in(CONFIDENT_NIK_METHODS) | (
        (pl.col("link_method") == NAME_MATCH) & (pl.col("link_score") >= accept)
    )
    uncertain_rule = (pl.col("link_method") == AMBIGUOUS) | (
        (pl.col("link_method") == NAME_MATCH) & (pl.col("link_score") < accept) & (pl.col("link_score") >= review)
    )

    confident = (
        narrow.filter(confident_rule)
        .join(persons, left_on="link_nik", right_on="person_nik", how="left")
        .with_columns(no_kk=pl.coalesce("link_no_kk", "person_no_kk"), candidate_count=pl.lit(1, pl.Int32))
        .filter(pl.col("no_kk").is_not_null() & (pl.col("owner_status").fill_null("") != PINDAH))
        .with_columns(certain=pl.lit(True), _person=pl.col("link_nik").cast(pl.String))
    )

    uncertain = (
        narrow.filter(uncertain_rule)
        .with_columns(
            _cand=pl.concat_list(
                pl.col("candidates").fill_null(pl.lit([], pl.List(pl.String))),
                pl.col("link_nik").cast(pl.String),
            ).list.drop_nulls().list.unique()
        )
        .with_columns(candidate_count=pl.col("_cand").list.len().cast(pl.Int32))
        # A policy may let a record with too many candidates to check review none of them.
        .filter(pl.lit(True) if not max_candidates else pl.col("candidate_count") <= max_candidates)
        .drop("candidates")  # else every exploded row would carry the whole list
        .explode("_cand")
        .join(persons, left_on="_cand", right_on="person_nik", how="inner")
        .filter(pl.col("owner_status") != PINDAH)
        .filter(
            pl.lit(True)
            if issued is None
            else (pl.col(issued).is_null() | pl.col("person_birth").is_null() | (pl.col("person_birth") <= pl.col(issued)))
        )
        .with_columns(no_kk=pl.col("person_no_kk"), certain=pl.lit(False), _person=pl.col("_cand"))
    )

    held = ["ROW_NUMBER", key, "no_kk", "owner_status", "link_method", "link_score", "link_note", "candidate_count",
            "certain"]
    both = pl.concat([confident.select(*held, "_person"), uncertain.select(*held, "_person")], how="vertical_relaxed")
    # One row per household and record key; a certain holding wins over an uncertain one, then the
    # better link, then the earlier row of the file, then (two members of one household both
    # candidates of a record) the lower NIK. Record row and person make a row unique, so this order
    # is total and the same input always keeps the same row. Sorted on numbers only (a NIK is 16
    # digits): string sort keys cost more than the rest of the step at regency scale.
    best = both.with_columns(_person=pl.col("_person").cast(pl.Int64, strict=False)).sort(
        ["certain", "link_score", "ROW_NUMBER", "_person"],
        descending=[True, True, False, False],
        nulls_last=True,
    ).unique(subset=["no_kk", key], keep="first", maintain_order=True).drop("_person")
    cols = list(records.columns) + held[2:]
    return best.drop(key).join(records.lazy(), on="ROW_NUMBER", how="left", maintain_order="left").select(cols).collect(
        engine="in-memory")


def household_vehicles(kendaraan: pl.DataFrame, asset_links: pl.DataFrame, penduduk: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    records = kendaraan.select("ROW_NUMBER", *VEHICLE_COLUMNS)
    return _attribute(records, _links(asset_links, "kendaraan"), penduduk, policy, "NO_RANGKA")


def household_parcels(tanah: pl.DataFrame, asset_links: pl.DataFrame, penduduk: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    records = tanah.select("ROW_NUMBER", *PARCEL_COLUMNS).with_columns(
        NILAI=(pl.col("LUAS_M2") * pl.col("NJOP_PER_M2").cast(pl.Float64)).round(VALUE_PLACES)
    )
    return _attribute(records, _links(asset_links, "tanah"), penduduk, policy, "NIB", issued="TGL_TERBIT")


def household_housing(rumah: pl.DataFrame, asset_links: pl.DataFrame, penduduk: pl.DataFrame | None = None,
                      flags: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The housing row used for each household, and the households whose survey names another head.

    Returns `(housing, head_conflicts)`. `housing`: the rumah columns plus `no_kk`, `link_method`,
    `link_score`, one row per household whose survey row is linked to it (`asset_links.no_kk`);
    with several, the latest `TGL_PENDATAAN`, then the later row of the file. `head_conflicts`:
    `no_kk`, `ROW_NUMBER`, `link_method`, `link_score`, `head_status` of the survey rows that name
    a head who is not a member of that NO_KK: the link note says `HEAD_NOT_MEMBER` (`head_status`
    null), or, with the registry, the head is a row of that NO_KK who died or moved out while the
    household has living members (`head_status` `MATI` or `PINDAH`).

    With the registry (`penduduk`, and its `flags`), a link note is checked against it: a survey row
    whose NIK_KEPALA is a registry member of that NO_KK names a member (the names may differ, which
    is the linkage's concern, not a conflicting record); one whose NIK_KEPALA is in no validated
    registry row while a row of that NO_KK was rejected is explained by the rejected row, which is
    already a review reason (`REJECTED_MEMBER_ROW`).
    """
    linked = rumah.join(_links(asset_links, "rumah"), left_on="ROW_NUMBER", right_on="row_number", how="inner").rename(
        {"link_no_kk": "no_kk"}
    )
    not_member = pl.col("link_note").fill_null("").str.contains(HEAD_NOT_MEMBER, literal=True)
    conflicts = linked.filter(not_member).select(
        pl.coalesce("no_kk", "NO_KK").alias("no_kk"),
        pl.col("ROW_NUMBER"),
        pl.col("link_method"),
        pl.col("link_score"),
        head_status=pl.lit(None, dtype=pl.String),
    )
    if penduduk is not None:
        members = penduduk.select(NIK_KEPALA=pl.col("NIK"), no_kk=pl.col("NO_KK"))
        conflicts = conflicts.join(
            linked.select("ROW_NUMBER", "NIK_KEPALA"), on="ROW_NUMBER", how="left"
        )
        known = penduduk.select(NIK_KEPALA=pl.col("NIK")).unique()
        is_member = conflicts.join(members, on=["NIK_KEPALA", "no_kk"], how="semi").select("ROW_NUMBER")
        explained = conflicts.filter(pl.col("NIK_KEPALA").is_not_null()).join(known, on="NIK_KEPALA", how="anti")
        if flags is not None:
            rejected = flags.filter(pl.col("code") == "REJECTED_MEMBER_ROW").select(no_kk=pl.col("NO_KK").cast(pl.String))
            explained = explained.join(rejected.unique(), on="no_kk", how="semi")
        else:
            explained = explained.head(0)
        conflicts = (
            conflicts.join(is_member, on="ROW_NUMBER", how="anti")
            .join(explained.select("ROW_NUMBER"), on="ROW_NUMBER", how="anti")
            .drop("NIK_KEPALA")
        )
        # The head the survey names is a row of this NO_KK, but dead or moved out, while the
        # household still has living members: not a member as the policy counts them (members
        # are the living rows), so the survey describes another make-up than the registry's.
        # A dissolved household (no living member) is left alone: its survey naturally names a
        # head who is gone, and it is decided by HOUSEHOLD_DISSOLVED.
        living = penduduk.filter(pl.col("STATUS") == "HIDUP").select(no_kk=pl.col("NO_KK")).unique()
        gone_head = (
            linked.filter(pl.col("no_kk").is_not_null() & pl.col("link_nik").is_not_null() & ~not_member)
            .join(
                penduduk.filter(pl.col("STATUS") != "HIDUP")
                .select(link_nik=pl.col("NIK"), no_kk=pl.col("NO_KK"), head_status=pl.col("STATUS")),
                on=["link_nik", "no_kk"],
            )
            .join(living, on="no_kk", how="semi")
            .select("no_kk", "ROW_NUMBER", "link_method", "link_score", "head_status")
        )
        conflicts = pl.concat([conflicts, gone_head], how="vertical_relaxed")
    housing = (
        linked.filter(pl.col("no_kk").is_not_null())
        .sort(["no_kk", "TGL_PENDATAAN", "ROW_NUMBER"], descending=[False, True, True], nulls_last=True)
        .unique(subset="no_kk", keep="first", maintain_order=True)
        .drop("link_nik", "candidates")
    )
    return housing, conflicts
