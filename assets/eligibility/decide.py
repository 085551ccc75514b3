"""Reasons with evidence, status and programs.

Every exclusion rule and every review condition is checked for every household and each finding
is one row of `household_reasons`, pointing at its evidence. The status follows:

1. `EXCLUDED` when the household has an exclusion reason that needs no review. Every exclusion
   rule is definite except two that rest on the household's make-up, which need review when that
   make-up or its survey is in doubt (`REJECTED_MEMBER_ROW` or `CONFLICTING_RECORDS`):
   `HOUSEHOLD_DISSOLVED` (a rejected row may be a living member) and `DECILE_ABOVE_CUTOFF` (the
   member count, and so the score and decile, may be wrong).
2. else `REVIEW` when it has any review reason;
3. else `ELIGIBLE` (it is scored and meets at least one program's rule; a scored household that
   meets none has `DECILE_ABOVE_CUTOFF`, so it was excluded at step 1).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from schemas.policy import Policy

from assets.eligibility.holdings import years_before

REASON_SCHEMA = {
    "no_kk": pl.String,
    "kind": pl.String,
    "code": pl.String,
    "description": pl.String,
    "evidence_source": pl.String,
    "evidence_id": pl.String,
    "evidence": pl.String,
    "link_method": pl.String,
    "link_score": pl.Float64,
}
_FINDING = [c for c in REASON_SCHEMA if c not in ("kind", "description")]

DEFINITE_EXCLUSIONS = ("STATE_EMPLOYEE", "SOE_EMPLOYEE", "CAR_OWNER", "LAND_ABOVE_LIMIT", "HIGH_ELECTRICITY")
MAKE_UP_EXCLUSIONS = ("HOUSEHOLD_DISSOLVED", "DECILE_ABOVE_CUTOFF")
MAKE_UP_IN_DOUBT = ("REJECTED_MEMBER_ROW", "CONFLICTING_RECORDS")


def _finding(frame: pl.DataFrame, code: str, source: str, evidence_id: pl.Expr, evidence: pl.Expr,
             method: pl.Expr | None = None, score: pl.Expr | None = None) -> pl.DataFrame:
    return frame.select(
        pl.col("no_kk").cast(pl.String),
        pl.lit(code).alias("code"),
        pl.lit(source).alias("evidence_source"),
        evidence_id.cast(pl.String).alias("evidence_id"),
        evidence.cast(pl.String).alias("evidence"),
        (method if method is not None else pl.lit(None)).cast(pl.String).alias("link_method"),
        (score if score is not None else pl.lit(None)).cast(pl.Float64).alias("link_score"),
    )


def _num(x: pl.Expr) -> pl.Expr:
    """A number as text without a spurious decimal part."""
    return pl.when(x == x.round(0)).then(x.round(0).cast(pl.Int64).cast(pl.String)).otherwise(x.round(2).cast(pl.String))


def _owner_note() -> pl.Expr:
    return pl.when(pl.col("owner_status") == "MATI").then(pl.lit("; pemilik tercatat meninggal")).otherwise(pl.lit(""))


def _vehicle_text() -> pl.Expr:
    return pl.format(
        "{} {} ({}), nopol {}, pajak s.d. {}{}",
        pl.col("JENIS_KENDARAAN"),
        pl.col("MEREK").fill_null("-"),
        pl.col("TAHUN_BUAT").cast(pl.String).fill_null("-"),
        pl.col("NO_POLISI").fill_null("-"),
        pl.col("TGL_AKHIR_PAJAK").cast(pl.String).fill_null("-"),
        _owner_note(),
    )


def _parcel_text() -> pl.Expr:
    return pl.format(
        "{} {} m², NJOP Rp {}/m², nilai Rp {}{}",
        pl.col("PENGGUNAAN"),
        _num(pl.col("LUAS_M2")),
        pl.col("NJOP_PER_M2").cast(pl.String),
        _num(pl.col("NILAI")),
        _owner_note(),
    )


def _uncertain_text(fact: pl.Expr) -> pl.Expr:
    how = (
        pl.when(pl.col("link_method") == "AMBIGUOUS")
        .then(pl.format("pemilik tidak dapat dipastikan di antara {} kandidat", pl.col("candidate_count")))
        .otherwise(pl.format("kecocokan nama {} di bawah ambang", pl.col("link_score").round(2)))
    )
    return pl.format("{}; {}", fact, how)


def _land_totals(parcels: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    ex = policy.exclusions
    return (
        parcels.group_by("no_kk")
        .agg(
            agri=pl.col("LUAS_M2").filter(pl.col("PENGGUNAAN").is_in(ex.agricultural_uses)).sum(),
            value=pl.col("NILAI").sum(),
        )
        .with_columns(
            area_rule=pl.col("agri") > ex.agricultural_area_max_m2,
            value_rule=pl.col("value") > ex.land_value_max,
        )
    )


def exclusion_findings(
    penduduk: pl.DataFrame,
    households: pl.DataFrame,
    housing: pl.DataFrame,
    vehicles: pl.DataFrame,
    parcels: pl.DataFrame,
    policy: Policy,
    load_date: date,
) -> list[pl.DataFrame]:
    """Findings of the rule-based exclusions (all but DECILE_ABOVE_CUTOFF) and of UNCERTAIN_MATCH."""
    ex = policy.exclusions
    out: list[pl.DataFrame] = []

    living = penduduk.filter(pl.col("STATUS") == "HIDUP").rename({"NO_KK": "no_kk"})
    occ = pl.col("JENIS_PKRJN")
    state = occ.is_in(ex.state_employee_occupations)
    for prefix in ex.state_employee_prefixes:
        state = state | occ.str.starts_with(prefix)
    job_text = pl.format("Pekerjaan anggota keluarga: {}", occ)
    out.append(_finding(living.filter(state.fill_null(False)), "STATE_EMPLOYEE", "penduduk", pl.col("NIK"), job_text))
    out.append(
        _finding(living.filter(occ.is_in(ex.soe_occupations).fill_null(False)), "SOE_EMPLOYEE", "penduduk", pl.col("NIK"), job_text)
    )

    # Cars with tax paid within the window.
    since = years_before(load_date, ex.car_tax_window_years)
    cars = vehicles.filter(pl.col("JENIS_KENDARAAN").is_in(ex.car_types) & (pl.col("TGL_AKHIR_PAJAK") >= since))
    sure_cars = cars.filter(pl.col("certain"))
    out.append(
        _finding(sure_cars, "CAR_OWNER", "kendaraan", pl.col("NO_RANGKA"), _vehicle_text(), pl.col("link_method"), pl.col("link_score"))
    )
    maybe_cars = cars.filter(~pl.col("certain")).join(sure_cars.select("no_kk").unique(), on="no_kk", how="anti")
    out.append(
        _finding(
            maybe_cars, "UNCERTAIN_MATCH", "kendaraan", pl.col("NO_RANGKA"), _uncertain_text(_vehicle_text()),
            pl.col("link_method"), pl.col("link_score"),
        )
    )

    # Land: agricultural area and total NJOP value of the household's parcels.
    sure = parcels.filter(pl.col("certain"))
    sure_totals = _land_totals(sure, policy)
    with_doubt = _land_totals(parcels, policy)
    fired = sure_totals.filter(pl.col("area_rule") | pl.col("value_rule"))
    land_evidence = sure.join(fired, on="no_kk", how="inner").filter(
        pl.col("value_rule") | (pl.col("area_rule") & pl.col("PENGGUNAAN").is_in(ex.agricultural_uses))
    )
    totals_text = pl.format(
        "; total lahan pertanian {} m², total nilai tanah Rp {}", _num(pl.col("agri")), _num(pl.col("value"))
    )
    out.append(
        _finding(
            land_evidence, "LAND_ABOVE_LIMIT", "tanah", pl.col("NIB"), pl.format("{}{}", _parcel_text(), totals_text),
            pl.col("link_method"), pl.col("link_score"),
        )
    )
    # Uncertain parcels matter only where they would make the rule fire when sure ones do not.
    newly = (
        with_doubt.filter(pl.col("area_rule") | pl.col("value_rule"))
        .join(fired.select("no_kk"), on="no_kk", how="anti")
        .rename({"area_rule": "area_new", "value_rule": "value_new"})
    )
    maybe_land = (
        parcels.filter(~pl.col("certain"))
        .join(newly, on="no_kk", how="inner")
        .filter(pl.col("value_new") | (pl.col("area_new") & pl.col("PENGGUNAAN").is_in(ex.agricultural_uses)))
    )
    out.append(
        _finding(
            maybe_land, "UNCERTAIN_MATCH", "tanah", pl.col("NIB"), _uncertain_text(pl.format("{}{}", _parcel_text(), totals_text)),
            pl.col("link_method"), pl.col("link_score"),
        )
    )

    # Electricity of the housing row.
    high = housing.filter(pl.col("DAYA_VA").cast(pl.Int64) >= ex.electricity_min_va)
    out.append(
        _finding(
            high, "HIGH_ELECTRICITY", "rumah", pl.col("NO_KK"),
            pl.format("Daya listrik {} VA ({}), survei {}", pl.col("DAYA_VA"), pl.col("PENERANGAN"), pl.col("TGL_PENDATAAN")),
            pl.col("link_method"), pl.col("link_score"),
        )
    )

    # Dissolved households: every member row is evidence.
    gone = penduduk.rename({"NO_KK": "no_kk"}).join(
        households.filter(pl.col("dissolved")).select("no_kk"), on="no_kk", how="inner"
    )
    out.append(
        _finding(
            gone, "HOUSEHOLD_DISSOLVED", "penduduk", pl.col("NIK"),
            pl.format(
                "{} sejak {}",
                pl.when(pl.col("STATUS") == "MATI").then(pl.lit("Meninggal")).otherwise(pl.lit("Pindah")),
                pl.col("TGL_STATUS").cast(pl.String).fill_null("(tanggal tidak tercatat)"),
            ),
        )
    )
    return out


def review_findings(households: pl.DataFrame, flags: pl.DataFrame, housing: pl.DataFrame,
                    head_conflicts: pl.DataFrame) -> list[pl.DataFrame]:
    """CONFLICTING_RECORDS, REJECTED_MEMBER_ROW and NO_HOUSING_DATA findings."""
    out: list[pl.DataFrame] = []
    fl = (
        flags.select(
            no_kk=pl.col("NO_KK").cast(pl.String),
            code=pl.col("code"),
            source_row=pl.col("source_row").cast(pl.Int64),
            rule=pl.col("rule"),
        )
        .drop_nulls("no_kk")
        .unique()
    )
    for code, text in (
        ("CONFLICTING_RECORDS", "Baris penduduk {} ditolak ({}): NIK yang sama tercatat dengan data berbeda"),
        ("REJECTED_MEMBER_ROW", "Baris penduduk {} dengan NO_KK ini ditolak ({})"),
    ):
        rows = fl.filter(pl.col("code") == code)
        out.append(
            _finding(
                rows, code, "penduduk", pl.col("no_kk"),
                pl.format(text, pl.col("source_row").cast(pl.String).fill_null("?"), pl.col("rule").fill_null("-")),
            )
        )
    out.append(
        _finding(
            head_conflicts, "CONFLICTING_RECORDS", "rumah", pl.col("no_kk"),
            pl.format("Kepala rumah tangga pada survei rumah (baris {}) bukan anggota KK ini", pl.col("ROW_NUMBER")),
            pl.col("link_method"), pl.col("link_score"),
        )
    )
    no_housing = households.filter(~pl.col("dissolved") & (pl.col("members") > 0)).join(
        housing.select("no_kk"), on="no_kk", how="anti"
    )
    out.append(
        _finding(
            no_housing, "NO_HOUSING_DATA", "rumah", pl.col("no_kk"),
            pl.lit("Tidak ada baris survei rumah yang dapat dipakai untuk KK ini; skor tidak dihitung"),
        )
    )
    return out


def program_lists(scores: pl.DataFrame, ages: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """`no_kk`, `qualifies` (List[String]): programs whose decile and member rule the household meets."""
    frame = scores.select("no_kk", "desil").join(ages, on="no_kk", how="left")
    picks = []
    for prog in policy.programs:
        cond = pl.col("desil") <= prog.max_decile
        if prog.member_age_below is not None or prog.member_age_from is not None:
            cond = cond & pl.col(f"age_rule_{prog.name}").fill_null(False)
        picks.append(pl.when(cond.fill_null(False)).then(pl.lit(prog.name)))
    return frame.select(
        "no_kk",
        qualifies=pl.concat_list(picks).list.drop_nulls().cast(pl.List(pl.String)),
    )


def decile_findings(scores: pl.DataFrame, programs: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    top = max(p.max_decile for p in policy.programs)
    none = scores.join(programs, on="no_kk", how="left").filter(pl.col("qualifies").list.len().fill_null(0) == 0)
    text = (
        pl.when(pl.col("desil") > top)
        .then(pl.format("Skor {}, desil {}: di atas batas semua program (desil tertinggi {})", pl.col("score"), pl.col("desil"), pl.lit(top)))
        .otherwise(pl.format("Skor {}, desil {}: tidak memenuhi syarat program mana pun", pl.col("score"), pl.col("desil")))
    )
    return _finding(none, "DECILE_ABOVE_CUTOFF", "score", pl.col("no_kk"), text)


def decide(households: pl.DataFrame, findings: list[pl.DataFrame], programs: pl.DataFrame,
           policy: Policy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Attach kind and description to the findings and decide status and programs.

    Returns `(households, reasons)`: households gain `status` and `programs` (the programs of an
    ELIGIBLE household; empty otherwise); reasons are deduplicated and sorted.
    """
    found = pl.concat([f.select(_FINDING) for f in findings], how="vertical_relaxed")
    reasons = (
        found.unique()
        .with_columns(
            kind=pl.col("code").replace_strict({c: policy.reason_kind(c) for c in policy.descriptions}, return_dtype=pl.String),
            description=pl.col("code").replace_strict(dict(policy.descriptions), return_dtype=pl.String),
        )
        .select(list(REASON_SCHEMA))
        .cast(REASON_SCHEMA)
        .sort("no_kk", "kind", "code", "evidence_source", "evidence_id", "evidence", nulls_last=True)
    )
    per_hh = reasons.group_by("no_kk").agg(
        definite=pl.col("code").is_in(DEFINITE_EXCLUSIONS).any(),
        make_up_out=pl.col("code").is_in(MAKE_UP_EXCLUSIONS).any(),
        doubt=pl.col("code").is_in(MAKE_UP_IN_DOUBT).any(),
        review=(pl.col("kind") == "REVIEW").any(),
    )
    decided = (
        households.join(per_hh, on="no_kk", how="left")
        .join(programs, on="no_kk", how="left")
        .with_columns(pl.col("definite", "make_up_out", "doubt", "review").fill_null(False))
        .with_columns(
            status=pl.when(pl.col("definite") | (pl.col("make_up_out") & ~pl.col("doubt")))
            .then(pl.lit("EXCLUDED"))
            .when(pl.col("review") | pl.col("make_up_out"))
            .then(pl.lit("REVIEW"))
            .when(pl.col("qualifies").list.len().fill_null(0) > 0)
            .then(pl.lit("ELIGIBLE"))
            # Unreachable by construction (an unscored household always has a reason); kept so a
            # household is never ELIGIBLE without a program.
            .otherwise(pl.lit("REVIEW"))
        )
        .with_columns(
            programs=pl.when(pl.col("status") == "ELIGIBLE")
            .then(pl.col("qualifies"))
            .otherwise(pl.lit([], pl.List(pl.String)))
        )
        .drop("definite", "make_up_out", "doubt", "review", "qualifies")
    )
    return decided, reasons
