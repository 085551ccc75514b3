"""Synthetic extract folders with ground truth: `generate(persons, seed, out, ...)`.

See synth/README.md for what is generated and at which rates."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from schemas import codes, rules
from schemas.extracts import COMPLETE_MARKER, REQUIRED_COLUMNS
from synth import assets as A
from synth import dirt as D
from synth import names as nm
from synth.world import HIDUP, World, build_world

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference" / "banyuwangi_wilayah.csv"
SCOPE = "35.10"
# A regency code no Indonesian regency bears, for a generated set spanning two regencies: the
# districts given as `second_regency` are moved to it (35.10.12 → 35.99.12), codes and reference rows.
SYNTHETIC_REGENCY = "35.99"
SYNTHETIC_REGENCY_NAME = "Kabupaten Sintetis"
QUARANTINE_DIRT = set(D.NIK_DIRT) | {"NIK_DATE_MISMATCH", "DUPLICATE_IDENTICAL", "DUPLICATE_CONFLICT",
                                     "DATE_IMPOSSIBLE", "DATE_FUTURE", "NOT_POSITIVE", "LABEL_UNKNOWN",
                                     "REGION_UNKNOWN", "OUT_OF_SCOPE"}
DIRT_COLUMNS = ["source", "row_number", "column", "dirt", "rule", "action"]

# rates (share of a file's rows) of each planted kind; see README.md
NIK_BAD_RATE = 0.0015
# The registry issues NIKs, so a malformed NIK in its own extract comes only from export mangling:
# a third of the rate of the agencies' hand-typed NIK columns.
REGISTRY_NIK_BAD_RATE = 0.0005
RATE = {
    "NIK_FORMATTING": 0.008, "NIK_TYPO": 0.006, "NIK_DATE_MISMATCH": 0.003,
    "DUPLICATE_IDENTICAL": 0.002, "DUPLICATE_CONFLICT": 0.001,
    "DATE_FORMAT": 0.01, "DATE_IMPOSSIBLE": 0.001, "DATE_FUTURE": 0.001,
    "NUMBER_SEPARATORS": 0.01, "NOT_POSITIVE": 0.001,
    "LABEL_CASE_SPACES": 0.003, "LABEL_UNKNOWN": 0.0005, "REGION_UNKNOWN": 0.001,
}


def read_reference() -> pl.DataFrame:
    return pl.read_csv(REFERENCE, has_header=False, new_columns=["KODE", "NAMA"], schema_overrides={"KODE": pl.String})


def _q(dirt: str, source: str) -> tuple[str, str]:
    """The (rule, action) a planted NIK dirt must produce in this source."""
    return D.NIK_DIRT[dirt], (rules.ROW_REJECTED if source == "penduduk" else rules.VALUE_DROPPED)


def penduduk_frame(W: World, village_codes: list[str]) -> pl.DataFrame:
    hh = W.hh
    vc = np.array(village_codes, dtype=object)
    return pl.DataFrame({
        "NIK": A.nik_str(W.nik),
        "NO_KK": pl.Series(W.h_no_kk[hh]).cast(pl.String),
        "NAMA_LGKP": W.name,
        "JENIS_KLMIN": pl.Series(list(codes.JENIS_KLMIN)).gather(W.female.astype(np.int64)),
        "TMPT_LHR": W.tmpt_lhr,
        "TGL_LHR": A.fmt_dates(W.birth),
        "STAT_HBKEL": pl.Series(list(codes.STAT_HBKEL)).gather(W.rel),
        "STAT_KWN": pl.Series(list(codes.STAT_KWN)).gather(W.kwn),
        "PDDK_AKH": pl.Series(list(codes.PDDK_AKH)).gather(W.edu),
        "JENIS_PKRJN": pl.Series(list(codes.JENIS_PKRJN)).gather(W.occ),
        "ALAMAT": W.h_alamat.gather(hh),
        "NO_RT": A.pad3(W.h_rt[hh]),
        "NO_RW": A.pad3(W.h_rw[hh]),
        "KODE_WILAYAH": pl.Series(vc[W.h_village[hh]].tolist(), dtype=pl.String),
        "STATUS": pl.Series(list(codes.STATUS)).gather(W.status),
        "TGL_STATUS": pl.select(pl.when(pl.Series(W.status != HIDUP)).then(
            A.fmt_dates(np.maximum(W.status_day, 0))).otherwise(None)).to_series(),
        "_rid": pl.Series(np.arange(W.n), dtype=pl.Int64),
    })


def _unknown_region(s: pl.Series, rng, ref_codes: set[str]) -> pl.Series:
    """A village code inside the scope that wilayah.csv does not list (same district, unused number)."""
    num = pl.Series(rng.integers(2090, 2100, len(s))).cast(pl.String)
    out = s.str.slice(0, 9) + num
    assert not set(out.to_list()) & ref_codes
    return out


def _common(P: D.Planter, rng, dates: list[str], future: list[str], numbers: dict[str, bool],
            cats: list[str], load_days: int, ref_codes: set[str], region: bool = True) -> None:
    """The value dirt shared by all sources."""
    for c in dates:
        present = P.df[c].is_not_null().to_numpy()
        P.plant("DATE_FORMAT", c, RATE["DATE_FORMAT"], lambda s: D.date_format(s, rng), present)
        P.plant("DATE_IMPOSSIBLE", c, RATE["DATE_IMPOSSIBLE"] / len(dates), lambda s: D.date_impossible(s, rng), present,
                rules.DATE_IMPOSSIBLE, rules.ROW_REJECTED)
    for c in future:
        present = P.df[c].is_not_null().to_numpy()
        if c == "TGL_LHR":  # a century slip: 1985 typed as 2085 (the NIK's YY still agrees)
            yy = P.df[c].str.slice(2, 2).cast(pl.Int64, strict=False).fill_null(0).to_numpy()
            cent = P.df[c].str.slice(0, 2).to_numpy()
            load_yy = int(str(A.DAY0.fromordinal(A.DAY0.toordinal() + load_days).year)[2:])
            elig = present & (cent == "19") & (yy > load_yy)
            P.plant("DATE_FUTURE", c, RATE["DATE_FUTURE"], lambda s: "20" + s.str.slice(2), elig,
                    rules.DATE_IN_FUTURE, rules.ROW_REJECTED)
        else:
            P.plant("DATE_FUTURE", c, RATE["DATE_FUTURE"] / len(future),
                    lambda s: A.fmt_dates(load_days + rng.integers(1, 400, len(s))), present,
                    rules.DATE_IN_FUTURE, rules.ROW_REJECTED)
    for c, dec in numbers.items():
        big = P.df[c].cast(pl.Int64, strict=False).fill_null(0).to_numpy() >= (1 if dec else 1000)
        P.plant("NUMBER_SEPARATORS", c, RATE["NUMBER_SEPARATORS"], lambda s: D.number_separators(s, rng, dec), big)
        P.plant("NOT_POSITIVE", c, RATE["NOT_POSITIVE"] / len(numbers), lambda s: D.not_positive(s, rng),
                rule=rules.NOT_POSITIVE, action=rules.ROW_REJECTED)
    for c in cats:
        P.plant("LABEL_CASE_SPACES", c, RATE["LABEL_CASE_SPACES"], lambda s: D.label_case_spaces(s, rng))
        P.plant("LABEL_UNKNOWN", c, RATE["LABEL_UNKNOWN"], lambda s, c=c: D.label_unknown(c, len(s), rng),
                rule=rules.UNKNOWN_CODE, action=rules.ROW_REJECTED)
    if region:
        in_scope = P.df["KODE_WILAYAH"].str.starts_with(SCOPE + ".").to_numpy()
        P.plant("REGION_UNKNOWN", "KODE_WILAYAH", RATE["REGION_UNKNOWN"], lambda s: _unknown_region(s, rng, ref_codes),
                in_scope, rules.UNKNOWN_REGION, rules.ROW_REJECTED)


def _nik_dirt(P: D.Planter, rng, column: str, registry: np.ndarray, typos: bool, allow_short: bool = True,
              bad_rate: float = NIK_BAD_RATE) -> None:
    nik = P.df[column]
    is_nik = (nik.str.len_chars().fill_null(0) == 16).to_numpy()
    P.plant("NIK_FORMATTING", column, RATE["NIK_FORMATTING"], lambda s: D.nik_formatting(s, rng), is_nik)
    for kind, fn in D.NIK_FUNCS.items():
        rule, action = _q(kind, P.source)
        f = (lambda s: D.nik_length(s, rng, allow_short)) if kind == "NIK_LENGTH" else (lambda s, fn=fn: fn(s, rng))
        P.plant(kind, column, bad_rate, f, is_nik, rule, action)
    if typos:
        idx = P.rows(is_nik, RATE["NIK_TYPO"], [column], quarantine=False)
        vals = P.col(column, idx).cast(pl.Int64).to_numpy()
        new, ok = D.nik_typos(rng, vals, registry)
        idx = idx[ok]
        P.set(column, idx, pl.Series(new[ok]).cast(pl.String))
        P.record(idx, column, "NIK_TYPO")


def _apply_order(df: pl.DataFrame, order: np.ndarray) -> pl.DataFrame:
    return df.select(pl.all().gather(pl.Series(order, dtype=pl.Int64)))


def _second_regency(frames: dict[str, pl.DataFrame], ref: pl.DataFrame,
                    districts: list[str]) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Move `districts` of the scope to the synthetic regency: every KODE_WILAYAH and reference code
    under them gets the synthetic regency's code; the reference gains the regency's own row."""
    def moved(expr: pl.Expr) -> pl.Expr:
        for d in districts:
            new = SYNTHETIC_REGENCY + d[len(SCOPE):]
            expr = pl.when(expr.str.starts_with(d + ".") | (expr == d)).then(
                pl.lit(new) + expr.str.slice(len(d))).otherwise(expr)
        return expr

    frames = {k: f.with_columns(moved(pl.col("KODE_WILAYAH")).alias("KODE_WILAYAH")) for k, f in frames.items()}
    ref = pl.concat([ref.with_columns(moved(pl.col("KODE")).alias("KODE")),
                     pl.DataFrame({"KODE": [SYNTHETIC_REGENCY], "NAMA": [SYNTHETIC_REGENCY_NAME]})])
    return frames, ref.sort("KODE")


def generate(persons: int, seed: int, out: Path, districts: list[str] | None = None,
             load_date: date = date(2026, 11, 1), second_regency: list[str] | None = None) -> dict:
    """Write a synthetic extract folder. `second_regency`: generated districts to deliver as a second,
    synthetic regency (SYNTHETIC_REGENCY), for loads whose scope spans two regencies; the default
    output is unchanged by it."""
    t0 = time.perf_counter()
    out = Path(out)
    rng = np.random.default_rng(seed)
    ref = read_reference()
    ref_codes = set(ref["KODE"].to_list())
    names_of = dict(zip(ref["KODE"].to_list(), ref["NAMA"].to_list()))
    all_villages = [c for c in ref["KODE"].to_list() if c.startswith(SCOPE + ".") and c.count(".") == 3]
    all_districts = sorted({c[:8] for c in all_villages})
    if districts is None:
        districts = all_districts
    unknown = [d for d in districts if d not in all_districts]
    if unknown:
        raise ValueError(f"unknown district code(s): {', '.join(unknown)}")
    if second_regency is not None:
        outside = [d for d in second_regency if d not in districts]
        if outside or not second_regency or set(second_regency) == set(districts):
            raise ValueError("second_regency: some but not all of the generated districts")
    villages = [c for c in all_villages if c[:8] in set(districts)]
    other_villages = [c for c in all_villages if c[:8] not in set(districts)]
    load_days = A.days_of(load_date)

    W = build_world(rng, persons, villages, load_days)

    # ---------------- penduduk ----------------
    pen = penduduk_frame(W, villages)
    P = D.Planter(rng, "penduduk", pen)
    dup_i = P.rows(None, RATE["DUPLICATE_IDENTICAL"], [], quarantine=True)
    P.reserve(dup_i)
    dup_c = P.rows(None, RATE["DUPLICATE_CONFLICT"], [], quarantine=True)
    P.reserve(dup_c)
    _nik_dirt(P, rng, "NIK", W.nik, typos=False, bad_rate=REGISTRY_NIK_BAD_RATE)
    # NIK date part disagreeing with TGL_LHR (a year slip) or JENIS_KLMIN (sex typed wrong)
    not_leap = ~P.df["TGL_LHR"].str.ends_with("-02-29").to_numpy()
    idx = P.rows(not_leap, RATE["NIK_DATE_MISMATCH"], ["NIK", "TGL_LHR", "JENIS_KLMIN"], quarantine=True)
    sex = rng.random(len(idx)) < 0.4
    tgl = P.col("TGL_LHR", idx)
    shifted = (tgl.str.slice(0, 4).cast(pl.Int64) - pl.Series(rng.integers(1, 4, len(idx)))).cast(pl.String) + tgl.str.slice(4)
    P.set("TGL_LHR", idx[~sex], shifted.filter(pl.Series(~sex)))
    flip = P.col("JENIS_KLMIN", idx[sex]).replace_strict({"LAKI-LAKI": "PEREMPUAN", "PEREMPUAN": "LAKI-LAKI"})
    P.set("JENIS_KLMIN", idx[sex], flip)
    P.record(idx, "NIK", "NIK_DATE_MISMATCH", rules.NIK_DATE_MISMATCH, rules.FLAGGED)
    _common(P, rng, ["TGL_LHR", "TGL_STATUS"], ["TGL_LHR", "TGL_STATUS"], {},
            list(codes.CATEGORICAL["penduduk"]), load_days, ref_codes)
    # duplicates: identical copies, and copies with another name or address, placed later in the file
    df = P.df
    copies_i = _apply_order(df, dup_i)
    conf = _apply_order(df, dup_c)
    k = len(dup_c)
    # the address a conflicting copy borrows comes from a household head's row without dirt of its own
    clean_heads = W.h_start[~P.used[W.h_start]]
    other = clean_heads[rng.integers(0, len(clean_heads), k)]
    by_addr = rng.random(k) < 0.5
    o = _apply_order(df, other)
    varied, _ = nm.apply_variants(rng, conf["NAMA_LGKP"], np.full(k, nm.VARIANT_KINDS.index("TYPO")),
                                  W.female[dup_c], W.age[dup_c] >= 45)
    bm = pl.Series(by_addr)
    conf = conf.with_columns(
        NAMA_LGKP=pl.when(bm).then(pl.col("NAMA_LGKP")).otherwise(varied),
        **{c: pl.when(bm).then(o[c]).otherwise(pl.col(c)) for c in ["NO_KK", "ALAMAT", "NO_RT", "NO_RW", "KODE_WILAYAH"]},
        STAT_HBKEL=pl.when(bm).then(pl.lit("FAMILI LAIN")).otherwise(pl.col("STAT_HBKEL")),
    )
    # a typo can leave the name unchanged: fall back to another address
    same = (conf["NAMA_LGKP"] == _apply_order(df, dup_c)["NAMA_LGKP"]).to_numpy() & ~by_addr
    if same.any():
        conf = conf.with_columns(ALAMAT=pl.when(pl.Series(same)).then(pl.col("ALAMAT") + " GG. 2").otherwise(pl.col("ALAMAT")))
    n0 = df.height
    copies = pl.concat([copies_i, conf]).with_columns(_rid=pl.int_range(n0, n0 + len(dup_i) + k, dtype=pl.Int64))
    src_pos = np.r_[dup_i, dup_c]
    new_pos = src_pos + 0.5 + np.floor(rng.random(len(src_pos)) * (n0 - src_pos)).astype(np.float64)
    key = np.r_[np.arange(n0, dtype=np.float64), new_pos]
    pen = pl.concat([df, copies])
    pen = _apply_order(pen, np.argsort(key, kind="stable"))
    plog = P.logged()
    dlog = pl.concat([
        plog,
        pl.DataFrame({"_rid": copies["_rid"].head(len(dup_i)), "column": "NIK", "dirt": "DUPLICATE_IDENTICAL",
                      "rule": rules.DUPLICATE_IDENTICAL, "action": rules.ROW_REJECTED}),
        pl.DataFrame({"_rid": pl.concat([df["_rid"].gather(dup_c), copies["_rid"].tail(k)]), "column": "NIK",
                      "dirt": "DUPLICATE_CONFLICT", "rule": rules.DUPLICATE_CONFLICT, "action": rules.ROW_REJECTED}),
    ]).with_columns(pl.col("_rid").cast(pl.Int64))
    pen_rn = pl.DataFrame({"_rid": pen["_rid"], "row_number": pl.int_range(1, pen.height + 1, eager=True)})
    logs = [("penduduk", dlog, pen_rn)]
    # persons whose registry row does not survive validation
    rej_rid = dlog.filter(pl.col("action") == rules.ROW_REJECTED)["_rid"].to_numpy()
    rejected = np.zeros(W.n, bool)
    rejected[rej_rid[rej_rid < W.n]] = True
    rejected[dup_c] = True
    survive = ~rejected

    # ---------------- tanah ----------------
    tan = A.build_tanah(rng, W, villages, [], load_days)
    tan = _apply_order(tan, rng.permutation(tan.height)).with_columns(_rid=pl.int_range(0, tan.height, dtype=pl.Int64))
    TP = D.Planter(rng, "tanah", tan)
    multi = tan["_multi"].to_numpy()
    oos = tan["_oos"].to_numpy()
    TP.used[oos] = True
    TP.record(np.nonzero(oos)[0], "KODE_WILAYAH", "OUT_OF_SCOPE", rules.OUT_OF_SCOPE_REGION, rules.FLAGGED)
    for c in ["KODE_WILAYAH", "LUAS_M2", "NJOP_PER_M2", "TGL_TERBIT", "JENIS_HAK", "PENGGUNAAN"]:
        TP._t(c)[multi | oos] = True  # rows of a shared parcel stay alike; outside rows carry one flag only
    _nik_dirt(TP, rng, "NIK_PEMEGANG", W.nik, typos=True)
    _common(TP, rng, ["TGL_TERBIT"], ["TGL_TERBIT"], {"LUAS_M2": True, "NJOP_PER_M2": False},
            list(codes.CATEGORICAL["tanah"]), load_days, ref_codes)
    tan = TP.df

    # ---------------- kendaraan ----------------
    ken = A.build_kendaraan(rng, W, villages, names_of, other_villages, load_days)
    ken = _apply_order(ken, rng.permutation(ken.height)).with_columns(_rid=pl.int_range(0, ken.height, dtype=pl.Int64))
    KP = D.Planter(rng, "kendaraan", ken)
    oos = ken["_oos"].to_numpy()
    KP.used[oos] = True
    KP._t("KODE_WILAYAH")[oos] = True
    KP.record(np.nonzero(oos)[0], "KODE_WILAYAH", "OUT_OF_SCOPE", rules.OUT_OF_SCOPE_REGION, rules.FLAGGED)
    kind = ken["_kind"].to_numpy()
    is_company = kind == "COMPANY"
    KP._t("NIK_PEMILIK")[is_company] = True
    KP.record(np.nonzero(is_company)[0], "NIK_PEMILIK", "COMPANY_NPWP")
    KP.record(np.nonzero(kind == "PREVIOUS_OWNER")[0], "NAMA_PEMILIK", "PREVIOUS_OWNER")
    KP.record(np.nonzero(kind == "DECEASED")[0], "NAMA_PEMILIK", "DECEASED_OWNER")
    lapsed = ken["_tax"].to_numpy() < load_days - 730
    KP.record(np.nonzero(lapsed)[0], "TGL_AKHIR_PAJAK", "TAX_LAPSED")
    KP._t("TGL_AKHIR_PAJAK")[lapsed] = True
    _nik_dirt(KP, rng, "NIK_PEMILIK", W.nik, typos=True, allow_short=False)
    _common(KP, rng, ["TGL_AKHIR_PAJAK"], [], {"NILAI_JUAL": False}, list(codes.CATEGORICAL["kendaraan"]),
            load_days, ref_codes)
    ken = KP.df

    # ---------------- rumah ----------------
    rum = A.build_rumah(rng, W, villages, load_days).with_columns(_rid=pl.int_range(0, pl.len(), dtype=pl.Int64))
    RP = D.Planter(rng, "rumah", rum)
    _nik_dirt(RP, rng, "NIK_KEPALA", W.nik, typos=True)
    _common(RP, rng, ["TGL_PENDATAAN"], ["TGL_PENDATAAN"], {"LUAS_LANTAI_M2": True},
            list(codes.CATEGORICAL["rumah"]), load_days, ref_codes)
    rum = RP.df

    # name variants of the asset and survey name columns (no quarantine: the name matcher's job)
    for P_, col in ((TP, "NAMA_PEMEGANG"), (KP, "NAMA_PEMILIK"), (RP, "NAMA_KEPALA")):
        P_.record(np.nonzero((P_.df["_variant"] != "").to_numpy())[0], col, "NAME_VARIANT")

    for P_ in (TP, KP, RP):
        rn = pl.DataFrame({"_rid": P_.df["_rid"], "row_number": pl.int_range(1, P_.n + 1, eager=True)})
        logs.append((P_.source, P_.logged(), rn))

    # ---------------- truth ----------------
    dirt_csv = pl.concat([
        lg.join(rn, on="_rid", how="left").select(pl.lit(src).alias("source"), pl.col("row_number").cast(pl.Int64),
                                                  "column", "dirt", "rule", "action")
        for src, lg, rn in logs
    ]).sort(["source", "row_number", "column", "dirt"])
    tan_truth = _asset_truth(W, tan, "NIB", "NIK_PEMEGANG", TP.logged(), survive, vehicles=False)
    ken_truth = _asset_truth(W, ken, "NO_RANGKA", "NIK_PEMILIK", KP.logged(), survive, vehicles=True)
    rum_truth = pl.DataFrame({"row_number": pl.int_range(1, rum.height + 1, eager=True), "no_kk": rum["NO_KK"],
                              "head_nik": A.nik_str(W.nik[rum["_owner"].to_numpy()])})
    hh_truth = pl.DataFrame({"no_kk": pl.Series(W.h_no_kk).cast(pl.String), "wealth": W.h_wealth,
                             "dissolved": W.h_dissolved})

    # ---------------- write ----------------
    def nulls(df: pl.DataFrame) -> pl.DataFrame:
        return df.with_columns(pl.col(pl.String).replace("", None))

    dirt_csv, tan_truth, ken_truth = nulls(dirt_csv), nulls(tan_truth), nulls(ken_truth)
    scope = SCOPE
    if second_regency is not None:
        moved, ref = _second_regency({"pen": pen, "tan": tan, "ken": ken, "rum": rum}, ref, second_regency)
        pen, tan, ken, rum = moved["pen"], moved["tan"], moved["ken"], moved["rum"]
        scope = f"{SCOPE}+{SYNTHETIC_REGENCY}"
    (out / "truth").mkdir(parents=True, exist_ok=True)
    pen.select(REQUIRED_COLUMNS["penduduk"]).write_csv(out / "penduduk.csv")
    tan.select(REQUIRED_COLUMNS["tanah"]).write_csv(out / "tanah.csv")
    ken.select(REQUIRED_COLUMNS["kendaraan"]).write_csv(out / "kendaraan.csv")
    rum.select(REQUIRED_COLUMNS["rumah"]).write_csv(out / "rumah.csv", include_bom=True)
    ref.write_csv(out / "wilayah.csv")
    (out / "load.json").write_text(json.dumps({"load_date": load_date.isoformat(), "scope": scope}) + "\n")
    dirt_csv.write_csv(out / "truth" / "dirt.csv")
    tan_truth.write_csv(out / "truth" / "tanah.csv")
    ken_truth.write_csv(out / "truth" / "kendaraan.csv")
    rum_truth.write_csv(out / "truth" / "rumah.csv")
    hh_truth.write_csv(out / "truth" / "households.csv")
    # written last, as a delivering side does: the folder is complete (the landing sensor and the
    # schedule load only a folder that carries it)
    (out / COMPLETE_MARKER).write_text("")
    counts = dirt_csv.group_by("dirt").len().sort("dirt")
    return {
        "rows": {"penduduk": pen.height, "tanah": tan.height, "kendaraan": ken.height, "rumah": rum.height,
                 "wilayah": ref.height},
        "households": W.h_n,
        "dirt": dict(zip(counts["dirt"].to_list(), counts["len"].to_list())),
        "seconds": round(time.perf_counter() - t0, 2),
    }


# A land record without a usable NIK can be told apart when the name and the parcel's village
# single its holder out: the chance that the holder is the true one, among everyone bearing the
# name who could hold a parcel of that type there, is at least this.
TOLD_APART = 0.99


def _land_told_apart(W: World, df: pl.DataFrame, name_h: np.ndarray, canon_h: np.ndarray,
                     own_v: np.ndarray, rec_v: np.ndarray) -> np.ndarray:
    """Per land record, the probability that its holder is the true owner rather than a namesake.

    By the way the world places parcels (`synth.assets.parcel_villages`): a person living in
    village u holds a parcel of type t lying in village v with weight 1 - AWAY_P[t] when u = v,
    AWAY_P[t] (1 - OTHER_DISTRICT_P[t]) / (villages of the district - 1) when v is another village
    of u's district, and AWAY_P[t] OTHER_DISTRICT_P[t] / (neighbouring districts of u's) /
    (villages of v's district) when v lies in a district next to u's (by code order), else 0.
    The owner's own weight is 0 in another district: linkage does not search there (policy.md).
    The probability is the true owner's weight over the summed weights of every person bearing the
    owner's canonical name (the owner included; persons whose registry row is rejected too: they
    hold land all the same) and of the holders from outside the registry expected to bear it: the
    evidence of a name and a village, with nothing else. 0 where the parcel's village is unknown."""
    codes_ = W.village_codes
    d_code, d_of_v = np.unique(np.array([c[:8] for c in codes_]), return_inverse=True)
    n_d = len(d_code)
    nv = np.bincount(d_of_v, minlength=n_d)
    near_n = np.array([len([j for j in (k - 1, k + 1) if 0 <= j < n_d]) for k in range(n_d)])
    typ = df["_typ"].to_numpy()
    t = np.maximum(typ, 0)
    away, other_d = A.AWAY_P[t], A.OTHER_DISTRICT_P[t]
    ok = rec_v >= 0
    v = np.maximum(rec_v, 0)
    dv = d_of_v[v]
    home_w = (1 - away) + np.where(nv[dv] == 1, away * (1 - other_d), 0) + (away * other_d if n_d == 1 else 0)
    same_w = np.where(nv[dv] > 1, away * (1 - other_d) / np.maximum(nv[dv] - 1, 1), 0)

    def near_w(d_home: np.ndarray) -> np.ndarray:
        return away * other_d / np.maximum(near_n[d_home], 1) / nv[dv]

    person_v = W.h_village[W.hh]
    reg = pl.DataFrame({"v": person_v, "d": d_of_v[person_v], "all": np.zeros(W.n, np.int64), "h": name_h,
                        "b": W.birth})
    # Only a namesake of age on the issue date can hold the certificate (`A.HOLDER_MIN_AGE_DAYS`):
    # per group and name, how many were born on or before each date, as a running count.
    cut = df["_terbit"].to_numpy() - A.HOLDER_MIN_AGE_DAYS

    def running(group: str) -> pl.DataFrame:
        return (reg.group_by(group, "h", "b").len().sort(group, "h", "b")
                .with_columns(n=pl.col("len").cum_sum().over(group, "h")).select(group, "h", "b", "n")
                .sort("b"))
    by_v, by_d = running("v"), running("d")

    def count(keys: dict[str, np.ndarray], table: pl.DataFrame) -> np.ndarray:
        (group,) = keys
        q = pl.DataFrame({**keys, "h": canon_h, "cut": cut}).with_row_index("_i").sort("cut")
        hit = q.join_asof(table, left_on="cut", right_on="b", by=[group, "h"], strategy="backward",
                           check_sortedness=False)
        return hit.sort("_i")["n"].fill_null(0).to_numpy()

    c_home = count({"v": v}, by_v)
    c_dist = count({"d": dv}, by_d)
    total = c_home * home_w + (c_dist - c_home) * same_w
    for step in (-1, 1):
        dn = dv + step
        inside = (dn >= 0) & (dn < n_d)
        dn_c = np.clip(dn, 0, n_d - 1)
        total = total + np.where(inside, count({"d": dn_c}, by_d) * near_w(dn_c), 0)
    # holders from outside the registry: a share of each type's parcels, spread over the villages,
    # bearing names as often as the registry's persons of age on the issue date do
    # (per land use as written: outsiders hold some uses and never others, such as PERUMAHAN)
    kind = df["_kind"].to_numpy()
    use = df["PENGGUNAAN"].str.to_uppercase().str.replace_all(r"\s+", " ").str.strip_chars()
    _, u = np.unique(use.fill_null("").to_numpy().astype(str), return_inverse=True)
    n_u = int(u.max()) + 1 if len(u) else 1
    persons_u = np.bincount(u[(typ >= 0) & (kind != "OUTSIDE")], minlength=n_u).astype(float)
    outside_u = np.bincount(u[(kind == "OUTSIDE") & ok], minlength=n_u)
    c_all = count({"all": np.zeros(df.height, np.int64)}, running("all"))
    total = total + (outside_u / np.maximum(persons_u, 1))[u] * c_all / len(codes_)
    ov = np.maximum(own_v, 0)
    od = d_of_v[ov]
    # Linkage searches the parcel's village, then its district (policy.md): a holder living in
    # another district competes with the owner above but is never found, so cannot be told apart.
    w_own = np.select([ov == v, od == dv], [home_w, same_w], 0.0)
    w_own = np.where(W.birth[np.maximum(df["_owner"].to_numpy(), 0)] <= cut, w_own, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(ok & (total > 0), w_own / total, 0.0)
    return p


def _asset_truth(W: World, df: pl.DataFrame, id_col: str, nik_col: str, log: pl.DataFrame,
                 survive: np.ndarray, vehicles: bool) -> pl.DataFrame:
    n = df.height
    owner = df["_owner"].to_numpy()
    has_owner = owner >= 0
    own = np.where(has_owner, owner, 0)
    kind = df["_kind"].to_numpy()
    # state of the NIK column: usable, dropped (quarantine), typo'd, or absent
    nik_rows = log.filter(pl.col("column") == nik_col)
    dropped = np.zeros(n, bool)
    typo = np.zeros(n, bool)
    rid = df["_rid"].to_numpy()
    pos_of = np.empty(n, np.int64)
    pos_of[rid] = np.arange(n)
    q = nik_rows.filter(pl.col("rule") != "")["_rid"].to_numpy()
    dropped[pos_of[q]] = True
    t = nik_rows.filter(pl.col("dirt") == "NIK_TYPO")["_rid"].to_numpy()
    typo[pos_of[t]] = True
    raw = df[nik_col].str.replace_all(r"[ .']", "").str.strip_chars()
    present = raw.is_not_null().to_numpy()
    raw_i = raw.cast(pl.Int64, strict=False).fill_null(0).to_numpy()
    usable = has_owner & present & ~dropped & ~typo & (raw_i == W.nik[own])
    # names: the registry's canonical name of the owner (or the outsider's own name)
    name_h = W.name.hash(seed=7).to_numpy()
    canon_h = np.where(has_owner, name_h[own], df["NAMA_PEMILIK" if vehicles else "NAMA_PEMEGANG"].hash(seed=7).to_numpy())
    # surviving registry persons by village (and RT/RW for vehicles), counted per canonical name
    surv = np.nonzero(survive)[0]
    vill = W.h_village[W.hh]
    vc = {c: i for i, c in enumerate(W.village_codes)}
    rec_v = df["KODE_WILAYAH"].replace_strict(vc, default=-1, return_dtype=pl.Int64).to_numpy()
    own_v = np.where(has_owner, vill[own], rec_v)
    reg_rv = pl.DataFrame({"v": vill[surv], "h": name_h[surv]}).group_by(["v", "h"]).len()
    c_rv = pl.DataFrame({"v": rec_v, "h": canon_h}).join(reg_rv, on=["v", "h"], how="left", maintain_order="left")[
        "len"].fill_null(0).to_numpy()
    # Vehicles: the name unique among the surviving persons of the owner's village, RT and RW.
    # Land: judged on the name and the parcel's village alone (`_land_told_apart`), whoever may
    # hold a parcel there: villagers, and namesakes of the district or the next one.
    if vehicles:
        ohh = df["_ohh"].to_numpy()
        rec_rtrw = np.where(ohh >= 0, W.h_rt[np.maximum(ohh, 0)] * 1000 + W.h_rw[np.maximum(ohh, 0)], -1)
        rtrw = W.h_rt[W.hh] * 1000 + W.h_rw[W.hh]
        cnt_v = pl.DataFrame({"v": vill[surv], "g": rtrw[surv], "h": name_h[surv]}).group_by(["v", "g", "h"]).len()
        qv = pl.DataFrame({"v": own_v, "g": rec_rtrw, "h": canon_h})
        c_v = qv.join(cnt_v, on=["v", "g", "h"], how="left", maintain_order="left")["len"].fill_null(0).to_numpy()
        name_unique = c_v == 1
    else:
        name_unique = _land_told_apart(W, df, name_h, canon_h, own_v, rec_v) >= TOLD_APART
    # Repairable NIKs: exactly one surviving registry NIK one edit away whose name agrees. The text
    # repaired is the typed NIK, whether still valid (a typo) or dropped by validation as invalid
    # (NIK_BAD_DATE, NIK_SERIAL_ZERO, NIK_UNKNOWN_PROVINCE, NIK_LETTERS: the linkage repairs the
    # cleaned `_RAW` text); only 16-character texts, and a letter among them stands for any digit.
    repair = np.zeros(n, bool)
    n16 = (raw.str.len_chars() == 16).fill_null(False).to_numpy()
    n_other = raw.str.count_matches(r"[^0-9]").fill_null(99).to_numpy()
    ti = np.nonzero(has_owner & present & n16 & (n_other == 0) & (typo | dropped))[0]
    li = np.nonzero(has_owner & present & n16 & (n_other == 1) & dropped)[0]
    width = 16 * 9 + 15
    nb = np.full((len(ti) + len(li), width), -1, np.int64)
    if len(ti):
        nb[:len(ti)] = D.one_edit_neighbours(raw_i[ti])
    if len(li):
        lt = raw.gather(li)
        place = 15 - lt.str.find(r"[^0-9]").cast(pl.Int64).to_numpy()
        zero = lt.str.replace(r"[^0-9]", "0").cast(pl.Int64).to_numpy()
        nb[len(ti):, :10] = zero[:, None] + np.arange(10)[None, :] * (10 ** place)[:, None]
    rows = np.r_[ti, li].astype(np.int64)
    if len(rows):
        reg_nik = W.nik[surv]
        order = np.argsort(reg_nik)
        sorted_nik = reg_nik[order]
        pos = np.clip(np.searchsorted(sorted_nik, nb), 0, len(sorted_nik) - 1)
        hit = (sorted_nik[pos] == nb) & (nb >= 0)
        person = surv[order[pos]]
        agree = hit & (name_h[person] == canon_h[rows][:, None])
        repair[rows] = agree.sum(axis=1) == 1
    alive_row = has_owner & survive[own]
    # a record whose own row is rejected by validation (planted dirt) never reaches linkage
    rejected = np.zeros(n, bool)
    r = log.filter(pl.col("action") == rules.ROW_REJECTED)["_rid"].to_numpy()
    rejected[pos_of[r]] = True
    alive_row &= ~rejected
    nonreg_ok = (kind == "COMPANY") | df["_oos"].to_numpy() | (present & ~dropped & ~typo & (raw_i > 0)) | (c_rv == 0)
    ident = np.where(has_owner, alive_row & (usable | repair | name_unique), nonreg_ok)
    return pl.DataFrame({
        "row_number": pl.int_range(1, n + 1, eager=True),
        "record_id": df[id_col],
        "owner_nik": A.nik_str(W.nik[own], has_owner),
        "owner_kind": df["_kind"],
        "identifiable": ident,
        "name_variant": df["_variant"],
    })
