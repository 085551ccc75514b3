"""Eligibility: every exclusion rule and review reason, the score, the deciles, status invariants."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.eligibility.evaluate import Eligibility, evaluate
from assets.eligibility.households import age_at
from assets.eligibility.score import assign_deciles
from schemas.policy import load_policy

LOAD = date(2026, 11, 1)
POLICY = load_policy()
VILLAGE = "35.10.15.2001"

PENDUDUK = {
    "NIK": pl.String, "NO_KK": pl.String, "NAMA_LGKP": pl.String, "JENIS_KLMIN": pl.String,
    "TMPT_LHR": pl.String, "TGL_LHR": pl.Date, "STAT_HBKEL": pl.String, "STAT_KWN": pl.String,
    "PDDK_AKH": pl.String, "JENIS_PKRJN": pl.String, "ALAMAT": pl.String, "NO_RT": pl.String,
    "NO_RW": pl.String, "KODE_WILAYAH": pl.String, "STATUS": pl.String, "TGL_STATUS": pl.Date,
    "NIK_WARNING": pl.String, "ROW_NUMBER": pl.Int64,
}
FLAGS = {"NO_KK": pl.String, "code": pl.String, "source_row": pl.Int64, "rule": pl.String}
RUMAH = {
    "NO_KK": pl.String, "NIK_KEPALA": pl.String, "NIK_KEPALA_RAW": pl.String, "NAMA_KEPALA": pl.String,
    "KODE_WILAYAH": pl.String, "STATUS_BANGUNAN": pl.String, "LUAS_LANTAI_M2": pl.Float64, "LANTAI": pl.String,
    "DINDING": pl.String, "ATAP": pl.String, "SUMBER_AIR_MINUM": pl.String, "FASILITAS_BAB": pl.String,
    "PENERANGAN": pl.String, "DAYA_VA": pl.Int32, "BAHAN_BAKAR_MASAK": pl.String, "TGL_PENDATAAN": pl.Date,
    "ROW_NUMBER": pl.Int64,
}
TANAH = {
    "NIB": pl.String, "JENIS_HAK": pl.String, "NIK_PEMEGANG": pl.String, "NIK_PEMEGANG_RAW": pl.String,
    "NAMA_PEMEGANG": pl.String, "KODE_WILAYAH": pl.String, "IN_SCOPE": pl.Boolean, "LUAS_M2": pl.Float64,
    "PENGGUNAAN": pl.String, "NJOP_PER_M2": pl.Int64, "TGL_TERBIT": pl.Date, "ROW_NUMBER": pl.Int64,
}
KENDARAAN = {
    "NO_RANGKA": pl.String, "NO_POLISI": pl.String, "NIK_PEMILIK": pl.String, "NIK_PEMILIK_RAW": pl.String,
    "NPWP_PEMILIK": pl.String, "NAMA_PEMILIK": pl.String, "ALAMAT_PEMILIK": pl.String, "KODE_WILAYAH": pl.String,
    "IN_SCOPE": pl.Boolean, "JENIS_KENDARAAN": pl.String, "MEREK": pl.String, "TAHUN_BUAT": pl.Int32,
    "NILAI_JUAL": pl.Int64, "TGL_AKHIR_PAJAK": pl.Date, "ROW_NUMBER": pl.Int64,
}
LINKS = {
    "source": pl.String, "row_number": pl.Int64, "record_id": pl.String, "nik": pl.String, "no_kk": pl.String,
    "method": pl.String, "score": pl.Float64, "note": pl.String, "candidates": pl.List(pl.String),
}


def kk(i: int) -> str:
    return f"35101500000{i:05d}"


def nik(i: int) -> str:
    return f"3510150101{i % 100:02d}{i:04d}"


@dataclass
class World:
    """A hand-built load: typed frames plus asset links, with rows numbered as in a file."""

    penduduk: list[dict] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)
    rumah: list[dict] = field(default_factory=list)
    tanah: list[dict] = field(default_factory=list)
    kendaraan: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)

    def person(self, i: int, k: int, *, birth=date(1980, 1, 1), rel="KEPALA KELUARGA", job="PETANI/PEKEBUN",
               edu="TAMAT SD/SEDERAJAT", status="HIDUP", status_date=None, sex="LAKI-LAKI") -> str:
        n = nik(i)
        self.penduduk.append(dict(
            NIK=n, NO_KK=kk(k), NAMA_LGKP=f"ORANG {i}", JENIS_KLMIN=sex, TMPT_LHR="BANYUWANGI", TGL_LHR=birth,
            STAT_HBKEL=rel, STAT_KWN="KAWIN", PDDK_AKH=edu, JENIS_PKRJN=job, ALAMAT=f"JL. DESA {k}",
            NO_RT="001", NO_RW="002", KODE_WILAYAH=VILLAGE, STATUS=status,
            TGL_STATUS=status_date if status != "HIDUP" else None, NIK_WARNING=None,
            ROW_NUMBER=len(self.penduduk) + 1,
        ))
        return n

    def house(self, k: int, *, area=20.0, lantai="TANAH", dinding="BAMBU", atap="JERAMI/IJUK/RUMBIA",
              air="AIR PERMUKAAN", bab="TIDAK ADA", penerangan="BUKAN LISTRIK", daya=0, bbm="KAYU BAKAR",
              bangunan="BEBAS SEWA", surveyed=date(2026, 6, 1), link_no_kk: int | None | str = "same",
              note=None, head_nik=None) -> int:
        row = len(self.rumah) + 1
        self.rumah.append(dict(
            NO_KK=kk(k), NIK_KEPALA=head_nik, NIK_KEPALA_RAW=None, NAMA_KEPALA="X", KODE_WILAYAH=VILLAGE,
            STATUS_BANGUNAN=bangunan, LUAS_LANTAI_M2=area, LANTAI=lantai, DINDING=dinding, ATAP=atap,
            SUMBER_AIR_MINUM=air, FASILITAS_BAB=bab, PENERANGAN=penerangan, DAYA_VA=daya, BAHAN_BAKAR_MASAK=bbm,
            TGL_PENDATAAN=surveyed, ROW_NUMBER=row,
        ))
        target = kk(k) if link_no_kk == "same" else (kk(link_no_kk) if link_no_kk is not None else None)
        self.links.append(dict(source="rumah", row_number=row, record_id=kk(k), nik=None, no_kk=target,
                               method="NIK_EXACT" if target else "UNLINKED", score=1.0 if target else None,
                               note=note, candidates=None))
        return row

    def _link(self, source, row, record_id, owner, method, score, candidates):
        owner_kk = next((p["NO_KK"] for p in self.penduduk if p["NIK"] == owner), None)
        linked = method in ("NIK_EXACT", "NIK_REPAIRED", "NAME_MATCH") and owner is not None
        self.links.append(dict(
            source=source, row_number=row, record_id=record_id, nik=owner if linked else None,
            no_kk=owner_kk if linked else None, method=method,
            score=score if score is not None else (1.0 if method.startswith("NIK") else None),
            note=None, candidates=candidates,
        ))

    def vehicle(self, owner: str | None, *, jenis="MOBIL PENUMPANG", tax=date(2026, 5, 1), method="NIK_EXACT",
                score=None, candidates=None, plate="P 1234 AB") -> str:
        row = len(self.kendaraan) + 1
        rangka = f"MHRANGKA{row:09d}"
        self.kendaraan.append(dict(
            NO_RANGKA=rangka, NO_POLISI=plate, NIK_PEMILIK=owner, NIK_PEMILIK_RAW=None, NPWP_PEMILIK=None,
            NAMA_PEMILIK="X", ALAMAT_PEMILIK="X", KODE_WILAYAH=VILLAGE, IN_SCOPE=True, JENIS_KENDARAAN=jenis,
            MEREK="TOYOTA", TAHUN_BUAT=2018, NILAI_JUAL=150_000_000, TGL_AKHIR_PAJAK=tax, ROW_NUMBER=row,
        ))
        self._link("kendaraan", row, rangka, owner, method, score, candidates)
        return rangka

    def parcel(self, owner: str | None, *, use="SAWAH", luas=1000.0, njop=10_000, method="NIK_EXACT", score=None,
               candidates=None, nib=None, issued=date(2005, 1, 1)) -> str:
        row = len(self.tanah) + 1
        nib = nib or f"12{row:012d}"
        self.tanah.append(dict(
            NIB=nib, JENIS_HAK="HM", NIK_PEMEGANG=owner, NIK_PEMEGANG_RAW=None, NAMA_PEMEGANG="X",
            KODE_WILAYAH=VILLAGE, IN_SCOPE=True, LUAS_M2=luas, PENGGUNAAN=use, NJOP_PER_M2=njop,
            TGL_TERBIT=issued, ROW_NUMBER=row,
        ))
        self._link("tanah", row, nib, owner, method, score, candidates)
        return nib

    def flag(self, k: int, code: str, rule: str, row: int = 99):
        self.flags.append(dict(NO_KK=kk(k), code=code, source_row=row, rule=rule))

    def family(self, k: int, **house) -> str:
        """A poor one-person household with a housing row: scored, eligible by default."""
        head = self.person(k * 10, k)
        self.house(k, **house)
        return head

    def padding(self, n: int = 20, start: int = 500) -> None:
        """`n` well-off one-person households, so that the households under test rank poorest."""
        for k in range(start, start + n):
            self.family(k, lantai="MARMER/GRANIT", dinding="TEMBOK", atap="BETON", bab="SENDIRI")

    def run(self, policy=POLICY, load_date=LOAD) -> Eligibility:
        return evaluate(
            pl.DataFrame(self.penduduk, schema=PENDUDUK),
            pl.DataFrame(self.flags, schema=FLAGS),
            pl.DataFrame(self.rumah, schema=RUMAH),
            pl.DataFrame(self.tanah, schema=TANAH),
            pl.DataFrame(self.kendaraan, schema=KENDARAAN),
            pl.DataFrame(self.links, schema=LINKS),
            policy,
            load_date,
        )


def hh(res: Eligibility, k: int) -> dict:
    rows = res.households.filter(pl.col("no_kk") == kk(k)).to_dicts()
    assert len(rows) == 1
    return rows[0]


def codes_of(res: Eligibility, k: int, kind: str | None = None) -> set[str]:
    r = res.reasons.filter(pl.col("no_kk") == kk(k))
    if kind:
        r = r.filter(pl.col("kind") == kind)
    return set(r["code"].to_list())


def reasons_of(res: Eligibility, k: int, code: str) -> list[dict]:
    return res.reasons.filter((pl.col("no_kk") == kk(k)) & (pl.col("code") == code)).to_dicts()


def check_invariants(res: Eligibility, world: World) -> None:
    h = res.households
    registry = {p["NO_KK"] for p in world.penduduk} | {f["NO_KK"] for f in world.flags}
    assert h["no_kk"].n_unique() == h.height
    assert set(h["no_kk"].to_list()) == registry
    excl = set(res.reasons.filter(pl.col("kind") == "EXCLUSION")["no_kk"].to_list())
    anyr = set(res.reasons["no_kk"].to_list())
    for row in h.iter_rows(named=True):
        if row["status"] == "EXCLUDED":
            assert row["no_kk"] in excl
        if row["status"] == "ELIGIBLE":
            assert row["no_kk"] not in anyr
            assert row["programs"]
        else:
            assert row["programs"] == []
        if row["status"] == "REVIEW":
            assert row["no_kk"] in anyr
    sums = res.components.group_by("no_kk").agg(pl.col("points").sum().alias("s"))
    joined = h.filter(pl.col("score").is_not_null()).join(sums, on="no_kk", how="left")
    assert (joined["score"] == joined["s"]).all()
    assert h.filter(pl.col("score").is_null())["no_kk"].is_in(res.components["no_kk"].implode()).sum() == 0
    assert (h["policy_version"] == POLICY.version).all()
    assert res.reasons["description"].null_count() == 0
    assert res.reasons.filter(pl.col("evidence").is_null() | pl.col("evidence_id").is_null()).height == 0


# --- baseline ------------------------------------------------------------------------------------


def test_poor_household_is_eligible_with_every_component():
    w = World()
    w.family(1)
    res = w.run()
    row = hh(res, 1)
    assert row["status"] == "ELIGIBLE"
    assert row["desil"] == 1 and row["members"] == 1
    assert set(row["programs"]) == {"SEMBAKO", "PBI_JK"}  # no child or elder: no PKH
    comps = res.components.filter(pl.col("no_kk") == kk(1))
    assert comps.height == 15
    assert row["score"] == comps["points"].sum()
    check_invariants(res, w)


def test_columns_follow_the_contract():
    w = World()
    w.family(1)
    res = w.run()
    assert res.households.columns[:12] == [
        "no_kk", "kode_wilayah", "kode_kecamatan", "kode_kabupaten", "head_nik", "head_name", "members", "score",
        "desil", "status", "programs", "policy_version",
    ]
    assert {"alamat", "no_rt", "no_rw"} <= set(res.households.columns)
    assert res.reasons.columns == [
        "no_kk", "kind", "code", "description", "evidence_source", "evidence_id", "evidence", "link_method",
        "link_score",
    ]
    assert res.components.columns == ["no_kk", "component", "value", "points"]
    assert res.members.columns == ["nik", "no_kk", "name", "sex", "age", "relation", "occupation", "nik_warning"]
    row = hh(res, 1)
    assert (row["kode_kecamatan"], row["kode_kabupaten"]) == ("35.10.15", "35.10")


def test_score_points_per_component():
    w = World()
    k = 1
    w.person(10, k, edu="SLTA/SEDERAJAT", job="BURUH HARIAN LEPAS")
    w.person(11, k, rel="ISTRI", birth=date(1982, 3, 3), job="MENGURUS RUMAH TANGGA", sex="PEREMPUAN")
    w.person(12, k, rel="ANAK", birth=date(2016, 1, 1))
    w.person(13, k, rel="ANAK", birth=date(2019, 1, 1))
    w.house(k, area=46.0, lantai="KERAMIK", dinding="TEMBOK", atap="GENTENG", air="SUMUR BOR/POMPA", bab="SENDIRI",
            penerangan="PLN METERAN", daya=900, bbm="GAS 3 KG", bangunan="MILIK SENDIRI")
    w.vehicle(nik(10), jenis="SEPEDA MOTOR")
    w.vehicle(nik(11), jenis="SEPEDA MOTOR")
    w.vehicle(nik(11), jenis="SEPEDA MOTOR")  # three motorcycles: capped at 6 points
    w.vehicle(nik(10), jenis="SEPEDA MOTOR", tax=date(2024, 10, 31))  # lapsed: not counted
    w.parcel(nik(10), use="PEKARANGAN", luas=300, njop=200_000)  # Rp 60 juta
    res = w.run()
    pts = dict(res.components.filter(pl.col("no_kk") == kk(k)).select("component", "points").iter_rows())
    vals = dict(res.components.filter(pl.col("no_kk") == kk(k)).select("component", "value").iter_rows())
    assert pts == {
        "luas_lantai_per_anggota": 4,  # 11.5 m² per member
        "lantai": 8, "dinding": 8, "atap": 5, "sumber_air_minum": 5, "fasilitas_bab": 6,
        "listrik": 6, "bahan_bakar_masak": 4, "status_bangunan": 3,
        "pendidikan_kepala": 6, "pekerjaan_kepala": 1,
        "rasio_ketergantungan": 2,  # 2 children / 2 adults = 1.0
        "sepeda_motor": 6, "mobil": 0, "nilai_tanah": 4,
    }
    assert vals["luas_lantai_per_anggota"] == "11.5"
    assert vals["sepeda_motor"] == "3"
    assert vals["rasio_ketergantungan"] == "2/2"
    assert vals["listrik"] == "PLN METERAN 900 VA"
    assert hh(res, k)["score"] == sum(pts.values())


@pytest.mark.parametrize(
    "area,members,points", [(7.99, 1, 0), (8.0, 1, 4), (15.0, 1, 8), (29.9, 1, 8), (30.0, 1, 12), (59.0, 2, 8)]
)
def test_floor_area_bands(area, members, points):
    w = World()
    w.person(10, 1)
    for j in range(1, members):
        w.person(10 + j, 1, rel="ANAK", birth=date(2000, 1, 1))
    w.house(1, area=area)
    res = w.run()
    comp = res.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "luas_lantai_per_anggota"))
    assert comp["points"].item() == points


@pytest.mark.parametrize(
    "ages,points",
    [((30, 30), 6), ((30, 30, 5), 4), ((30, 5), 2), ((30, 5, 70), 0), ((70,), 0), ((30, 64), 6), ((30, 65), 2),
     ((30, 14), 2), ((30, 15), 6)],  # under 15 is a dependant, 15 is of working age
)
def test_dependency_ratio_bands(ages, points):
    w = World()
    for j, age in enumerate(ages):
        w.person(10 + j, 1, rel="KEPALA KELUARGA" if j == 0 else "ANAK", birth=date(LOAD.year - age, 1, 1))
    w.house(1)
    res = w.run()
    comp = res.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "rasio_ketergantungan"))
    assert comp["points"].item() == points


@pytest.mark.parametrize(
    "job,points",
    [("BELUM/TIDAK BEKERJA", 0), ("BURUH TANI/PERKEBUNAN", 1), ("TUKANG KAYU", 1), ("NELAYAN/PERIKANAN", 2),
     ("PENSIUNAN", 4), ("WIRASWASTA", 5), ("GURU", 8), ("ANGGOTA DPRD PROVINSI", 8), ("DOKTER", 2), ("LAINNYA", 2),
     ("MENGURUS RUMAH TANGGA", 0), ("PELAJAR/MAHASISWA", 0), (None, 0)],  # None: no occupation recorded
)
def test_head_occupation_points(job, points):
    w = World()
    w.person(10, 1, job=job)
    w.house(1)
    res = w.run()
    comp = res.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "pekerjaan_kepala"))
    assert comp["points"].item() == points


@pytest.mark.parametrize("penerangan,daya,points", [
    ("BUKAN LISTRIK", 0, 0), ("NON-PLN", 0, 1), ("PLN TANPA METERAN", 0, 2), ("PLN METERAN", 450, 3),
    ("PLN METERAN", 900, 6), ("PLN METERAN", 1300, 10), ("PLN METERAN", 2200, 14), ("PLN METERAN", 3500, 18),
    ("PLN METERAN", 5500, 18),
])
def test_electricity_points(penerangan, daya, points):
    w = World()
    w.family(1, penerangan=penerangan, daya=daya)
    res = w.run()
    comp = res.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "listrik"))
    assert comp["points"].item() == points


@pytest.mark.parametrize("value,points", [(49_999_999, 0), (50_000_000, 4), (199_999_999, 4), (200_000_000, 8),
                                          (500_000_000, 12)])
def test_land_value_bands(value, points):
    w = World()
    head = w.family(1)
    w.parcel(head, use="PERUMAHAN", luas=1, njop=value)
    res = w.run()
    comp = res.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "nilai_tanah"))
    assert comp["points"].item() == points


def test_land_worth_more_than_a_whole_int64_is_scored_and_shown_without_overflow():
    # Ten parcels each at validation's limits (10^9 m² at Rp 10^9 per m²): 10^19 Rupiah in all,
    # past a whole Int64. The score and its component are still made, and the value is shown.
    w = World()
    head = w.family(1)
    for _ in range(10):
        w.parcel(head, use="PERUMAHAN", luas=1e9, njop=10**9)
    res = w.run()
    comp = res.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "nilai_tanah"))
    assert comp["points"].item() == 12
    assert float(comp["value"].item()) == 1e19


def test_vehicles_taxed_to_exactly_two_years_before_the_load_date_still_score():
    w = World()
    head = w.family(1)
    edge = date(LOAD.year - 2, LOAD.month, LOAD.day)
    w.vehicle(head, jenis="SEPEDA MOTOR", tax=edge)
    w.vehicle(head, jenis="SEPEDA MOTOR", tax=edge - timedelta(days=1))  # lapsed the day before
    w.vehicle(head, jenis="MOBIL PENUMPANG", tax=edge)
    res = w.run()
    pts = dict(res.components.filter(pl.col("no_kk") == kk(1)).select("component", "points").iter_rows())
    assert (pts["sepeda_motor"], pts["mobil"]) == (3, 15)


def test_cars_score_fifteen_each_capped_at_thirty():
    w = World()
    head = w.family(1)
    for _ in range(3):
        w.vehicle(head, jenis="MOBIL BARANG", tax=date(2020, 1, 1))  # lapsed for the exclusion and the score
    w.family(2)
    for _ in range(3):
        w.vehicle(nik(20), jenis="BUS")
    res = w.run()
    comp = res.components.filter(pl.col("component") == "mobil").sort("no_kk")
    assert comp["points"].to_list() == [0, 30]
    assert "CAR_OWNER" not in codes_of(res, 1)


# --- households and heads ----------------------------------------------------------------------


def test_head_is_living_kepala_keluarga():
    w = World()
    w.person(10, 1, rel="ANAK", birth=date(1950, 1, 1))
    w.person(11, 1, rel="KEPALA KELUARGA", birth=date(1990, 1, 1))
    w.house(1)
    assert hh(w.run(), 1)["head_nik"] == nik(11)


def test_head_falls_back_to_oldest_living_member():
    w = World()
    w.person(10, 1, rel="KEPALA KELUARGA", birth=date(1940, 1, 1), status="MATI", status_date=date(2026, 2, 1))
    w.person(11, 1, rel="ISTRI", birth=date(1955, 5, 5), sex="PEREMPUAN", edu="STRATA II", job="PENSIUNAN")
    w.person(12, 1, rel="ANAK", birth=date(1985, 1, 1))
    w.person(13, 1, rel="ORANG TUA", birth=date(1930, 1, 1), status="PINDAH", status_date=date(2025, 1, 1))
    w.house(1)
    res = w.run()
    row = hh(res, 1)
    assert row["head_nik"] == nik(11) and row["members"] == 2
    comp = dict(res.components.filter(pl.col("no_kk") == kk(1)).select("component", "value").iter_rows())
    assert comp["pendidikan_kepala"] == "STRATA II"  # the head's, i.e. the fallback head's
    assert comp["pekerjaan_kepala"] == "PENSIUNAN"
    assert set(res.members.filter(pl.col("no_kk") == kk(1))["nik"].to_list()) == {nik(11), nik(12)}


def test_age_at_load_date():
    births = [date(2008, 11, 1), date(2008, 11, 2), date(2008, 2, 29)]
    ages = pl.DataFrame({"b": births}).select(age_at(pl.col("b"), LOAD).alias("a"))["a"].to_list()
    assert ages == [18, 17, 18]
    leap = pl.DataFrame({"b": [date(2008, 2, 29)]}).select(age_at(pl.col("b"), date(2026, 2, 28)).alias("a"))["a"].item()
    assert leap == 17


def test_household_dissolved():
    w = World()
    w.person(10, 1, status="MATI", status_date=date(2026, 3, 1))
    w.person(11, 1, rel="ISTRI", status="PINDAH", status_date=date(2026, 4, 1), sex="PEREMPUAN")
    w.house(1)
    res = w.run()
    row = hh(res, 1)
    assert row["status"] == "EXCLUDED" and row["members"] == 0 and row["head_nik"] is None
    assert row["score"] is None and row["desil"] is None
    ev = reasons_of(res, 1, "HOUSEHOLD_DISSOLVED")
    assert {(r["evidence_source"], r["evidence_id"]) for r in ev} == {("penduduk", nik(10)), ("penduduk", nik(11))}
    assert any("2026-03-01" in r["evidence"] for r in ev) and any("2026-04-01" in r["evidence"] for r in ev)
    assert "NO_HOUSING_DATA" not in codes_of(res, 1)
    assert row["alamat"] == "JL. DESA 1"  # the former head's address, for the district office
    check_invariants(res, w)


def test_dissolved_household_with_a_rejected_row_goes_to_review():
    w = World()
    w.person(10, 1, status="MATI", status_date=date(2026, 3, 1))
    w.flag(1, "REJECTED_MEMBER_ROW", "DATE_IMPOSSIBLE")  # perhaps a living member
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW"
    assert codes_of(res, 1) == {"HOUSEHOLD_DISSOLVED", "REJECTED_MEMBER_ROW"}


# --- exclusion rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("job,excluded", [
    ("PEGAWAI NEGERI SIPIL (PNS)", True), ("TENTARA NASIONAL INDONESIA (TNI)", True),
    ("KEPOLISIAN RI (POLRI)", True), ("ANGGOTA DPR-RI", True), ("ANGGOTA DPRD KABUPATEN/KOTA", True),
    ("ANGGOTA DPD", False), ("GURU", False),
])
def test_state_employee(job, excluded):
    w = World()
    w.family(1)
    w.person(11, 1, rel="ANAK", birth=date(1999, 1, 1), job=job)
    res = w.run()
    assert (hh(res, 1)["status"] == "EXCLUDED") is excluded
    ev = reasons_of(res, 1, "STATE_EMPLOYEE")
    assert len(ev) == int(excluded)
    if excluded:
        assert ev[0]["evidence_source"] == "penduduk" and ev[0]["evidence_id"] == nik(11) and job in ev[0]["evidence"]


def test_every_state_employee_of_a_household_is_a_reason():
    w = World()
    w.family(1)
    w.person(11, 1, rel="ISTRI", job="PEGAWAI NEGERI SIPIL (PNS)", sex="PEREMPUAN")
    w.person(12, 1, rel="ANAK", birth=date(1999, 1, 1), job="KEPOLISIAN RI (POLRI)")
    res = w.run()
    ev = reasons_of(res, 1, "STATE_EMPLOYEE")
    assert sorted(r["evidence_id"] for r in ev) == [nik(11), nik(12)]


def test_dead_state_employee_does_not_exclude():
    w = World()
    w.family(1)
    w.person(11, 1, rel="ISTRI", job="PEGAWAI NEGERI SIPIL (PNS)", status="MATI", status_date=date(2025, 1, 1))
    assert hh(w.run(), 1)["status"] == "ELIGIBLE"


@pytest.mark.parametrize("job", ["KARYAWAN BUMN", "KARYAWAN BUMD"])
def test_soe_employee(job):
    w = World()
    w.family(1)
    w.person(11, 1, rel="ANAK", birth=date(1999, 1, 1), job=job)
    res = w.run()
    assert hh(res, 1)["status"] == "EXCLUDED"
    assert [r["evidence_id"] for r in reasons_of(res, 1, "SOE_EMPLOYEE")] == [nik(11)]


@pytest.mark.parametrize("jenis,tax,excluded", [
    ("MOBIL PENUMPANG", date(2026, 5, 1), True),
    ("MOBIL BARANG", date(2024, 11, 1), True),  # exactly two years before the load date
    ("BUS", date(2027, 5, 1), True),  # paid ahead
    ("MOBIL PENUMPANG", date(2024, 10, 31), False),  # lapsed
    ("SEPEDA MOTOR", date(2026, 5, 1), False),
])
def test_car_owner(jenis, tax, excluded):
    w = World()
    head = w.family(1)
    rangka = w.vehicle(head, jenis=jenis, tax=tax, plate="P 4321 XY")
    res = w.run()
    assert (hh(res, 1)["status"] == "EXCLUDED") is excluded
    ev = reasons_of(res, 1, "CAR_OWNER")
    assert len(ev) == int(excluded)
    if excluded:
        r = ev[0]
        assert (r["evidence_source"], r["evidence_id"], r["link_method"], r["link_score"]) == (
            "kendaraan", rangka, "NIK_EXACT", 1.0)
        assert "P 4321 XY" in r["evidence"] and jenis in r["evidence"] and tax.isoformat() in r["evidence"]


def test_car_of_deceased_member_counts_and_of_moved_member_does_not():
    w = World()
    w.family(1)
    dead = w.person(11, 1, rel="ISTRI", status="MATI", status_date=date(2025, 1, 1), sex="PEREMPUAN")
    w.vehicle(dead)
    w.family(2)
    moved = w.person(21, 2, rel="ANAK", status="PINDAH", status_date=date(2025, 1, 1))
    w.vehicle(moved)
    res = w.run()
    assert hh(res, 1)["status"] == "EXCLUDED"
    assert "meninggal" in reasons_of(res, 1, "CAR_OWNER")[0]["evidence"]
    mobil = res.components.filter(pl.col("component") == "mobil").sort("no_kk")["points"].to_list()
    assert mobil == [15, 0]
    assert hh(res, 2)["status"] == "ELIGIBLE"
    assert codes_of(res, 2) == set()


def test_name_match_at_accept_counts():
    w = World()
    head = w.family(1)
    w.vehicle(head, method="NAME_MATCH", score=0.92)
    res = w.run()
    assert hh(res, 1)["status"] == "EXCLUDED"
    assert reasons_of(res, 1, "CAR_OWNER")[0]["link_method"] == "NAME_MATCH"


@pytest.mark.parametrize("parcels,excluded", [
    ([("SAWAH", 3000, 10_000), ("KEBUN", 2000, 10_000)], False),  # exactly 5,000 m²
    ([("SAWAH", 3000, 10_000), ("TEGALAN", 2001, 10_000)], True),
    ([("SAWAH", 3000, 10_000), ("PEKARANGAN", 4000, 10_000)], False),  # not agricultural
    ([("SAWAH", 5001, 10_000), ("PEKARANGAN", 100, 10_000)], True),  # evidence: the sawah alone
    ([("PERUMAHAN", 500, 2_000_000)], False),  # exactly Rp 1 miliar
    ([("PERUMAHAN", 500, 2_000_000), ("PEKARANGAN", 1, 1)], True),
])
def test_land_above_limit(parcels, excluded):
    w = World()
    head = w.family(1)
    nibs = [w.parcel(head, use=u, luas=float(a), njop=n) for u, a, n in parcels]
    res = w.run()
    assert (hh(res, 1)["status"] == "EXCLUDED") is excluded
    ev = reasons_of(res, 1, "LAND_ABOVE_LIMIT")
    if excluded:
        # the evidence is the parcels the exceeded limit counts: the farmland for the area, every
        # parcel for the value
        counted = {nib for nib, (u, _, _) in zip(nibs, parcels) if u in ("SAWAH", "TEGALAN", "KEBUN")}
        if sum(a * n for _, a, n in parcels) > 1_000_000_000:
            counted = set(nibs)
        assert sorted(r["evidence_id"] for r in ev) == sorted(counted)
        assert all(r["evidence_source"] == "tanah" and "m²" in r["evidence"] for r in ev)
    else:
        assert ev == []


def test_parcel_with_two_holders_in_one_household_counts_once():
    w = World()
    head = w.family(1)
    wife = w.person(11, 1, rel="ISTRI", sex="PEREMPUAN")
    w.parcel(head, use="SAWAH", luas=3000, nib="12000000000077")
    w.parcel(wife, use="SAWAH", luas=3000, nib="12000000000077")
    res = w.run()
    assert "LAND_ABOVE_LIMIT" not in codes_of(res, 1)
    assert hh(res, 1)["status"] == "ELIGIBLE"


@pytest.mark.parametrize("daya,excluded", [(900, False), (1300, True), (2200, True)])
def test_high_electricity(daya, excluded):
    w = World()
    w.family(1, penerangan="PLN METERAN", daya=daya)
    res = w.run()
    assert (hh(res, 1)["status"] == "EXCLUDED") is excluded
    ev = reasons_of(res, 1, "HIGH_ELECTRICITY")
    assert len(ev) == int(excluded)
    if excluded:
        assert (ev[0]["evidence_source"], ev[0]["evidence_id"]) == ("rumah", kk(1)) and str(daya) in ev[0]["evidence"]


def test_decile_above_cutoff():
    w = World()
    for k in range(1, 10):
        w.family(k)
    w.family(10, lantai="MARMER/GRANIT", dinding="TEMBOK", atap="BETON")
    res = w.run()
    row = hh(res, 10)
    assert row["desil"] == 10 and row["status"] == "EXCLUDED"
    ev = reasons_of(res, 10, "DECILE_ABOVE_CUTOFF")
    assert ev[0]["evidence_source"] == "score" and ev[0]["evidence_id"] == kk(10)
    assert hh(res, 5)["status"] == "ELIGIBLE" and hh(res, 5)["programs"] == ["PBI_JK"]
    assert hh(res, 6)["status"] == "EXCLUDED"
    check_invariants(res, w)


def test_pkh_a_member_turning_18_on_the_load_date_is_no_longer_a_child():
    w = World()
    w.family(1)
    w.person(11, 1, rel="ANAK", birth=date(LOAD.year - 18, LOAD.month, LOAD.day))  # 18 today
    w.family(2)
    w.person(21, 2, rel="ANAK", birth=date(LOAD.year - 18, LOAD.month, LOAD.day) + timedelta(days=1))  # 17 today
    w.padding()
    res = w.run()
    assert "PKH" not in hh(res, 1)["programs"] and "SEMBAKO" in hh(res, 1)["programs"]
    assert "PKH" in hh(res, 2)["programs"]


def test_pkh_needs_a_child_or_an_elder():
    w = World()
    w.family(1)
    w.family(2)
    w.person(21, 2, rel="ANAK", birth=date(2009, 1, 1))  # 17
    w.family(3)
    w.person(31, 3, rel="ORANG TUA", birth=date(1966, 11, 1))  # 60 today
    w.padding()
    res = w.run()
    assert "PKH" not in hh(res, 1)["programs"]
    assert "PKH" in hh(res, 2)["programs"] and "PKH" in hh(res, 3)["programs"]


# --- review reasons -------------------------------------------------------------------------------


def test_an_uncertain_record_whose_only_candidate_moved_out_reviews_nobody():
    w = World()
    w.family(1)
    moved = w.person(11, 1, rel="ANAK", status="PINDAH", status_date=date(2025, 1, 1))
    w.vehicle(None, method="NAME_MATCH", score=0.85, candidates=[moved])
    w.parcel(None, method="AMBIGUOUS", score=0.9, candidates=[moved], luas=9000)
    res = w.run()
    assert hh(res, 1)["status"] == "ELIGIBLE", codes_of(res, 1)


def test_name_match_below_accept_sends_to_review_not_excluded():
    w = World()
    head = w.family(1)
    rangka = w.vehicle(None, method="NAME_MATCH", score=0.85, candidates=[head])
    res = w.run()
    row = hh(res, 1)
    assert row["status"] == "REVIEW"
    assert codes_of(res, 1) == {"UNCERTAIN_MATCH"}
    ev = reasons_of(res, 1, "UNCERTAIN_MATCH")[0]
    assert (ev["evidence_id"], ev["link_method"], ev["link_score"]) == (rangka, "NAME_MATCH", 0.85)
    # The uncertain car does not count in the score either.
    assert res.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "mobil"))["points"].item() == 0


@pytest.mark.parametrize("score,status", [(0.80, "REVIEW"), (0.7999, "ELIGIBLE")])
def test_a_name_match_at_the_review_threshold_is_a_candidate(score, status):
    w = World()
    head = w.family(1)
    w.vehicle(head, method="NAME_MATCH", score=score, candidates=[head])
    res = w.run()
    assert hh(res, 1)["status"] == status
    assert codes_of(res, 1) == ({"UNCERTAIN_MATCH"} if status == "REVIEW" else set())


def test_a_car_whose_record_names_nobody_reviews_the_family_of_its_nik_and_says_why():
    w = World()
    head = w.family(1)
    w.vehicle(None, method="AMBIGUOUS", candidates=[head], plate="P 7777 ZZ")
    w.links[-1]["note"] = "NAME_MISSING"
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW" and codes_of(res, 1) == {"UNCERTAIN_MATCH"}
    ev = reasons_of(res, 1, "UNCERTAIN_MATCH")[0]
    assert "P 7777 ZZ" in ev["evidence"] and "nama pemilik tidak tertulis" in ev["evidence"]
    assert ev["link_method"] == "AMBIGUOUS"


def test_a_car_whose_nik_and_name_point_at_two_brothers_reviews_both_and_says_why():
    w = World()
    one, two = w.family(1), w.family(2)
    w.vehicle(None, method="AMBIGUOUS", candidates=[two, one], plate="P 8888 ZZ")
    w.links[-1]["note"] = "NIK_TWIN"
    res = w.run()
    for k in (1, 2):
        # (the better-off of two households is above the cutoff by rank: a decile it may owe to the car)
        assert hh(res, k)["status"] == "REVIEW" and "UNCERTAIN_MATCH" in codes_of(res, k)
        ev = [r for r in reasons_of(res, k, "UNCERTAIN_MATCH") if r["evidence_source"] == "kendaraan"][0]
        assert "P 8888 ZZ" in ev["evidence"] and "hanya berbeda satu salah ketik; pemiliknya belum dapat dipastikan" in ev["evidence"]


@pytest.mark.parametrize("note,says,not_says", [
    ("NAMESAKE_ELSEWHERE", "daerah lain", "ditolak validasi"),  # a namesake from elsewhere may hold it
    ("NAMESAKE_UNLISTED", "ditolak validasi", "daerah lain"),  # so may a villager whose row was rejected
])
def test_a_parcel_held_for_namesakes_reviews_its_villager_and_says_why(note, says, not_says):
    w = World()
    a = w.family(1)
    w.family(2)
    nib = w.parcel(None, luas=6000.0, method="AMBIGUOUS", score=0.91, candidates=[a])
    w.links[-1]["note"] = note
    w.padding()
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW" and codes_of(res, 1) == {"UNCERTAIN_MATCH"}
    ev = reasons_of(res, 1, "UNCERTAIN_MATCH")[0]
    assert ev["evidence_id"] == nib and "bernama sama" in ev["evidence"] and says in ev["evidence"]
    assert "kandidat" not in ev["evidence"] and not_says not in ev["evidence"]
    assert ev["evidence"].endswith("bisa jadi pemegangnya")  # a parcel's holder
    assert hh(res, 2)["status"] == "ELIGIBLE"
    check_invariants(res, w)


@pytest.mark.parametrize("note,says", [("NAMESAKE_ELSEWHERE", "daerah lain"), ("NAMESAKE_UNLISTED", "ditolak validasi")])
def test_a_car_held_for_namesakes_reviews_its_villager_and_names_its_owner(note, says):
    w = World()
    a = w.family(1)
    w.family(2)
    rangka = w.vehicle(None, method="AMBIGUOUS", score=0.91, candidates=[a])
    w.links[-1]["note"] = note
    w.padding()
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW" and codes_of(res, 1) == {"UNCERTAIN_MATCH"}
    ev = reasons_of(res, 1, "UNCERTAIN_MATCH")[0]
    assert ev["evidence_id"] == rangka and says in ev["evidence"]
    assert ev["evidence"].endswith("bisa jadi pemiliknya")  # a vehicle's owner, not its holder
    assert hh(res, 2)["status"] == "ELIGIBLE"
    check_invariants(res, w)


def test_two_members_candidates_of_one_record_give_the_household_one_row_the_lower_nik_s():
    # A man who died and his widow, both candidates of one ambiguous parcel: the household holds it
    # once, as the member with the lower NIK (a fixed rule, so reloads give the same evidence),
    # whichever of the two that is and in whatever order the candidates are listed.
    from assets.eligibility.holdings import household_parcels

    w = World()
    dead_first = w.person(10, 1, status="MATI", status_date=date(2025, 3, 1))
    alive_second = w.person(11, 1, rel="ISTRI")
    alive_first = w.person(20, 2)
    dead_second = w.person(21, 2, rel="SUAMI", status="MATI", status_date=date(2025, 3, 1))
    assert dead_first < alive_second and alive_first < dead_second
    w.parcel(None, luas=6000.0, method="AMBIGUOUS", score=0.95, candidates=[alive_second, dead_first])
    w.parcel(None, luas=6000.0, method="AMBIGUOUS", score=0.95, candidates=[dead_second, alive_first])
    parcels = household_parcels(pl.DataFrame(w.tanah, schema=TANAH), pl.DataFrame(w.links, schema=LINKS),
                                pl.DataFrame(w.penduduk, schema=PENDUDUK), POLICY)
    status = dict(zip(parcels["no_kk"], parcels["owner_status"]))
    assert parcels.height == 2 and status == {kk(1): "MATI", kk(2): "HIDUP"}


def test_ambiguous_record_reviews_every_candidate_household_it_would_exclude():
    w = World()
    a = w.family(1)
    b = w.family(2)
    c = w.family(3)
    w.vehicle(c)  # household 3 already owns a car for sure: the ambiguous one changes nothing
    moved = w.person(41, 4, status="PINDAH", status_date=date(2025, 1, 1))
    w.family(5)
    w.vehicle(None, method="AMBIGUOUS", score=0.95, candidates=[a, b, c, moved])
    w.padding()
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW" and hh(res, 2)["status"] == "REVIEW"
    assert "UNCERTAIN_MATCH" in codes_of(res, 1) and "UNCERTAIN_MATCH" in codes_of(res, 2)
    assert "UNCERTAIN_MATCH" not in codes_of(res, 3) and hh(res, 3)["status"] == "EXCLUDED"
    assert codes_of(res, 5) == set() and hh(res, 5)["status"] == "ELIGIBLE"
    assert "kandidat" in reasons_of(res, 1, "UNCERTAIN_MATCH")[0]["evidence"]
    check_invariants(res, w)


def test_a_policy_can_let_records_with_too_many_candidates_review_nobody():
    """`links.review_max_candidates`: a doubtful record listing more candidates than the policy
    allows reviews none of them (and counts for none); one within it reviews as before."""
    from dataclasses import replace

    w = World()
    a, b, c = w.family(1), w.family(2), w.family(3)
    d, e = w.family(4), w.family(5)
    w.vehicle(None, method="AMBIGUOUS", score=0.95, candidates=[a, b, c])
    w.parcel(None, use="SAWAH", luas=9000, method="AMBIGUOUS", score=0.95, candidates=[d, e])
    w.padding()
    default = w.run()
    assert {hh(default, k)["status"] for k in (1, 2, 3, 4, 5)} == {"REVIEW"}
    capped = w.run(replace(POLICY, links=replace(POLICY.links, review_max_candidates=2)))
    for k in (1, 2, 3):  # the car had three candidates: more than two
        assert hh(capped, k)["status"] == "ELIGIBLE" and codes_of(capped, k) == set()
    for k in (4, 5):  # the sawah had two: reviewed as before
        assert hh(capped, k)["status"] == "REVIEW" and codes_of(capped, k) == {"UNCERTAIN_MATCH"}
    check_invariants(capped, w)


def test_uncertain_land_only_reviews_when_it_crosses_the_limit():
    w = World()
    a = w.family(1)
    w.parcel(a, use="SAWAH", luas=4000)
    w.parcel(None, use="KEBUN", luas=1500, method="NAME_MATCH", score=0.81, candidates=[a])
    b = w.family(2)
    w.parcel(None, use="KEBUN", luas=500, method="NAME_MATCH", score=0.81, candidates=[b])
    w.family(3)
    w.parcel(None, use="KEBUN", luas=9000, method="NAME_MATCH", score=0.79, candidates=[nik(30)])  # not a candidate
    w.padding()
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW" and codes_of(res, 1) == {"UNCERTAIN_MATCH"}
    assert hh(res, 2)["status"] == "ELIGIBLE"
    assert hh(res, 3)["status"] == "ELIGIBLE"


def test_uncertain_parcels_pointing_at_one_household_alone_are_weighed_together():
    """The rule is about the household's total: doubtful parcels whose only candidate is this
    household and that exceed the limit only together send it to review, each listed with the
    totals they would make. Parcels with several candidate households are weighed one by one."""
    w = World()
    a = w.family(1)
    # Two doubtful parcels of 3,000 m² whose only candidate is this household: 6,000 m² together.
    w.parcel(None, use="KEBUN", luas=3000, method="NAME_MATCH", score=0.85, candidates=[a])
    w.parcel(None, use="SAWAH", luas=3000, method="NAME_MATCH", score=0.85, candidates=[a])
    w.parcel(None, use="PEKARANGAN", luas=100, method="NAME_MATCH", score=0.85, candidates=[a])  # not farmland
    b = w.family(2)
    w.parcel(b, use="SAWAH", luas=3000)
    w.parcel(None, use="KEBUN", luas=2500, method="AMBIGUOUS", score=0.95, candidates=[b, nik(400)])
    c = w.family(3)
    # Candidate among others of two parcels: neither alone crosses the limit, and they are not summed.
    w.parcel(None, use="SAWAH", luas=3000, method="AMBIGUOUS", score=0.95, candidates=[c, nik(200)])
    w.parcel(None, use="SAWAH", luas=3000, method="AMBIGUOUS", score=0.95, candidates=[c, nik(300)])
    d = w.family(4)
    w.parcel(None, use="SAWAH", luas=2000, method="NAME_MATCH", score=0.85, candidates=[d])
    w.parcel(None, use="KEBUN", luas=2000, method="NAME_MATCH", score=0.85, candidates=[d])  # 4,000 m²: below
    w.padding()
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW" and codes_of(res, 1) == {"UNCERTAIN_MATCH"}
    evs = reasons_of(res, 1, "UNCERTAIN_MATCH")
    assert len(evs) == 2  # the two farmland parcels; the yard adds nothing to the area rule
    for ev in evs:
        assert "bidang ini dan 2 bidang lain yang hanya menunjuk KK ini" in ev["evidence"]
        assert "total lahan pertanian 6.000 m²" in ev["evidence"]
        assert ev["evidence"].endswith("kecocokan nama 0,85 di bawah ambang")
    assert hh(res, 2)["status"] == "REVIEW" and codes_of(res, 2) == {"UNCERTAIN_MATCH"}
    ev = reasons_of(res, 2, "UNCERTAIN_MATCH")[0]
    assert "jika bidang ini milik KK" in ev["evidence"]
    assert "total lahan pertanian 5.500 m²" in ev["evidence"] and "2 kandidat" in ev["evidence"]
    for k in (3, 4):
        assert hh(res, k)["status"] == "ELIGIBLE" and codes_of(res, k) == set(), k


def test_land_at_the_limit_exactly_is_not_above_it():
    """Decimal areas and values that add up to the limit exactly do not exceed it (a float sum
    of 181.1 + 4,395.8 + 423.1 is a hair above 5,000); a hair more does."""
    w = World()
    a = w.family(1)
    for luas in (181.1, 4395.8, 423.1):  # 5,000 m² of farmland
        w.parcel(a, use="SAWAH", luas=luas)
    b = w.family(2)
    for luas in (8746.7, 1253.3):  # 10,000 m² at Rp 100,000: Rp 1,000,000,000
        w.parcel(b, use="PERUMAHAN", luas=luas, njop=100_000)
    c = w.family(3)
    for luas in (181.1, 4395.8, 423.2):  # 5,000.1 m²
        w.parcel(c, use="SAWAH", luas=luas)
    d = w.family(4)
    w.parcel(d, use="SAWAH", luas=4000)
    for luas in (181.1, 395.8, 423.1):  # doubtful: 1,000 m², with the sure 4,000 exactly 5,000
        w.parcel(None, use="KEBUN", luas=luas, method="NAME_MATCH", score=0.85, candidates=[d])
    w.padding()
    res = w.run()
    for k in (1, 2, 4):
        assert "LAND_ABOVE_LIMIT" not in codes_of(res, k) and "UNCERTAIN_MATCH" not in codes_of(res, k), k
    assert "LAND_ABOVE_LIMIT" in codes_of(res, 3) and hh(res, 3)["status"] == "EXCLUDED"


def test_candidate_born_after_the_certificate_is_not_its_holder():
    w = World()
    w.person(10, 1, birth=date(2008, 3, 1))  # born after the certificate of 2005
    w.house(1)
    old = w.family(2)  # born 1980
    w.parcel(None, use="SAWAH", luas=9000, method="AMBIGUOUS", score=0.95, candidates=[nik(10), old],
             issued=date(2005, 1, 1))
    w.padding()
    res = w.run()
    assert hh(res, 1)["status"] == "ELIGIBLE" and codes_of(res, 1) == set()
    assert hh(res, 2)["status"] == "REVIEW" and codes_of(res, 2) == {"UNCERTAIN_MATCH"}


def test_housing_head_not_member_is_checked_against_the_registry():
    w = World()
    head1 = w.family(1, note="HEAD_NOT_MEMBER")
    w.rumah[-1]["NIK_KEPALA"] = head1  # the survey names the household's own member: no conflict
    w.family(2, note="HEAD_NOT_MEMBER", head_nik=nik(30))  # a member of household 3: a conflict
    w.family(3)
    w.family(4, note="HEAD_NOT_MEMBER", head_nik=nik(999))  # unknown to the registry ...
    w.flag(4, "REJECTED_MEMBER_ROW", "NIK_LENGTH")  # ... but a row of this NO_KK was rejected
    w.family(5, note="HEAD_NOT_MEMBER", head_nik=nik(998))  # unknown, and nothing explains it
    w.padding()
    res = w.run()
    assert hh(res, 1)["status"] == "ELIGIBLE" and codes_of(res, 1) == set()
    assert codes_of(res, 2) == {"CONFLICTING_RECORDS"} and hh(res, 2)["status"] == "REVIEW"
    assert codes_of(res, 4) == {"REJECTED_MEMBER_ROW"} and hh(res, 4)["status"] == "REVIEW"
    assert codes_of(res, 5) == {"CONFLICTING_RECORDS"}


def test_housing_head_who_died_or_moved_out_is_not_a_member():
    """Members are the living rows: a survey naming a head of this NO_KK who died or moved out,
    while others live on, names someone who is not a member (CONFLICTING_RECORDS)."""
    w = World()
    gone = {}
    for k, status in ((1, "MATI"), (2, "PINDAH")):
        gone[k] = w.person(k * 10, k, status=status, status_date=date(2026, 3, 1))
        w.person(k * 10 + 1, k, rel="ISTRI", sex="PEREMPUAN")
        w.house(k)
        w.links[-1]["nik"] = gone[k]  # linkage found the survey's head among the KK's rows
    alone = w.person(30, 3, status="MATI", status_date=date(2026, 3, 1))  # dissolved household
    w.house(3)
    w.links[-1]["nik"] = alone
    head = w.family(4)
    w.links[-1]["nik"] = head  # the living head: no conflict
    w.padding()
    res = w.run()
    for k, status in ((1, "MATI"), (2, "PINDAH")):
        assert codes_of(res, k) == {"CONFLICTING_RECORDS"} and hh(res, k)["status"] == "REVIEW"
        ev = reasons_of(res, k, "CONFLICTING_RECORDS")[0]
        assert ev["evidence_source"] == "rumah" and f"tercatat {status}" in ev["evidence"]
    assert codes_of(res, 3) == {"HOUSEHOLD_DISSOLVED"} and hh(res, 3)["status"] == "EXCLUDED"
    assert codes_of(res, 4) == set() and hh(res, 4)["status"] == "ELIGIBLE"


def test_uncertain_record_that_would_lift_the_decile_above_every_cutoff_reviews():
    w = World()
    a = w.family(1)  # score 18
    w.parcel(None, use="PEKARANGAN", luas=1000, njop=600_000, method="NAME_MATCH", score=0.85, candidates=[a])
    b = w.family(2)
    w.parcel(None, use="PEKARANGAN", luas=1000, njop=40_000, method="NAME_MATCH", score=0.85, candidates=[b])
    c = w.family(3)
    w.parcel(None, use="PEKARANGAN", luas=1000, njop=60_000, method="NAME_MATCH", score=0.85, candidates=[c])
    for k in (4, 5):
        w.family(k)
    for k in range(6, 11):
        w.family(k, lantai="KERAMIK")  # score 26
    res = w.run()
    # 600 juta would add 12 points: 30, ranked after all nine others, decile 10: no program.
    assert hh(res, 1)["status"] == "REVIEW" and codes_of(res, 1) == {"UNCERTAIN_MATCH"}
    ev = reasons_of(res, 1, "UNCERTAIN_MATCH")[0]
    assert ev["evidence_source"] == "tanah" and ev["link_method"] == "NAME_MATCH"
    assert "skor 30, desil 10" in ev["evidence"]
    assert hh(res, 1)["score"] == 18  # the doubtful parcel still does not count
    # 40 juta adds no point; 60 juta adds 4 (22), still among the poorest half.
    assert hh(res, 2)["status"] == "ELIGIBLE" and hh(res, 3)["status"] == "ELIGIBLE"
    check_invariants(res, w)


def test_decile_exclusion_resting_on_doubtful_records_of_others_goes_to_review():
    w = World()
    # Ten one-person households. 1-4 are poor (18); 5 is in the middle (20); 6-10 score 26.
    # Households 1-4 each are the only candidate of a doubtful parcel worth 600 juta (+12 points
    # each if theirs, which would rank them above household 5).
    for k in (1, 2, 3, 4):
        head = w.family(k)
        w.parcel(None, use="PEKARANGAN", luas=1000, njop=600_000, method="AMBIGUOUS", score=0.95,
                 candidates=[head, nik(900 + k)])
    w.family(5, lantai="BAMBU", dinding="ANYAMAN BAMBU")  # 20
    for k in range(6, 11):
        w.family(k, lantai="KERAMIK")  # 26
    res = w.run()
    # Sure ranking: 1-4 (4 persons) then 5: persons_before 4, decile 5: PBI_JK, eligible.
    assert hh(res, 5)["desil"] == 5 and hh(res, 5)["status"] == "ELIGIBLE"
    w.family(11)  # one more poor household pushes household 5 to decile 5 of 11 persons ...
    w.family(12)  # ... and another to decile 6: excluded on the sure ranking
    res = w.run()
    row = hh(res, 5)
    assert row["desil"] == 6
    # With each doubtful parcel split between its two candidates (+6 each: 24 > 20), households
    # 1-4 would rank above household 5, which would then follow only 11 and 12 (2 of 12 persons,
    # decile 2): the exclusion rests on doubtful matches, so the household goes to review.
    assert row["status"] == "REVIEW"
    assert codes_of(res, 5) == {"DECILE_ABOVE_CUTOFF", "UNCERTAIN_MATCH"}
    ev = reasons_of(res, 5, "UNCERTAIN_MATCH")[0]
    assert ev["evidence_source"] == "score" and "desil keluarga ini 2" in ev["evidence"]
    # A household far above the cutoff stays excluded.
    assert hh(res, 10)["status"] == "EXCLUDED" and codes_of(res, 10) == {"DECILE_ABOVE_CUTOFF"}
    check_invariants(res, w)


def test_conflicting_records_from_flags():
    w = World()
    w.family(1)
    w.flag(1, "CONFLICTING_RECORDS", "DUPLICATE_CONFLICT", row=7)
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW"
    ev = reasons_of(res, 1, "CONFLICTING_RECORDS")
    assert len(ev) == 1 and ev[0]["evidence_source"] == "penduduk" and "7" in ev[0]["evidence"]


def test_conflicting_records_from_housing_head_not_member():
    w = World()
    w.family(1, note="HEAD_NOT_MEMBER")
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW"
    ev = reasons_of(res, 1, "CONFLICTING_RECORDS")
    assert len(ev) == 1 and ev[0]["evidence_source"] == "rumah"
    assert hh(res, 1)["score"] is not None  # the survey row still scores the household


def test_rejected_member_row():
    w = World()
    w.family(1)
    w.flag(1, "REJECTED_MEMBER_ROW", "DATE_IMPOSSIBLE", row=12)
    w.flag(9, "REJECTED_MEMBER_ROW", "NIK_LENGTH", row=13)  # every row of household 9 was rejected
    res = w.run()
    assert hh(res, 1)["status"] == "REVIEW"
    assert codes_of(res, 1) == {"REJECTED_MEMBER_ROW"}
    only_flagged = hh(res, 9)
    assert only_flagged["status"] == "REVIEW" and only_flagged["members"] == 0
    check_invariants(res, w)


def test_no_housing_data():
    w = World()
    w.person(10, 1)
    w.person(20, 2)
    w.house(2, link_no_kk=None)  # a survey row that could not be linked is not usable
    res = w.run()
    for k in (1, 2):
        row = hh(res, k)
        assert row["status"] == "REVIEW" and row["score"] is None and row["desil"] is None
        assert codes_of(res, k) == {"NO_HOUSING_DATA"}
    assert res.components.height == 0


def test_latest_housing_survey_is_used():
    w = World()
    w.person(10, 1)
    w.house(1, lantai="KERAMIK", surveyed=date(2025, 1, 1))
    w.house(1, lantai="TANAH", surveyed=date(2026, 1, 1))
    res = w.run()
    comp = res.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "lantai"))
    assert comp["value"].item() == "TANAH"


def test_exclusion_wins_over_review_and_review_reasons_stay_listed():
    w = World()
    head = w.family(1)
    w.vehicle(head)
    w.flag(1, "REJECTED_MEMBER_ROW", "UNKNOWN_CODE")
    res = w.run()
    assert hh(res, 1)["status"] == "EXCLUDED"
    assert codes_of(res, 1, "EXCLUSION") == {"CAR_OWNER"}
    assert codes_of(res, 1, "REVIEW") == {"REJECTED_MEMBER_ROW"}


def test_high_decile_with_doubtful_make_up_goes_to_review():
    w = World()
    for k in range(1, 10):
        w.family(k)
    w.family(10, lantai="MARMER/GRANIT", dinding="TEMBOK", atap="BETON")
    w.flag(10, "REJECTED_MEMBER_ROW", "NIK_LENGTH")
    w.family(11, lantai="MARMER/GRANIT", dinding="TEMBOK", atap="BETON")
    w.vehicle(None, method="NAME_MATCH", score=0.85, candidates=[nik(110)])
    res = w.run()
    assert hh(res, 10)["status"] == "REVIEW"
    assert {"DECILE_ABOVE_CUTOFF", "REJECTED_MEMBER_ROW"} <= codes_of(res, 10)
    # An uncertain car cannot lower a score: the decile exclusion stands.
    assert hh(res, 11)["status"] == "EXCLUDED"
    assert codes_of(res, 11) == {"DECILE_ABOVE_CUTOFF", "UNCERTAIN_MATCH"}


# --- deciles --------------------------------------------------------------------------------------


def _scores(rows):
    return pl.DataFrame(
        rows, schema={"no_kk": pl.String, "members": pl.Int32, "floor_area_per_member": pl.Float64, "score": pl.Int32},
        orient="row",
    )


def test_decile_single_person_scope():
    out = assign_deciles(_scores([("A", 1, 10.0, 50)]))
    assert out["desil"].to_list() == [1]


def test_decile_person_weighted():
    # persons: A 1, B 4, C 5 (total 10): A before 0 -> 1; B before 1 -> 2; C before 5 -> 6.
    out = assign_deciles(_scores([("C", 5, 10.0, 30), ("A", 1, 10.0, 10), ("B", 4, 10.0, 20)]))
    assert dict(out.select("no_kk", "desil").iter_rows()) == {"A": 1, "B": 2, "C": 6}


def test_decile_ties_broken_by_floor_area_then_no_kk():
    # Same score: the smaller floor area per member is poorer; equal too: smaller NO_KK first.
    rows = [("K3", 1, 9.0, 20), ("K2", 1, 9.0, 20), ("K1", 1, 12.0, 20), ("K0", 1, 5.0, 25)]
    out = assign_deciles(_scores(rows))
    d = dict(out.select("no_kk", "desil").iter_rows())
    # order K2, K3, K1, K0 with 4 persons: floor(10*0/4)+1=1, floor(10*1/4)+1=3, 6, 8
    assert d == {"K2": 1, "K3": 3, "K1": 6, "K0": 8}


def test_decile_never_exceeds_ten_and_covers_all():
    rows = [(f"K{i:02d}", 1, 10.0, i) for i in range(20)]
    out = assign_deciles(_scores(rows)).sort("score")
    assert out["desil"].to_list() == [i // 2 + 1 for i in range(20)]


def test_decile_in_evaluate_matches_formula():
    w = World()
    for k in range(1, 6):
        w.person(k * 10, k)
        for j in range(1, k):
            w.person(k * 10 + j, k, rel="ANAK", birth=date(2000, 1, 1))
        w.house(k, area=100.0)
    res = w.run()
    total = res.households["members"].sum()
    ordered = res.households.join(
        res.components.filter(pl.col("component") == "luas_lantai_per_anggota").select(
            "no_kk", fa=pl.col("value").cast(pl.Float64)), on="no_kk",
    ).sort("score", "fa", "no_kk")
    persons = ordered["members"].to_list()
    expected, before = [], 0
    for p in persons:
        expected.append(min(10, 10 * before // total + 1))
        before += p
    assert ordered["desil"].to_list() == expected


# --- properties -----------------------------------------------------------------------------------

JOBS = ["PETANI/PEKEBUN", "BURUH HARIAN LEPAS", "PEGAWAI NEGERI SIPIL (PNS)", "KARYAWAN BUMD", "WIRASWASTA"]


@st.composite
def worlds(draw) -> World:
    w = World()
    n_hh = draw(st.integers(1, 8))
    people: list[str] = []
    for k in range(1, n_hh + 1):
        for j in range(draw(st.integers(1, 4))):
            status = draw(st.sampled_from(["HIDUP", "HIDUP", "HIDUP", "MATI", "PINDAH"]))
            people.append(w.person(
                k * 10 + j, k, rel="KEPALA KELUARGA" if j == 0 else "ANAK",
                birth=date(draw(st.integers(1940, 2025)), draw(st.integers(1, 12)), 1),
                job=draw(st.sampled_from(JOBS)), status=status, status_date=date(2025, 1, 1),
            ))
        if draw(st.booleans()):
            w.house(k, area=float(draw(st.integers(5, 120))), penerangan="PLN METERAN",
                    daya=draw(st.sampled_from([450, 900, 1300])),
                    lantai=draw(st.sampled_from(["TANAH", "KERAMIK", "BAMBU"])),
                    note=draw(st.sampled_from([None, None, "HEAD_NOT_MEMBER"])))
        if draw(st.integers(0, 5)) == 0:
            w.flag(k, draw(st.sampled_from(["REJECTED_MEMBER_ROW", "CONFLICTING_RECORDS"])), "NIK_LENGTH")
    for _ in range(draw(st.integers(0, 6))):
        method = draw(st.sampled_from(["NIK_EXACT", "NAME_MATCH", "AMBIGUOUS", "UNLINKED"]))
        owner = draw(st.sampled_from(people))
        score = draw(st.sampled_from([0.81, 0.95])) if method in ("NAME_MATCH", "AMBIGUOUS") else None
        cands = draw(st.lists(st.sampled_from(people), max_size=3)) if method != "NIK_EXACT" else None
        if draw(st.booleans()):
            w.vehicle(owner if method != "AMBIGUOUS" else None, method=method, score=score, candidates=cands,
                      jenis=draw(st.sampled_from(["SEPEDA MOTOR", "MOBIL PENUMPANG"])))
        else:
            w.parcel(owner if method != "AMBIGUOUS" else None, method=method, score=score, candidates=cands,
                     luas=float(draw(st.integers(100, 6000))))
    return w


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_status_invariants(world):
    res = world.run()
    check_invariants(res, world)
    # Uncertain evidence never excludes and never scores: with every uncertain link removed, the
    # scores are the same, every household excluded is excluded without them too (for the same
    # definite rules), and a status that changes changes to REVIEW with UNCERTAIN_MATCH.
    sure = World(**{k: list(v) for k, v in world.__dict__.items()})
    sure.links = [
        {**link, "method": "UNLINKED", "nik": None, "no_kk": None, "score": None, "candidates": None}
        if link["method"] == "AMBIGUOUS" or (link["method"] == "NAME_MATCH" and link["score"] < POLICY.links.accept)
        else link
        for link in world.links
    ]
    base = sure.run()
    assert "UNCERTAIN_MATCH" not in base.reasons["code"].to_list()
    both = res.households.join(base.households, on="no_kk", suffix="_sure")
    assert both.filter((pl.col("status") == "EXCLUDED") & (pl.col("status_sure") != "EXCLUDED")).height == 0
    assert both["score"].to_list() == both["score_sure"].to_list()
    definite = ["STATE_EMPLOYEE", "SOE_EMPLOYEE", "CAR_OWNER", "LAND_ABOVE_LIMIT", "HIGH_ELECTRICITY"]
    def_rows = [r.reasons.filter(pl.col("code").is_in(definite)).select("no_kk", "code").unique().sort("no_kk", "code")
                for r in (res, base)]
    assert def_rows[0].equals(def_rows[1])
    changed = both.filter(pl.col("status") != pl.col("status_sure"))
    for row in changed.iter_rows(named=True):
        assert row["status"] == "REVIEW" and "UNCERTAIN_MATCH" in set(
            res.reasons.filter(pl.col("no_kk") == row["no_kk"])["code"].to_list())


# --- every number comes from the policy file --------------------------------------------------------


def _edited_policy(tmp_path, old: str, new: str):
    """The shipped policy file with one edit, read back as an operator's copy would be."""
    from schemas.policy import DEFAULT_POLICY_PATH

    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "policy.toml"
    path.write_text(text.replace(old, new).replace('version = "2026.11-default"', 'version = "edited"'),
                    encoding="utf-8")
    return load_policy(path)


def _electricity_900(w):
    w.family(1, penerangan="PLN METERAN", daya=900)


def _car_taxed_18_months_ago(w):
    w.vehicle(w.family(1), tax=date(2025, 5, 1))


def _house_plot_worth_600_million(w):
    w.parcel(w.family(1), use="PERUMAHAN", luas=500, njop=1_200_000)


def _sawah_of_3000(w):
    w.parcel(w.family(1), use="SAWAH", luas=3000)


def _car_matched_by_name_at(score):
    def build(w):
        head = w.family(1)
        w.vehicle(head, method="NAME_MATCH", score=score, candidates=[head])
    return build


def _teacher(w):
    w.person(10, 1, job="GURU")
    w.house(1)


E, X, R = "ELIGIBLE", "EXCLUDED", "REVIEW"


@pytest.mark.parametrize("old,new,build,default,edited", [
    ("electricity_min_va = 1300", "electricity_min_va = 900", _electricity_900, (E, set()),
     (X, {"HIGH_ELECTRICITY"})),
    ("car_tax_window_years = 2 ", "car_tax_window_years = 1 ", _car_taxed_18_months_ago, (X, {"CAR_OWNER"}),
     (E, set())),
    ("land_value_max = 1_000_000_000", "land_value_max = 500_000_000", _house_plot_worth_600_million, (E, set()),
     (X, {"LAND_ABOVE_LIMIT"})),
    ("agricultural_area_max_m2 = 5000", "agricultural_area_max_m2 = 2000", _sawah_of_3000, (E, set()),
     (X, {"LAND_ABOVE_LIMIT"})),
    ("accept = 0.92", "accept = 0.86", _car_matched_by_name_at(0.88), (R, {"UNCERTAIN_MATCH"}), (X, {"CAR_OWNER"})),
    ("review = 0.80", "review = 0.75", _car_matched_by_name_at(0.78), (E, set()), (R, {"UNCERTAIN_MATCH"})),
    ('"KEPOLISIAN RI (POLRI)",\n]', '"KEPOLISIAN RI (POLRI)",\n    "GURU",\n]', _teacher, (E, set()),
     (X, {"STATE_EMPLOYEE"})),
])
def test_a_threshold_changed_in_the_policy_file_changes_the_decision(tmp_path, old, new, build, default, edited):
    w = World()
    build(w)
    w.padding()
    before, after = w.run(), w.run(_edited_policy(tmp_path, old, new))
    assert (hh(before, 1)["status"], codes_of(before, 1)) == default
    assert (hh(after, 1)["status"], codes_of(after, 1)) == edited
    assert (after.households["policy_version"] == "edited").all()
    check_invariants(before, w)


def test_deciles_programs_points_and_texts_come_from_the_policy_file(tmp_path):
    w = World()
    for k in range(1, 11):
        w.family(k, lantai="KERAMIK" if k == 10 else "TANAH")
    default = w.run()
    assert hh(default, 10)["desil"] == 10 and hh(default, 6)["status"] == "EXCLUDED"
    five = w.run(_edited_policy(tmp_path, "groups = 10", "groups = 5"))
    assert hh(five, 10)["desil"] == 5 and hh(five, 6)["desil"] == 3
    pbi6 = w.run(_edited_policy(tmp_path, "[programs.PBI_JK]\nmax_decile = 5", "[programs.PBI_JK]\nmax_decile = 6"))
    assert hh(pbi6, 6)["status"] == "ELIGIBLE" and hh(pbi6, 6)["programs"] == ["PBI_JK"]
    floor = w.run(_edited_policy(tmp_path, '"TANAH" = 0', '"TANAH" = 2'))
    lantai = floor.components.filter((pl.col("no_kk") == kk(1)) & (pl.col("component") == "lantai"))
    assert lantai["points"].item() == 2 and hh(floor, 1)["score"] == hh(default, 1)["score"] + 2
    text = "Daya listrik rumah 1300 VA atau lebih"
    w2 = World()
    _electricity_900(w2)
    w2.family(2, penerangan="PLN METERAN", daya=2200)
    said = w2.run(_edited_policy(tmp_path, text, "Daya listrik terpasang melebihi batas"))
    assert reasons_of(said, 2, "HIGH_ELECTRICITY")[0]["description"] == "Daya listrik terpasang melebihi batas"
