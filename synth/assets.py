"""Land, vehicle and housing-survey records of the synthetic world, written the way agencies write
them (before the planted dirt). Every frame carries hidden `_`-columns for the truth."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from schemas import codes
from synth import names as nm
from synth.world import HIDUP, ISTRI, MATI, SUAMI, World, pick, split_date

DAY0 = date(1970, 1, 1)
KI = {k: i for i, k in enumerate(nm.VARIANT_KINDS)}
VARIANT_P = np.array([.15, .12, .15, .10, .12, .08, .08, .12, .08])


def days_of(d: date) -> int:
    return (d - DAY0).days


def fmt_dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date).dt.strftime("%Y-%m-%d")


def nik_str(nik: np.ndarray, present: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(nik.astype(np.int64)).cast(pl.String)
    if present is not None:
        s = pl.select(pl.when(pl.Series(present)).then(s).otherwise(None)).to_series()
    return s


def pad3(x: np.ndarray) -> pl.Series:
    return pl.Series(x.astype(np.int64)).cast(pl.String).str.zfill(3)


def outside_people(rng: np.random.Generator, n: int, load_days: int, stems: np.ndarray) -> dict:
    """Persons who are not in the registry (other regencies, long gone): NIKs with serials from 5001,
    which registry NIKs never reach."""
    female = rng.random(n) < 0.4
    birth = load_days - (rng.uniform(25, 75, n) * 365.25).astype(np.int64)
    y, m, d = split_date(birth)
    ddmmyy = (d + 40 * female) * 10000 + m * 100 + y % 100
    nik = ((stems * 100 + rng.integers(1, 20, n)) * 1_000_000 + ddmmyy) * 10_000 + rng.integers(5001, 9999, n)
    return {"female": female, "birth": birth, "nik": nik, "name": nm.make_names(rng, female, y)}


def adult_member(rng: np.random.Generator, W: World, hh: np.ndarray, p_head: float, p_spouse: float) -> np.ndarray:
    """Choose a holder in each household: the head, the spouse or another adult member."""
    n = len(hh)
    head = W.h_start[hh]
    sp = np.minimum(head + 1, W.n - 1)
    has_sp = (W.h_size[hh] >= 2) & np.isin(W.rel[sp], [ISTRI, SUAMI])
    other = head + np.floor(rng.random(n) * W.h_size[hh]).astype(np.int64)
    other = np.where(W.age[other] >= 18, other, head)
    r = rng.random(n)
    return np.where(r < p_head, head, np.where((r < p_head + p_spouse) & has_sp, sp, other))


def variant_kinds(rng: np.random.Generator, n: int, p: float, extra_old: np.ndarray | None = None) -> np.ndarray:
    k = np.where(rng.random(n) < p, rng.choice(len(VARIANT_P), size=n, p=VARIANT_P / VARIANT_P.sum()), -1)
    if extra_old is not None:
        k = np.where(extra_old & (rng.random(n) < 0.35), KI["OLD_SPELLING"], k)
    return k


# Where a household's parcels lie: house plots nearly always in the home village; farm land
# (sawah, kebun) more often in another village, nearly always of the same district, because
# absentee ("guntai") farm land, held by someone living in another kecamatan, is barred by law
# (PP 224/1961) except from an adjacent kecamatan. See README.md.
AWAY_P = np.array([0.02, 0.15, 0.15])  # per parcel type (house plot, sawah, kebun): outside the home village
OTHER_DISTRICT_P = np.array([0.30, 0.10, 0.10])  # of those, the share lying in another district


def typ_of_use(use: np.ndarray) -> np.ndarray:
    """Parcel type (0 house plot, 1 sawah, 2 kebun/tegalan) of a PENGGUNAAN index."""
    return np.select([use == 0, (use == 1) | (use == 2)], [1, 2], 0).astype(np.int64)


def parcel_villages(rng: np.random.Generator, home: np.ndarray, typ: np.ndarray,
                    scope_villages: list[str]) -> np.ndarray:
    """The village (index into `scope_villages`) of each parcel of a holder living in `home`.

    Outside the home village a parcel lies in another village of the same district, or (less
    often) in a village of the nearest other district of the scope by code; a district with one
    village only, or a scope of one district, keeps the parcel at home."""
    n = len(home)
    dist = np.array([c[:8] for c in scope_villages])
    codes_d, d_idx = np.unique(dist, return_inverse=True)
    by_d = [np.nonzero(d_idx == k)[0] for k in range(len(codes_d))]
    away = rng.random(n) < AWAY_P[typ]
    other_d = away & (rng.random(n) < OTHER_DISTRICT_P[typ])
    u = rng.random(n)
    out = home.copy()
    hd = d_idx[home]
    for k, members in enumerate(by_d):  # loops over districts only
        # same district, another village
        sel = np.nonzero(away & ~other_d & (hd == k))[0]
        if len(members) > 1 and len(sel):
            pos = np.searchsorted(members, home[sel])
            step = 1 + np.floor(u[sel] * (len(members) - 1)).astype(np.int64)
            out[sel] = members[(pos + step) % len(members)]
        # another district: the nearest one by code (either side), any of its villages
        sel = np.nonzero(other_d & (hd == k))[0]
        if len(by_d) > 1 and len(sel):
            near = [j for j in (k - 1, k + 1) if 0 <= j < len(by_d)]
            j = np.array(near)[np.floor(u[sel] * len(near)).astype(np.int64)]
            v = rng.random(len(sel))
            sizes = np.array([len(by_d[x]) for x in range(len(by_d))])
            first = np.array([by_d[x][0] for x in range(len(by_d))])
            # villages of a district are contiguous in `scope_villages` (sorted codes)
            out[sel] = first[j] + np.floor(v * sizes[j]).astype(np.int64)
    return out


# A certificate is issued to a holder at least 18 years old (BPN's age of majority): 18 × 365.25
# days rounded up, so never less than 18 calendar years.
HOLDER_MIN_AGE_DAYS = 6575


def build_tanah(rng: np.random.Generator, W: World, scope_villages: list[str], outside_villages: list[str],
                load_days: int) -> pl.DataFrame:
    H = W.h_n
    w = W.h_wealth
    n_house = (rng.random(H) < np.array([.35, .55, .70, .80, .90])[w - 1]).astype(np.int64)
    n_sawah = rng.poisson(np.array([.05, .2, .5, 1.0, 2.2])[w - 1])
    n_kebun = rng.poisson(np.array([.02, .08, .2, .4, .8])[w - 1])
    hh = np.r_[np.repeat(np.arange(H), n_house), np.repeat(np.arange(H), n_sawah), np.repeat(np.arange(H), n_kebun)]
    typ = np.r_[np.zeros(n_house.sum(), int), np.ones(n_sawah.sum(), int), np.full(n_kebun.sum(), 2)]
    n = len(hh)
    wp = w[hh]
    r = rng.random(n)
    use = np.select([(typ == 0) & (wp >= 3) & (r < 0.25), (typ == 0) & (r > 0.98), typ == 0, typ == 1, r < 0.5],
                    [4, 5, 3, 0, 1], 2)  # PENGGUNAAN index
    med = np.select([typ == 0, typ == 1], [np.array([120, 160, 220, 320, 500])[wp - 1],
                                           np.array([900, 1200, 1800, 2800, 4000])[wp - 1]], 1500)
    area = np.maximum(30, np.round(rng.lognormal(np.log(med), np.where(typ == 0, .45, .6)))).astype(np.int64)
    njop_house = np.array([48000, 64000, 91000, 120000, 160000, 200000, 335000, 500000, 750000])
    njop_farm = np.array([8000, 14000, 20000, 27000, 36000, 48000, 64000])
    hi = np.clip(wp + rng.integers(-1, 4, n), 0, 8)
    fi = np.clip(np.where(typ == 1, 2, 0) + rng.integers(0, 5, n), 0, 6)
    njop = np.where(typ == 0, njop_house[hi], njop_farm[fi])
    holder = adult_member(rng, W, hh, 0.70, 0.12)
    village = parcel_villages(rng, W.h_village[hh], typ, scope_villages)
    hi_d = load_days - 1
    # a member too young for any certificate issued before the last month leaves it to the head
    holder = np.where(W.birth[holder] + HOLDER_MIN_AGE_DAYS > hi_d - 30, W.h_start[hh], holder)
    lo = np.maximum(days_of(date(1975, 1, 1)), W.birth[holder] + HOLDER_MIN_AGE_DAYS)
    lo = np.minimum(lo, hi_d - 30)
    terbit = lo + np.floor(rng.random(n) * (hi_d - lo)).astype(np.int64)
    pre2010 = terbit < days_of(date(2010, 1, 1))
    has_nik = rng.random(n) < np.where(pre2010, 0.12, 0.93)
    hak = np.where(use == 4, np.where(rng.random(n) < 0.6, 1, 0), np.where(rng.random(n) < 0.01, 2, 0))
    owner = holder.copy()
    kind = np.where(W.status[holder] == MATI, "DECEASED", "PERSON").astype(object)
    # second holder (spouse) of some parcels: the same parcel written twice
    head = W.h_start[hh]
    sp = np.minimum(head + 1, W.n - 1)
    # (of age on the issue date, as the holder is: HOLDER_MIN_AGE_DAYS)
    co = (holder == head) & (W.h_size[hh] >= 2) & np.isin(W.rel[sp], [ISTRI, SUAMI]) & (rng.random(n) < 0.04)
    co &= W.birth[sp] + HOLDER_MIN_AGE_DAYS <= terbit
    ci = np.nonzero(co)[0]
    base = {
        "_hh": hh, "_use": use, "_area": area, "_njop": njop, "_village": village, "_terbit": terbit,
        "_has_nik": has_nik, "_hak": hak, "_owner": owner, "_kind": kind, "_parcel": np.arange(n),
        "_multi": co,
    }
    dup = {k: v[ci].copy() for k, v in base.items()}
    dup["_owner"] = sp[ci]
    dup["_kind"] = np.where(W.status[sp[ci]] == MATI, "DECEASED", "PERSON").astype(object)
    cols = {k: np.r_[base[k], dup[k]] for k in base}
    order = np.argsort(cols["_parcel"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    m = len(cols["_hh"])
    owner = cols["_owner"]
    o_nik = W.nik[owner]
    o_name = W.name.gather(owner)
    o_female = W.female[owner]
    o_old = W.age[owner] >= 45
    old_cert = (cols["_terbit"] < days_of(date(2000, 1, 1))) & (W.birth[owner] < days_of(date(1965, 1, 1)))
    vk = variant_kinds(rng, m, 0.12, old_cert)
    name_w, var = nm.apply_variants(rng, o_name, vk, o_female, o_old)
    vc = np.array(scope_villages, dtype=object)
    df = pl.DataFrame({
        "NIB": pl.Series(np.zeros(m, np.int64)),
        "JENIS_HAK": pl.Series(list(codes.JENIS_HAK)).gather(cols["_hak"]),
        "NIK_PEMEGANG": nik_str(o_nik, cols["_has_nik"]),
        "NAMA_PEMEGANG": name_w,
        "KODE_WILAYAH": pl.Series(vc[cols["_village"]].tolist(), dtype=pl.String),
        "LUAS_M2": pl.Series(cols["_area"]).cast(pl.String),
        "PENGGUNAAN": pl.Series(list(codes.PENGGUNAAN)).gather(cols["_use"]),
        "NJOP_PER_M2": pl.Series(cols["_njop"]).cast(pl.String),
        "TGL_TERBIT": fmt_dates(cols["_terbit"]),
        "_terbit": cols["_terbit"], "_owner": owner, "_kind": pl.Series(cols["_kind"].tolist(), dtype=pl.String), "_variant": var,
        "_parcel": cols["_parcel"], "_multi": cols["_multi"], "_typ": typ_of_use(cols["_use"]),
    })
    # institutional and outside holders
    n_inst = max(2, m // 250)
    inst_name = pl.Series(nm.LAND_INSTITUTIONS).gather(rng.integers(0, len(nm.LAND_INSTITUTIONS), n_inst))
    n_hgu = max(1, m // 20000)
    hgu_name = pl.Series(nm.PLANTATION_COMPANIES).gather(rng.integers(0, len(nm.PLANTATION_COMPANIES), n_hgu))
    inst = pl.DataFrame({
        "JENIS_HAK": ["WAKAF"] * n_inst + ["HGU"] * n_hgu,
        "NIK_PEMEGANG": pl.Series([None] * (n_inst + n_hgu), dtype=pl.String),
        "NAMA_PEMEGANG": pl.concat([inst_name, hgu_name]),
        "KODE_WILAYAH": pl.Series(vc[rng.integers(0, len(vc), n_inst + n_hgu)].tolist(), dtype=pl.String),
        "LUAS_M2": pl.Series(np.r_[rng.integers(150, 2500, n_inst), rng.integers(200_000, 3_000_000, n_hgu)]).cast(pl.String),
        "PENGGUNAAN": ["LAINNYA"] * n_inst + ["KEBUN"] * n_hgu,
        "NJOP_PER_M2": pl.Series(np.r_[njop_house[rng.integers(1, 6, n_inst)], njop_farm[rng.integers(0, 3, n_hgu)]]).cast(pl.String),
        "TGL_TERBIT": fmt_dates(i_terbit := load_days - rng.integers(400, 15000, n_inst + n_hgu)),
        "_terbit": i_terbit, "_owner": np.full(n_inst + n_hgu, -1), "_kind": ["COMPANY"] * (n_inst + n_hgu),
        "_variant": [""] * (n_inst + n_hgu),
    })
    n_out = max(2, int(m * 0.025))
    n_oos = max(1, int(m * 0.004))
    op = outside_people(rng, n_out + n_oos, load_days,
                        np.where(rng.random(n_out + n_oos) < 0.6, 3509, 3578))
    o_has = np.r_[rng.random(n_out) < 0.5, np.ones(n_oos, bool)]
    oos_codes = [f"35.09.{d:02d}.2{v:03d}" for d, v in zip(rng.integers(1, 32, n_oos), rng.integers(1, 16, n_oos))]
    o_terbit = load_days - rng.integers(200, 9000, n_out + n_oos)
    o_terbit = np.minimum(np.maximum(o_terbit, op["birth"] + HOLDER_MIN_AGE_DAYS), load_days - 30)
    ouse = rng.choice([0, 1, 3], size=n_out + n_oos, p=[.5, .2, .3])
    outside = pl.DataFrame({
        "JENIS_HAK": ["HM"] * (n_out + n_oos),
        "NIK_PEMEGANG": nik_str(op["nik"], o_has),
        "NAMA_PEMEGANG": op["name"],
        "KODE_WILAYAH": pl.Series(vc[rng.integers(0, len(vc), n_out)].tolist() + oos_codes, dtype=pl.String),
        "LUAS_M2": pl.Series(rng.integers(150, 6000, n_out + n_oos)).cast(pl.String),
        "PENGGUNAAN": pl.Series(list(codes.PENGGUNAAN)).gather(ouse),
        "NJOP_PER_M2": pl.Series(njop_farm[rng.integers(1, 7, n_out + n_oos)]).cast(pl.String),
        "TGL_TERBIT": fmt_dates(o_terbit),
        "_terbit": o_terbit, "_owner": np.full(n_out + n_oos, -1), "_kind": ["OUTSIDE"] * (n_out + n_oos),
        "_variant": [""] * (n_out + n_oos),
        "_oos": np.r_[np.zeros(n_out, bool), np.ones(n_oos, bool)],
    })
    outside = outside.with_columns(_typ=pl.Series(typ_of_use(ouse)))
    extra = pl.concat([inst.with_columns(_oos=pl.lit(False), _typ=pl.lit(-1, dtype=pl.Int64)), outside], how="vertical")
    extra = extra.with_columns(_parcel=pl.int_range(m + 10, m + 10 + extra.height, dtype=pl.Int64),
                               _multi=pl.lit(False))
    df = df.with_columns(_oos=pl.lit(False))
    extra = extra.with_columns(NIB=pl.lit(0, dtype=pl.Int64), _owner=pl.col("_owner").cast(pl.Int64))
    df = pl.concat([df.with_columns(pl.col("_owner").cast(pl.Int64), pl.col("_parcel").cast(pl.Int64)),
                    extra.select(df.columns)], how="vertical")
    # parcel ids: 14 digits, unique per parcel, shared by the rows of a parcel
    n_parcels = int(df["_parcel"].max()) + 1
    stride = 10**12 // n_parcels
    nib_of = 12_000_000_000_000 + rng.permutation(n_parcels) * stride + rng.integers(0, stride, n_parcels)
    df = df.with_columns(NIB=pl.Series(nib_of[df["_parcel"].to_numpy()]).cast(pl.String))
    return df


VIN_WMI = {"HONDA": "MH1", "YAMAHA": "MH3", "SUZUKI": "MH8", "KAWASAKI": "MH4", "TOYOTA": "MHF",
           "DAIHATSU": "MHK", "MITSUBISHI": "MHM", "ISUZU": "MHC", "HINO": "MJE"}
VIN_CHARS = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"))
VIN_YEAR = "STVWXY123456789ABCDEFGHJKLMNPRST"  # 1995..2026


def build_kendaraan(rng: np.random.Generator, W: World, scope_villages: list[str], village_names: dict[str, str],
                    other_bwi_villages: list[str], load_days: int) -> pl.DataFrame:
    H = W.h_n
    w = W.h_wealth
    motor = pick(rng, w, {1: [.45, .45, .1, 0], 2: [.2, .55, .25, 0], 3: [.1, .45, .35, .1],
                          4: [.05, .3, .4, .25], 5: [.05, .2, .4, .35]})
    cars = pick(rng, w, {1: [.995, .005, 0], 2: [.98, .02, 0], 3: [.92, .08, 0], 4: [.6, .35, .05],
                         5: [.15, .55, .30]})
    hh = np.r_[np.repeat(np.arange(H), motor), np.repeat(np.arange(H), cars)]
    n = len(hh)
    is_car = np.r_[np.zeros(motor.sum(), bool), np.ones(cars.sum(), bool)]
    wv = w[hh]
    rt = rng.random(n)
    jenis = np.where(~is_car, 0, np.where((wv == 5) & (rt < 0.02), 3, np.where(rt < 0.8, 1, 2)))
    owner = adult_member(rng, W, hh, 0.65, 0.15)
    kind = np.where(W.status[owner] == MATI, "DECEASED", "PERSON").astype(object)
    village = W.h_village[hh]
    # registered to a previous owner: a villager of another household, or someone gone
    prev = rng.random(n) < 0.04
    v_first = np.searchsorted(W.h_village[W.hh], np.arange(len(scope_villages)))
    v_count = np.bincount(W.h_village[W.hh], minlength=len(scope_villages))
    cand = v_first[village] + np.floor(rng.random(n) * v_count[village]).astype(np.int64)
    cand = np.where(W.age[cand] >= 18, cand, W.h_start[W.hh[cand]])
    prev_in = prev & (rng.random(n) < 0.6) & (W.hh[cand] != hh)
    prev_out = prev & ~prev_in
    owner = np.where(prev_in, cand, owner)
    kind = np.where(prev, "PREVIOUS_OWNER", kind)
    gone = outside_people(rng, n, load_days, np.full(n, 3509))
    o_nik = np.where(prev_out, gone["nik"], W.nik[owner])
    o_name = pl.select(pl.when(pl.Series(prev_out)).then(gone["name"]).otherwise(W.name.gather(owner))).to_series()
    o_female = np.where(prev_out, gone["female"], W.female[owner])
    o_old = np.where(prev_out, True, W.age[owner] >= 45)
    o_hh = np.where(prev_out, hh, W.hh[owner])
    owner = np.where(prev_out, -1, owner)
    has_nik = rng.random(n) < 0.95
    # tax
    lapse_p = np.where((kind == "DECEASED") | prev, 0.4, 0.07)
    r = rng.random(n)
    tax = np.where(r < lapse_p, load_days - rng.integers(731, 3650, n),
                   np.where(r < lapse_p + 0.05, load_days - rng.integers(366, 700, n),
                            load_days + rng.integers(-330, 365, n)))
    load_year = split_date(np.array([load_days]))[0][0]
    age_v = np.floor(rng.exponential(np.where(is_car, 7, 6), n)).astype(np.int64)
    tahun = np.maximum(np.where(is_car, 1990, 1995), load_year - age_v)
    tahun = np.minimum(tahun, split_date(tax)[0])
    df = _vehicle_frame(rng, W, jenis, tahun, tax, o_nik, has_nik, o_name, o_female, o_old, village, o_hh,
                        scope_villages, village_names, load_year)
    df = df.with_columns(_owner=pl.Series(owner), _kind=pl.Series(kind.tolist(), dtype=pl.String),
                         _oos=pl.lit(False), _ovillage=pl.Series(village), _ohh=pl.Series(o_hh))
    # companies, owners in Jember (outside the scope), owners elsewhere in Banyuwangi
    n_co = max(2, n // 100)
    n_oos = max(2, n // 200)
    n_obw = max(2, n // 100) if other_bwi_villages else 0
    ex_n = n_co + n_oos + n_obw
    stems = np.r_[np.zeros(n_co, int), np.full(n_oos, 3509), np.full(n_obw, 3510)]
    op = outside_people(rng, ex_n, load_days, np.where(stems == 0, 3509, stems))
    npwp = "0" + pl.Series(rng.integers(10**7, 10**8, ex_n)).cast(pl.String) + "627000"
    co_name = pl.Series(nm.COMPANY_NAMES).gather(rng.integers(0, len(nm.COMPANY_NAMES), ex_n))
    is_co = stems == 0
    ex_nik = pl.select(pl.when(pl.Series(is_co)).then(npwp).otherwise(nik_str(op["nik"]))).to_series()
    ex_name = pl.select(pl.when(pl.Series(is_co)).then(co_name).otherwise(op["name"])).to_series()
    ex_village = rng.integers(0, len(scope_villages), ex_n)
    ex_jenis = np.where(is_co, rng.choice([1, 2, 3], size=ex_n, p=[.45, .5, .05]),
                        np.where(rng.random(ex_n) < 0.8, 0, 1))
    ex_tax = load_days + rng.integers(-330, 365, ex_n)
    ex_tahun = np.maximum(1995, load_year - np.floor(rng.exponential(5, ex_n)).astype(np.int64))
    ex = _vehicle_frame(rng, W, ex_jenis, ex_tahun, ex_tax, np.zeros(ex_n, np.int64), np.ones(ex_n, bool),
                        ex_name, op["female"], np.ones(ex_n, bool), ex_village, np.zeros(ex_n, np.int64),
                        scope_villages, village_names, load_year, company=is_co)
    oos_code = [f"35.09.{d:02d}.2{v:03d}" for d, v in zip(rng.integers(1, 32, n_oos), rng.integers(1, 16, n_oos))]
    obw = [other_bwi_villages[i] for i in rng.integers(0, max(1, len(other_bwi_villages)), n_obw)] if n_obw else []
    ex_codes = pl.Series(np.array(scope_villages, dtype=object)[ex_village[:n_co]].tolist() + oos_code + obw,
                         dtype=pl.String)
    out_addr = pl.Series(["DUSUN KRAJAN"] * ex_n) + " RT " + pad3(rng.integers(1, 15, ex_n)) + " RW " + pad3(rng.integers(1, 6, ex_n))
    ex = ex.with_columns(
        NIK_PEMILIK=ex_nik, KODE_WILAYAH=ex_codes,
        ALAMAT_PEMILIK=pl.when(pl.lit(pl.Series(is_co))).then(pl.col("ALAMAT_PEMILIK")).otherwise(pl.lit(out_addr)),
        _owner=pl.lit(-1, dtype=pl.Int64),
        _kind=pl.Series(np.where(is_co, "COMPANY", "OUTSIDE").tolist(), dtype=pl.String),
        _oos=pl.Series(stems == 3509), _ovillage=pl.Series(ex_village), _ohh=pl.lit(-1, dtype=pl.Int64),
        _variant=pl.lit(""),
    )
    df = pl.concat([df.with_columns(pl.col("_owner").cast(pl.Int64), pl.col("_ohh").cast(pl.Int64),
                                    pl.col("_ovillage").cast(pl.Int64)),
                    ex.with_columns(pl.col("_ovillage").cast(pl.Int64)).select(df.columns)], how="vertical")
    # unique identifiers: VIN and plate
    m = df.height
    serial = rng.permutation(m) + 100000
    vin_mid = pl.Series(VIN_CHARS).gather(rng.integers(0, len(VIN_CHARS), m * 5))
    parts = vin_mid.to_numpy().reshape(m, 5)
    mid = pl.DataFrame({f"c{i}": parts[:, i] for i in range(5)}).select(pl.concat_str(pl.all())).to_series()
    ty = df["TAHUN_BUAT"].cast(pl.Int64).to_numpy()
    yc = pl.Series(list(VIN_YEAR)).gather(np.clip(ty - 1995, 0, len(VIN_YEAR) - 1))
    wmi = df["MEREK"].replace_strict(VIN_WMI, default="MHY")
    check = pl.Series(list("0123456789X")).gather(rng.integers(0, 11, m))
    vin = wmi + mid + check + yc + "A" + pl.Series(serial).cast(pl.String).str.zfill(6)
    # plates: distinct numbers 1-9999 with a one- or two-letter suffix, spread over the space
    space = 9999 * 23 * 24
    stride = space // m
    pn = (rng.permutation(m) * stride + rng.integers(0, stride, m)) % space
    letters = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ") + [""])
    suf = pl.Series(letters[(pn // 9999) % 23]) + pl.Series(letters[(pn // (9999 * 23)) % 24])
    plate = "P " + pl.Series(pn % 9999 + 1).cast(pl.String) + " " + suf
    df = df.with_columns(NO_RANGKA=vin, NO_POLISI=plate)
    return df


MOTOR_MAKES = (["HONDA", "YAMAHA", "SUZUKI", "KAWASAKI"], [.65, .27, .05, .03], [18e6, 20e6, 15e6, 35e6])
CAR_MAKES = (["TOYOTA", "DAIHATSU", "SUZUKI", "MITSUBISHI", "HONDA", "ISUZU"], [.4, .2, .15, .1, .1, .05])
TRUCK_MAKES = (["MITSUBISHI", "SUZUKI", "DAIHATSU", "ISUZU"], [.35, .3, .2, .15])
BUS_MAKES = (["HINO", "MITSUBISHI", "ISUZU"], [.5, .3, .2])


def _vehicle_frame(rng, W, jenis, tahun, tax, o_nik, has_nik, o_name, o_female, o_old, village, o_hh,
                   scope_villages, village_names, load_year, company=None) -> pl.DataFrame:
    n = len(jenis)
    mk_m = rng.choice(4, size=n, p=MOTOR_MAKES[1])
    mk_c = rng.choice(6, size=n, p=CAR_MAKES[1])
    mk_t = rng.choice(4, size=n, p=TRUCK_MAKES[1])
    mk_b = rng.choice(3, size=n, p=BUS_MAKES[1])
    makes = np.select([jenis == 0, jenis == 1, jenis == 2],
                      [np.array(MOTOR_MAKES[0], dtype=object)[mk_m], np.array(CAR_MAKES[0], dtype=object)[mk_c],
                       np.array(TRUCK_MAKES[0], dtype=object)[mk_t]], np.array(BUS_MAKES[0], dtype=object)[mk_b])
    base = np.select([jenis == 0, jenis == 1, jenis == 2], [np.array(MOTOR_MAKES[2])[mk_m], 230e6, 160e6], 950e6)
    age = load_year - tahun
    val = base * np.where(jenis == 0, 0.9, 0.92) ** age * rng.lognormal(0, 0.2, n)
    unit = np.where(jenis == 0, 100_000, 1_000_000)
    val = np.maximum(unit, np.round(val / unit) * unit).astype(np.int64)
    vk = np.where(rng.random(n) < 0.10, rng.choice(len(VARIANT_P), size=n, p=VARIANT_P / VARIANT_P.sum()), -1)
    if company is not None:
        vk = np.where(company, -1, vk)
    name_w, var = nm.apply_variants(rng, o_name, vk, o_female, o_old)
    hh = np.where(o_hh >= 0, o_hh, 0)
    rtv, rwv = W.h_rt[hh], W.h_rw[hh]
    fmt = rng.random(n)
    rtrw = pl.select(
        pl.when(pl.Series(fmt < 0.6)).then("RT " + pad3(rtv) + " RW " + pad3(rwv))
        .when(pl.Series(fmt < 0.85)).then("RT." + pad3(rtv) + " RW." + pad3(rwv))
        .otherwise("RT " + pad3(rtv) + "/RW " + pad3(rwv))).to_series()
    vnames = pl.Series([village_names[c].upper() for c in scope_villages], dtype=pl.String).gather(village)
    addr = W.h_alamat.gather(hh) + " " + rtrw + " DS. " + vnames
    if company is not None:
        st = pl.Series(nm.STREETS).gather(rng.integers(0, len(nm.STREETS), n))
        addr = pl.select(pl.when(pl.Series(company)).then(st + " NO. " + pl.Series(rng.integers(1, 200, n)).cast(pl.String))
                         .otherwise(addr)).to_series()
    return pl.DataFrame({
        "NO_RANGKA": pl.Series([""] * n), "NO_POLISI": pl.Series([""] * n),
        "NIK_PEMILIK": nik_str(o_nik, has_nik),
        "NAMA_PEMILIK": name_w,
        "ALAMAT_PEMILIK": addr,
        "KODE_WILAYAH": pl.Series(np.array(scope_villages, dtype=object)[village].tolist(), dtype=pl.String),
        "JENIS_KENDARAAN": pl.Series(list(codes.JENIS_KENDARAAN)).gather(jenis),
        "MEREK": pl.Series(makes.tolist(), dtype=pl.String),
        "TAHUN_BUAT": pl.Series(tahun).cast(pl.String),
        "NILAI_JUAL": pl.Series(val).cast(pl.String),
        "TGL_AKHIR_PAJAK": fmt_dates(tax),
        "_variant": var,
        "_tax": tax,
    })


HOUSE = {
    "STATUS_BANGUNAN": {1: [.70, .08, .18, 0, .04], 2: [.78, .08, .12, 0, .02], 3: [.85, .08, .05, .01, .01],
                        4: [.88, .06, .02, .03, .01], 5: [.93, .03, .01, .03, 0]},
    "LANTAI": {1: [0, .15, 0, .05, .02, .43, .02, .33], 2: [0, .40, 0, .10, .01, .37, .01, .11],
               3: [0, .70, .01, .08, .01, .18, 0, .02], 4: [.03, .85, .02, .04, 0, .06, 0, 0],
               5: [.20, .76, .02, .01, 0, .01, 0, 0]},
    "DINDING": {1: [.45, .10, .10, .28, .05, .02], 2: [.70, .07, .06, .14, .02, .01], 3: [.90, .03, .03, .04, 0, 0],
                4: [.98, .01, .01, 0, 0, 0], 5: [1, 0, 0, 0, 0, 0]},
    "ATAP": {1: [0, .80, .08, .08, .01, .01, .02], 2: [0, .88, .06, .05, .01, 0, 0], 3: [.01, .92, .04, .03, 0, 0, 0],
             4: [.05, .92, .02, .01, 0, 0, 0], 5: [.15, .84, .01, 0, 0, 0, 0]},
    "SUMBER_AIR_MINUM": {1: [.10, .04, .20, .35, .20, .04, .04, .02, .01], 2: [.25, .05, .28, .30, .08, .02, .01, .01, 0],
                         3: [.45, .07, .28, .17, .02, .01, 0, 0, 0], 4: [.60, .08, .25, .07, 0, 0, 0, 0, 0],
                         5: [.75, .08, .15, .02, 0, 0, 0, 0, 0]},
    "FASILITAS_BAB": {1: [.60, .20, .08, .12], 2: [.80, .12, .03, .05], 3: [.93, .05, .01, .01], 4: [.99, .01, 0, 0],
                      5: [1, 0, 0, 0]},
    "PENERANGAN": {1: [.80, .17, .02, .01], 2: [.92, .07, .01, 0], 3: [.98, .02, 0, 0], 4: [1, 0, 0, 0], 5: [1, 0, 0, 0]},
    "BAHAN_BAKAR_MASAK": {1: [0, 0, 0, .72, 0, 0, .01, .01, .25, .01], 2: [0, .01, .01, .85, 0, .005, .005, 0, .12, .01],
                          3: [.01, .05, .05, .85, 0, 0, 0, 0, .03, .01], 4: [.03, .20, .15, .60, 0, 0, 0, 0, 0, .02],
                          5: [.08, .45, .20, .25, 0, 0, 0, 0, 0, .02]},
}
VA = {1: [.55, .42, .03, 0, 0, 0], 2: [.35, .58, .06, .01, 0, 0], 3: [.10, .65, .20, .05, 0, 0],
      4: [.02, .35, .40, .18, .05, 0], 5: [0, .08, .32, .35, .17, .08]}


def build_rumah(rng: np.random.Generator, W: World, scope_villages: list[str], load_days: int) -> pl.DataFrame:
    H = W.h_n
    surveyed = np.nonzero(~W.h_dissolved & (rng.random(H) < 0.95))[0]
    n = len(surveyed)
    w = W.h_wealth[surveyed]
    # the head as enumerated: the registered head if alive, else the oldest living member
    alive = W.status == HIDUP
    score = np.where(alive, W.age.astype(np.float64) + np.where(W.pos == 0, 1000, 0), -1.0)
    order = np.lexsort((-score, W.hh))
    first = np.r_[True, W.hh[order][1:] != W.hh[order][:-1]]
    head_of = np.empty(H, np.int64)
    head_of[W.hh[order][first]] = order[first]
    head = head_of[surveyed]
    cols: dict[str, pl.Series] = {}
    for col, tab in HOUSE.items():
        labels = codes.CATEGORICAL["rumah"][col]
        cols[col] = pl.Series(list(labels)).gather(pick(rng, w, tab))
    va_i = pick(rng, w, VA)
    va = np.array([450, 900, 1300, 2200, 3500, 5500])[va_i]
    va = np.where(cols["PENERANGAN"].to_numpy() == "PLN METERAN", va, 0)
    area = np.maximum(12, np.round(rng.lognormal(np.log(np.array([30, 45, 70, 110, 180])[w - 1]), 0.35))).astype(np.int64)
    vk = variant_kinds(rng, n, 0.08)
    name_w, var = nm.apply_variants(rng, W.name.gather(head), vk, W.female[head], W.age[head] >= 45)
    df = pl.DataFrame({
        "NO_KK": pl.Series(W.h_no_kk[surveyed]).cast(pl.String),
        "NIK_KEPALA": nik_str(W.nik[head]),
        "NAMA_KEPALA": name_w,
        "KODE_WILAYAH": pl.Series(np.array(scope_villages, dtype=object)[W.h_village[surveyed]].tolist(), dtype=pl.String),
        "STATUS_BANGUNAN": cols["STATUS_BANGUNAN"],
        "LUAS_LANTAI_M2": pl.Series(area).cast(pl.String),
        "LANTAI": cols["LANTAI"], "DINDING": cols["DINDING"], "ATAP": cols["ATAP"],
        "SUMBER_AIR_MINUM": cols["SUMBER_AIR_MINUM"], "FASILITAS_BAB": cols["FASILITAS_BAB"],
        "PENERANGAN": cols["PENERANGAN"], "DAYA_VA": pl.Series(va).cast(pl.String),
        "BAHAN_BAKAR_MASAK": cols["BAHAN_BAKAR_MASAK"],
        "TGL_PENDATAAN": fmt_dates(load_days - rng.integers(15, 400, n)),
        "_owner": head, "_variant": var, "_hh": surveyed,
    })
    return df
