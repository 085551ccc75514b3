"""Households and members from the typed registry: members, heads, ages, dissolved households.

A household is a NO_KK of the registry. Its members are its `HIDUP` rows; its head is the living
`KEPALA KELUARGA` (the oldest of them if the registry lists several), else the oldest living
member. A household with rows but no living member is dissolved. A NO_KK known only from a
rejected registry row (validation flags) is still a household: it has no members and goes to
review with the flag as its reason.
"""

from __future__ import annotations

from datetime import date

import polars as pl

KEPALA = "KEPALA KELUARGA"
HIDUP = "HIDUP"

MEMBERS_SCHEMA = {
    "nik": pl.String,
    "no_kk": pl.String,
    "name": pl.String,
    "sex": pl.String,
    "age": pl.Int32,
    "relation": pl.String,
    "occupation": pl.String,
    "nik_warning": pl.String,
}


def age_at(birth: pl.Expr, load_date: date) -> pl.Expr:
    """Whole years from `birth` to `load_date` (a 29 February birthday falls on 1 March)."""
    before_birthday = (birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)) > (
        load_date.month * 100 + load_date.day
    )
    return (pl.lit(load_date.year, pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)).cast(
        pl.Int32
    )


def build_members(penduduk: pl.DataFrame, load_date: date) -> pl.DataFrame:
    """The `members` frame: one row per living registry person."""
    # Lazy: only the columns kept are filtered and sorted, not a copy of every registry column.
    # In memory: the streaming engine would return the members in many chunks (see holdings.py).
    return (
        penduduk.lazy()
        .filter(pl.col("STATUS") == HIDUP)
        .with_columns(AGE=age_at(pl.col("TGL_LHR"), load_date))
        .select(
            nik=pl.col("NIK"),
            no_kk=pl.col("NO_KK"),
            name=pl.col("NAMA_LGKP"),
            sex=pl.col("JENIS_KLMIN"),
            age=pl.col("AGE"),
            relation=pl.col("STAT_HBKEL"),
            occupation=pl.col("JENIS_PKRJN"),
            nik_warning=pl.col("NIK_WARNING"),
        )
        .cast(MEMBERS_SCHEMA)
        .sort("no_kk", "nik")
        .collect(engine="in-memory")
    )


def build_households(penduduk: pl.DataFrame, flags: pl.DataFrame, rumah: pl.DataFrame, load_date: date) -> pl.DataFrame:
    """One row per household of the registry.

    Columns: `no_kk`, `kode_wilayah`, `kode_kecamatan`, `kode_kabupaten`, `head_nik`, `head_name`,
    `members` (living), `alamat`, `no_rt`, `no_rw` (the head's, or for a dissolved household the
    former head's), `dissolved`, plus the head's `head_education` and `head_occupation` for the
    score. `head_*` are null when nobody is alive.
    """
    # Only the columns used: sorting the registry copies every column it carries.
    p = penduduk.select(
        "NO_KK", "NIK", "NAMA_LGKP", "KODE_WILAYAH", "PDDK_AKH", "JENIS_PKRJN", "ALAMAT", "NO_RT", "NO_RW",
        "TGL_LHR", _alive=pl.col("STATUS") == HIDUP, _kk=pl.col("STAT_HBKEL") == KEPALA,
    )
    # The reference row of each household: living before dead, KEPALA KELUARGA before others,
    # then the oldest (earliest birth date), then the smallest NIK so that ties are stable.
    ref = (
        p.sort(
            ["NO_KK", "_alive", "_kk", "TGL_LHR", "NIK"],
            descending=[False, True, True, False, False],
            nulls_last=True,
        )
        .unique(subset="NO_KK", keep="first", maintain_order=True)
        .select(
            no_kk=pl.col("NO_KK"),
            kode_wilayah=pl.col("KODE_WILAYAH"),
            head_nik=pl.when(pl.col("_alive")).then(pl.col("NIK")),
            head_name=pl.when(pl.col("_alive")).then(pl.col("NAMA_LGKP")),
            head_education=pl.when(pl.col("_alive")).then(pl.col("PDDK_AKH")),
            head_occupation=pl.when(pl.col("_alive")).then(pl.col("JENIS_PKRJN")),
            alamat=pl.col("ALAMAT"),
            no_rt=pl.col("NO_RT"),
            no_rw=pl.col("NO_RW"),
            dissolved=~pl.col("_alive"),
        )
    )
    counts = p.group_by("NO_KK").agg(members=pl.col("_alive").sum().cast(pl.Int32)).rename({"NO_KK": "no_kk"})
    hh = ref.join(counts, on="no_kk", how="left")

    # Households known only through rejected registry rows: kept, without members.
    flagged = (
        flags.select(no_kk=pl.col("NO_KK").cast(pl.String))
        .drop_nulls()
        .unique()
        .join(hh.select("no_kk"), on="no_kk", how="anti")
    )
    if flagged.height:
        village = (
            rumah.select(no_kk=pl.col("NO_KK"), kode_wilayah=pl.col("KODE_WILAYAH"))
            .drop_nulls("no_kk")
            .unique(subset="no_kk", keep="first", maintain_order=True)
        )
        extra = flagged.join(village, on="no_kk", how="left").with_columns(
            members=pl.lit(0, pl.Int32), dissolved=pl.lit(False)
        )
        hh = pl.concat([hh, extra], how="diagonal_relaxed")

    return (
        hh.with_columns(
            kode_kecamatan=pl.col("kode_wilayah").str.slice(0, 8),
            kode_kabupaten=pl.col("kode_wilayah").str.slice(0, 5),
        )
        .select(
            "no_kk", "kode_wilayah", "kode_kecamatan", "kode_kabupaten", "head_nik", "head_name", "members",
            "alamat", "no_rt", "no_rw", "dissolved", "head_education", "head_occupation",
        )
        .sort("no_kk")
    )
