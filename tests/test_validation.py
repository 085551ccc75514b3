"""Validation: one test per kind of dirt of docs/dirt.md, plus parsers (hypothesis) and flags."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.ingest.read import read_extract
from assets.validation import parse
from assets.validation.validate import (
    FLAGS_SCHEMA,
    validate_kendaraan,
    validate_penduduk,
    validate_rumah,
    validate_tanah,
    validate_wilayah,
)
from schemas import codes, rules
from schemas.extracts import REQUIRED_COLUMNS
from schemas.models import MAX_AREA_M2, MAX_NILAI_JUAL, MAX_NJOP_PER_M2
from schemas.rules import QUARANTINE_COLUMNS

LOAD = date(2026, 11, 1)
SCOPE = ["35.10"]


def raw(rows: list[dict], name: str) -> pl.DataFrame:
    cols = REQUIRED_COLUMNS[name]
    data = {c: [r.get(c) for r in rows] for c in cols}
    return pl.DataFrame(data, schema={c: pl.String for c in cols}).with_row_index(
        "ROW_NUMBER", offset=1
    ).with_columns(pl.col("ROW_NUMBER").cast(pl.Int64))


@pytest.fixture(scope="module")
def regions() -> pl.DataFrame:
    kode = ["35", "33", "35.10", "35.10.12", "35.10.15"]
    kode += [f"35.10.12.20{i:02d}" for i in range(1, 12)] + ["35.10.15.1002", "35.10.15.2004"]
    return validate_wilayah(raw([{"KODE": k, "NAMA": f"N{k}"} for k in kode], "wilayah")).frame


PERSON = {
    "NIK": "3510121010900001", "NO_KK": "3510120101200001", "NAMA_LGKP": "BUDI SANTOSO",
    "JENIS_KLMIN": "LAKI-LAKI", "TMPT_LHR": "BANYUWANGI", "TGL_LHR": "1990-10-10",
    "STAT_HBKEL": "KEPALA KELUARGA", "STAT_KWN": "KAWIN", "PDDK_AKH": "SLTA/SEDERAJAT",
    "JENIS_PKRJN": "PETANI/PEKEBUN", "ALAMAT": "DUSUN KRAJAN", "NO_RT": "003", "NO_RW": "001",
    "KODE_WILAYAH": "35.10.12.2001", "STATUS": "HIDUP", "TGL_STATUS": None,
}
PARCEL = {
    "NIB": "12010203000001", "JENIS_HAK": "HM", "NIK_PEMEGANG": "3510121010900001",
    "NAMA_PEMEGANG": "BUDI SANTOSO", "KODE_WILAYAH": "35.10.12.2001", "LUAS_M2": "1500",
    "PENGGUNAAN": "SAWAH", "NJOP_PER_M2": "50000", "TGL_TERBIT": "2012-05-01",
}
VEHICLE = {
    "NO_RANGKA": "MH1JF1234567", "NO_POLISI": "P 1234 AB", "NIK_PEMILIK": "3510121010900001",
    "NAMA_PEMILIK": "BUDI SANTOSO", "ALAMAT_PEMILIK": "DUSUN KRAJAN",
    "KODE_WILAYAH": "35.10.12.2001", "JENIS_KENDARAAN": "SEPEDA MOTOR", "MEREK": "HONDA",
    "TAHUN_BUAT": "2015", "NILAI_JUAL": "15000000", "TGL_AKHIR_PAJAK": "2026-03-01",
}
HOUSE = {
    "NO_KK": "3510120101200001", "NIK_KEPALA": "3510121010900001", "NAMA_KEPALA": "BUDI SANTOSO",
    "KODE_WILAYAH": "35.10.12.2001", "STATUS_BANGUNAN": "MILIK SENDIRI", "LUAS_LANTAI_M2": "36",
    "LANTAI": "TANAH", "DINDING": "BAMBU", "ATAP": "SENG", "SUMBER_AIR_MINUM": "SUMUR TERLINDUNG",
    "FASILITAS_BAB": "BERSAMA", "PENERANGAN": "PLN METERAN", "DAYA_VA": "450",
    "BAHAN_BAKAR_MASAK": "GAS 3 KG", "TGL_PENDATAAN": "2026-08-01",
}


def person(i: int, **kw) -> dict:
    """A valid, distinct registry row."""
    return {**PERSON, "NIK": f"35101210109{i:05d}", **kw}


def run(name: str, rows: list[dict], regions: pl.DataFrame):
    fn = {"penduduk": validate_penduduk, "tanah": validate_tanah,
          "kendaraan": validate_kendaraan, "rumah": validate_rumah}[name]
    return fn(raw(rows, name), regions, LOAD, SCOPE)


def findings(result) -> list[tuple]:
    return [
        (r["row_number"], r["column"], r["rule"], r["action"])
        for r in result.quarantine.iter_rows(named=True)
    ]


# --- shape of the outputs ---------------------------------------------------------------------


def test_clean_rows_pass_everywhere_with_typed_columns(regions):
    for name, row in (("penduduk", PERSON), ("tanah", PARCEL), ("kendaraan", VEHICLE),
                      ("rumah", HOUSE)):
        result = run(name, [row], regions)
        assert result.quarantine.columns == list(QUARANTINE_COLUMNS)
        assert result.quarantine.height == 0, name
        assert result.frame.height == 1
        assert result.frame["ROW_NUMBER"].to_list() == [1]
    typed = run("penduduk", [PERSON], regions).frame
    assert typed.schema["TGL_LHR"] == pl.Date and typed.schema["TGL_STATUS"] == pl.Date
    assert typed["NIK_WARNING"].to_list() == [None]


def test_quarantine_schema_types(regions):
    q = run("penduduk", [person(1, NIK="x")], regions).quarantine
    assert q.schema == pl.Schema({"source": pl.String, "row_number": pl.Int64,
                                  "record_id": pl.String, "column": pl.String,
                                  "rule": pl.String, "value": pl.String, "action": pl.String})


# --- NIK dirt ---------------------------------------------------------------------------------


def test_nik_formatting_is_cleaned_without_quarantine(regions):
    rows = [person(1, NIK=" '3510 1210.1090 0001 ")]
    result = run("penduduk", rows, regions)
    assert result.quarantine.height == 0
    assert result.frame["NIK"].to_list() == ["3510121010900001"]
    tanah = run("tanah", [{**PARCEL, "NIK_PEMEGANG": "3510.1210.1090.0001"}], regions)
    assert tanah.quarantine.height == 0
    assert tanah.frame["NIK_PEMEGANG"].to_list() == ["3510121010900001"]


BAD_NIKS = [
    ("3.51012E+15", rules.NIK_SCIENTIFIC),
    ("351012101090001", rules.NIK_LENGTH),
    ("35101210109000011", rules.NIK_LENGTH),
    ("35101210109OOO1l", rules.NIK_NOT_DIGITS),
    ("3510123210900001", rules.NIK_BAD_DATE),
    ("3510121013900001", rules.NIK_BAD_DATE),
    ("3510121010900000", rules.NIK_SERIAL_ZERO),
    ("9910121010900001", rules.NIK_UNKNOWN_PROVINCE),
]


@pytest.mark.parametrize(("nik", "rule"), BAD_NIKS)
def test_bad_nik_in_penduduk_rejects_row(regions, nik, rule):
    result = run("penduduk", [person(1), person(2, NIK=nik)], regions)
    assert findings(result) == [(2, "NIK", rule, rules.ROW_REJECTED)]
    assert result.quarantine["value"].to_list() == [nik]
    assert result.frame["ROW_NUMBER"].to_list() == [1]
    # the household is flagged for review
    assert result.flags.rows() == [(PERSON["NO_KK"], "REJECTED_MEMBER_ROW", 2, rule)]


@pytest.mark.parametrize(("nik", "rule"), BAD_NIKS)
@pytest.mark.parametrize(("name", "base", "column"), [
    ("tanah", PARCEL, "NIK_PEMEGANG"),
    ("kendaraan", VEHICLE, "NIK_PEMILIK"),
    ("rumah", HOUSE, "NIK_KEPALA"),
])
def test_bad_nik_in_assets_is_dropped_and_kept_raw(regions, nik, rule, name, base, column):
    # (in kendaraan a 15-digit value starting with a province is a NIK with a lost digit)
    result = run(name, [{**base, column: nik}], regions)
    assert findings(result) == [(1, column, rule, rules.VALUE_DROPPED)]
    assert result.frame.height == 1  # the record flows on, linkable by name
    assert result.frame[column].to_list() == [None]
    assert result.frame[f"{column}_RAW"].to_list() == [nik.replace(".", "")]


def test_missing_nik_penduduk_vs_assets(regions):
    result = run("penduduk", [person(1, NIK=None)], regions)
    assert findings(result) == [(1, "NIK", rules.NIK_MISSING, rules.ROW_REJECTED)]
    tanah = run("tanah", [{**PARCEL, "NIK_PEMEGANG": None}], regions)
    assert tanah.quarantine.height == 0
    assert tanah.frame["NIK_PEMEGANG"].to_list() == [None]
    assert tanah.frame["NIK_PEMEGANG_RAW"].to_list() == [None]


def test_nik_typo_valid_in_structure_flows_on(regions):
    # one digit substituted, still a valid structure: linkage repairs it, validation says nothing
    result = run("tanah", [{**PARCEL, "NIK_PEMEGANG": "3510121010900007"}], regions)
    assert result.quarantine.height == 0
    assert result.frame["NIK_PEMEGANG"].to_list() == ["3510121010900007"]


@pytest.mark.parametrize("change", [
    {"TGL_LHR": "1990-10-11"},  # day differs
    {"TGL_LHR": "1990-11-10"},  # month differs
    {"TGL_LHR": "1991-10-10"},  # year differs
    {"JENIS_KLMIN": "PEREMPUAN"},  # sex differs (day would carry +40)
])
def test_nik_date_mismatch_is_flagged_and_kept(regions, change):
    result = run("penduduk", [person(1, **change)], regions)
    assert findings(result) == [(1, "NIK", rules.NIK_DATE_MISMATCH, rules.FLAGGED)]
    assert result.frame["NIK_WARNING"].to_list() == [rules.NIK_DATE_MISMATCH]
    assert result.flags.height == 0


def test_woman_nik_agrees(regions):
    result = run("penduduk", [person(1, NIK="3510125010900001", JENIS_KLMIN="PEREMPUAN")], regions)
    assert result.quarantine.height == 0


def test_company_npwp_in_kendaraan(regions):
    rows = [{**VEHICLE, "NIK_PEMILIK": "01.234.567.8-901.000"},
            {**VEHICLE, "NO_RANGKA": "MH2", "NIK_PEMILIK": "012345678901000"}]
    result = run("kendaraan", rows, regions)
    assert result.quarantine.height == 0
    assert result.frame["NPWP_PEMILIK"].to_list() == ["012345678901000"] * 2
    assert result.frame["NIK_PEMILIK"].to_list() == [None, None]
    assert result.frame["NIK_PEMILIK_RAW"].to_list() == [None, None]


# --- duplicates -------------------------------------------------------------------------------


def test_identical_duplicate_exact(regions):
    result = run("penduduk", [person(1), person(2), person(1)], regions)
    assert findings(result) == [(3, "NIK", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED)]
    assert result.frame["ROW_NUMBER"].to_list() == [1, 2]
    assert result.flags.height == 0  # the household's make-up is known from the kept copy
    assert result.stats["duplicates_identical"] == 1


def test_identical_after_cleaning_is_identical(regions):
    rows = [person(1), person(1, NIK="3510 1210 1090 0001", TGL_LHR="10-10-1990", NO_RT="3")]
    result = run("penduduk", rows, regions)
    assert findings(result) == [(2, "NIK", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED)]


@pytest.mark.parametrize("change", [{"NAMA_LGKP": "BUDI SANTOSA"}, {"ALAMAT": "DUSUN LOR"}])
def test_conflicting_duplicate_rejects_all_and_flags_household(regions, change):
    rows = [person(1), person(2), person(1, **change)]
    result = run("penduduk", rows, regions)
    assert findings(result) == [
        (1, "NIK", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED),
        (3, "NIK", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED),
    ]
    assert result.frame["ROW_NUMBER"].to_list() == [2]
    assert result.flags.rows() == [
        (PERSON["NO_KK"], "CONFLICTING_RECORDS", 1, rules.DUPLICATE_CONFLICT),
        (PERSON["NO_KK"], "CONFLICTING_RECORDS", 3, rules.DUPLICATE_CONFLICT),
    ]


def test_the_persons_of_rejected_rows_are_kept_aside_for_linkage(regions):
    rows = [
        person(1),                                                  # valid: listed, not here
        person(2, TGL_LHR="2080-02-03", NAMA_LGKP="Slamet"),        # impossible birth date
        person(3, KODE_WILAYAH="35.10.12.2096"),                    # a village the reference lacks
        person(4, NIK="3510121010", NO_RT="7", NO_RW="x"),          # a NIK too short; RT as read
        person(5), person(5, NAMA_LGKP="BUDI SANTOSA"),             # conflicting copies of one NIK
        person(1),                                                  # an identical copy: nobody new
        person(6, NAMA_LGKP=" "),                                   # no name: nobody's namesake
    ]
    result = run("penduduk", rows, regions)
    assert result.frame["ROW_NUMBER"].to_list() == [1]
    unlisted = result.unlisted
    assert unlisted["ROW_NUMBER"].to_list() == [2, 3, 4, 5]
    assert unlisted["NIK"].to_list() == [person(2)["NIK"], person(3)["NIK"], None, person(5)["NIK"]]
    assert unlisted["NAMA_LGKP"].to_list() == ["Slamet", "BUDI SANTOSO", "BUDI SANTOSO", "BUDI SANTOSO"]
    # a birth date after the load date is unknown; the village is kept as written (its district
    # is known); other values as validation read them
    assert unlisted["TGL_LHR"].to_list() == [None, date(1990, 10, 10), date(1990, 10, 10), date(1990, 10, 10)]
    assert unlisted["KODE_WILAYAH"].to_list() == ["35.10.12.2001", "35.10.12.2096", "35.10.12.2001",
                                                  "35.10.12.2001"]
    # RT and RW as validation reads them (3 digits; unreadable: null), for a vehicle's address
    assert unlisted["NO_RT"].to_list() == [PERSON["NO_RT"], PERSON["NO_RT"], "007", PERSON["NO_RT"]]
    assert unlisted["NO_RW"].to_list() == [PERSON["NO_RW"], PERSON["NO_RW"], None, PERSON["NO_RW"]]
    assert result.stats["unlisted_persons"] == 4
    assert run("tanah", [PARCEL], regions).unlisted.height == 0


def test_asset_duplicates(regions):
    rows = [VEHICLE, VEHICLE, {**VEHICLE, "NO_RANGKA": "B"}, {**VEHICLE, "NO_RANGKA": "B", "MEREK": "YAMAHA"}]
    result = run("kendaraan", rows, regions)
    assert findings(result) == [
        (2, "NO_RANGKA", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED),
        (3, "NO_RANGKA", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED),
        (4, "NO_RANGKA", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED),
    ]
    # a parcel with two holders is two rows, not a duplicate
    two = [PARCEL, {**PARCEL, "NIK_PEMEGANG": "3510125010900002", "NAMA_PEMEGANG": "SITI"}]
    assert run("tanah", two, regions).quarantine.height == 0
    assert findings(run("tanah", [PARCEL, PARCEL], regions)) == [
        (2, "NIB", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED)]
    houses = [HOUSE, {**HOUSE, "DAYA_VA": "900"}]
    assert [f[2] for f in findings(run("rumah", houses, regions))] == [rules.DUPLICATE_CONFLICT] * 2


def test_a_household_surveyed_again_keeps_its_latest_survey(regions):
    """Two differing survey rows of one NO_KK: the later survey describes the house now, and the
    earlier is `SURVEY_SUPERSEDED` (out of the load). Same date, or a copy broken by another
    rule: which row describes the house cannot be told, and every copy conflicts as before."""
    again = {**HOUSE, "DAYA_VA": "900", "TGL_PENDATAAN": "2026-09-15"}
    result = run("rumah", [again, HOUSE], regions)
    assert findings(result) == [(2, "TGL_PENDATAAN", rules.SURVEY_SUPERSEDED, rules.ROW_REJECTED)]
    assert result.frame["DAYA_VA"].to_list() == [900] and result.frame["ROW_NUMBER"].to_list() == [1]
    assert result.quarantine["value"].to_list() == ["2026-08-01"]
    # three surveys: the latest kept, whatever the file's order
    third = {**HOUSE, "LANTAI": "KERAMIK", "TGL_PENDATAAN": "15/07/2026"}
    result = run("rumah", [HOUSE, third, again], regions)
    assert sorted(f[0] for f in findings(result)) == [1, 2] and result.frame["ROW_NUMBER"].to_list() == [3]
    # the same date: a conflict
    same_day = {**HOUSE, "DAYA_VA": "900"}
    assert [f[2] for f in findings(run("rumah", [HOUSE, same_day], regions))] == [rules.DUPLICATE_CONFLICT] * 2
    # the later survey broken by another rule: every copy conflicts (never the older kept silently)
    broken = {**again, "LANTAI": "EMAS"}
    got = findings(run("rumah", [HOUSE, broken], regions))
    assert (2, "LANTAI", rules.UNKNOWN_CODE, rules.ROW_REJECTED) in got
    assert [f for f in got if f[2] == rules.DUPLICATE_CONFLICT] == [
        (1, "NO_KK", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED), (2, "NO_KK", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED)]
    # identical copies stay identical copies
    assert findings(run("rumah", [HOUSE, HOUSE], regions)) == [(2, "NO_KK", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED)]


def test_parcel_copies_without_holder_are_left_to_the_model(regions, monkeypatch):
    # NIB plus holder is the duplicate key; without NIK and name the key is incomplete and the
    # duplicate rule passes, but the model's check on the typed frame rejects both copies.
    from assets.validation import validate

    monkeypatch.setattr(validate, "SLICE_ROWS", 1)
    nobody = {**PARCEL, "NIK_PEMEGANG": None, "NAMA_PEMEGANG": None}
    result = run("tanah", [nobody, PARCEL, nobody], regions)
    assert findings(result) == [
        (1, "NIB", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED),
        (3, "NIB", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED),
    ]
    assert result.quarantine["record_id"].to_list() == [PARCEL["NIB"]] * 2
    assert result.stats["duplicates_conflicting"] == 0
    assert result.frame["ROW_NUMBER"].to_list() == [2]


@pytest.mark.parametrize("at_once", [1, 3])
def test_rows_validated_in_slices_give_the_result_of_one_pass(regions, monkeypatch, at_once):
    """Rows are evaluated SLICE_ROWS at a time, SLICES_AT_ONCE slices side by side; copies,
    rules and flags across slices are found exactly as in one pass."""
    from assets.validation import validate

    rows = [
        person(1), person(2), person(3, STAT_KWN="??"), person(4, TGL_LHR="1990-11-10"),
        person(1), person(5), person(2, ALAMAT="DUSUN LOR"), person(6, NO_KK="123"),
        person(7, NIK="3510 1210 1090 0007", NO_RT="3"), person(7), person(8, NIK=None),
    ]
    houses = [HOUSE, {**HOUSE, "NO_KK": "3510120101200002"}, {**HOUSE, "DAYA_VA": "900"}]
    whole, whole_houses = run("penduduk", rows, regions), run("rumah", houses, regions)
    monkeypatch.setattr(validate, "SLICE_ROWS", 2)
    monkeypatch.setattr(validate, "SLICES_AT_ONCE", at_once)
    sliced, sliced_houses = run("penduduk", rows, regions), run("rumah", houses, regions)
    assert sliced.frame.equals(whole.frame)
    assert sliced.quarantine.equals(whole.quarantine)
    assert sliced.flags.equals(whole.flags)
    assert sliced.stats == whole.stats
    assert findings(sliced) == [
        (2, "NIK", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED),
        (3, "STAT_KWN", rules.UNKNOWN_CODE, rules.ROW_REJECTED),
        (4, "NIK", rules.NIK_DATE_MISMATCH, rules.FLAGGED),
        (5, "NIK", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED),
        (7, "NIK", rules.DUPLICATE_CONFLICT, rules.ROW_REJECTED),
        (8, "NO_KK", rules.NO_KK_INVALID, rules.ROW_REJECTED),
        (10, "NIK", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED),
        (11, "NIK", rules.NIK_MISSING, rules.ROW_REJECTED),
    ]
    assert sliced.frame["ROW_NUMBER"].to_list() == [1, 4, 6, 9]
    assert [(f[1], f[2]) for f in sliced.flags.rows()] == [
        ("CONFLICTING_RECORDS", 2), ("REJECTED_MEMBER_ROW", 3), ("CONFLICTING_RECORDS", 7),
        ("REJECTED_MEMBER_ROW", 11),
    ]
    assert sliced_houses.quarantine.equals(whole_houses.quarantine)
    assert sliced_houses.frame.equals(whole_houses.frame)
    assert [(f[0], f[2]) for f in findings(sliced_houses)] == [
        (1, rules.DUPLICATE_CONFLICT), (3, rules.DUPLICATE_CONFLICT)]


# --- dates, numbers, labels ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1990-10-10", "10-10-1990", "10/10/1990", "1990-10-10 "])
def test_date_formats_parse(regions, text):
    result = run("penduduk", [person(1, TGL_LHR=text)], regions)
    assert result.quarantine.height == 0
    assert result.frame["TGL_LHR"].to_list() == [date(1990, 10, 10)]


@pytest.mark.parametrize(("name", "base", "column"), [
    ("penduduk", PERSON, "TGL_LHR"), ("tanah", PARCEL, "TGL_TERBIT"),
    ("kendaraan", VEHICLE, "TGL_AKHIR_PAJAK"), ("rumah", HOUSE, "TGL_PENDATAAN"),
])
@pytest.mark.parametrize(("text", "rule"), [
    ("31-02-1987", rules.DATE_IMPOSSIBLE), ("1987-13-02", rules.DATE_IMPOSSIBLE),
    ("1850-01-01", rules.DATE_IMPOSSIBLE), ("kemarin", rules.DATE_UNPARSEABLE),
    ("1987/02/01", rules.DATE_UNPARSEABLE),
])
def test_impossible_dates_reject_the_row(regions, name, base, column, text, rule):
    result = run(name, [{**base, column: text}], regions)
    assert findings(result) == [(1, column, rule, rules.ROW_REJECTED)]
    assert result.frame.height == 0


@pytest.mark.parametrize(("text", "rule"), [
    ("2090", rules.DATE_IMPOSSIBLE), ("1850", rules.DATE_IMPOSSIBLE),
    ("dua ribu", rules.NUMBER_UNPARSEABLE),
])
def test_an_impossible_build_year_drops_the_year_and_keeps_the_car(regions, text, rule):
    """TAHUN_BUAT is a year no rule reads; the car still counts (docs/dirt.md)."""
    car = {**VEHICLE, "JENIS_KENDARAAN": "MOBIL PENUMPANG", "TAHUN_BUAT": text}
    result = run("kendaraan", [car, VEHICLE | {"NO_RANGKA": "MH2"}], regions)
    assert findings(result) == [(1, "TAHUN_BUAT", rule, rules.VALUE_DROPPED)]
    assert result.frame["TAHUN_BUAT"].to_list() == [None, 2015]
    assert result.frame["JENIS_KENDARAAN"].to_list() == ["MOBIL PENUMPANG", "SEPEDA MOTOR"]


@pytest.mark.parametrize(("name", "base", "column"), [
    ("penduduk", PERSON, "TGL_LHR"), ("tanah", PARCEL, "TGL_TERBIT"),
    ("rumah", HOUSE, "TGL_PENDATAAN"),
])
def test_future_dates_reject_the_row(regions, name, base, column):
    result = run(name, [{**base, column: "02-11-2026"}], regions)
    assert findings(result) == [(1, column, rules.DATE_IN_FUTURE, rules.ROW_REJECTED)]
    on_the_day = run(name, [{**base, column: "01-11-2026"}], regions)
    assert on_the_day.frame.height == 1
    assert rules.DATE_IN_FUTURE not in on_the_day.quarantine["rule"].to_list()


def test_future_tgl_status_rejects(regions):
    rows = [person(1, STATUS="MATI", TGL_STATUS="2027-01-01")]
    assert findings(run("penduduk", rows, regions)) == [
        (1, "TGL_STATUS", rules.DATE_IN_FUTURE, rules.ROW_REJECTED)]


def test_tax_paid_ahead_is_not_future(regions):
    result = run("kendaraan", [{**VEHICLE, "TGL_AKHIR_PAJAK": "2028-03-01"}], regions)
    assert result.quarantine.height == 0
    assert result.frame["TGL_AKHIR_PAJAK"].to_list() == [date(2028, 3, 1)]


def test_status_date_consistency(regions):
    rows = [person(1, TGL_STATUS="2020-01-01"), person(2, STATUS="MATI"),
            person(3, STATUS="PINDAH", TGL_STATUS="2021-05-05")]
    result = run("penduduk", rows, regions)
    assert findings(result) == [
        (1, "TGL_STATUS", rules.DATE_INCONSISTENT, rules.VALUE_DROPPED),
        (2, "TGL_STATUS", rules.DATE_INCONSISTENT, rules.FLAGGED),
    ]
    assert result.frame["TGL_STATUS"].to_list() == [None, None, date(2021, 5, 5)]


def test_number_separators_parse(regions):
    tanah = run("tanah", [{**PARCEL, "LUAS_M2": "1.234,5", "NJOP_PER_M2": "12.500"}], regions)
    assert tanah.quarantine.height == 0
    assert tanah.frame["LUAS_M2"].to_list() == [1234.5]
    assert tanah.frame["NJOP_PER_M2"].to_list() == [12500]
    car = run("kendaraan", [{**VEHICLE, "NILAI_JUAL": "12.500.000"}], regions)
    assert car.frame["NILAI_JUAL"].to_list() == [12_500_000]
    house = run("rumah", [{**HOUSE, "LUAS_LANTAI_M2": "36,5", "DAYA_VA": "1.300"}], regions)
    assert house.frame["LUAS_LANTAI_M2"].to_list() == [36.5]
    assert house.frame["DAYA_VA"].to_list() == [1300]


@pytest.mark.parametrize(("name", "base", "column"), [
    ("tanah", PARCEL, "LUAS_M2"), ("tanah", PARCEL, "NJOP_PER_M2"),
    ("kendaraan", VEHICLE, "NILAI_JUAL"), ("rumah", HOUSE, "LUAS_LANTAI_M2"),
])
@pytest.mark.parametrize(("text", "rule"), [
    ("0", rules.NOT_POSITIVE), ("-5", rules.NOT_POSITIVE), ("0,0", rules.NOT_POSITIVE),
    ("-1.500", rules.NOT_POSITIVE), ("lima", rules.NUMBER_UNPARSEABLE),
    (None, rules.REQUIRED_MISSING),
])
def test_not_positive_rejects(regions, name, base, column, text, rule):
    result = run(name, [{**base, column: text}], regions)
    assert findings(result) == [(1, column, rule, rules.ROW_REJECTED)]
    assert result.frame.height == 0


@pytest.mark.parametrize(("name", "base", "column", "limit"), [
    ("tanah", PARCEL, "LUAS_M2", MAX_AREA_M2), ("tanah", PARCEL, "NJOP_PER_M2", MAX_NJOP_PER_M2),
    ("kendaraan", VEHICLE, "NILAI_JUAL", MAX_NILAI_JUAL), ("rumah", HOUSE, "LUAS_LANTAI_M2", MAX_AREA_M2),
])
@pytest.mark.parametrize("text", ["{over}", "9223372036854775807", "99999999999999999999999", "1,6E19"])
def test_a_number_beyond_any_records_is_rejected_as_too_large(regions, name, base, column, limit, text):
    """An area, a tax value per m² or a vehicle value beyond any record's (and past Int64 no whole
    number at all): rejected with its own rule, the text as delivered, never read as missing and
    never passed on to overflow a parcel's value."""
    over = f"{limit + 1}"
    delivered = text.format(over=over)
    result = run(name, [{**base, column: delivered}], regions)
    if delivered == "1,6E19":
        assert findings(result) == [(1, column, rules.NUMBER_UNPARSEABLE, rules.ROW_REJECTED)]
    else:
        assert findings(result) == [(1, column, rules.NUMBER_TOO_LARGE, rules.ROW_REJECTED)]
        assert result.quarantine["value"].to_list() == [delivered]
    assert result.frame.height == 0
    # the limit itself is a number a record may carry
    at = run(name, [{**base, column: f"{limit}"}], regions)
    assert findings(at) == [] and at.frame[column].to_list() == [limit]


@pytest.mark.parametrize(("name", "base", "column", "other"), [
    ("tanah", PARCEL, "NJOP_PER_M2", {"NIB": "12010203000002"}),
    ("kendaraan", VEHICLE, "NILAI_JUAL", {"NO_RANGKA": "MH1JF7654321"}),
])
def test_money_is_judged_in_whole_rupiah_and_quarantined_as_delivered(regions, name, base, column, other):
    """Money is kept in whole Rupiah: `0,4` is 0, not positive; `0,6` is 1. The quarantine row
    carries the text as delivered, not the rounded number."""
    result = run(name, [{**base, column: "0,4"}, {**base, column: "0,6", **other}], regions)
    assert findings(result) == [(1, column, rules.NOT_POSITIVE, rules.ROW_REJECTED)]
    assert result.quarantine["value"].to_list() == ["0,4"]
    assert result.frame[column].to_list() == [1]


def test_label_case_and_spaces_normalised(regions):
    result = run("penduduk", [person(1, JENIS_KLMIN="laki-laki", STAT_KWN=" KAWIN ",
                                     JENIS_PKRJN="petani / pekebun", STATUS="Hidup")], regions)
    assert result.quarantine.height == 0
    row = result.frame.row(0, named=True)
    assert (row["JENIS_KLMIN"], row["STAT_KWN"], row["JENIS_PKRJN"], row["STATUS"]) == (
        "LAKI-LAKI", "KAWIN", "PETANI/PEKEBUN", "HIDUP")
    car = run("kendaraan", [{**VEHICLE, "JENIS_KENDARAAN": "Sepeda  Motor"}], regions)
    assert car.frame["JENIS_KENDARAAN"].to_list() == ["SEPEDA MOTOR"]


@pytest.mark.parametrize(("name", "base", "column"), [
    *[("penduduk", PERSON, c) for c in codes.CATEGORICAL["penduduk"]],
    *[("tanah", PARCEL, c) for c in codes.CATEGORICAL["tanah"]],
    *[("kendaraan", VEHICLE, c) for c in codes.CATEGORICAL["kendaraan"]],
    *[("rumah", HOUSE, c) for c in (*codes.CATEGORICAL["rumah"], "DAYA_VA")],
])
def test_unknown_label_rejects(regions, name, base, column):
    result = run(name, [{**base, column: "TIDAK DIKETAHUI 7"}], regions)
    assert findings(result) == [(1, column, rules.UNKNOWN_CODE, rules.ROW_REJECTED)]


# Dukcapil's SIAK list of occupations, in SIAK's order.
SIAK_OCCUPATIONS = (
    "BELUM/TIDAK BEKERJA", "MENGURUS RUMAH TANGGA", "PELAJAR/MAHASISWA", "PENSIUNAN",
    "PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)",
    "PERDAGANGAN", "PETANI/PEKEBUN", "PETERNAK", "NELAYAN/PERIKANAN", "INDUSTRI", "KONSTRUKSI",
    "TRANSPORTASI", "KARYAWAN SWASTA", "KARYAWAN BUMN", "KARYAWAN BUMD", "KARYAWAN HONORER",
    "BURUH HARIAN LEPAS", "BURUH TANI/PERKEBUNAN", "BURUH NELAYAN/PERIKANAN", "BURUH PETERNAKAN",
    "PEMBANTU RUMAH TANGGA", "TUKANG CUKUR", "TUKANG LISTRIK", "TUKANG BATU", "TUKANG KAYU",
    "TUKANG SOL SEPATU", "TUKANG LAS/PANDAI BESI", "TUKANG JAHIT", "TUKANG GIGI", "PENATA RIAS",
    "PENATA BUSANA", "PENATA RAMBUT", "MEKANIK", "SENIMAN", "TABIB", "PARAJI", "PERANCANG BUSANA",
    "PENTERJEMAH", "IMAM MASJID", "PENDETA", "PASTOR", "WARTAWAN", "USTADZ/MUBALIGH", "JURU MASAK",
    "PROMOTOR ACARA", "ANGGOTA DPR-RI", "ANGGOTA DPD", "ANGGOTA BPK", "PRESIDEN", "WAKIL PRESIDEN",
    "ANGGOTA MAHKAMAH KONSTITUSI", "ANGGOTA KABINET KEMENTERIAN", "DUTA BESAR", "GUBERNUR",
    "WAKIL GUBERNUR", "BUPATI", "WAKIL BUPATI", "WALIKOTA", "WAKIL WALIKOTA",
    "ANGGOTA DPRD PROVINSI", "ANGGOTA DPRD KABUPATEN/KOTA", "DOSEN", "GURU", "PILOT", "PENGACARA",
    "NOTARIS", "ARSITEK", "AKUNTAN", "KONSULTAN", "DOKTER", "BIDAN", "PERAWAT", "APOTEKER",
    "PSIKIATER/PSIKOLOG", "PENYIAR TELEVISI", "PENYIAR RADIO", "PELAUT", "PENELITI", "SOPIR",
    "PIALANG", "PARANORMAL", "PEDAGANG", "PERANGKAT DESA", "KEPALA DESA", "BIARAWATI",
    "WIRASWASTA", "LAINNYA",
)


def test_every_siak_occupation_is_accepted(regions):
    assert len(SIAK_OCCUPATIONS) == len(set(SIAK_OCCUPATIONS)) == 89
    assert set(codes.JENIS_PKRJN) == set(SIAK_OCCUPATIONS)
    rows = [person(i, JENIS_PKRJN=label) for i, label in enumerate(SIAK_OCCUPATIONS, start=1)]
    result = run("penduduk", rows, regions)
    assert result.quarantine.height == 0
    assert result.frame["JENIS_PKRJN"].to_list() == list(SIAK_OCCUPATIONS)
    # as delivered, in other case and with extra spaces
    spaced = [person(i, JENIS_PKRJN=f" {label.lower().replace('/', ' / ')} ")
              for i, label in enumerate(SIAK_OCCUPATIONS, start=1)]
    assert run("penduduk", spaced, regions).frame["JENIS_PKRJN"].to_list() == list(SIAK_OCCUPATIONS)


def test_the_policy_reads_the_siak_occupations_as_before():
    from assets.eligibility.score import occupation_points
    from schemas.policy import load_policy

    policy = load_policy()  # its labels and prefixes are checked against codes.JENIS_PKRJN
    ex = policy.exclusions
    state = {label for label in codes.JENIS_PKRJN
             if label in ex.state_employee_occupations
             or any(label.startswith(x) for x in ex.state_employee_prefixes)}
    assert state == {"PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)",
                     "KEPOLISIAN RI (POLRI)", "ANGGOTA DPR-RI", "ANGGOTA DPRD PROVINSI",
                     "ANGGOTA DPRD KABUPATEN/KOTA"}
    assert {label for label in codes.JENIS_PKRJN if label in ex.soe_occupations} == {
        "KARYAWAN BUMN", "KARYAWAN BUMD"}
    occ = policy.score.occupation
    points = dict(zip(codes.JENIS_PKRJN, pl.select(
        occupation_points(pl.lit(pl.Series(codes.JENIS_PKRJN)), policy)).to_series().to_list(),
        strict=True))
    assert points["BURUH PETERNAKAN"] == points["TUKANG CUKUR"] == occ.prefixes["BURUH"] == 1
    assert points["ANGGOTA DPR-RI"] == occ.prefixes["ANGGOTA DPR"]
    assert points["KARYAWAN HONORER"] == points["PEMBANTU RUMAH TANGGA"] == occ.default
    assert points["PETANI/PEKEBUN"] == occ.labels["PETANI/PEKEBUN"]


def test_rt_rw_padded(regions):
    result = run("penduduk", [person(1, NO_RT="3", NO_RW="12"), person(2, NO_RT="x")], regions)
    assert result.frame["NO_RT"].to_list() == ["003", None]
    assert result.frame["NO_RW"].to_list() == ["012", "001"]
    assert findings(result) == [(2, "NO_RT", rules.NUMBER_UNPARSEABLE, rules.VALUE_DROPPED)]


# --- regions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "base"), [
    ("penduduk", PERSON), ("tanah", PARCEL), ("kendaraan", VEHICLE), ("rumah", HOUSE)])
@pytest.mark.parametrize("code", ["35.10.12.2099", "35.10.99.2001", "35.10.12", "3510.12.2001",
                                  "99.01.01.2001",
                                  # regencies are 01-69, cities 71-99; villages start with 1 or 2
                                  "35.00.00.0000", "35.00.01.2001", "35.70.01.2001",
                                  "35.09.01.3001", "35.09.01.0001"])
def test_unknown_region_rejects(regions, name, base, code):
    result = run(name, [{**base, "KODE_WILAYAH": code}], regions)
    assert findings(result) == [(1, "KODE_WILAYAH", rules.UNKNOWN_REGION, rules.ROW_REJECTED)]
    if name == "penduduk":  # the household learns why its member's row is out
        assert result.flags["rule"].to_list() == [rules.UNKNOWN_REGION]


@pytest.mark.parametrize(("name", "base", "key", "other"), [
    ("tanah", PARCEL, "NIB", "12010203000009"), ("kendaraan", VEHICLE, "NO_RANGKA", "MH9")])
def test_out_of_scope_asset_is_kept_and_flagged(regions, name, base, key, other):
    result = run(name, [{**base, "KODE_WILAYAH": "35.09.01.2001", key: other}, base], regions)
    assert findings(result) == [(1, "KODE_WILAYAH", rules.OUT_OF_SCOPE_REGION, rules.FLAGGED)]
    assert result.frame["IN_SCOPE"].to_list() == [False, True]


@pytest.mark.parametrize(("name", "base"), [("penduduk", PERSON), ("rumah", HOUSE)])
def test_out_of_scope_resident_is_unknown_region(regions, name, base):
    result = run(name, [{**base, "KODE_WILAYAH": "35.09.01.2001"}], regions)
    assert findings(result) == [(1, "KODE_WILAYAH", rules.UNKNOWN_REGION, rules.ROW_REJECTED)]


def test_region_without_dots_is_accepted(regions):
    result = run("penduduk", [person(1, KODE_WILAYAH="3510122001")], regions)
    assert result.quarantine.height == 0
    assert result.frame["KODE_WILAYAH"].to_list() == ["35.10.12.2001"]


def test_scope_defaults_to_reference(regions):
    frame = raw([{**PARCEL, "KODE_WILAYAH": "35.09.01.2001"}], "tanah")
    result = validate_tanah(frame, regions, LOAD, None)
    assert findings(result) == [(1, "KODE_WILAYAH", rules.OUT_OF_SCOPE_REGION, rules.FLAGGED)]


# --- keys and required fields ----------------------------------------------------------------


def test_keys(regions):
    assert findings(run("tanah", [{**PARCEL, "NIB": "123"}], regions)) == [
        (1, "NIB", rules.NIB_INVALID, rules.ROW_REJECTED)]
    assert findings(run("tanah", [{**PARCEL, "NIB": None}], regions)) == [
        (1, "NIB", rules.KEY_MISSING, rules.ROW_REJECTED)]
    assert findings(run("kendaraan", [{**VEHICLE, "NO_RANGKA": " "}], regions)) == [
        (1, "NO_RANGKA", rules.KEY_MISSING, rules.ROW_REJECTED)]
    assert findings(run("rumah", [{**HOUSE, "NO_KK": "35101201012000"}], regions)) == [
        (1, "NO_KK", rules.NO_KK_INVALID, rules.ROW_REJECTED)]
    result = run("penduduk", [person(1, NO_KK="12")], regions)
    assert findings(result) == [(1, "NO_KK", rules.NO_KK_INVALID, rules.ROW_REJECTED)]
    assert result.flags.height == 0  # no usable NO_KK to flag


def test_several_rules_on_one_row_give_several_rows(regions):
    result = run("penduduk", [person(1, TGL_LHR="31-02-1990", STAT_KWN="??", KODE_WILAYAH="x")],
                 regions)
    assert sorted(findings(result)) == [
        (1, "KODE_WILAYAH", rules.UNKNOWN_REGION, rules.ROW_REJECTED),
        (1, "STAT_KWN", rules.UNKNOWN_CODE, rules.ROW_REJECTED),
        (1, "TGL_LHR", rules.DATE_IMPOSSIBLE, rules.ROW_REJECTED),
    ]
    assert result.flags.height == 1  # one flag per rejected row
    assert result.flags.schema == pl.Schema(FLAGS_SCHEMA)


def test_wilayah(regions):
    assert set(regions["LEVEL"]) == {"PROVINSI", "KABUPATEN", "KECAMATAN", "DESA"}
    result = validate_wilayah(raw([{"KODE": "35", "NAMA": "JAWA TIMUR"},
                                   {"KODE": "35.1", "NAMA": "X"},
                                   {"KODE": "35.10", "NAMA": None},
                                   {"KODE": "35", "NAMA": "JAWA TIMUR"},
                                   {"KODE": "35.00", "NAMA": "X"},
                                   {"KODE": "35.70", "NAMA": "X"},
                                   {"KODE": "35.10.12.0001", "NAMA": "X"},
                                   {"KODE": "35.10.12.3001", "NAMA": "X"},
                                   {"KODE": "35.79", "NAMA": "KOTA BATU"},
                                   {"KODE": "35.10.12.1001", "NAMA": "X"}], "wilayah"))
    assert findings(result) == [
        (2, "KODE", rules.UNKNOWN_REGION, rules.ROW_REJECTED),
        (3, "NAMA", rules.REQUIRED_MISSING, rules.ROW_REJECTED),
        (4, "KODE", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED),
        *[(row, "KODE", rules.UNKNOWN_REGION, rules.ROW_REJECTED) for row in (5, 6, 7, 8)],
    ]


def _regions_with(extra: list[dict]) -> pl.DataFrame:
    base = [{"KODE": k, "NAMA": f"N{k}"} for k in ("35", "35.10", "35.10.15", "35.10.15.1002")]
    return validate_wilayah(raw(base + extra, "wilayah"))


def _residents_of(village: str, regions: pl.DataFrame) -> list[tuple]:
    out = []
    for name, base in (("penduduk", PERSON), ("tanah", PARCEL), ("kendaraan", VEHICLE),
                       ("rumah", HOUSE)):
        out += findings(run(name, [{**base, "KODE_WILAYAH": village}], regions))
    return out


def test_wilayah_names_differing_in_case_or_spaces_are_one_village():
    result = _regions_with([{"KODE": "35.10.15.2004", "NAMA": "KEMIREN"},
                            {"KODE": "35.10.15.2004", "NAMA": " Kemiren "},
                            {"KODE": "35.10.15.2005", "NAMA": "Lemahbang  Kulon"},
                            {"KODE": "35.10.15.2005", "NAMA": "LEMAHBANGKULON"}])
    assert findings(result) == [
        (6, "KODE", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED),
        (8, "KODE", rules.DUPLICATE_IDENTICAL, rules.ROW_REJECTED),
    ]
    assert result.stats["duplicates_identical"] == 2
    villages = result.frame.filter(pl.col("LEVEL") == "DESA")
    assert villages.select("KODE", "NAMA").rows() == [
        ("35.10.15.1002", "N35.10.15.1002"), ("35.10.15.2004", "KEMIREN"),
        ("35.10.15.2005", "Lemahbang Kulon")]
    assert _residents_of("35.10.15.2004", result.frame) == []


def test_wilayah_code_with_two_names_is_kept_and_flagged():
    result = _regions_with([{"KODE": "35.10.15.2004", "NAMA": "KEMIREN"},
                            {"KODE": "35.10.15.2004", "NAMA": "OLEHSARI"},
                            {"KODE": "35.10.15.2006", "NAMA": None},
                            {"KODE": "35.10.15.2006", "NAMA": "GLAGAH"}])
    assert findings(result) == [
        (5, "NAMA", rules.REGION_NAME_CONFLICT, rules.FLAGGED),
        (6, "NAMA", rules.REGION_NAME_CONFLICT, rules.FLAGGED),
        (7, "NAMA", rules.REQUIRED_MISSING, rules.ROW_REJECTED),  # no name: no copy of anything
    ]
    assert result.quarantine.filter(pl.col("rule") == rules.REGION_NAME_CONFLICT)[
        "record_id"].to_list() == ["35.10.15.2004", "35.10.15.2004"]
    assert result.stats["duplicates_conflicting"] == 2
    villages = result.frame.filter(pl.col("LEVEL") == "DESA")
    assert villages.select("KODE", "NAMA").rows() == [
        ("35.10.15.1002", "N35.10.15.1002"), ("35.10.15.2004", "KEMIREN"),
        ("35.10.15.2006", "GLAGAH")]
    assert _residents_of("35.10.15.2004", result.frame) == []
    assert _residents_of("35.10.15.2006", result.frame) == []


# --- from a file, with an extra column ----------------------------------------------------------


def test_extract_file_end_to_end_with_extra_column(tmp_path, regions):
    cols = list(REQUIRED_COLUMNS["kendaraan"])
    header = ",".join(cols + ["WARNA"])
    good = ",".join(f'"{VEHICLE[c]}"' for c in cols) + ",MERAH"
    bad = ",".join(f'"{VEHICLE[c]}"' if c != "NILAI_JUAL" else '"-1"' for c in cols) + ",HITAM"
    bad = bad.replace(VEHICLE["NO_RANGKA"], "MH9")
    (tmp_path / "kendaraan.csv").write_text(f"{header}\n{good}\n{bad}\n", encoding="utf-8-sig")
    extract = read_extract(tmp_path, "kendaraan")
    result = validate_kendaraan(extract, regions, LOAD, SCOPE)
    assert findings(result) == [
        (None, "WARNA", rules.EXTRA_COLUMN, rules.FLAGGED),
        (2, "NILAI_JUAL", rules.NOT_POSITIVE, rules.ROW_REJECTED),
    ]
    assert result.quarantine["record_id"].to_list() == [None, "MH9"]
    # the frame alone with the extra columns passed separately gives the same
    again = validate_kendaraan(extract.frame, regions, LOAD, SCOPE, extra_columns=["WARNA"])
    assert again.quarantine.equals(result.quarantine)


def test_a_quote_left_open_that_swallows_rows_is_flagged_on_the_row_that_swallowed_them(tmp_path, regions):
    cols = list(REQUIRED_COLUMNS["tanah"])

    def line(nib: str, name: str) -> str:
        return ",".join(name if c == "NAMA_PEMEGANG" else PARCEL[c] if c != "NIB" else nib for c in cols)

    lines = [line(f"1201020300000{i}", "BUDI SANTOSO") for i in range(1, 8)]
    lines[2] = line("12010203000003", '"ABDUL')  # opens a quote ...
    lines[5] = line("12010203000006", 'HASAN"')  # ... closed three lines further
    (tmp_path / "tanah.csv").write_text(",".join(cols) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    extract = read_extract(tmp_path, "tanah")
    assert extract.rows == 4  # the rows 4 and 5 and the start of 6 are inside a name
    result = validate_tanah(extract, regions, LOAD, SCOPE)
    assert findings(result) == [(3, "NAMA_PEMEGANG", rules.LINE_BREAK_IN_FIELD, rules.FLAGGED)]
    assert result.frame.height == 4
    # one clean text field with a line break is flagged the same, and flows on with the break squeezed
    ok = run("kendaraan", [{**VEHICLE, "ALAMAT_PEMILIK": "DUSUN KRAJAN\nRT 1"}], regions)
    assert findings(ok) == [(1, "ALAMAT_PEMILIK", rules.LINE_BREAK_IN_FIELD, rules.FLAGGED)]
    assert ok.frame["ALAMAT_PEMILIK"].to_list() == ["DUSUN KRAJAN RT 1"]
    # a required name of blanks and a line break is missing, once: one rule per column
    blank = run("penduduk", [person(1, NAMA_LGKP=" \n ")], regions)
    assert findings(blank) == [(1, "NAMA_LGKP", rules.REQUIRED_MISSING, rules.ROW_REJECTED)]


def test_quarantine_names_the_record_by_its_cleaned_key_and_keeps_the_value_as_delivered(regions):
    result = run("tanah", [{**PARCEL, "NIB": " 12.010.203.000.001 ", "LUAS_M2": " -5 "}], regions)
    assert findings(result) == [(1, "LUAS_M2", rules.NOT_POSITIVE, rules.ROW_REJECTED)]
    row = result.quarantine.row(0, named=True)
    assert (row["record_id"], row["value"]) == ("12010203000001", " -5 ")


def test_stats_have_counts_only(regions):
    result = run("penduduk", [person(1), person(2, NIK="x")], regions)
    assert result.stats["rows_read"] == 2 and result.stats["rows_valid"] == 1
    assert result.stats["by_rule"] == {rules.NIK_NOT_DIGITS: 1}
    flat = repr(result.stats)
    assert PERSON["NAMA_LGKP"] not in flat and "35101210109" not in flat


# --- parsers (properties) ---------------------------------------------------------------------


def _each(expr_fn, values: list[str]) -> list:
    """The expression on each value, evaluated in one frame."""
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr_fn(pl.col("v"))).to_series().to_list()


def _one(expr_fn, value):
    return _each(expr_fn, [value])[0]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
       st.sampled_from(["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]))
@settings(max_examples=200, deadline=None)
def test_parse_date_roundtrip(d, fmt):
    text = d.strftime(fmt)
    assert _one(parse.parse_date, text) == d
    assert _one(lambda e: parse.date_rule(e, date(2100, 12, 31)), text) is None
    if d > date(1900, 1, 1):
        assert _one(lambda e: parse.date_rule(e, d - timedelta(days=1)), text) == rules.DATE_IN_FUTURE


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 31))
@settings(max_examples=200, deadline=None)
def test_parse_date_impossible_days(y, m, d):
    text = f"{d:02d}-{m:02d}-{y}"
    try:
        expected = date(y, m, d)
    except ValueError:
        expected = None
    assert _one(parse.parse_date, text) == expected
    assert _one(parse.date_rule, text) == (None if expected else rules.DATE_IMPOSSIBLE)


@given(st.integers(1, 10**12))
@settings(max_examples=60, deadline=None)
def test_parse_number_indonesian_grouping(n):
    grouped = f"{n:,}".replace(",", ".")
    assert _one(parse.parse_number, grouped) == float(n)
    assert _one(parse.parse_number, f"{grouped},5") == pytest.approx(n + 0.5)
    # Rupiah notation: a trailing `,-` or `.-` closes a whole amount
    whole = [grouped, f"{grouped},-", f"{grouped}.-", f"Rp {grouped},-", f"Rp.{n}.-", f"{n},-"]
    assert _each(parse.parse_int, whole) == [n] * len(whole)
    assert _each(parse.number_rule, whole) == [None] * len(whole)
    assert _each(parse.number_rule, ["-" + grouped, f"-{grouped},-"]) == [rules.NOT_POSITIVE] * 2
    assert _each(parse.number_rule, ["0", "0,0", "0.000", "-0"]) == [rules.NOT_POSITIVE] * 4


@given(st.floats(min_value=0.01, max_value=1e9, allow_nan=False))
@settings(max_examples=200, deadline=None)
def test_parse_number_decimal_comma(x):
    text = f"{x:.2f}".replace(".", ",")
    assert _one(parse.parse_number, text) == pytest.approx(round(x, 2))


ALL_CODES = [c for lst in codes.CATEGORICAL.values() for cs in lst.values() for c in cs]


@given(st.sampled_from(ALL_CODES),
       st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
       st.sampled_from(["", " ", "  ", "\t"]))
@settings(max_examples=300, deadline=None)
def test_labels_normalise(label, case, pad):
    text = pad + case(label).replace(" ", " " + pad).replace("(", "(" + pad).replace(
        ")", pad + ")") + pad
    assert _one(lambda e: parse.parse_label(e, ALL_CODES), text) == label
    assert _one(lambda e: parse.label_rule(e, ALL_CODES), text) is None


@given(st.sampled_from([c for c in ALL_CODES if "(" in c]),
       st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
       st.sampled_from([" ", "  ", "\t"]), st.sampled_from(["", " ", "  "]))
@settings(max_examples=100, deadline=None)
def test_labels_normalise_spaces_inside_parentheses(label, case, inner, outer):
    # `PEGAWAI NEGERI SIPIL ( PNS )`: blanks just inside the parentheses
    text = case(label).replace("(", "(" + inner).replace(")", inner + ")") + outer
    assert _one(lambda e: parse.parse_label(e, ALL_CODES), text) == label
    assert _one(lambda e: parse.label_rule(e, ALL_CODES), text) is None


@given(st.integers(0, 999), st.integers(0, 2))
@settings(max_examples=100, deadline=None)
def test_rt_rw_padding(n, zeros):
    assert _one(parse.parse_rt_rw, "0" * zeros + str(n)) == f"{n:03d}"
