"""The synthetic world: households and persons of the registry, with a latent household wealth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from schemas import codes
from synth import names as nm

EPOCH = np.datetime64("1970-01-01", "D")

# STAT_HBKEL indices (codes.STAT_HBKEL order)
KK, SUAMI, ISTRI, ANAK, MENANTU, CUCU, ORTU, MERTUA, FAMILI, PEMBANTU, LAINNYA = range(11)
HIDUP, MATI, PINDAH = range(3)

SIZE_P = np.array([0.11, 0.19, 0.24, 0.22, 0.13, 0.06, 0.025, 0.012, 0.006, 0.003, 0.002, 0.002])
SIZE_P = SIZE_P / SIZE_P.sum()
WEALTH_P = np.array([0.22, 0.26, 0.28, 0.17, 0.07])

# Where NIKs were first issued, outside Banyuwangi: (6-digit region stem without district, name,
# number of districts), weights.
OTHER_REGENCIES = [
    ("3509", "JEMBER", 31), ("3511", "BONDOWOSO", 23), ("3512", "SITUBONDO", 17),
    ("3529", "SUMENEP", 27), ("3528", "PAMEKASAN", 13), ("3507", "MALANG", 33),
    ("3578", "SURABAYA", 31), ("5101", "JEMBRANA", 5), ("5171", "DENPASAR", 4),
    ("3374", "SEMARANG", 16), ("3171", "JAKARTA", 8), ("3273", "BANDUNG", 30),
]
OTHER_W = np.array([20, 8, 8, 8, 5, 6, 8, 6, 3, 3, 3, 2], dtype=float)
OTHER_W /= OTHER_W.sum()


def split_date(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dt = EPOCH + days.astype("timedelta64[D]")
    y = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    mstart = dt.astype("datetime64[M]")
    m = mstart.astype(np.int64) % 12 + 1
    d = (dt - mstart.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, d


def group_serial(key: np.ndarray) -> np.ndarray:
    """1-based running number of each row within its key, in row order."""
    order = np.argsort(key, kind="stable")
    ks = key[order]
    first = np.r_[True, ks[1:] != ks[:-1]]
    starts = np.maximum.accumulate(np.where(first, np.arange(len(ks)), 0))
    out = np.empty(len(key), dtype=np.int64)
    out[order] = np.arange(len(ks)) - starts + 1
    return out


def pick(rng: np.random.Generator, keys: np.ndarray, tables: dict[int, np.ndarray]) -> np.ndarray:
    """Draw a label index per row from the probability vector of its key."""
    out = np.zeros(len(keys), dtype=np.int64)
    for key in sorted(tables):
        idx = np.nonzero(keys == key)[0]
        if len(idx):
            p = np.asarray(tables[key], dtype=float)
            out[idx] = rng.choice(len(p), size=len(idx), p=p / p.sum())
    return out


def label_table(labels: tuple[str, ...], spec: dict[str, float]) -> np.ndarray:
    p = np.zeros(len(labels))
    for k, v in spec.items():
        p[labels.index(k)] = v
    return p


OCC = codes.JENIS_PKRJN
PNS, TNI, POLRI = "PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)"
MAN = {
    1: {"BURUH TANI/PERKEBUNAN": .33, "BURUH HARIAN LEPAS": .28, "PETANI/PEKEBUN": .10,
        "NELAYAN/PERIKANAN": .04, "BURUH NELAYAN/PERIKANAN": .03, "TUKANG BATU": .07, "SOPIR": .03,
        "PEDAGANG": .05, "LAINNYA": .02, "BELUM/TIDAK BEKERJA": .05},
    2: {"PETANI/PEKEBUN": .28, "BURUH TANI/PERKEBUNAN": .14, "BURUH HARIAN LEPAS": .14,
        "PEDAGANG": .10, "WIRASWASTA": .10, "TUKANG BATU": .05, "TUKANG KAYU": .03, "SOPIR": .05,
        "NELAYAN/PERIKANAN": .04, "PETERNAK": .03, "KARYAWAN SWASTA": .04, PNS: .01, "PERANGKAT DESA": .01,
        "KARYAWAN BUMD": .005},
    3: {"PETANI/PEKEBUN": .24, "WIRASWASTA": .19, "PEDAGANG": .14, "KARYAWAN SWASTA": .15,
        "GURU": .04, PNS: .03, "SOPIR": .04, "PETERNAK": .04, "TUKANG KAYU": .03,
        "BURUH HARIAN LEPAS": .05, "PERANGKAT DESA": .02, "NELAYAN/PERIKANAN": .03},
    4: {"PETANI/PEKEBUN": .20, "WIRASWASTA": .19, PNS: .11, "KARYAWAN SWASTA": .15,
        "PEDAGANG": .12, "GURU": .07, TNI: .03, POLRI: .03, "KARYAWAN BUMN": .04,
        "PERANGKAT DESA": .03, "KEPALA DESA": .01, "KARYAWAN BUMD": .02},
    5: {"WIRASWASTA": .24, "PETANI/PEKEBUN": .18, PNS: .14, "PEDAGANG": .12, "KARYAWAN BUMN": .06,
        "KARYAWAN BUMD": .02, "ANGGOTA DPRD KABUPATEN/KOTA": .01, "DOKTER": .02, POLRI: .04,
        TNI: .04, "KARYAWAN SWASTA": .10, "DOSEN": .01, "KEPALA DESA": .02},
}
WOMAN = {
    1: {"MENGURUS RUMAH TANGGA": .55, "BURUH TANI/PERKEBUNAN": .15, "BURUH HARIAN LEPAS": .08,
        "PEDAGANG": .08, "PETANI/PEKEBUN": .05, "TUKANG JAHIT": .02, "BELUM/TIDAK BEKERJA": .05,
        "LAINNYA": .02},
    2: {"MENGURUS RUMAH TANGGA": .55, "PEDAGANG": .12, "PETANI/PEKEBUN": .08,
        "BURUH TANI/PERKEBUNAN": .08, "KARYAWAN SWASTA": .06, "WIRASWASTA": .05, "TUKANG JAHIT": .03,
        "BURUH HARIAN LEPAS": .03},
    3: {"MENGURUS RUMAH TANGGA": .50, "PEDAGANG": .13, "KARYAWAN SWASTA": .10, "WIRASWASTA": .08,
        "GURU": .07, "PETANI/PEKEBUN": .06, PNS: .02, "BIDAN": .01, "PERAWAT": .02, "TUKANG JAHIT": .01},
    4: {"MENGURUS RUMAH TANGGA": .42, "GURU": .12, PNS: .08, "PEDAGANG": .12, "KARYAWAN SWASTA": .10,
        "WIRASWASTA": .08, "BIDAN": .03, "PERAWAT": .03, "KARYAWAN BUMN": .02},
    5: {"MENGURUS RUMAH TANGGA": .38, "GURU": .12, PNS: .12, "WIRASWASTA": .12, "PEDAGANG": .10,
        "KARYAWAN SWASTA": .08, "DOKTER": .03, "BIDAN": .02, "KARYAWAN BUMN": .03},
}
YOUNG_BASE = {"BELUM/TIDAK BEKERJA": .25, "KARYAWAN SWASTA": .20, "BURUH HARIAN LEPAS": .15,
              "WIRASWASTA": .05, "PEDAGANG": .03, "BURUH TANI/PERKEBUNAN": .05}
ELDER_BASE = {"BELUM/TIDAK BEKERJA": .45, "PETANI/PEKEBUN": .22, "MENGURUS RUMAH TANGGA": .15,
              "PEDAGANG": .05}
EDU_ADULT = {
    1: [.08, .20, .45, .17, .09, .005, .003, .002, 0, 0],
    2: [.04, .12, .40, .22, .18, .01, .01, .02, 0, 0],
    3: [.02, .06, .25, .22, .33, .03, .03, .06, 0, 0],
    4: [.01, .02, .12, .15, .40, .05, .07, .16, .02, 0],
    5: [0, .01, .05, .08, .33, .04, .08, .33, .07, .01],
}
MIN_EDU = {PNS: 4, TNI: 4, POLRI: 4, "KARYAWAN BUMN": 4, "KARYAWAN BUMD": 4,
           "ANGGOTA DPRD KABUPATEN/KOTA": 4, "GURU": 7, "DOSEN": 8, "DOKTER": 7, "BIDAN": 6,
           "PERAWAT": 6, "KEPALA DESA": 4, "PERANGKAT DESA": 4}


@dataclass
class World:
    load_days: int
    village_codes: list[str]
    # households
    h_village: np.ndarray
    h_rt: np.ndarray
    h_rw: np.ndarray
    h_alamat: pl.Series
    h_wealth: np.ndarray
    h_no_kk: np.ndarray
    h_start: np.ndarray
    h_size: np.ndarray
    h_dissolved: np.ndarray
    # persons
    hh: np.ndarray
    pos: np.ndarray
    rel: np.ndarray
    female: np.ndarray
    age: np.ndarray
    birth: np.ndarray
    status: np.ndarray
    status_day: np.ndarray
    kwn: np.ndarray
    edu: np.ndarray
    occ: np.ndarray
    nik: np.ndarray
    name: pl.Series
    tmpt_lhr: pl.Series
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.hh)

    @property
    def h_n(self) -> int:
        return len(self.h_size)


def build_world(rng: np.random.Generator, persons: int, village_codes: list[str], load_days: int) -> World:
    V = len(village_codes)
    # --- households ---
    sizes = rng.choice(np.arange(1, 13), size=int(persons / 3.3) + 16, p=SIZE_P)
    while sizes.sum() < persons:
        sizes = np.r_[sizes, rng.choice(np.arange(1, 13), size=16, p=SIZE_P)]
    cs = np.cumsum(sizes)
    H = int(np.searchsorted(cs, persons)) + 1
    sizes = sizes[:H].copy()
    sizes[-1] -= cs[H - 1] - persons
    vw = rng.lognormal(0.0, 0.45, V)
    h_village = np.sort(rng.choice(V, size=H, p=vw / vw.sum()))
    n_rw = rng.integers(2, 8, V)
    n_rt = n_rw * rng.integers(3, 6, V)
    h_rw = 1 + np.floor(rng.random(H) * n_rw[h_village]).astype(np.int64)
    h_rt = 1 + np.floor(rng.random(H) * n_rt[h_village]).astype(np.int64)
    kel = np.array([c.split(".")[3].startswith("1") for c in village_codes])[h_village]
    h_wealth = rng.choice(5, size=H, p=WEALTH_P) + 1
    h_wealth = np.minimum(5, h_wealth + (kel & (rng.random(H) < 0.25)))
    dusun = pl.Series(nm.DUSUN).gather((h_village * 7 + h_rw) % len(nm.DUSUN))
    street = pl.Series(nm.STREETS).gather((h_village * 5 + h_rw * 3 + rng.integers(0, 2, H)) % len(nm.STREETS))
    house_no = pl.Series(rng.integers(1, 150, H)).cast(pl.String)
    h_alamat = pl.select(pl.when(pl.Series(kel)).then(street + " NO. " + house_no)
                         .otherwise("DUSUN " + dusun)).to_series()
    h_start = np.cumsum(sizes) - sizes
    # --- persons ---
    N = persons
    hh = np.repeat(np.arange(H), sizes)
    pos = np.arange(N) - h_start[hh]
    female_head = rng.random(H) < (0.12 + 0.25 * (sizes == 1))
    has_sp = (sizes >= 2) & np.where(female_head, rng.random(H) < 0.04, rng.random(H) < 0.9)
    other = np.array([0, 0, 0, .82, .03, .06, .03, .03, .025, .003, .002])
    rel = rng.choice(11, size=N, p=other / other.sum())
    rel = np.where((pos == 1) & has_sp[hh], np.where(female_head[hh], SUAMI, ISTRI), rel)
    rel = np.where(pos == 0, KK, rel)
    young = (rng.random(H) < 0.75)[hh]  # in-laws and grandchildren live mostly with older heads
    rel = np.where(young & ((rel == CUCU) | (rel == MENANTU)), ANAK, rel)
    # ages (float years)
    u = rng.random(H)
    head_age = np.where(sizes == 1, np.where(u < 0.6, rng.uniform(60, 90, H), rng.uniform(20, 60, H)),
                        np.clip(rng.normal(45, 12, H), 22, 88))
    has_cucu = np.bincount(hh, weights=(rel == CUCU) | (rel == MENANTU), minlength=H) > 0
    has_par = np.bincount(hh, weights=(rel == ORTU) | (rel == MERTUA), minlength=H) > 0
    head_age = np.where(has_cucu, np.maximum(head_age, rng.uniform(50, 68, H)), head_age)
    head_age = np.where(has_par & ~has_cucu, np.clip(head_age, 22, 55), head_age)
    ha = head_age[hh]
    r = rng.random(N)
    age = np.select(
        [rel == KK, rel == ISTRI, rel == SUAMI, rel == ANAK, rel == CUCU, (rel == ORTU) | (rel == MERTUA),
         rel == MENANTU, rel == FAMILI, rel == PEMBANTU],
        [ha, np.maximum(18, ha - rng.uniform(-2, 8, N)), ha + rng.uniform(-2, 8, N),
         ha - 18 - rng.uniform(2, 22, N), ha - rng.uniform(40, 55, N),
         np.minimum(97, ha + rng.uniform(20, 35, N)), np.maximum(17, ha - rng.uniform(20, 32, N)),
         rng.uniform(3, 75, N), rng.uniform(18, 55, N)],
        rng.uniform(10, 70, N),
    )
    age = np.where(age < 0, r * 3, age)
    female = np.select([rel == KK, rel == ISTRI, rel == SUAMI, (rel == ORTU) | (rel == MERTUA), rel == PEMBANTU],
                       [female_head[hh], True, False, r < 0.75, r < 0.8], rng.random(N) < 0.5)
    birth = load_days - 1 - np.floor(age * 365.25).astype(np.int64) - rng.integers(0, 365, N)
    birth = np.minimum(birth, load_days - 1)
    age_int = np.floor((load_days - birth) / 365.25).astype(np.int64)
    by, bm, bd = split_date(birth)
    # --- status ---
    p_mati = np.select([age_int >= 75, age_int >= 65, age_int >= 45], [0.12, 0.05, 0.015], 0.003)
    p_pindah = np.where((rel == ANAK) & (age_int >= 18) & (age_int <= 35), 0.10,
                        np.where(age_int >= 18, 0.01, 0.002))
    r = rng.random(N)
    status = np.where(r < p_mati, MATI, np.where(r < p_mati + p_pindah, PINDAH, HIDUP))
    # households whose head died
    head_dead = (rng.random(H) < 0.015) & (sizes >= 2)
    status = np.where((pos == 0) & head_dead[hh], MATI, status)
    # dissolved households: everyone died or moved away
    diss = rng.random(H) < 0.01
    single_old = (sizes == 1) & (head_age >= 60)
    diss_status = np.where(single_old & (rng.random(H) < 0.8), MATI, PINDAH)
    status = np.where(diss[hh], diss_status[hh], status)
    alive = np.bincount(hh, weights=(status == HIDUP), minlength=H)
    dissolved = alive == 0
    sday = load_days - rng.integers(20, 3000, N)
    sday_h = load_days - rng.integers(20, 2000, H)
    sday = np.where(diss[hh] & (diss_status[hh] == PINDAH), sday_h[hh], sday)
    late = sday <= birth
    sday = np.where(late, birth + np.floor((load_days - 1 - birth) * rng.uniform(0.3, 0.95, N)).astype(np.int64), sday)
    sday = np.minimum(sday, load_days - 1)
    sday = np.where(status == HIDUP, -(10**9), sday)
    # --- marital status ---
    kwn_k = np.select(
        [(rel == ISTRI) | (rel == SUAMI) | (rel == MENANTU),
         (rel == KK) & has_sp[hh],
         (rel == KK) & female,
         (rel == KK) & (age_int < 30),
         rel == KK,
         (rel == ORTU) | (rel == MERTUA),
         age_int < 19],
        [0, 0, 1, 2, 3, 4, 2], 5)
    kwn = pick(rng, kwn_k, {
        0: [0, 1, 0, 0], 1: [.05, 0, .20, .75], 2: [1, 0, 0, 0], 3: [.2, 0, .3, .5],
        4: [0, .15, 0, .85], 5: [.45, .50, .04, .01]})
    # the head of a household whose spouse died is CERAI MATI
    sp_dead = np.bincount(hh, weights=((rel == ISTRI) | (rel == SUAMI)) & (status == MATI), minlength=H) > 0
    kwn = np.where((pos == 0) & sp_dead[hh], 3, kwn)
    # --- education and occupation ---
    w = h_wealth[hh]
    edu = pick(rng, w, {k: v for k, v in EDU_ADULT.items()})
    edu = np.where((by < 1965) & (rng.random(N) < 0.5), np.maximum(edu - 1, 0), edu)
    edu = np.select([age_int < 7, age_int < 13, age_int < 16, age_int < 19, age_int < 23],
                    [0, 1, 2, 3, np.minimum(edu, 4)], edu)
    grp = np.select([age_int < 5, age_int < 18, (age_int < 23) & (pos > 0) & (rel != ISTRI),
                     age_int >= 65, ~female], [0, 1, 2, 3, 4], 5)
    tables: dict[int, np.ndarray] = {0: label_table(OCC, {"BELUM/TIDAK BEKERJA": 1})}
    for wk in range(1, 6):
        tables[10 + wk] = label_table(OCC, {"PELAJAR/MAHASISWA": 0.95 - 0.03 * (6 - wk),
                                            "BELUM/TIDAK BEKERJA": 0.05 + 0.03 * (6 - wk)})
        tables[20 + wk] = label_table(OCC, {**YOUNG_BASE, "PELAJAR/MAHASISWA": 0.05 + 0.12 * wk})
        pens = [0, 0, .05, .25, .35][wk - 1]
        tables[30 + wk] = label_table(OCC, {**ELDER_BASE, "PENSIUNAN": pens})
        tables[40 + wk] = label_table(OCC, MAN[wk])
        tables[50 + wk] = label_table(OCC, WOMAN[wk])
    key = np.where(grp == 0, 0, grp * 10 + w)
    occ = pick(rng, key, tables)
    min_edu = np.array([MIN_EDU.get(o, 0) for o in OCC])
    edu = np.where(age_int >= 19, np.maximum(edu, min_edu[occ]), edu)
    # --- NIK ---
    dist_of_village = np.array([int(c.split(".")[2]) for c in village_codes])
    res_dist = dist_of_village[h_village][hh]
    u = rng.random(N)
    local = (age_int < 17) | (u < 0.80)
    other_bwi = ~local & (u < 0.90)
    reg_i = rng.choice(len(OTHER_REGENCIES), size=N, p=OTHER_W)
    reg_stem = np.array([int(r_[0]) for r_ in OTHER_REGENCIES])[reg_i]
    reg_nd = np.array([r_[2] for r_ in OTHER_REGENCIES])[reg_i]
    other_dist = 1 + np.floor(rng.random(N) * reg_nd).astype(np.int64)
    region6 = np.select([local, other_bwi], [3510 * 100 + res_dist, 3510 * 100 + rng.integers(1, 26, N)],
                        reg_stem * 100 + other_dist)
    ddmmyy = (bd + 40 * female) * 10000 + bm * 100 + by % 100
    key = region6 * 1_000_000 + ddmmyy
    serial = group_serial(key)
    nik = key * 10_000 + serial
    place_names = np.array([r_[1] for r_ in OTHER_REGENCIES] + ["BANYUWANGI"], dtype=object)
    place_i = np.where(local | other_bwi, len(OTHER_REGENCIES), reg_i)
    tmpt = pl.Series(place_names.tolist(), dtype=pl.String).gather(place_i)
    # --- family card numbers ---
    issue = load_days - rng.integers(30, 6000, H)
    iy, im, idd = split_date(issue)
    h_res6 = 3510 * 100 + dist_of_village[h_village]
    kkey = h_res6 * 1_000_000 + idd * 10000 + im * 100 + iy % 100
    h_no_kk = kkey * 10_000 + group_serial(kkey)
    # --- names ---
    name = nm.make_names(rng, female, by)
    return World(
        load_days=load_days, village_codes=village_codes, h_village=h_village, h_rt=h_rt, h_rw=h_rw,
        h_alamat=h_alamat, h_wealth=h_wealth, h_no_kk=h_no_kk, h_start=h_start, h_size=sizes,
        h_dissolved=dissolved, hh=hh, pos=pos, rel=rel, female=female, age=age_int, birth=birth,
        status=status, status_day=sday, kwn=kwn, edu=edu, occ=occ, nik=nik, name=name, tmpt_lhr=tmpt,
    )
