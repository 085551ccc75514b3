"""Linking land, vehicles and housing to registry persons (policy.md, "Linking assets to people").

Small hand-built typed frames with the columns of docs/architecture.md; all data is synthetic.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.linkage.match import (
    AMBIGUOUS,
    ASSET_LINKS_SCHEMA,
    COLUMNS,
    NAMESAKE_ELSEWHERE,
    NAMESAKE_UNLISTED,
    OWNER_ROW_REJECTED,
    NAME_MATCH,
    NIK_EXACT,
    NIK_REPAIRED,
    UNLINKED,
    link_assets,
    parse_rt_rw,
)
from assets.linkage.nik import int_to_nik, nik_to_int, nik_variants, one_typing_error

V1 = "35.10.12.2001"  # village of the tests
V2 = "35.10.12.2002"  # another village of the same district
V3 = "35.10.15.2004"  # a village of another district

PENDUDUK_SCHEMA = {
    "NIK": pl.String, "NO_KK": pl.String, "NAMA_LGKP": pl.String, "JENIS_KLMIN": pl.String,
    "TMPT_LHR": pl.String, "TGL_LHR": pl.Date, "STAT_HBKEL": pl.String, "STAT_KWN": pl.String,
    "PDDK_AKH": pl.String, "JENIS_PKRJN": pl.String, "ALAMAT": pl.String, "NO_RT": pl.String,
    "NO_RW": pl.String, "KODE_WILAYAH": pl.String, "STATUS": pl.String, "TGL_STATUS": pl.Date,
    "NIK_WARNING": pl.String, "ROW_NUMBER": pl.Int64,
}
TANAH_SCHEMA = {
    "NIB": pl.String, "JENIS_HAK": pl.String, "NIK_PEMEGANG": pl.String,
    "NIK_PEMEGANG_RAW": pl.String, "NAMA_PEMEGANG": pl.String, "KODE_WILAYAH": pl.String,
    "IN_SCOPE": pl.Boolean, "LUAS_M2": pl.Float64, "PENGGUNAAN": pl.String,
    "NJOP_PER_M2": pl.Int64, "TGL_TERBIT": pl.Date, "ROW_NUMBER": pl.Int64,
}
KENDARAAN_SCHEMA = {
    "NO_RANGKA": pl.String, "NO_POLISI": pl.String, "NIK_PEMILIK": pl.String,
    "NIK_PEMILIK_RAW": pl.String, "NPWP_PEMILIK": pl.String, "NAMA_PEMILIK": pl.String,
    "ALAMAT_PEMILIK": pl.String, "KODE_WILAYAH": pl.String, "IN_SCOPE": pl.Boolean,
    "JENIS_KENDARAAN": pl.String, "MEREK": pl.String, "TAHUN_BUAT": pl.Int32,
    "NILAI_JUAL": pl.Int64, "TGL_AKHIR_PAJAK": pl.Date, "ROW_NUMBER": pl.Int64,
}
RUMAH_SCHEMA = {
    "NO_KK": pl.String, "NIK_KEPALA": pl.String, "NIK_KEPALA_RAW": pl.String,
    "NAMA_KEPALA": pl.String, "KODE_WILAYAH": pl.String, "STATUS_BANGUNAN": pl.String,
    "LUAS_LANTAI_M2": pl.Float64, "LANTAI": pl.String, "DINDING": pl.String, "ATAP": pl.String,
    "SUMBER_AIR_MINUM": pl.String, "FASILITAS_BAB": pl.String, "PENERANGAN": pl.String,
    "DAYA_VA": pl.Int32, "BAHAN_BAKAR_MASAK": pl.String, "TGL_PENDATAAN": pl.Date,
    "ROW_NUMBER": pl.Int64,
}


def _frame(rows: list[dict], schema: dict, defaults: dict) -> pl.DataFrame:
    full = [{**defaults, **r, "ROW_NUMBER": i + 1} for i, r in enumerate(rows)]
    return pl.DataFrame(
        [{c: row.get(c) for c in schema} for row in full], schema=schema, orient="row"
    )


def person(nik: str, kk: str, name: str, *, village: str = V1, rt: str = "001", rw: str = "001",
           relation: str = "KEPALA KELUARGA", status: str = "HIDUP", alamat: str = "DUSUN KRAJAN"):
    return {"NIK": nik, "NO_KK": kk, "NAMA_LGKP": name, "KODE_WILAYAH": village, "NO_RT": rt,
            "NO_RW": rw, "STAT_HBKEL": relation, "STATUS": status, "ALAMAT": alamat,
            "TGL_STATUS": date(2025, 1, 1) if status != "HIDUP" else None}


def penduduk(*people: dict) -> pl.DataFrame:
    return _frame(list(people), PENDUDUK_SCHEMA, {
        "JENIS_KLMIN": "LAKI-LAKI", "TMPT_LHR": "BANYUWANGI", "TGL_LHR": date(1990, 1, 1),
        "STAT_KWN": "KAWIN", "PDDK_AKH": "TAMAT SD/SEDERAJAT", "JENIS_PKRJN": "PETANI/PEKEBUN",
    })


def tanah(*parcels: dict) -> pl.DataFrame:
    return _frame(list(parcels), TANAH_SCHEMA, {
        "JENIS_HAK": "HM", "KODE_WILAYAH": V1, "IN_SCOPE": True, "LUAS_M2": 1000.0,
        "PENGGUNAAN": "SAWAH", "NJOP_PER_M2": 50_000, "TGL_TERBIT": date(2015, 1, 1),
    })


def kendaraan(*vehicles: dict) -> pl.DataFrame:
    return _frame(list(vehicles), KENDARAAN_SCHEMA, {
        "NO_POLISI": "P 1234 AB", "KODE_WILAYAH": V1, "IN_SCOPE": True,
        "JENIS_KENDARAAN": "SEPEDA MOTOR", "MEREK": "HONDA", "TAHUN_BUAT": 2019,
        "NILAI_JUAL": 15_000_000, "TGL_AKHIR_PAJAK": date(2026, 6, 1),
    })


def rumah(*houses: dict) -> pl.DataFrame:
    return _frame(list(houses), RUMAH_SCHEMA, {
        "KODE_WILAYAH": V1, "STATUS_BANGUNAN": "MILIK SENDIRI", "LUAS_LANTAI_M2": 36.0,
        "LANTAI": "SEMEN/BATA MERAH", "DINDING": "TEMBOK", "ATAP": "GENTENG",
        "SUMBER_AIR_MINUM": "SUMUR TERLINDUNG", "FASILITAS_BAB": "SENDIRI",
        "PENERANGAN": "PLN METERAN", "DAYA_VA": 900, "BAHAN_BAKAR_MASAK": "GAS 3 KG",
        "TGL_PENDATAAN": date(2026, 3, 1),
    })


def parcel(nib: str, name: str, nik: str | None = None, raw: str | None = None, **kw) -> dict:
    return {"NIB": nib, "NAMA_PEMEGANG": name, "NIK_PEMEGANG": nik, "NIK_PEMEGANG_RAW": raw, **kw}


def vehicle(vin: str, name: str, nik: str | None = None, raw: str | None = None, **kw) -> dict:
    return {"NO_RANGKA": vin, "NAMA_PEMILIK": name, "NIK_PEMILIK": nik, "NIK_PEMILIK_RAW": raw,
            **kw}


def house(kk: str, name: str, nik: str | None = None, raw: str | None = None, **kw) -> dict:
    return {"NO_KK": kk, "NAMA_KEPALA": name, "NIK_KEPALA": nik, "NIK_KEPALA_RAW": raw, **kw}


EMPTY_T, EMPTY_K, EMPTY_R = tanah(), kendaraan(), rumah()

# A small registry: households KK1..KK6 in village V1, KK7 in V2.
KK1, KK2, KK3, KK4, KK5, KK6, KK7 = (f"35101201019000{i:02d}" for i in range(1, 8))
BUDI = "3510120101800001"
SITI = "3510124202850002"
AHMAD_1 = "3510120303700003"  # two namesakes, different RT
AHMAD_2 = "3510120404720004"
SLAMET_1 = "3510120505600005"  # two namesakes, same RT/RW: cannot be told apart
SLAMET_2 = "3510120606620006"
TWIN_A = "3510120707900017"  # NIKs one digit apart, same name
TWIN_B = "3510120707900018"
WAGIMAN = "3510120808500008"  # deceased
SUPARMI = "3510124909550009"  # moved out
RATNA = "3510125010880010"  # lives in the other village V2

REGISTRY = penduduk(
    person(BUDI, KK1, "BUDI SANTOSO"),
    person(SITI, KK1, "SITI AMINAH", relation="ISTRI"),
    person(AHMAD_1, KK2, "AHMAD FAUZI", rt="003", rw="002", alamat="DUSUN KRAJAN"),
    person(AHMAD_2, KK3, "AHMAD FAUZI", rt="007", rw="004", alamat="DUSUN KRAJAN"),
    person(SLAMET_1, KK4, "SLAMET RIYADI", rt="002", rw="001"),
    person(SLAMET_2, KK5, "SLAMET RIYADI", rt="002", rw="001"),
    person(TWIN_A, KK6, "JOKO PRASETYO"),
    person(TWIN_B, KK6, "JOKO PRASETYO", relation="ANAK"),
    person(WAGIMAN, KK5, "WAGIMAN", status="MATI", relation="ORANG TUA"),
    person(SUPARMI, KK4, "SUPARMI", status="PINDAH", relation="ORANG TUA"),
    person(RATNA, KK7, "RATNA KUMALASARI", village=V2),
)


def link(t=EMPTY_T, k=EMPTY_K, r=EMPTY_R, reg=REGISTRY, **kw) -> pl.DataFrame:
    return link_assets(reg, t, k, r, **kw)


def row(links: pl.DataFrame, source: str, record_id: str) -> dict:
    hit = links.filter((pl.col("source") == source) & (pl.col("record_id") == record_id))
    assert hit.height == 1, hit
    return hit.row(0, named=True)


# --- the frame ----------------------------------------------------------------------------------
def test_one_row_per_record_with_the_contract_columns():
    t = tanah(parcel("35101200000001", "BUDI SANTOSO", BUDI),
              parcel("35101200000002", "ORANG ASING"))
    k = kendaraan(vehicle("MH1AAA", "SITI AMINAH", SITI))
    r = rumah(house(KK1, "BUDI SANTOSO", BUDI))
    links = link(t, k, r)
    assert dict(links.schema) == ASSET_LINKS_SCHEMA
    assert links["source"].to_list() == ["tanah", "tanah", "kendaraan", "rumah"]
    assert links["row_number"].to_list() == [1, 2, 1, 1]
    assert links["record_id"].to_list() == ["35101200000001", "35101200000002", "MH1AAA", KK1]


def test_empty_extracts_give_an_empty_frame():
    links = link()
    assert links.height == 0
    assert dict(links.schema) == ASSET_LINKS_SCHEMA


def test_thresholds_are_checked():
    with pytest.raises(ValueError):
        link(accept=0.7, review=0.8)


# --- NIK_EXACT ----------------------------------------------------------------------------------
def test_nik_exact_when_the_names_agree_even_with_variants():
    t = tanah(parcel("35101200000001", "H. Budi  Santoso, S.Pd.", BUDI),
              parcel("35101200000002", "ST. AMINAH", SITI))
    links = link(t)
    a = row(links, "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["no_kk"], a["score"]) == (NIK_EXACT, BUDI, KK1, 1.0)
    assert a["note"] is None and a["candidates"] is None
    b = row(links, "tanah", "35101200000002")
    assert (b["method"], b["nik"]) == (NIK_EXACT, SITI)


def test_nik_exact_with_degrees_before_and_after_the_name():
    """A dotted degree never takes the next word with it: "S.H. ALI" is Ali, not nobody."""
    ali, kk = "3510121111700011", "3510120101900011"
    reg = pl.concat([REGISTRY, penduduk(person(ali, kk, "ALI"))])
    t = tanah(parcel("35101200000001", "S.H. Ali", ali),
              parcel("35101200000002", "ALI S.PD. M.PD.", ali),
              parcel("35101200000003", "ALI S.E. BIN ABU", ali),
              parcel("35101200000004", "SITI AMINAH S.E. BT. KARTO", SITI))
    links = link(t, reg=reg)
    for nib, nik in (("35101200000001", ali), ("35101200000002", ali), ("35101200000003", ali),
                     ("35101200000004", SITI)):
        a = row(links, "tanah", nib)
        assert (a["method"], a["nik"], a["score"], a["note"]) == (NIK_EXACT, nik, 1.0, None)


def test_the_links_need_only_the_columns_listed_for_the_step_to_read():
    """The linkage step loads only `COLUMNS` of each extract; a column it uses but does not list
    would be read as empty, and the records below would link differently."""
    t = tanah(parcel("35101200000001", "BUDI SANTOSO", BUDI),
              parcel("35101200000002", "AHMAD FAUZI"),
              parcel("35101200000003", "SITI AMINAH", raw="3510124202850O02"),
              parcel("35101200000004", "RATNA KUMALASARI", IN_SCOPE=False, TGL_TERBIT=date(1995, 1, 1)),
              parcel("35101200000005", "RATNA KUMALASARI", PENGGUNAAN="PEKARANGAN"))
    k = kendaraan(vehicle("MH1AAA", "AHMAD FAUZI", ALAMAT_PEMILIK="DUSUN KRAJAN RT 003 RW 002"),
                  vehicle("MH1AAB", "PT MAJU JAYA", NPWP_PEMILIK="012345678901234"),
                  vehicle("MH1AAC", "JOKO PRASETYO", TWIN_A),
                  vehicle("MH1AAD", "SLAMET RIYADI", ALAMAT_PEMILIK="DUSUN KRAJAN RT 002 RW 001"))
    r = rumah(house(KK1, "BUDI SANTOSO", BUDI), house(KK5, "SLAMET RIYADI"), house(KK4, "SUPARMI", SUPARMI))
    # namesakes told apart by the RT, by the RW, and by their age on a certificate's issue date
    reg = pl.concat([REGISTRY, penduduk(
        person("3510120101600041", "3510120101900041", "HARYANTO WIBOWO", rt="001", rw="005"),
        person("3510120101600042", "3510120101900042", "HARYANTO WIBOWO", rt="002", rw="005"),
        person("3510120101600045", "3510120101900045", "HARYANTO WIBOWO", rt="001", rw="006"),
        {**person("3510120101600043", "3510120101900043", "WARSITO HADI"), "TGL_LHR": date(1960, 1, 1)},
        {**person("3510120101000044", "3510120101900044", "WARSITO HADI"), "TGL_LHR": date(2000, 1, 1)},
    )])
    t = pl.concat([t, tanah(parcel("35101200000006", "WARSITO HADI", TGL_TERBIT=date(2010, 3, 1)))])
    k = pl.concat([k, kendaraan(vehicle("MH1AAE", "HARYANTO WIBOWO", ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 005"))])
    full = link(t, k, r, reg=reg)
    assert row(full, "tanah", "35101200000006")["nik"] == "3510120101600043"
    assert row(full, "kendaraan", "MH1AAE")["nik"] == "3510120101600041"
    assert full.filter(pl.col("method") != UNLINKED).height >= 10
    frames = {"penduduk": reg, "tanah": t, "kendaraan": k, "rumah": r}
    cut = {name: df.select(COLUMNS[name]) for name, df in frames.items()}
    assert all(len(cut[n].columns) < len(frames[n].columns) for n in frames)
    assert link_assets(cut["penduduk"], cut["tanah"], cut["kendaraan"], cut["rumah"]).equals(full)


# --- the holder's age on the certificate's issue date ------------------------------------------
def _namesakes(*born: date) -> pl.DataFrame:
    return penduduk(*(
        {**person(f"35101201019{i:05d}", f"35101201019100{i:02d}", "WARSITO HADI"), "TGL_LHR": b}
        for i, b in enumerate(born, start=1)
    ))


def test_a_namesake_too_young_on_the_issue_date_is_not_a_candidate():
    reg = _namesakes(date(1960, 5, 1), date(2000, 5, 1))
    t = tanah(parcel("35101200000001", "WARSITO HADI", TGL_TERBIT=date(2010, 3, 1)))
    r = row(link(t, reg=reg), "tanah", "35101200000001")
    assert (r["method"], r["nik"]) == (NAME_MATCH, "3510120101900001")
    # without the rule the two cannot be told apart
    r = row(link(t, reg=reg, holder_min_age=0), "tanah", "35101200000001")
    assert r["method"] == AMBIGUOUS and sorted(r["candidates"]) == ["3510120101900001", "3510120101900002"]


def test_the_age_rule_counts_whole_years_up_to_the_issue_day():
    # 18 on the issue day: of age; one day short: not
    for born, issued, method in [(date(1992, 3, 1), date(2010, 3, 1), NAME_MATCH),
                                 (date(1992, 3, 2), date(2010, 3, 1), UNLINKED)]:
        t = tanah(parcel("35101200000001", "WARSITO HADI", TGL_TERBIT=issued))
        r = row(link(t, reg=_namesakes(born)), "tanah", "35101200000001")
        assert r["method"] == method, (born, r)
        if method == UNLINKED:
            assert r["note"] == "NO_CANDIDATE"


def test_the_age_rule_follows_the_policy_number_and_leaves_nik_links_alone():
    reg = _namesakes(date(1995, 1, 1))
    t = tanah(parcel("35101200000001", "WARSITO HADI", TGL_TERBIT=date(2010, 1, 1)),
              parcel("35101200000002", "WARSITO HADI", "3510120101900001", TGL_TERBIT=date(2010, 1, 1)))
    links = link(t, reg=reg, holder_min_age=15)
    assert row(links, "tanah", "35101200000001")["method"] == NAME_MATCH
    links = link(t, reg=reg)
    assert row(links, "tanah", "35101200000001")["method"] == UNLINKED
    # a NIK is evidence enough: the rule is for names alone
    assert row(links, "tanah", "35101200000002")["method"] == NIK_EXACT


def test_the_age_rule_is_for_land_only():
    reg = _namesakes(date(2005, 1, 1))
    k = kendaraan(vehicle("MH1000000000001", "WARSITO HADI", ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
    assert row(link(k=k, reg=reg), "kendaraan", "MH1000000000001")["method"] == NAME_MATCH


def test_deceased_and_moved_persons_are_linked_too():
    t = tanah(parcel("35101200000001", "WAGIMAN", WAGIMAN),
              parcel("35101200000002", "SUPARMI"))
    links = link(t)
    assert row(links, "tanah", "35101200000001")["nik"] == WAGIMAN
    b = row(links, "tanah", "35101200000002")
    assert (b["method"], b["nik"], b["no_kk"]) == (NAME_MATCH, SUPARMI, KK4)


def test_nik_of_someone_with_another_name_is_a_conflict_and_falls_to_names():
    # The certificate carries Budi's NIK but Ratna's name; the parcel lies in Ratna's village.
    t = tanah(parcel("35101200000001", "RATNA KUMALASARI", BUDI, KODE_WILAYAH=V2))
    a = row(link(t), "tanah", "35101200000001")
    assert a["note"] == "NIK_NAME_CONFLICT"
    assert (a["method"], a["nik"], a["no_kk"]) == (NAME_MATCH, RATNA, KK7)
    assert a["score"] >= 0.92


def test_conflict_without_a_name_candidate_stays_unlinked():
    t = tanah(parcel("35101200000001", "KARTOLO WIRYO", BUDI))
    a = row(link(t), "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["no_kk"], a["score"]) == (UNLINKED, None, None, None)
    assert a["note"] == "NIK_NAME_CONFLICT"


# --- NIK_REPAIRED -------------------------------------------------------------------------------
def _substitute(nik: str, pos: int, digit: str) -> str:
    return nik[:pos] + digit + nik[pos + 1:]


def _swap(nik: str, pos: int) -> str:
    return nik[:pos] + nik[pos + 1] + nik[pos] + nik[pos + 2:]


def test_repaired_substitution_in_a_valid_nik():
    typo = _substitute(BUDI, 9, "7")
    t = tanah(parcel("35101200000001", "BUDI SANTOSO", typo))
    a = row(link(t), "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["no_kk"], a["score"]) == (NIK_REPAIRED, BUDI, KK1, 1.0)


def test_repaired_swap_of_neighbours():
    typo = _swap(SITI, 6)
    assert typo != SITI
    k = kendaraan(vehicle("MH1AAA", "SITI AMINAH", typo))
    a = row(link(k=k), "kendaraan", "MH1AAA")
    assert (a["method"], a["nik"], a["no_kk"]) == (NIK_REPAIRED, SITI, KK1)


def test_repaired_from_the_raw_text_of_a_dropped_nik():
    # A letter typed for a digit: the NIK was dropped as invalid, its cleaned text kept as _RAW.
    raw = BUDI[:10] + "O" + BUDI[11:]
    bad_date = _substitute(BUDI, 8, "9")  # month 91: invalid structure, dropped, kept as raw
    t = tanah(parcel("35101200000001", "BUDI SANTOSO", None, raw),
              parcel("35101200000002", "BUDI SANTOSO", None, bad_date))
    links = link(t)
    for nib in ("35101200000001", "35101200000002"):
        a = row(links, "tanah", nib)
        assert (a["method"], a["nik"]) == (NIK_REPAIRED, BUDI)


def test_repair_that_hits_two_registry_niks_is_not_a_repair():
    # One digit away from both twins, who carry the same name: the NIK cannot say which.
    typo = TWIN_A[:-1] + "9"
    assert sum(a != b for a, b in zip(typo, TWIN_B)) == 1
    t = tanah(parcel("35101200000001", "JOKO PRASETYO", typo))
    a = row(link(t), "tanah", "35101200000001")
    assert a["method"] == AMBIGUOUS  # and by name they cannot be told apart either
    assert sorted(a["candidates"]) == sorted([TWIN_A, TWIN_B])
    assert a["nik"] is None and a["no_kk"] is None


def test_repair_needs_the_name_to_agree():
    typo = _substitute(BUDI, 9, "7")
    t = tanah(parcel("35101200000001", "KARTOLO WIRYO", typo))
    a = row(link(t), "tanah", "35101200000001")
    assert (a["method"], a["note"]) == (UNLINKED, "NO_CANDIDATE")


def test_repair_needs_the_full_name_not_a_shorter_namesake():
    # The certificate's true holder is not in the typed registry (their own row was rejected);
    # one digit away lives a SLAMET. A partial name agreement is not enough to pin it on him.
    slamet = "3510122401920001"
    reg = penduduk(person(slamet, KK1, "SLAMET"))
    typo = _substitute(slamet, 7, "9")
    t = tanah(parcel("35101200000001", "SLAMET PURNOMO", typo))
    a = row(link(t, reg=reg), "tanah", "35101200000001")
    assert a["method"] != NIK_REPAIRED
    assert a["nik"] is None or a["score"] < 0.92


# --- NAME_MATCH ---------------------------------------------------------------------------------
def test_name_match_without_nik_and_with_name_variants():
    t = tanah(parcel("35101200000001", "Hj. St. Aminah binti Karto"),
              parcel("35101200000002", "BOEDI SANTOSO"))
    links = link(t)
    a = row(links, "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["no_kk"]) == (NAME_MATCH, SITI, KK1)
    assert a["score"] >= 0.92 and a["candidates"] is None
    b = row(links, "tanah", "35101200000002")
    assert (b["method"], b["nik"]) == (NAME_MATCH, BUDI)


def test_name_match_falls_back_to_the_district_as_a_candidate_only():
    # The parcel lies in V1; Ratna lives in V2 of the same district. The district pass finds
    # her, but a namesake of another village is never linked on the name alone (she may be the
    # namesake of a holder from elsewhere): a candidate, which sends her household to review.
    t = tanah(parcel("35101200000001", "RATNA KUMALASARI"))
    a = row(link(t), "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["no_kk"], a["candidates"]) == (NAME_MATCH, RATNA, KK7, [RATNA])
    assert 0.80 <= a["score"] < 0.92


def test_a_valid_nik_that_is_nobodys_rules_out_namesakes_born_on_another_date():
    # A previous owner who left: the NIK is valid, in nobody's registry row, and its birth date
    # (digits 7-12) is not Budi's. His namesake Budi is not the owner.
    gone = "3510122708655001"
    k = kendaraan(vehicle("MH1AAA", "BUDI SANTOSO", gone, ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
    a = row(link(k=k), "kendaraan", "MH1AAA")
    assert (a["method"], a["nik"], a["note"]) == (UNLINKED, None, "NO_CANDIDATE")
    # Budi's date with a serial two digits off: not a repair, but the date agrees (a NIK of his
    # issued elsewhere keeps his birth date).
    near = BUDI[:12] + "0093"
    k = kendaraan(vehicle("MH1AAA", "BUDI SANTOSO", near, ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
    b = row(link(k=k), "kendaraan", "MH1AAA")
    assert (b["method"], b["nik"]) == (NAME_MATCH, BUDI) and b["score"] >= 0.92
    # Two typing errors from Budi's NIK: two digits of the date (03-01-85 for 01-01-80), or one
    # of the date and one of the district. Neither his NIK mistyped once nor his birth date:
    # another person's.
    for other in (BUDI[:6] + "030185" + BUDI[12:], BUDI[:5] + "3" + BUDI[6:11] + "1" + BUDI[12:]):
        assert sum(x != y for x, y in zip(other, BUDI)) == 2
        k = kendaraan(vehicle("MH1AAA", "BUDI SANTOSO", other, ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
        c = row(link(k=k), "kendaraan", "MH1AAA")
        assert (c["method"], c["nik"], c["note"]) == (UNLINKED, None, "NO_CANDIDATE"), other


def test_a_valid_nik_one_typing_error_from_the_persons_keeps_the_pair():
    # One digit of Ratna's birth date mistyped (1989 for 1988). She lives in V2, the vehicle is
    # registered in V1: no repair (docs/linkage.md, step 3), and the district pass finds her,
    # the mistyped NIK agreeing with hers: a candidate, not ruled out.
    typo = RATNA[:10] + "89" + RATNA[12:]
    k = kendaraan(vehicle("MH1AAA", "RATNA KUMALASARI", typo))
    a = row(link(k=k), "kendaraan", "MH1AAA")
    assert (a["method"], a["nik"]) == (NAME_MATCH, RATNA) and 0.80 <= a["score"] < 0.92
    # The same with two neighbouring digits of the date swapped (50-10-88 typed 05-10-88).
    swapped = _swap(RATNA, 6)
    b = row(link(k=kendaraan(vehicle("MH1AAA", "RATNA KUMALASARI", swapped))), "kendaraan", "MH1AAA")
    assert (b["method"], b["nik"]) == (NAME_MATCH, RATNA) and 0.80 <= b["score"] < 0.92


def test_a_nik_whose_name_agrees_only_weakly_beside_a_twin_bearing_the_name_is_ambiguous():
    # ANTONIUS HARJOWIRYO's car carries KORNELIUS HARJOWIRYO's NIK, one digit from ANTONIUS's
    # (brothers born the same day). KORNELIUS agrees with the record's name only below accept, and
    # not as a short form; ANTONIUS, one edit away, bears it. The NIK may be his, mistyped: which
    # of them is meant cannot be told, so neither is linked and both are listed (a review, never
    # an exclusion).
    antonius, kornelius = "3510121001799001", "3510121001799003"
    kk_a, kk_k = "3510129900001001", "3510129900001002"
    reg = pl.concat([REGISTRY, penduduk(person(antonius, kk_a, "ANTONIUS HARJOWIRYO"),
                                        person(kornelius, kk_k, "KORNELIUS HARJOWIRYO"))])
    k = kendaraan(vehicle("MH1AAA", "ANTONIUS HARJOWIRYO", kornelius))
    a = row(link(k=k, reg=reg), "kendaraan", "MH1AAA")
    assert (a["method"], a["nik"], a["no_kk"], a["note"]) == (AMBIGUOUS, None, None, "NIK_TWIN")
    assert a["candidates"] == [kornelius, antonius]
    # Without ANTONIUS in the registry, the NIK's own person agrees well enough: NIK_EXACT.
    reg_k = pl.concat([REGISTRY, penduduk(person(kornelius, kk_k, "KORNELIUS HARJOWIRYO"))])
    b = row(link(k=k, reg=reg_k), "kendaraan", "MH1AAA")
    assert (b["method"], b["nik"]) == (NIK_EXACT, kornelius)
    # The NIK's person bearing the record's name keeps it, whoever is one digit away.
    c = row(link(k=kendaraan(vehicle("MH1AAA", "KORNELIUS HARJOWIRYO", kornelius)), reg=reg), "kendaraan", "MH1AAA")
    assert (c["method"], c["nik"]) == (NIK_EXACT, kornelius)
    # A short form of the NIK's person's name (a part dropped) agrees as the policy's variants
    # do, even beside a person one digit away who bears that short name.
    aminah, aminah_2 = "3510124101800005", "3510124101800006"
    reg_s = pl.concat([REGISTRY, penduduk(person(aminah, kk_a, "SITI AMINAH"), person(aminah_2, kk_k, "AMINAH"))])
    d = row(link(k=kendaraan(vehicle("MH1AAA", "AMINAH", aminah)), reg=reg_s), "kendaraan", "MH1AAA")
    assert (d["method"], d["nik"]) == (NIK_EXACT, aminah)


def test_a_survey_row_naming_one_brother_on_the_others_nik_is_one_row_for_their_card():
    # Both brothers on one card; the survey names ANTONIUS with KORNELIUS's NIK. The household is
    # the card's either way: one row, linked by the NO_KK, its head a member.
    antonius, kornelius, kk = "3510121001799001", "3510121001799003", "3510129900001001"
    reg = pl.concat([REGISTRY, penduduk(person(kornelius, kk, "KORNELIUS HARJOWIRYO"),
                                        person(antonius, kk, "ANTONIUS HARJOWIRYO", relation="FAMILI LAIN"))])
    links = link(r=rumah(house(kk, "ANTONIUS HARJOWIRYO", kornelius)), reg=reg).filter(pl.col("source") == "rumah")
    assert links.height == 1
    assert (links["method"][0], links["no_kk"][0]) == (NIK_EXACT, kk)


def test_repair_needs_the_person_in_the_records_village():
    # One digit from Ratna's NIK and her name, but the vehicle is registered in V1 and she lives
    # in V2: the person one edit away may be a namesake of an owner whose row was rejected.
    typo = RATNA[:-1] + "9"
    k = kendaraan(vehicle("MH1AAA", "RATNA KUMALASARI", typo))
    a = row(link(k=k), "kendaraan", "MH1AAA")
    assert a["method"] != NIK_REPAIRED
    assert a["method"] == NAME_MATCH and a["score"] < 0.92
    k = kendaraan(vehicle("MH1AAA", "RATNA KUMALASARI", typo, KODE_WILAYAH=V2))
    assert row(link(k=k), "kendaraan", "MH1AAA")["method"] == NIK_REPAIRED


def test_a_namesake_one_digit_away_in_another_village_makes_two_agreeing_hits():
    # Ratna lives in V2; a namesake one digit from her NIK lives in V3. The vehicle's NIK is one
    # edit from both: the policy repairs onto exactly one agreeing NIK, so it is no repair, even
    # though only one of them lives in the record's village. Names decide: in the record's
    # village Ratna alone bears the name.
    other = RATNA[:-2] + "29"
    reg = pl.concat([REGISTRY, penduduk(person(other, KK6[:-2] + "99", "RATNA KUMALASARI",
                                               village=V3))])
    typo = RATNA[:-2] + "19"
    assert sum(a != b for a, b in zip(typo, RATNA)) == 1 == sum(a != b for a, b in zip(typo, other))
    k = kendaraan(vehicle("MH1AAA", "RATNA KUMALASARI", typo, KODE_WILAYAH=V2))
    a = row(link(k=k, reg=reg), "kendaraan", "MH1AAA")
    assert a["method"] != NIK_REPAIRED
    assert (a["method"], a["nik"]) == (NAME_MATCH, RATNA)
    # Alone, the same typo repairs (test_repair_needs_the_person_in_the_records_village).
    assert row(link(k=k), "kendaraan", "MH1AAA")["method"] == NIK_REPAIRED
    # Housing whose NO_KK is not in the registry: the head's NIK repairs the same way.
    r = rumah(house("3510120101909998", "RATNA KUMALASARI", typo, KODE_WILAYAH=V2))
    assert row(link(r=r, reg=reg), "rumah", "3510120101909998")["method"] == UNLINKED
    assert row(link(r=r), "rumah", "3510120101909998")["method"] == NIK_REPAIRED


def test_vehicle_rt_rw_that_differ_make_a_candidate_only():
    k = kendaraan(vehicle("MH1AAA", "BUDI SANTOSO", ALAMAT_PEMILIK="DUSUN KRAJAN RT 009 RW 008"),
                  vehicle("MH1AAB", "BUDI SANTOSO", ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
    links = link(k=k)
    a = row(links, "kendaraan", "MH1AAA")
    assert (a["method"], a["nik"]) == (NAME_MATCH, BUDI) and 0.80 <= a["score"] < 0.92
    b = row(links, "kendaraan", "MH1AAB")
    assert (b["method"], b["nik"], b["score"]) == (NAME_MATCH, BUDI, 1.0)


def _crowd(n: int, name: str, village: str, start: int = 100) -> list[dict]:
    return [person(f"35101501019{i:05d}", f"35101501019{i:05d}", name, village=village)
            for i in range(start, start + n)]


def test_a_name_borne_by_many_is_held_below_accept_where_holders_often_live_elsewhere():
    # BUDI SANTOSO is unique in V1 but borne by 40 people of another district.
    reg = pl.concat([REGISTRY, penduduk(*_crowd(40, "BUDI SANTOSO", V3))])
    record = parcel("35101200000001", "BUDI SANTOSO")
    # Holders found by NIK all live where their parcels are: the name alone is trusted.
    local = [parcel(f"351012000001{i:02d}", "SITI AMINAH", SITI) for i in range(30)]
    a = row(link(tanah(record, *local), reg=reg), "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["score"]) == (NAME_MATCH, BUDI, 1.0)
    # Half the holders found by NIK hold parcels in another district: a parcel under a name
    # common in the regency may well be a holder's from there. Budi cannot be told apart from
    # them: AMBIGUOUS, with Budi listed, and the note says why.
    away = [parcel(f"351012000002{i:02d}", "SITI AMINAH", SITI, KODE_WILAYAH=V3) for i in range(30)]
    b = row(link(tanah(record, *local, *away), reg=reg), "tanah", "35101200000001")
    assert (b["method"], b["nik"], b["note"]) == (AMBIGUOUS, None, NAMESAKE_ELSEWHERE)
    assert BUDI in b["candidates"] and 0.80 <= b["score"] < 0.92
    # A name borne by one person of a registry of many villages stays acceptable in the same load.
    reg2 = pl.concat([reg, penduduk(person("3510120909700099", KK7, "SUKARNO WIRYOKUSUMO",
                                           village=V2), *_spread(200, "PARTO"))])
    c = row(link(tanah(parcel("35101200000003", "SUKARNO WIRYOKUSUMO", KODE_WILAYAH=V2),
                       *local, *away), reg=reg2), "tanah", "35101200000003")
    assert (c["method"], c["score"]) == (NAME_MATCH, 1.0)


def _unlisted(*rows: tuple, niks: list[str | None] | None = None) -> pl.DataFrame:
    """Persons of rejected registry rows (validation's `unlisted`): name, village, birth date and,
    optionally, RT and RW (`(name, village, born[, rt, rw])`); NIKs apart."""
    niks = niks or [None] * len(rows)
    rows = [(*r, None, None)[:5] for r in rows]
    return pl.DataFrame([{"NIK": k, "NAMA_LGKP": n, "KODE_WILAYAH": v, "TGL_LHR": b, "NO_RT": rt, "NO_RW": rw,
                          "ROW_NUMBER": i}
                         for i, ((n, v, b, rt, rw), k) in enumerate(zip(rows, niks, strict=True), start=1)],
                        schema={"NIK": pl.String, "NAMA_LGKP": pl.String, "KODE_WILAYAH": pl.String,
                                "TGL_LHR": pl.Date, "NO_RT": pl.String, "NO_RW": pl.String, "ROW_NUMBER": pl.Int64})


def test_a_record_carrying_the_nik_of_a_rejected_registry_row_is_that_persons_never_a_neighbours():
    # A second Budi Santoso of V1, one digit from Budi's NIK, whose registry row was rejected
    # (an impossible birth date). His parcel and his motorbike carry his own NIK.
    his = BUDI[:-1] + "2"
    t = tanah(parcel("35101200000001", "BUDI SANTOSO", his))
    k = kendaraan(vehicle("MH1001", "BUDI SANTOSO", his, ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
    # Not knowing him, linkage repairs the NIK onto Budi: one substituted digit, the name agrees.
    assert row(link(t), "tanah", "35101200000001")["method"] == NIK_REPAIRED
    # Knowing him, the records are his: left unlinked, and the note says why.
    him = _unlisted(("BUDI SANTOSO", V1, None), niks=[his])
    links = link(t, k, unlisted=him)
    for source, rid in (("tanah", "35101200000001"), ("kendaraan", "MH1001")):
        a = row(links, source, rid)
        assert (a["method"], a["nik"], a["note"], a["candidates"]) == (UNLINKED, None, OWNER_ROW_REJECTED, None)
    # A rejected row without a valid NIK owns no record by NIK.
    nameless = _unlisted(("BUDI SANTOSO", V2, None), niks=[None])
    assert row(link(t, unlisted=nameless), "tanah", "35101200000001")["method"] == NIK_REPAIRED


def test_a_repair_is_in_doubt_when_a_namesake_whose_nik_could_not_be_read_may_hold_the_record():
    # The records carry a valid NIK that is nobody's in the registry, one digit from Budi's. A
    # Budi Santoso of V1 whose registry row was rejected for an unreadable NIK may be the one
    # whose NIK it is: the repair onto Budi is in doubt, and the records are matched by name,
    # where that person holds them.
    his = BUDI[:-1] + "2"
    t = tanah(parcel("35101200000001", "BUDI SANTOSO", his))
    k = kendaraan(vehicle("MH1001", "BUDI SANTOSO", his, ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
    for source, rid in (("tanah", "35101200000001"), ("kendaraan", "MH1001")):
        assert row(link(t, k), source, rid)["method"] == NIK_REPAIRED
    doubt = link(t, k, unlisted=_unlisted(("BUDI SANTOSO", V1, None, "001", "001")))
    for source, rid in (("tanah", "35101200000001"), ("kendaraan", "MH1001")):
        a = row(doubt, source, rid)
        assert (a["method"], a["nik"], a["note"], a["candidates"]) == (AMBIGUOUS, None, NAMESAKE_UNLISTED, [BUDI])
    # No doubt from one in another village, one too young on the certificate's issue date, one
    # of another name, or (for the vehicle) one living in another RT: the repair stands.
    for person_, source, rid in [
        (("BUDI SANTOSO", V2, None, "001", "001"), "tanah", "35101200000001"),
        (("BUDI SANTOSO", V2, None, "001", "001"), "kendaraan", "MH1001"),
        (("BUDI SANTOSO", V1, date(2010, 3, 1), "001", "001"), "tanah", "35101200000001"),
        (("BUDI HARTONO", V1, None, "001", "001"), "tanah", "35101200000001"),
        (("BUDI SANTOSO", V1, None, "004", "001"), "kendaraan", "MH1001"),
    ]:
        a = row(link(t, k, unlisted=_unlisted(person_)), source, rid)
        assert (a["method"], a["nik"]) == (NIK_REPAIRED, BUDI), (person_, source)
    # One whose NIK was read is not the holder of a record carrying another NIK.
    known = _unlisted(("BUDI SANTOSO", V1, None, "001", "001"), niks=[BUDI[:-1] + "7"])
    assert row(link(t, k, unlisted=known), "tanah", "35101200000001")["method"] == NIK_REPAIRED


def test_a_villager_whose_registry_row_was_rejected_is_a_namesake_never_a_link():
    # BUDI SANTOSO is the only Budi Santoso listed in V1: the parcel is his.
    t = tanah(parcel("35101200000001", "BUDI SANTOSO"))
    assert row(link(t), "tanah", "35101200000001")["method"] == NAME_MATCH
    # A second Budi Santoso of V1 exists, but his registry row was rejected: either may hold the
    # parcel. AMBIGUOUS, Budi listed (the other has no NIK to list), and the note says why.
    other = _unlisted(("Budi  Santoso", V1, date(1975, 3, 1)))
    a = row(link(t, unlisted=other), "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["note"]) == (AMBIGUOUS, None, NAMESAKE_UNLISTED)
    assert a["candidates"] == [BUDI] and 0.80 <= a["score"] < 0.92
    # One too young to hold the certificate on its issue date, one of another name, or one of
    # another village (or of another district, their village code unknown) does not.
    for person_ in [("BUDI SANTOSO", V1, date(2010, 3, 1)), ("BUDI HARTONO", V1, None),
                    ("BUDI SANTOSO", V2, None), ("BUDI SANTOSO", "35.10.15.2096", None)]:
        b = row(link(t, unlisted=_unlisted(person_)), "tanah", "35101200000001")
        assert (b["method"], b["nik"], b["note"]) == (NAME_MATCH, BUDI, None), person_
    # One whose village code the reference lacks, in V1's district, may be a villager: held.
    b = row(link(t, unlisted=_unlisted(("BUDI SANTOSO", "35.10.12.2096", None))), "tanah", "35101200000001")
    assert (b["method"], b["note"]) == (AMBIGUOUS, NAMESAKE_UNLISTED)
    # A vehicle carries its owner's RT/RW: an unlisted namesake of another RT or RW does not
    # hold it back ...
    k = kendaraan(vehicle("MH1001", "BUDI SANTOSO", ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
    for rt, rw in [("002", "001"), ("001", "003")]:
        c = row(link(k=k, unlisted=_unlisted(("BUDI SANTOSO", V1, None, rt, rw))), "kendaraan", "MH1001")
        assert (c["method"], c["nik"], c["note"]) == (NAME_MATCH, BUDI, None)
    # ... nor one of another village, nor one of another name at the owner's RT and RW ...
    for person_ in [("BUDI SANTOSO", V2, None, "001", "001"), ("BUDI HARTONO", V1, None, "001", "001")]:
        c = row(link(k=k, unlisted=_unlisted(person_)), "kendaraan", "MH1001")
        assert (c["method"], c["nik"], c["note"]) == (NAME_MATCH, BUDI, None)
    # ... but one living at the owner's RT and RW (`1`/`01` as written), or whose RT/RW could
    # not be read, may be its owner as much as Budi: AMBIGUOUS, Budi listed, the note says why.
    for rt, rw in [("1", "01"), (None, None)]:
        c = row(link(k=k, unlisted=_unlisted(("BUDI SANTOSO", V1, None, rt, rw))), "kendaraan", "MH1001")
        assert (c["method"], c["nik"], c["note"]) == (AMBIGUOUS, None, NAMESAKE_UNLISTED)
        assert c["candidates"] == [BUDI]
    # One whose village code the reference lacks (the row was rejected for it) may live in any
    # village of that district: at the owner's RT and RW in V1's district it holds the vehicle,
    # at another RT, or in another district, it does not.
    for village, rt, held in [("35.10.12.2096", "001", True), ("35.10.12.2096", "002", False),
                              ("35.10.15.2096", "001", False)]:
        c = row(link(k=k, unlisted=_unlisted(("BUDI SANTOSO", village, None, rt, "001"))), "kendaraan", "MH1001")
        assert (c["method"], c["note"]) == ((AMBIGUOUS, NAMESAKE_UNLISTED) if held else (NAME_MATCH, None))
    # A record under part of a listed villager's name (JOKO HARIYANTO for `HARIYANTO`) is held
    # when a HARIYANTO of the owner's RT and RW (for land: of the village) was rejected: he bears
    # the record's name whole.
    joko = "3510120505800009"
    reg = pl.concat([REGISTRY, penduduk(person(joko, joko, "JOKO HARIYANTO"))])
    h = kendaraan(vehicle("MH2001", "HARIYANTO", ALAMAT_PEMILIK="DUSUN KRAJAN RT 001 RW 001"))
    p = tanah(parcel("35101200000002", "HARIYANTO"))
    for source, rid in (("kendaraan", "MH2001"), ("tanah", "35101200000002")):
        assert row(link(p, h, reg=reg), source, rid)["nik"] == joko
        c = row(link(p, h, reg=reg, unlisted=_unlisted(("HARIYANTO", V1, None, "001", "001"))), source, rid)
        assert (c["method"], c["note"], c["candidates"]) == (AMBIGUOUS, NAMESAKE_UNLISTED, [joko]), source
    # So does any of them when the record's own address tells no RT/RW.
    k = kendaraan(vehicle("MH1001", "BUDI SANTOSO", ALAMAT_PEMILIK="DUSUN KRAJAN"))
    c = row(link(k=k, unlisted=_unlisted(("BUDI SANTOSO", V1, None, "002", "001"))), "kendaraan", "MH1001")
    assert (c["method"], c["note"]) == (AMBIGUOUS, NAMESAKE_UNLISTED)
    c = row(link(k=k), "kendaraan", "MH1001")
    assert (c["method"], c["nik"]) == (NAME_MATCH, BUDI)


def test_unlisted_namesakes_elsewhere_in_the_district_count_as_the_listed_do():
    # As in test_namesakes_in_the_district_hold_a_name_where_holders_live_next_door, with the
    # three Budi Santosos of V2 known only from their rejected registry rows.
    local = [parcel(f"351012000001{i:02d}", "SITI AMINAH", SITI) for i in range(30)]
    away = [parcel(f"351012000002{i:02d}", "SITI AMINAH", SITI, KODE_WILAYAH=V2) for i in range(30)]
    t = tanah(parcel("35101200000001", "BUDI SANTOSO"), *local, *away)
    assert row(link(t), "tanah", "35101200000001")["method"] == NAME_MATCH
    others = _unlisted(*[("BUDI SANTOSO", V2, None)] * 3)
    b = row(link(t, unlisted=others), "tanah", "35101200000001")
    assert (b["method"], b["nik"], b["note"]) == (AMBIGUOUS, None, NAMESAKE_ELSEWHERE)
    assert b["candidates"] == [BUDI]


def _spread(n: int, name: str, start: int = 500) -> list[dict]:
    """`n` persons named `name`, one in each of `n` villages of another district than V1's."""
    return [person(f"35101501019{i:05d}", f"35101501019{i:05d}", name,
                   village=f"35.10.15.{3000 + i - start}") for i in range(start, start + n)]


def test_holders_from_afar_are_taken_spread_as_the_registry_where_no_record_shows_from_where():
    # Half the holders found by NIK live in another district, but none of them holds a parcel
    # in V1's district: where its holders from afar live is unknown, and they are taken to be
    # spread as the registry's persons are. BUDI SANTOSO is borne by Budi in V1 and by one
    # person far away, among 500 persons of other districts: the odds that the parcel is the
    # far namesake's, about 0.87 x 1 / 500 x 5 (V1's district houses 5 persons per village),
    # stay under MAX_ELSEWHERE_ODDS: linked to Budi.
    local = [parcel(f"351012000001{i:02d}", "SITI AMINAH", SITI) for i in range(30)]
    away = [parcel(f"351012000002{i:02d}", "SITI AMINAH", SITI, KODE_WILAYAH=V3) for i in range(30)]
    t = tanah(parcel("35101200000001", "BUDI SANTOSO"), *local, *away)
    reg = pl.concat([REGISTRY, penduduk(*_spread(1, "BUDI SANTOSO", 1000), *_spread(499, "PARTO"))])
    a = row(link(t, reg=reg), "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["score"]) == (NAME_MATCH, BUDI, 1.0)
    # Three more namesakes far away lift them above it.
    more = pl.concat([reg, penduduk(*_spread(3, "BUDI SANTOSO", 1100))])
    c = row(link(t, reg=more), "tanah", "35101200000001")
    assert (c["method"], c["nik"], c["note"]) == (AMBIGUOUS, None, NAMESAKE_ELSEWHERE)


NEXT_DOOR = "35.10.13.2001"  # a village of the district V1's holders from afar live in
FAR = "35.10.15.2001"  # a village of a district none of them lives in


def test_namesakes_in_the_district_holders_come_from_weigh_more():
    # The NIK-linked records of V1's district show where its holders from other districts live:
    # 20 of its parcels are held from NEXT_DOOR, none from FAR. One BUDI SANTOSO next door
    # may well hold a parcel in V1; one in FAR hardly.
    holders = _crowd(20, "PARTO WIYONO", NEXT_DOOR, 3000)
    local = [parcel(f"351012000001{i:02d}", "SITI AMINAH", SITI) for i in range(60)]
    from_next_door = [parcel(f"351012000003{i:02d}", "PARTO WIYONO", h["NIK"]) for i, h in enumerate(holders)]
    budi = parcel("35101200000001", "BUDI SANTOSO")
    t = tanah(budi, *local, *from_next_door)
    base = [*holders, *_crowd(100, "SUPRAPTO", NEXT_DOOR, 4000), *_crowd(200, "SUPRAPTO", FAR, 5000)]
    namesake = {"NIK": "3510130101790001", "NAMA_LGKP": "BUDI SANTOSO"}
    for where, held in [(NEXT_DOOR, True), (FAR, False)]:
        reg = pl.concat([REGISTRY, penduduk(*base, person(namesake["NIK"], "3510130101900001",
                                                          namesake["NAMA_LGKP"], village=where))])
        a = row(link(t, reg=reg), "tanah", "35101200000001")
        if held:
            assert (a["method"], a["nik"], a["note"]) == (AMBIGUOUS, None, NAMESAKE_ELSEWHERE)
            assert a["candidates"] == [BUDI]
        else:
            assert (a["method"], a["nik"], a["score"]) == (NAME_MATCH, BUDI, 1.0)
    # Alike in V1 and in V2, a village of the same district with one person: RATNA KUMALASARI
    # of V2, with a namesake next door, is held as Budi is.
    ratna = tanah(parcel("35101200000002", "RATNA KUMALASARI", KODE_WILAYAH=V2), *local, *from_next_door)
    reg = pl.concat([REGISTRY, penduduk(*base, person("3510135010880001", "3510130101900002",
                                                      "RATNA KUMALASARI", village=NEXT_DOOR))])
    r = row(link(ratna, reg=reg), "tanah", "35101200000002")
    assert (r["method"], r["note"], r["candidates"]) == (AMBIGUOUS, NAMESAKE_ELSEWHERE, [RATNA])


def test_at_most_fifty_pairs_are_compared_per_record():
    # Eighty SLAMETs in the village and sixty in the district: the record is ambiguous, and no
    # more than MAX_CANDIDATES pairs were scored for it over both passes.
    reg = pl.concat([REGISTRY, penduduk(*_crowd(80, "SLAMET", V1), *_crowd(60, "SLAMET", V2, 300))])
    stats: dict = {}
    links = link_assets(reg, tanah(parcel("35101200000001", "SLAMET")), EMPTY_K, EMPTY_R,
                        stats=stats)
    assert row(links, "tanah", "35101200000001")["method"] == AMBIGUOUS
    per_record = stats["pairs"].filter(pl.col("part") == "assets").group_by("rid").agg(pl.col("n").sum())
    assert per_record["n"].max() <= 50


def test_no_candidate_outside_the_district():
    t = tanah(parcel("35101200000001", "RATNA KUMALASARI", KODE_WILAYAH=V3))
    a = row(link(t), "tanah", "35101200000001")
    assert (a["method"], a["note"], a["score"]) == (UNLINKED, "NO_CANDIDATE", None)


def test_namesakes_told_apart_by_rt_rw():
    k = kendaraan(vehicle("MH1AAA", "AHMAD FAUZI", ALAMAT_PEMILIK="DUSUN KRAJAN RT 007 RW 004"),
                  vehicle("MH1BBB", "AHMAD FAUZI", ALAMAT_PEMILIK="DSN. KRAJAN RT.003/RW.002"))
    links = link(k=k)
    a = row(links, "kendaraan", "MH1AAA")
    assert (a["method"], a["nik"], a["no_kk"]) == (NAME_MATCH, AHMAD_2, KK3)
    assert a["score"] >= 0.92
    b = row(links, "kendaraan", "MH1BBB")
    assert (b["method"], b["nik"]) == (NAME_MATCH, AHMAD_1)


def test_namesakes_not_told_apart_are_ambiguous_with_both_candidates():
    k = kendaraan(vehicle("MH1AAA", "SLAMET RIYADI", ALAMAT_PEMILIK="DUSUN KRAJAN RT 002 RW 001"))
    t = tanah(parcel("35101200000001", "AHMAD FAUZI"))  # land: no address to tell them apart
    links = link(t, k)
    a = row(links, "kendaraan", "MH1AAA")
    assert a["method"] == AMBIGUOUS
    assert sorted(a["candidates"]) == sorted([SLAMET_1, SLAMET_2])
    assert a["nik"] is None and a["no_kk"] is None and a["score"] >= 0.92
    b = row(links, "tanah", "35101200000001")
    assert b["method"] == AMBIGUOUS and sorted(b["candidates"]) == sorted([AHMAD_1, AHMAD_2])


def test_below_threshold_candidate_is_a_name_match_with_its_score():
    # A truncated name: similar, not enough to accept.
    t = tanah(parcel("35101200000001", "RATNA KUMALA", KODE_WILAYAH=V2))
    a = row(link(t), "tanah", "35101200000001")
    assert a["method"] == NAME_MATCH
    assert 0.80 <= a["score"] < 0.92
    assert (a["nik"], a["no_kk"], a["candidates"]) == (RATNA, KK7, [RATNA])


def test_thresholds_are_arguments():
    t = tanah(parcel("35101200000001", "RATNA KUMALA", KODE_WILAYAH=V2))
    strict = row(link(t, review=0.95, accept=0.99), "tanah", "35101200000001")
    assert (strict["method"], strict["note"]) == (UNLINKED, "NO_CANDIDATE")
    loose = row(link(t, review=0.5, accept=0.6), "tanah", "35101200000001")
    assert (loose["method"], loose["nik"], loose["candidates"]) == (NAME_MATCH, RATNA, None)


def test_the_review_threshold_is_where_a_name_stops_being_a_candidate():
    t = tanah(parcel("35101200000001", "RATNA KUMALA", KODE_WILAYAH=V2))
    found = row(link(t), "tanah", "35101200000001")
    score = found["score"]
    assert found["method"] == NAME_MATCH and 0.80 <= score < 0.92  # a candidate at the defaults
    at = row(link(t, review=score), "tanah", "35101200000001")
    assert (at["method"], at["nik"], at["score"]) == (NAME_MATCH, RATNA, score)
    above = row(link(t, review=score + 0.001), "tanah", "35101200000001")
    assert (above["method"], above["note"]) == (UNLINKED, "NO_CANDIDATE")


def test_the_accept_threshold_is_where_a_candidate_becomes_a_link():
    t = tanah(parcel("35101200000001", "RATNA KUMALA", KODE_WILAYAH=V2))
    score = row(link(t), "tanah", "35101200000001")["score"]
    at = row(link(t, accept=score), "tanah", "35101200000001")
    assert (at["method"], at["nik"], at["candidates"]) == (NAME_MATCH, RATNA, None)  # linked
    below = row(link(t, accept=score + 0.001), "tanah", "35101200000001")
    assert (below["method"], below["nik"], below["candidates"]) == (NAME_MATCH, RATNA, [RATNA])  # a candidate


@pytest.mark.parametrize("best,second,outcome", [
    (0.92, 0.87, "ACCEPT"),  # at accept, ahead by exactly the margin
    (0.92, 0.8701, "AMBIGUOUS"),  # ahead by less than the margin
    (0.9199, 0.80, "CANDIDATE"),  # just below accept
    (0.85, 0.80, "CANDIDATE"),  # ahead by exactly the margin, below accept
    (0.80, 0.0, "CANDIDATE"),  # at review
    (0.7999, 0.0, "NONE"),
])
def test_the_name_decision_at_each_threshold(best, second, outcome):
    from assets.linkage.match import _decide

    scored = pl.DataFrame({"rid": [1, 1], "score": [best, second], "nik": [RATNA, BUDI], "no_kk": [KK2, KK2]})
    decided = _decide(scored, accept=0.92, review=0.80, margin=0.05).row(0, named=True)
    assert decided["outcome"] == outcome
    assert decided["best_nik"] == RATNA


def test_a_common_remaining_part_weighs_less_than_a_rare_one():
    # Thirty BUDIs elsewhere make BUDI common; WIRYOKUSUMO is carried by one person only.
    others = [person(f"35101501019{i:05d}", f"35101501019{i:05d}", f"BUDI {w}", village=V3)
              for i, w in enumerate(["HARTONO", "PRAKOSO", "UTOMO", "SETIAWAN", "WIBOWO"] * 6,
                                    start=100)]
    reg = pl.concat([REGISTRY, penduduk(*others,
                                        person("3510120909700099", KK7, "HARTONO WIRYOKUSUMO"))])
    t = tanah(parcel("35101200000001", "BUDI"), parcel("35101200000002", "WIRYOKUSUMO"))
    links = link(t, reg=reg)
    common = row(links, "tanah", "35101200000001")
    assert (common["method"], common["nik"]) == (NAME_MATCH, BUDI)
    assert 0.80 <= common["score"] < 0.92  # a candidate only
    rare = row(links, "tanah", "35101200000002")
    assert (rare["method"], rare["nik"], rare["candidates"]) == (NAME_MATCH, "3510120909700099",
                                                                 None)
    assert rare["score"] >= 0.92


def test_the_village_comes_before_the_district():
    # A namesake in V2 does not make the V1 holder ambiguous.
    reg = pl.concat([REGISTRY, penduduk(person("3510125010880099", KK2, "RATNA KUMALASARI"))])
    t = tanah(parcel("35101200000001", "RATNA KUMALASARI"),
              parcel("35101200000002", "RATNA KUMALASARI", KODE_WILAYAH="35.10.12.2003"))
    links = link(t, reg=reg)
    a = row(links, "tanah", "35101200000001")
    assert (a["method"], a["nik"]) == (NAME_MATCH, "3510125010880099")
    # From a third village of the district, both are candidates and neither is nearer.
    b = row(links, "tanah", "35101200000002")
    assert b["method"] == AMBIGUOUS
    assert sorted(b["candidates"]) == sorted([RATNA, "3510125010880099"])


def test_a_village_link_on_part_of_a_name_yields_to_a_district_namesake_of_the_whole():
    # The parcel's name, ARIF KURNIAWAN, is borne as written by a person of V2; in the parcel's
    # village only ARIF SYAHPUTRA KURNIAWAN comes near (a dropped part). The villager is not
    # clearly the better explanation: both are listed, neither is linked.
    # (ARIF is common: a name agreeing in part on common parts scores below 0.95, and a district
    # namesake scores 1 + OTHER_VILLAGE = 0.90, within the 0.05 margin.)
    arifs = [person(f"35101501019{i:05d}", f"35101501019{i:05d}", w, village=V3)
             for i, w in enumerate(["ARIF HIDAYAT", "ARIF RAHMAN", "ARIF SETIAWAN", "ARIF WIBOWO"] * 5
                                   + ["DWI KURNIAWAN", "EKO KURNIAWAN"], start=100)]
    reg = pl.concat([REGISTRY, penduduk(*arifs)])
    arif_v1, arif_v2 = "3510120909700091", "3510125010880092"
    villager = person(arif_v1, KK2, "ARIF SYAHPUTRA KURNIAWAN")
    t = tanah(parcel("35101200000001", "ARIF KURNIAWAN"))
    alone = row(link(t, reg=pl.concat([reg, penduduk(villager)])), "tanah", "35101200000001")
    assert (alone["method"], alone["nik"]) == (NAME_MATCH, arif_v1)
    assert 0.92 <= alone["score"] < 0.95
    other = person(arif_v2, KK7, "ARIF KURNIAWAN", village=V2)
    a = row(link(t, reg=pl.concat([reg, penduduk(villager, other)])), "tanah", "35101200000001")
    assert (a["method"], a["nik"]) == (AMBIGUOUS, None)
    assert sorted(a["candidates"]) == sorted([arif_v1, arif_v2])
    # A district person whose name is no nearer than the villager's does not challenge the link;
    # nor does a district namesake challenge a villager whose name agrees in full.
    far = person(arif_v2, KK7, "ARIF SAPUTRA KURNIAWAN", village=V2)
    b = row(link(t, reg=pl.concat([reg, penduduk(villager, far)])), "tanah", "35101200000001")
    assert (b["method"], b["nik"]) == (NAME_MATCH, arif_v1)
    whole = person(arif_v1, KK2, "ARIF KURNIAWAN")
    c = row(link(t, reg=pl.concat([reg, penduduk(whole, other)])), "tanah", "35101200000001")
    assert (c["method"], c["nik"]) == (NAME_MATCH, arif_v1) and c["score"] >= 0.92


def test_a_typing_error_that_moves_a_space_still_agrees_with_the_nik():
    t = tanah(parcel("35101200000001", "BUDIS ANTOSO", BUDI),
              parcel("35101200000002", "BOEDI SANTOSO", BUDI))
    links = link(t)
    for nib in ("35101200000001", "35101200000002"):
        assert row(links, "tanah", nib)["method"] == NIK_EXACT


# --- UNLINKED -----------------------------------------------------------------------------------
def test_company_npwp_is_unlinked():
    k = kendaraan(vehicle("MH1AAA", "PT BUDI SANTOSO", NPWP_PEMILIK="012345678901000"))
    a = row(link(k=k), "kendaraan", "MH1AAA")
    assert (a["method"], a["note"], a["nik"], a["score"]) == (UNLINKED, "COMPANY_NPWP", None, None)


def test_out_of_scope_unlinked_unless_its_nik_matches():
    out = "35.09.01.2001"
    t = tanah(parcel("35101200000001", "BUDI SANTOSO", None, KODE_WILAYAH=out, IN_SCOPE=False),
              parcel("35101200000002", "BUDI SANTOSO", BUDI, KODE_WILAYAH=out, IN_SCOPE=False))
    links = link(t)
    a = row(links, "tanah", "35101200000001")
    assert (a["method"], a["note"]) == (UNLINKED, "OUT_OF_SCOPE")
    b = row(links, "tanah", "35101200000002")
    assert (b["method"], b["nik"]) == (NIK_EXACT, BUDI)


# --- housing ------------------------------------------------------------------------------------
def test_housing_linked_by_no_kk_and_head_checked():
    r = rumah(house(KK1, "BUDI SANTOSO", BUDI),
              house(KK2, "AHMAD FAUZI"),  # head by name among the members
              house(KK6, "JOKO PRASETYO", _substitute(TWIN_A, 3, "9")))  # head NIK repaired
    links = link(r=r)
    a = row(links, "rumah", KK1)
    assert (a["method"], a["nik"], a["no_kk"], a["score"], a["note"]) == (
        NIK_EXACT, BUDI, KK1, 1.0, None)
    b = row(links, "rumah", KK2)
    assert (b["method"], b["nik"], b["no_kk"], b["note"]) == (NIK_EXACT, AHMAD_1, KK2,
                                                               "HEAD_BY_NAME")
    c = row(links, "rumah", KK6)
    assert (c["method"], c["nik"], c["no_kk"], c["note"]) == (NIK_EXACT, TWIN_A, KK6,
                                                               "HEAD_NIK_REPAIRED")


def test_housing_head_named_like_two_members_is_a_member():
    a = row(link(r=rumah(house(KK6, "JOKO PRASETYO"))), "rumah", KK6)
    assert (a["method"], a["no_kk"], a["note"]) == (NIK_EXACT, KK6, "HEAD_BY_NAME")
    assert a["nik"] in (TWIN_A, TWIN_B)


def test_housing_head_not_a_member():
    # Budi is a registry person, but not of KK2; still linked to KK2 by its NO_KK.
    r = rumah(house(KK2, "BUDI SANTOSO", BUDI), house(KK3, "KARTOLO WIRYO"))
    links = link(r=r)
    for kk in (KK2, KK3):
        a = row(links, "rumah", kk)
        assert (a["method"], a["no_kk"], a["nik"], a["note"]) == (NIK_EXACT, kk, None,
                                                                   "HEAD_NOT_MEMBER")


def test_housing_unknown_no_kk_falls_back_to_the_heads_nik():
    unknown = "3510120101909999"
    r = rumah(house(unknown, "BUDI SANTOSO", BUDI),
              house("3510120101909998", "SITI AMINAH", _swap(SITI, 5)),
              house("3510120101909997", "KARTOLO WIRYO"))
    links = link(r=r)
    a = row(links, "rumah", unknown)
    assert (a["method"], a["nik"], a["no_kk"], a["note"]) == (NIK_EXACT, BUDI, KK1,
                                                               "NO_KK_NOT_FOUND")
    b = row(links, "rumah", "3510120101909998")
    assert (b["method"], b["nik"], b["no_kk"]) == (NIK_REPAIRED, SITI, KK1)
    c = row(links, "rumah", "3510120101909997")
    assert (c["method"], c["no_kk"], c["note"]) == (UNLINKED, None, "NO_KK_NOT_FOUND")


# --- parts --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,rt,rw", [
    ("DUSUN KRAJAN RT 003 RW 002", "003", "002"),
    ("Dsn. Krajan Rt.3 Rw.2 Desa Gambor", "003", "002"),
    ("JL. MAWAR NO. 5 RT/RW 007/012", "007", "012"),
    ("JL. MAWAR NO. 5", None, None),
])
def test_parse_rt_rw(text, rt, rw):
    got = pl.select(*(e.alias(n) for e, n in zip(parse_rt_rw(pl.lit(text)), ("rt", "rw")))).row(0)
    assert got == (rt, rw)


def _one_typing_error_oracle(a: str, b: str) -> bool:
    at = [i for i in range(16) if a[i] != b[i]]
    return len(at) <= 1 or (len(at) == 2 and at[1] == at[0] + 1 and a[at[0]] == b[at[1]] and a[at[1]] == b[at[0]])


_NIK_TEXT = st.text(alphabet="0123456789", min_size=16, max_size=16)


@settings(max_examples=300, deadline=None)
@given(a=_NIK_TEXT, edits=st.lists(st.tuples(st.integers(0, 15), st.sampled_from("0123456789")), max_size=3),
       swap_at=st.none() | st.integers(0, 14))
def test_one_typing_error_agrees_with_an_oracle(a, edits, swap_at):
    b = a
    for pos, digit in edits:
        b = b[:pos] + digit + b[pos + 1:]
    if swap_at is not None:
        b = _swap(b, swap_at)
    frame = pl.DataFrame({"a": [a], "b": [b]})
    got = frame.select(one_typing_error(nik_to_int(pl.col("a")), nik_to_int(pl.col("b")))).item()
    assert got == _one_typing_error_oracle(a, b)
    # the same as being the NIK or among its repair variants (assets/linkage/nik.py)
    assert got == (a == b or b in _variant_texts(a))


def _variant_texts(nik: str) -> set[str]:
    v = nik_variants(pl.DataFrame({"id": [1], "n": [nik]}), "id", "n")
    return set(v.select(int_to_nik(pl.col("variant")))["variant"].to_list())


def test_one_typing_error_is_null_without_both_niks():
    frame = pl.DataFrame({"a": ["3510120101800001", None], "b": [None, "3510120101800001"]})
    assert frame.select(one_typing_error(nik_to_int(pl.col("a")), nik_to_int(pl.col("b")))).to_series().to_list() == [None, None]


def test_nik_variants_are_all_single_edits():
    nik = "3510120101800001"
    v = nik_variants(pl.DataFrame({"id": [1], "n": [nik]}), "id", "n")
    texts = v.select(int_to_nik(pl.col("variant")))["variant"].to_list()
    assert nik not in texts and len(texts) == len(set(texts))
    subs = [t for t, e in zip(texts, v["edit"]) if e == "SUBSTITUTION"]
    swaps = [t for t, e in zip(texts, v["edit"]) if e == "SWAP"]
    assert len(subs) == 16 * 9
    # Only neighbours that differ give a swap.
    assert len(swaps) == sum(nik[i] != nik[i + 1] for i in range(15))
    assert all(sum(a != b for a, b in zip(t, nik)) == 1 for t in subs)
    assert set(swaps) == {_swap(nik, i) for i in range(15) if nik[i] != nik[i + 1]}



def test_namesakes_at_the_vehicle_address_survive_the_candidate_cut():
    # Sixty SUGENGs in the village, more than MAX_CANDIDATES, two of them at the address the
    # vehicle is registered to, last in registry order. They are compared, and cannot be told
    # apart: AMBIGUOUS with both listed, not a link to whichever SUGENG came first.
    crowd = [person(f"35101501019{i:05d}", f"35101501019{i:05d}", "SUGENG", rt="009", rw="004")
             for i in range(100, 160)]
    pair = [person(f"35101501019{i:05d}", f"35101501019{i:05d}", "SUGENG", rt="003", rw="002")
            for i in (900, 901)]
    reg = pl.concat([REGISTRY, penduduk(*crowd, *pair)])
    k = kendaraan(vehicle("MH1AAA", "SUGENG", ALAMAT_PEMILIK="DUSUN KRAJAN RT 003 RW 002"))
    a = row(link(k=k, reg=reg), "kendaraan", "MH1AAA")
    assert a["method"] == AMBIGUOUS
    assert {"3510150101900900", "3510150101900901"} <= set(a["candidates"])


def test_the_same_input_gives_the_same_links_at_the_candidate_cut():
    # 140 namesakes, more than MAX_CANDIDATES: which pairs are kept must not vary between runs.
    reg = pl.concat([REGISTRY, penduduk(*_crowd(80, "SLAMET", V1), *_crowd(60, "SLAMET", V2, 300))])
    t = tanah(parcel("35101200000001", "SLAMET"), parcel("35101200000002", "SLAMET RIYADI"))
    runs = [link(t, reg=reg) for _ in range(3)]
    assert all(r.equals(runs[0]) for r in runs[1:])


def test_namesakes_in_the_district_hold_a_name_where_holders_live_next_door():
    # Half the holders found by NIK hold parcels in another village of their own district (V2).
    # BUDI SANTOSO is unique in V1: with no namesake elsewhere in the district, the name is
    # trusted; with namesakes in V2 the parcel may be theirs: AMBIGUOUS, Budi listed as its
    # candidate, for a field check to settle.
    local = [parcel(f"351012000001{i:02d}", "SITI AMINAH", SITI) for i in range(30)]
    away = [parcel(f"351012000002{i:02d}", "SITI AMINAH", SITI, KODE_WILAYAH=V2) for i in range(30)]
    t = tanah(parcel("35101200000001", "BUDI SANTOSO"), *local, *away)
    a = row(link(t), "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["score"]) == (NAME_MATCH, BUDI, 1.0)
    reg = pl.concat([REGISTRY, penduduk(*[person(f"35101201019{i:05d}", f"35101201019{i:05d}",
                                                 "BUDI SANTOSO", village=V2) for i in range(100, 103)])])
    b = row(link(t, reg=reg), "tanah", "35101200000001")
    assert (b["method"], b["nik"], b["note"]) == (AMBIGUOUS, None, NAMESAKE_ELSEWHERE)
    assert 0.80 <= b["score"] < 0.92
    assert b["candidates"] == [BUDI]
    # The same namesakes in another district weigh by the regency's count only.
    reg3 = pl.concat([REGISTRY, penduduk(*_crowd(3, "BUDI SANTOSO", V3))])
    c = row(link(t, reg=reg3), "tanah", "35101200000001")
    assert (c["method"], c["nik"], c["score"]) == (NAME_MATCH, BUDI, 1.0)


def test_the_district_namesakes_of_a_held_record_can_be_listed_beside_the_villager(monkeypatch):
    import assets.linkage.match as match

    local = [parcel(f"351012000001{i:02d}", "SITI AMINAH", SITI) for i in range(30)]
    away = [parcel(f"351012000002{i:02d}", "SITI AMINAH", SITI, KODE_WILAYAH=V2) for i in range(30)]
    t = tanah(parcel("35101200000001", "BUDI SANTOSO"), *local, *away)
    others = [f"35101201019{i:05d}" for i in range(100, 103)]
    reg = pl.concat([REGISTRY, penduduk(*[person(nik, nik, "BUDI SANTOSO", village=V2) for nik in others])])
    monkeypatch.setattr(match, "LIST_DISTRICT_NAMESAKES", True)
    b = row(link(t, reg=reg), "tanah", "35101200000001")
    assert (b["method"], b["nik"], b["note"]) == (AMBIGUOUS, None, NAMESAKE_ELSEWHERE)
    assert sorted(b["candidates"]) == sorted([BUDI, *others])


def test_exact_nik_with_a_short_form_of_the_name_agrees_unless_a_twin_could_be_meant():
    t = tanah(parcel("35101200000001", "BUDI S", BUDI), parcel("35101200000002", "SANTOSO", BUDI),
              parcel("35101200000003", "BUDI K", BUDI), parcel("35101200000004", "JOKO P", TWIN_A))
    links = link(t)
    for nib in ("35101200000001", "35101200000002"):
        a = row(links, "tanah", nib)
        assert (a["method"], a["nik"], a["note"]) == (NIK_EXACT, BUDI, None)
    # an initial that is none of the person's parts: a conflict
    assert row(links, "tanah", "35101200000003")["note"] == "NIK_NAME_CONFLICT"
    # JOKO P fits both twins, one digit apart: the NIK alone cannot say which one is meant
    d = row(links, "tanah", "35101200000004")
    assert d["method"] != NIK_EXACT and d["note"] == "NIK_NAME_CONFLICT"


# --- parts cut to an initial or a prefix --------------------------------------------------------
def _common(*firsts: str) -> list[dict]:
    """Thirty persons of another district for each first name given: a common first name."""
    return [person(f"351015010191{100 * j + i:04d}", f"351015010191{100 * j + i:04d}", f"{first} {last}",
                   village=V3)
            for j, first in enumerate(firsts)
            for i, last in enumerate(["HARTONO", "PRAKOSO", "UTOMO", "WIBOWO", "RAHARJO"] * 6)]


def test_a_part_cut_to_an_initial_or_a_prefix_agrees_with_the_part_it_begins():
    # BUDI and SITI are common first names: with the last part cut short, the name is a
    # candidate of the one villager whose part it begins, never a link on the name alone.
    reg = pl.concat([REGISTRY, penduduk(*_common("BUDI", "SITI"))])
    names = {"35101200000001": ("BUDI S.", BUDI), "35101200000002": ("BUDI S", BUDI),
             "35101200000003": ("Siti A.", SITI), "35101200000004": ("SITI AM.", SITI)}
    t = tanah(*[parcel(nib, name) for nib, (name, _) in names.items()],
              parcel("35101200000005", "BUDI K."))
    links = link(t, reg=reg)
    for nib, (name, owner) in names.items():
        a = row(links, "tanah", nib)
        assert (a["method"], a["nik"], a["no_kk"], a["candidates"]) == (NAME_MATCH, owner, KK1, [owner]), name
        assert 0.80 <= a["score"] < 0.92, name
    # an initial that begins none of the villager's parts agrees with nobody
    assert row(links, "tanah", "35101200000005")["note"] == "NO_CANDIDATE"


def test_a_cut_part_beginning_the_parts_of_two_villagers_is_ambiguous_with_both_listed():
    setiawan = "3510120101810011"
    for extra in ([], _common("BUDI")):  # BUDI rare, then common
        reg = pl.concat([REGISTRY, penduduk(person(setiawan, KK2, "BUDI SETIAWAN"), *extra)])
        links = link(tanah(parcel("35101200000001", "BUDI S."), parcel("35101200000002", "BUDI SA")), reg=reg)
        a = row(links, "tanah", "35101200000001")
        assert (a["method"], a["nik"], a["no_kk"]) == (AMBIGUOUS, None, None)
        assert sorted(a["candidates"]) == sorted([BUDI, setiawan])
        # two letters tell them apart: SA begins SANTOSO, not SETIAWAN
        b = row(links, "tanah", "35101200000002")
        assert (b["method"], b["nik"]) == (NAME_MATCH, BUDI)


def test_an_agreeing_initial_beside_a_rare_part_links_as_the_part_alone_does():
    # WIRYOKUSUMO is borne by one person: alone it links (a dropped part, above), and an initial
    # beside it that begins the person's other part does not make it weaker.
    reg = pl.concat([REGISTRY, penduduk(*_common("BUDI", "HARTONO"),
                                        person("3510120909700099", KK7, "HARTONO WIRYOKUSUMO"))])
    links = link(tanah(parcel("35101200000001", "WIRYOKUSUMO"), parcel("35101200000002", "WIRYOKUSUMO H.")),
                 reg=reg)
    alone = row(links, "tanah", "35101200000001")
    assert (alone["method"], alone["nik"], alone["candidates"]) == (NAME_MATCH, "3510120909700099", None)
    cut = row(links, "tanah", "35101200000002")
    assert (cut["method"], cut["nik"], cut["candidates"], cut["score"]) == (
        NAME_MATCH, "3510120909700099", None, alone["score"])


def test_a_cut_name_finds_its_person_where_the_whole_part_is_too_common_to_block_on():
    # 120 SITIs in the village, more than VILLAGE_KEY_CAP: SITI alone blocks nobody, SITI with a
    # part beginning with A does; at most fifty pairs are compared.
    lasts = ["WAHYUNI", "RAHAYU", "LESTARI", "PURWANTI", "MULYANI", "HANDAYANI"] * 20
    crowd = [person(f"351012010190{200 + i:04d}", f"351012010190{200 + i:04d}", f"SITI {w}")
             for i, w in enumerate(lasts)]
    stats: dict = {}
    links = link_assets(pl.concat([REGISTRY, penduduk(*crowd)]), tanah(parcel("35101200000001", "SITI AM.")),
                        EMPTY_K, EMPTY_R, stats=stats)
    a = row(links, "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["candidates"]) == (NAME_MATCH, SITI, [SITI])
    assert 0.80 <= a["score"] < 0.92
    assert stats["pairs"].filter(pl.col("part") == "assets")["n"].sum() <= 50


def test_a_vehicle_under_a_cut_name_at_its_owners_rt_rw_is_linked():
    reg = pl.concat([REGISTRY, penduduk(*_common("BUDI"))])
    k = kendaraan(vehicle("MH1AAA", "BUDI S.", ALAMAT_PEMILIK="RT 001 RW 001"),
                  vehicle("MH1BBB", "BUDI S.", ALAMAT_PEMILIK="RT 009 RW 004"))
    links = link(k=k, reg=reg)
    a = row(links, "kendaraan", "MH1AAA")
    assert (a["method"], a["nik"], a["candidates"]) == (NAME_MATCH, BUDI, None) and a["score"] >= 0.92
    # at another RT the name alone is too little
    assert row(links, "kendaraan", "MH1BBB")["method"] == UNLINKED


def test_exact_nik_with_a_part_cut_to_two_letters_agrees_unless_a_twin_could_be_meant():
    t = tanah(parcel("35101200000001", "SITI AM", SITI), parcel("35101200000002", "JOKO PR", TWIN_A),
              parcel("35101200000003", "SITI AB", SITI))
    links = link(t)
    a = row(links, "tanah", "35101200000001")
    assert (a["method"], a["nik"], a["note"]) == (NIK_EXACT, SITI, None)
    b = row(links, "tanah", "35101200000002")
    assert b["method"] != NIK_EXACT and b["note"] == "NIK_NAME_CONFLICT"
    assert row(links, "tanah", "35101200000003")["note"] == "NIK_NAME_CONFLICT"


def test_a_record_that_names_nobody_holds_its_nik_s_person_as_a_candidate_not_a_conflict():
    """A blank name (or a title alone) can neither confirm nor contradict the record's registry
    NIK: the NIK's person is its one candidate (`AMBIGUOUS`, `NAME_MISSING`), for review."""
    links = link(tanah(parcel("35101200000001", None, BUDI), parcel("35101200000002", "H.", BUDI)),
                 k=kendaraan(vehicle("MH1", None, SITI)))
    for source, record_id, nik in (("tanah", "35101200000001", BUDI), ("tanah", "35101200000002", BUDI),
                                   ("kendaraan", "MH1", SITI)):
        got = row(links, source, record_id)
        assert (got["method"], got["nik"], got["note"], got["candidates"]) == (AMBIGUOUS, None, "NAME_MISSING", [nik])
    # a NIK nobody in the registry has, and no name: nothing to hold
    lost = row(link(k=kendaraan(vehicle("MH2", None, "3510120101809999"))), "kendaraan", "MH2")
    assert (lost["method"], lost["note"]) == (UNLINKED, "NO_CANDIDATE")


def test_a_housing_row_naming_no_head_whose_head_nik_is_a_member_is_no_conflict():
    got = row(link(r=rumah(house(KK1, None, BUDI))), "rumah", KK1)
    assert (got["method"], got["no_kk"], got["nik"], got["note"]) == (NIK_EXACT, KK1, BUDI, "NAME_MISSING")
    # naming nobody, with the NIK of someone of another card: the head is not a member
    other = row(link(r=rumah(house(KK1, None, AHMAD_1))), "rumah", KK1)
    assert (other["nik"], other["note"]) == (None, "HEAD_NOT_MEMBER")


def test_a_housing_head_named_with_a_typing_error_is_found_among_the_members():
    """No head NIK: the head is sought by name among the card's members, at the review threshold
    (a misspelt name is still the member), not only by an exact name."""
    got = row(link(r=rumah(house(KK1, "BUDI SANTOSA"))), "rumah", KK1)
    assert (got["method"], got["nik"], got["note"]) == (NIK_EXACT, BUDI, "HEAD_BY_NAME")
    nobody = row(link(r=rumah(house(KK1, "RATNA KUMALASARI"))), "rumah", KK1)
    assert (nobody["nik"], nobody["note"]) == (None, "HEAD_NOT_MEMBER")
