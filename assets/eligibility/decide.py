"""Reasons with evidence, status and programs.

Every exclusion rule and every review condition is checked for every household and each finding
is one row of `household_reasons`, pointing at its evidence. The status follows:

1. `EXCLUDED` when the household has an exclusion reason that needs no review. Every exclusion
   rule is definite except two that rest on the household's make-up, which need review when that
   make-up or its survey is in doubt (`REJECTED_MEMBER_ROW` or `CONFLICTING_RECORDS`):
   `HOUSEHOLD_DISSOLVED` (a rejected row may be a living member) and `DECILE_ABOVE_CUTOFF` (the
   member count, and so the score and decile, may be wrong); `DECILE_ABOVE_CUTOFF` needs review too
   when the ranking rests on other households' doubtful records (`UNCERTAIN_MATCH` on `score`).
2. else `REVIEW` when it has any review reason;
3. else `ELIGIBLE` (it is scored and meets at least one program's rule; a scored household that
   meets none has `DECILE_ABOVE_CUTOFF`, so it was excluded at step 1).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from schemas.policy import Policy

from assets.eligibility.holdings import AREA_PLACES, VALUE_PLACES, years_before
from assets.eligibility.score import band_points
from assets.text import number_text

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


def _owner_note() -> pl.Expr:
    return pl.when(pl.col("owner_status") == "MATI").then(pl.lit("; pemilik tercatat meninggal")).otherwise(pl.lit(""))


def _vehicle_fact() -> pl.Expr:
    """The vehicle record in words (whoever it is attributed to)."""
    return pl.format(
        "{} {} ({}), nopol {}, pajak s.d. {}",
        pl.col("JENIS_KENDARAAN"),
        pl.col("MEREK").fill_null("-"),
        pl.col("TAHUN_BUAT").cast(pl.String).fill_null("-"),
        pl.col("NO_POLISI").fill_null("-"),
        pl.col("TGL_AKHIR_PAJAK").cast(pl.String).fill_null("-"),
    )


def _parcel_fact() -> pl.Expr:
    """The parcel record in words (whoever it is attributed to)."""
    return pl.format(
        "{} {} m², NJOP Rp {}/m², nilai Rp {}",
        pl.col("PENGGUNAAN"),
        number_text(pl.col("LUAS_M2")),
        number_text(pl.col("NJOP_PER_M2")),
        number_text(pl.col("NILAI")),
    )


def _vehicle_text() -> pl.Expr:
    return pl.format("{}{}", _vehicle_fact(), _owner_note())


def _parcel_text() -> pl.Expr:
    return pl.format("{}{}", _parcel_fact(), _owner_note())


NAMESAKE_ELSEWHERE = "NAMESAKE_ELSEWHERE"  # asset_links note: the name agrees, a namesake elsewhere may hold it
NAMESAKE_UNLISTED = "NAMESAKE_UNLISTED"  # asset_links note: so does a villager whose registry row was rejected
NAME_MISSING = "NAME_MISSING"  # asset_links note: the record names nobody; its NIK is this candidate's
NIK_TWIN = "NIK_TWIN"  # asset_links note: the NIK and the name point at two persons one NIK typo apart


def _uncertain_text(fact: pl.Expr, source: pl.Expr) -> pl.Expr:
    """The evidence of an uncertain record: the fact, then why the record is uncertain. `source`:
    the record's extract (a vehicle has an owner, `pemilik`; a parcel a holder, `pemegang`)."""
    role = pl.when(source == "kendaraan").then(pl.lit("pemilik")).otherwise(pl.lit("pemegang"))
    holder = pl.format("{}nya", role)
    how = (
        pl.when(pl.col("link_note").fill_null("") == NAMESAKE_UNLISTED)
        .then(pl.format("nama cocok, tetapi warga desa bernama sama yang data kependudukannya ditolak validasi "
                        "bisa jadi {}", holder))
        .when(pl.col("link_note").fill_null("") == NAME_MISSING)
        .then(pl.format("nama {} tidak tertulis; NIK yang tertulis milik anggota keluarga ini, belum dapat "
                        "dipastikan tanpa nama", role))
        .when(pl.col("link_note").fill_null("") == NIK_TWIN)
        .then(pl.format("NIK dan nama yang tertulis menunjuk dua orang yang NIK-nya hanya berbeda satu salah ketik; "
                        "{} belum dapat dipastikan", holder))
        .when(pl.col("link_note").fill_null("") == NAMESAKE_ELSEWHERE)
        .then(pl.format("nama cocok, tetapi orang bernama sama dari desa atau daerah lain bisa jadi {}", holder))
        .when(pl.col("link_method") == "AMBIGUOUS")
        .then(pl.format("pemilik tidak dapat dipastikan di antara {} kandidat", pl.col("candidate_count")))
        .otherwise(pl.format("kecocokan nama {} di bawah ambang", number_text(pl.col("link_score"))))
    )
    return pl.format("{}; {}", fact, how)


def _land_rules(policy: Policy) -> dict[str, pl.Expr]:
    """`area_rule` and `value_rule` of LAND_ABOVE_LIMIT on a household's totals `agri` (m² of
    farmland) and `value` (Rupiah)."""
    ex = policy.exclusions
    return {
        "area_rule": pl.col("agri") > ex.agricultural_area_max_m2,
        "value_rule": pl.col("value") > ex.land_value_max,
    }


def _land_totals(parcels: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    ex = policy.exclusions
    return (
        parcels.group_by("no_kk")
        .agg(
            agri=pl.col("LUAS_M2").filter(pl.col("PENGGUNAAN").is_in(ex.agricultural_uses)).sum().round(AREA_PLACES),
            value=pl.col("NILAI").sum().round(VALUE_PLACES),
        )
        .with_columns(**_land_rules(policy))
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

    occ = pl.col("JENIS_PKRJN")
    state = occ.is_in(ex.state_employee_occupations)
    for prefix in ex.state_employee_prefixes:
        state = state | occ.str.starts_with(prefix)
    state = state.fill_null(False)
    soe = occ.is_in(ex.soe_occupations).fill_null(False)
    # Living members with either occupation only: not a copy of every living registry row.
    employed = penduduk.filter((pl.col("STATUS") == "HIDUP") & (state | soe)).rename({"NO_KK": "no_kk"})
    job_text = pl.format("Pekerjaan anggota keluarga: {}", occ)
    out.append(_finding(employed.filter(state), "STATE_EMPLOYEE", "penduduk", pl.col("NIK"), job_text))
    out.append(_finding(employed.filter(soe), "SOE_EMPLOYEE", "penduduk", pl.col("NIK"), job_text))

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
            maybe_cars, "UNCERTAIN_MATCH", "kendaraan", pl.col("NO_RANGKA"), _uncertain_text(_vehicle_text(), pl.lit("kendaraan")),
            pl.col("link_method"), pl.col("link_score"),
        )
    )

    # Land: agricultural area and total NJOP value of the household's parcels.
    sure = parcels.filter(pl.col("certain"))
    sure_totals = _land_totals(sure, policy)
    fired = sure_totals.filter(pl.col("area_rule") | pl.col("value_rule"))
    land_evidence = sure.join(fired, on="no_kk", how="inner").filter(
        pl.col("value_rule") | (pl.col("area_rule") & pl.col("PENGGUNAAN").is_in(ex.agricultural_uses))
    )
    totals_text = pl.format(
        "; total lahan pertanian {} m², total nilai tanah Rp {}", number_text(pl.col("agri")), number_text(pl.col("value"))
    )
    out.append(
        _finding(
            land_evidence, "LAND_ABOVE_LIMIT", "tanah", pl.col("NIB"), pl.format("{}{}", _parcel_text(), totals_text),
            pl.col("link_method"), pl.col("link_score"),
        )
    )
    # Uncertain parcels of a household whose sure parcels do not make the rule fire, weighed two
    # ways on top of the sure ones: each on its own; and, together, those that point at this
    # household alone (one candidate: a name match below `accept`). The rule is about the
    # household's total, and two doubtful parcels of 3,000 m² of sawah whose only candidate is
    # this household are the hectare it means. Parcels with several candidate households are not
    # summed: a villager with a common name is a candidate of many parcels, and presuming that
    # one household holds them all would send whole villages to review (at 1,000,000 persons,
    # summing every doubtful parcel reviewed 3.3 % more households: docs/policy.md).
    agri_use = pl.col("PENGGUNAAN").is_in(ex.agricultural_uses)
    doubtful = (
        parcels.filter(~pl.col("certain"))
        .join(fired.select("no_kk"), on="no_kk", how="anti")
        .join(sure_totals.select("no_kk", sure_agri="agri", sure_value="value"), on="no_kk", how="left")
        .with_columns(pl.col("sure_agri", "sure_value").fill_null(0.0))
    )

    def over(agri: pl.Expr, value: pl.Expr) -> list[pl.Expr]:
        return [
            (pl.col("sure_agri") + agri).round(AREA_PLACES).alias("agri"),
            (pl.col("sure_value") + value).round(VALUE_PLACES).alias("value"),
        ]

    rules = _land_rules(policy)
    alone = doubtful.with_columns(
        *over(pl.when(agri_use).then(pl.col("LUAS_M2")).otherwise(0.0), pl.col("NILAI")), together=pl.lit(0)
    ).filter(rules["area_rule"] | rules["value_rule"])
    sole = doubtful.filter(pl.col("candidate_count") == 1)
    sole_totals = (
        sole.group_by("no_kk")
        .agg(
            pl.col("sure_agri", "sure_value").first(),
            doubt_agri=pl.col("LUAS_M2").filter(agri_use).sum(),
            doubt_value=pl.col("NILAI").sum(),
            together=pl.len().cast(pl.Int32) - 1,
        )
        .filter(pl.col("together") > 0)
        .select("no_kk", "together", *over(pl.col("doubt_agri"), pl.col("doubt_value")))
        .with_columns(**rules)
        .filter(pl.col("area_rule") | pl.col("value_rule"))
    )
    summed = (
        sole.drop("sure_agri", "sure_value")
        .join(sole_totals, on="no_kk")
        .filter(pl.col("value_rule") | (pl.col("area_rule") & agri_use))
        .join(alone.select("no_kk", "NIB"), on=["no_kk", "NIB"], how="anti")  # listed on its own already
    )
    cols = ["no_kk", "NIB", "link_method", "link_score", "link_note", "candidate_count", "owner_status",
            "PENGGUNAAN", "LUAS_M2", "NJOP_PER_M2", "NILAI", "agri", "value", "together"]
    maybe_land = pl.concat([alone.select(cols), summed.select(cols)], how="vertical_relaxed")
    with_text = pl.format(
        "; jika {} milik KK: total lahan pertanian {} m², total nilai tanah Rp {}",
        pl.when(pl.col("together") == 0).then(pl.lit("bidang ini"))
        .otherwise(pl.format("bidang ini dan {} bidang lain yang hanya menunjuk KK ini", pl.col("together"))),
        number_text(pl.col("agri")), number_text(pl.col("value")),
    )
    out.append(
        _finding(
            maybe_land, "UNCERTAIN_MATCH", "tanah", pl.col("NIB"), _uncertain_text(pl.format("{}{}", _parcel_text(), with_text), pl.lit("tanah")),
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
            pl.when(pl.col("head_status").is_null())
            .then(pl.format("Kepala rumah tangga pada survei rumah (baris {}) bukan anggota KK ini", pl.col("ROW_NUMBER")))
            .otherwise(pl.format(
                "Kepala rumah tangga pada survei rumah (baris {}) tercatat {} di KK ini, bukan anggota yang hidup",
                pl.col("ROW_NUMBER"), pl.col("head_status"),
            )),
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


def program_lists(scores: pl.DataFrame, ages: pl.DataFrame, policy: Policy, key: str = "no_kk") -> pl.DataFrame:
    """`key` (default `no_kk`), `qualifies` (List[String]): programs whose decile and member rule the
    household meets."""
    frame = scores.select(*dict.fromkeys(["no_kk", key]), "desil").join(ages, on="no_kk", how="left")
    # Each program a bit of an integer; the few distinct sets of programs are lists in a lookup
    # (building a list per household row cost a second at regency scale).
    bits = []
    for i, prog in enumerate(policy.programs):
        cond = pl.col("desil") <= prog.max_decile
        if prog.member_age_below is not None or prog.member_age_from is not None:
            cond = cond & pl.col(f"age_rule_{prog.name}").fill_null(False)
        bits.append(cond.fill_null(False).cast(pl.Int64) * (1 << i))
    names = [prog.name for prog in policy.programs]
    lookup = pl.DataFrame(
        {
            "_set": range(1 << len(names)),
            "qualifies": [[n for i, n in enumerate(names) if m >> i & 1] for m in range(1 << len(names))],
        },
        schema={"_set": pl.Int64, "qualifies": pl.List(pl.String)},
    )
    return (
        frame.select(key, _set=pl.sum_horizontal(bits) if bits else pl.lit(0, pl.Int64))
        .join(lookup, on="_set", how="left", maintain_order="left")
        .select(key, "qualifies")
    )


# The holding's columns an uncertain gain carries along (holdings.py `_attribute`)
_GAIN_PASSTHROUGH = ("owner_status", "link_method", "link_score", "link_note", "candidate_count")


def uncertain_gains(vehicles: pl.DataFrame, parcels: pl.DataFrame, policy: Policy, load_date: date) -> pl.DataFrame:
    """Per (household, uncertain record): the points the record would add to the score if it were the
    household's, on top of its sure holdings. Columns: `no_kk`, `evidence_source`, `evidence_id`,
    `owner_status`, `link_method`, `link_score`, `link_note`, `candidate_count`, `gain` (the record's words are in
    `uncertain_facts`, one row per record rather than per candidate household)."""
    sc = policy.score
    out = []
    for rule in (sc.motorcycles, sc.cars):
        since = years_before(load_date, rule.tax_window_years)
        counted = vehicles.filter(pl.col("JENIS_KENDARAAN").is_in(rule.types) & (pl.col("TGL_AKHIR_PAJAK") >= since))
        sure_n = counted.filter(pl.col("certain")).group_by("no_kk").agg(n=pl.col("NO_RANGKA").n_unique())
        n = pl.col("n").fill_null(0)
        out.append(
            counted.filter(~pl.col("certain"))
            .join(sure_n, on="no_kk", how="left")
            .select(
                "no_kk",
                evidence_source=pl.lit("kendaraan"),
                evidence_id=pl.col("NO_RANGKA"),
                *_GAIN_PASSTHROUGH,
                gain=(
                    pl.min_horizontal((n + 1) * rule.points_each, pl.lit(rule.max_points))
                    - pl.min_horizontal(n * rule.points_each, pl.lit(rule.max_points))
                ).cast(pl.Int32),
            )
        )
    sure_value = parcels.filter(pl.col("certain")).group_by("no_kk").agg(v=pl.col("NILAI").sum().round(VALUE_PLACES))
    v = pl.col("v").fill_null(0.0)
    out.append(
        parcels.filter(~pl.col("certain"))
        .join(sure_value, on="no_kk", how="left")
        .select(
            "no_kk",
            evidence_source=pl.lit("tanah"),
            evidence_id=pl.col("NIB"),
            *_GAIN_PASSTHROUGH,
            gain=(
                band_points((v + pl.col("NILAI")).round(VALUE_PLACES), sc.land_value_bands)
                - band_points(v, sc.land_value_bands)
            ).cast(pl.Int32),
        )
    )
    return pl.concat(out, how="vertical_relaxed")


def uncertain_facts(vehicles: pl.DataFrame, parcels: pl.DataFrame) -> pl.DataFrame:
    """The fact in words of each uncertain record (`evidence_source`, `evidence_id`, `fact`); the
    note on its candidate's status is added where the finding is written."""
    return pl.concat([
        vehicles.filter(~pl.col("certain")).unique("NO_RANGKA", keep="first", maintain_order=True).select(
            evidence_source=pl.lit("kendaraan"), evidence_id=pl.col("NO_RANGKA"), fact=_vehicle_fact()),
        parcels.filter(~pl.col("certain")).unique("NIB", keep="first", maintain_order=True).select(
            evidence_source=pl.lit("tanah"), evidence_id=pl.col("NIB"), fact=_parcel_fact()),
    ], how="vertical_relaxed")


def combined_gains(vehicles: pl.DataFrame, parcels: pl.DataFrame, policy: Policy, load_date: date) -> pl.DataFrame:
    """Per household with uncertain records: the points all of them together would add to its score
    on top of its sure holdings (`no_kk`, `gain`)."""
    sc = policy.score
    parts = []
    for rule in (sc.motorcycles, sc.cars):
        since = years_before(load_date, rule.tax_window_years)
        counted = vehicles.filter(pl.col("JENIS_KENDARAAN").is_in(rule.types) & (pl.col("TGL_AKHIR_PAJAK") >= since))
        n = counted.group_by("no_kk").agg(
            sure=pl.col("NO_RANGKA").filter(pl.col("certain")).n_unique(),
            doubt=pl.col("NO_RANGKA").filter(~pl.col("certain")).n_unique(),
        )
        parts.append(
            n.filter(pl.col("doubt") > 0).select(
                "no_kk",
                gain=(
                    pl.min_horizontal((pl.col("sure") + pl.col("doubt")) * rule.points_each, pl.lit(rule.max_points))
                    - pl.min_horizontal(pl.col("sure") * rule.points_each, pl.lit(rule.max_points))
                ).cast(pl.Int32),
            )
        )
    land = parcels.group_by("no_kk").agg(
        sure=pl.col("NILAI").filter(pl.col("certain")).sum().round(VALUE_PLACES),
        doubt=pl.col("NILAI").filter(~pl.col("certain")).sum(),
        n_doubt=(~pl.col("certain")).sum(),
    )
    parts.append(
        land.filter(pl.col("n_doubt") > 0).select(
            "no_kk",
            gain=(
                band_points((pl.col("sure") + pl.col("doubt")).round(VALUE_PLACES), sc.land_value_bands)
                - band_points(pl.col("sure"), sc.land_value_bands)
            ).cast(pl.Int32),
        )
    )
    return pl.concat(parts).group_by("no_kk").agg(pl.col("gain").sum().cast(pl.Int32))


def uncertain_score_findings(scores: pl.DataFrame, ages: pl.DataFrame, programs: pl.DataFrame,
                             gains: pl.DataFrame, combined: pl.DataFrame, policy: Policy,
                             facts: pl.DataFrame) -> pl.DataFrame:
    """UNCERTAIN_MATCH where uncertain records would exclude through the score.

    Uncertain records never count in the score. But a household that meets a program's rule on its
    sure holdings, and would meet none if one uncertain record (on top of its sure holdings), or all
    its uncertain records together, were its own, would be excluded by `DECILE_ABOVE_CUTOFF` on
    that evidence: like an uncertain car or parcel that would cross an exclusion limit, it goes to
    review, one reason row per record. The decile is the formula's, with the household moved to its
    raised score among the others.
    """
    scored = scores.filter(pl.col("score").is_not_null())
    meets = programs.filter(pl.col("qualifies").list.len() > 0).select("no_kk")
    single = gains.filter(pl.col("gain") > 0).with_columns(_all=pl.lit(False))
    # All of a household's uncertain records together, where that adds more than any one alone.
    best = gains.group_by("no_kk").agg(best=pl.col("gain").max(), records=pl.len())
    together = (
        combined.join(best, on="no_kk", how="inner")
        .filter((pl.col("records") > 1) & (pl.col("gain") > pl.col("best")))
        .select("no_kk", "gain", _all=pl.lit(True))
    )
    cand = (
        pl.concat([single, together], how="diagonal_relaxed")
        .join(meets, on="no_kk", how="semi")
        .join(scored.select("no_kk", "members", "floor_area_per_member", "score"), on="no_kk", how="inner")
        .with_columns(new_score=pl.col("score") + pl.col("gain"), _hyp=pl.int_range(0, pl.len()))
    )
    total = scored["members"].cast(pl.Int64).sum()
    if cand.height == 0 or not total:
        return _finding(cand.with_columns(_t=pl.lit("")), "UNCERTAIN_MATCH", "tanah", pl.col("no_kk"), pl.col("_t"))
    groups = policy.decile_groups
    real = scored.select(
        "no_kk", "floor_area_per_member", key_score=pl.col("score"), w=pl.col("members").cast(pl.Int64),
        _hyp=pl.lit(None, pl.Int64),
    )
    hyp = cand.select(
        "no_kk", "floor_area_per_member", key_score=pl.col("new_score"), w=pl.lit(0, pl.Int64),
        _hyp=pl.col("_hyp").cast(pl.Int64),
    )
    # Persons sorted ahead of the raised household: every real household before its new key, less
    # itself (its own row, with its lower score, always sorts ahead).
    ranked = (
        pl.concat([real, hyp])
        .sort(["key_score", "floor_area_per_member", "no_kk", "_hyp"], nulls_last=False)
        .with_columns(_before=pl.col("w").cum_sum() - pl.col("w"))
        .filter(pl.col("_hyp").is_not_null())
        .select("_hyp", "_before")
    )
    moved = (
        cand.join(ranked, on="_hyp", how="left")
        .with_columns(_before=pl.col("_before") - pl.col("members").cast(pl.Int64))
        .with_columns(
            desil=pl.min_horizontal(pl.lit(groups, pl.Int64), (pl.col("_before") * groups) // total + 1).cast(pl.Int32)
        )
    )
    still = program_lists(moved.select("no_kk", "desil", "_hyp"), ages, policy, key="_hyp")
    lost = moved.join(still, on="_hyp", how="left").filter(pl.col("qualifies").list.len().fill_null(0) == 0)
    alone = lost.filter(~pl.col("_all")).with_columns(
        _how=pl.format("jika milik KK: skor {}, desil {}", pl.col("new_score"), pl.col("desil"))
    )
    # A household lost only with all its records together: each record is a reason row.
    jointly = (
        lost.filter(pl.col("_all"))
        .select("no_kk", "new_score", "desil")
        .join(alone.select("no_kk"), on="no_kk", how="anti")
        .join(gains.drop("gain"), on="no_kk", how="inner")
        .with_columns(
            _how=pl.format(
                "jika aset ini bersama aset lain yang belum pasti (seluruhnya {} aset) milik KK: skor {}, desil {}",
                pl.len().over("no_kk"), pl.col("new_score"), pl.col("desil"),
            )
        )
    )
    lost = pl.concat([alone, jointly], how="diagonal_relaxed").join(
        facts, on=["evidence_source", "evidence_id"], how="left", maintain_order="left")
    text = pl.format("{}{}; {}, tidak memenuhi syarat program mana pun", pl.col("fact"), _owner_note(), pl.col("_how"))
    return lost.select(
        pl.col("no_kk").cast(pl.String),
        code=pl.lit("UNCERTAIN_MATCH"),
        evidence_source=pl.col("evidence_source"),
        evidence_id=pl.col("evidence_id").cast(pl.String),
        evidence=_uncertain_text(text, pl.col("evidence_source")).cast(pl.String),
        link_method=pl.col("link_method").cast(pl.String),
        link_score=pl.col("link_score").cast(pl.Float64),
    )


def ranking_findings(scores: pl.DataFrame, ages: pl.DataFrame, programs: pl.DataFrame, gains: pl.DataFrame,
                     policy: Policy) -> pl.DataFrame:
    """UNCERTAIN_MATCH (evidence `score`) where a decile exclusion rests on other households' doubtful records.

    Deciles rank sure scores, and a household's uncertain records never count; so where many
    households have doubtful land or vehicles, they sit lower in the ranking than they should and
    push the households above them up. A scored household that meets no program, but would meet
    one if every uncertain record counted for each of its candidate households by an even share
    (its points divided by the number of candidates), at the household's own sure score, is
    excluded on a ranking that rests on doubtful matches: it goes to review instead.
    """
    scored = scores.filter(pl.col("score").is_not_null())
    total = scored["members"].cast(pl.Int64).sum()
    empty = _finding(scored.head(0).with_columns(_t=pl.lit("")), "UNCERTAIN_MATCH", "score", pl.col("no_kk"), pl.col("_t"))
    if scored.height == 0 or not total or gains.height == 0:
        return empty
    out_kk = (
        scored.select("no_kk", "desil")
        .join(programs.filter(pl.col("qualifies").list.len() > 0).select("no_kk"), on="no_kk", how="anti")
    )
    if out_kk.height == 0:
        return empty
    share = gains.group_by("no_kk").agg(
        extra=(pl.col("gain").cast(pl.Float64) / pl.col("candidate_count").cast(pl.Float64)).sum(),
        records=pl.len(),
    )
    groups = policy.decile_groups
    alt = scored.join(share, on="no_kk", how="left").select(
        "no_kk", "floor_area_per_member",
        key_score=pl.col("score").cast(pl.Float64) + pl.col("extra").fill_null(0.0),
        w=pl.col("members").cast(pl.Int64),
        _hyp=pl.lit(False),
    )
    hyp = scored.join(out_kk.select("no_kk"), on="no_kk", how="semi").select(
        "no_kk", "floor_area_per_member", key_score=pl.col("score").cast(pl.Float64), w=pl.lit(0, pl.Int64),
        _hyp=pl.lit(True),
    )
    ranked = (
        pl.concat([alt, hyp])
        .sort(["key_score", "floor_area_per_member", "no_kk", "_hyp"])
        .with_columns(_before=pl.col("w").cum_sum() - pl.col("w"))
    )
    # The household's own (raised) row sorts ahead of its sure key only when it was not raised.
    own = alt.select("no_kk", own_score="key_score", own_w="w")
    moved = (
        ranked.filter("_hyp")
        .join(own, on="no_kk", how="left")
        .with_columns(
            _before=pl.col("_before") - pl.when(pl.col("own_score") <= pl.col("key_score")).then(pl.col("own_w")).otherwise(0)
        )
        .with_columns(
            desil=pl.min_horizontal(pl.lit(groups, pl.Int64), (pl.col("_before") * groups) // total + 1).cast(pl.Int32)
        )
        .select("no_kk", "desil")
    )
    would = program_lists(moved, ages, policy).filter(pl.col("qualifies").list.len() > 0)
    hit = (
        out_kk.rename({"desil": "desil_now"})
        .join(moved, on="no_kk")
        .join(would, on="no_kk")
        .join(scored.select("no_kk", "score"), on="no_kk")
    )
    text = pl.format(
        "Skor {}, desil {}: peringkat bergantung pada aset keluarga lain yang pencocokannya belum pasti; "
        "bila aset itu dibagi rata di antara kandidatnya, desil keluarga ini {} ({})",
        pl.col("score"), pl.col("desil_now"), pl.col("desil"), pl.col("qualifies").list.join(", "),
    )
    return _finding(hit, "UNCERTAIN_MATCH", "score", pl.col("no_kk"), text)


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
        # The make-up is in doubt, or the decile's ranking rests on doubtful matches.
        doubt=(
            pl.col("code").is_in(MAKE_UP_IN_DOUBT)
            | ((pl.col("code") == "UNCERTAIN_MATCH") & (pl.col("evidence_source") == "score"))
        ).any(),
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
