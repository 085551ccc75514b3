"""Pandera models of the typed frames (schemas.models) and their failure cases as quarantine."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from assets.validation.validate import failure_quarantine
from schemas import codes, rules
from schemas.models import (
    MAX_AREA_M2,
    MAX_NILAI_JUAL,
    MAX_NJOP_PER_M2,
    MODELS,
    failure_cases,
    kendaraan_schema,
    penduduk_schema,
    rumah_schema,
    schema_for,
    tanah_schema,
    wilayah_schema,
)
from schemas.rules import QUARANTINE_COLUMNS

LOAD = date(2026, 11, 1)
VILLAGES = ["35.10.12.2001", "35.10.12.2002"]


def penduduk(**over) -> pl.DataFrame:
    row = {
        "NIK": "3510121010900001", "NO_KK": "3510120101200001", "NAMA_LGKP": "BUDI",
        "JENIS_KLMIN": "LAKI-LAKI", "TMPT_LHR": None, "TGL_LHR": date(1990, 10, 10),
        "STAT_HBKEL": "KEPALA KELUARGA", "STAT_KWN": "KAWIN", "PDDK_AKH": None,
        "JENIS_PKRJN": "PETANI/PEKEBUN", "ALAMAT": None, "NO_RT": "003", "NO_RW": None,
        "KODE_WILAYAH": "35.10.12.2001", "STATUS": "HIDUP", "TGL_STATUS": None,
        "NIK_WARNING": None, "ROW_NUMBER": 1,
    }
    rows = [row, {**row, "NIK": "3510125010900002", "JENIS_KLMIN": "PEREMPUAN", "ROW_NUMBER": 2}]
    frame = pl.DataFrame(rows, schema={
        "NIK": pl.String, "NO_KK": pl.String, "NAMA_LGKP": pl.String, "JENIS_KLMIN": pl.String,
        "TMPT_LHR": pl.String, "TGL_LHR": pl.Date, "STAT_HBKEL": pl.String,
        "STAT_KWN": pl.String, "PDDK_AKH": pl.String, "JENIS_PKRJN": pl.String,
        "ALAMAT": pl.String, "NO_RT": pl.String, "NO_RW": pl.String, "KODE_WILAYAH": pl.String,
        "STATUS": pl.String, "TGL_STATUS": pl.Date, "NIK_WARNING": pl.String,
        "ROW_NUMBER": pl.Int64,
    })
    if over:
        frame = frame.with_columns(
            [pl.when(pl.col("ROW_NUMBER") == 2).then(pl.lit(v, dtype=frame.schema[k]))
             .otherwise(pl.col(k)).alias(k) for k, v in over.items()]
        )
    return frame


def kendaraan(**over) -> pl.DataFrame:
    row = {
        "NO_RANGKA": "A1", "NO_POLISI": "P 1 A", "NIK_PEMILIK": None, "NIK_PEMILIK_RAW": None,
        "NPWP_PEMILIK": None, "NAMA_PEMILIK": "X", "ALAMAT_PEMILIK": None,
        "KODE_WILAYAH": "35.10.12.2001", "IN_SCOPE": True, "JENIS_KENDARAAN": "BUS",
        "MEREK": None, "TAHUN_BUAT": 2010, "NILAI_JUAL": 1000, "TGL_AKHIR_PAJAK": None,
        "ROW_NUMBER": 1,
    }
    row |= over
    return pl.DataFrame([row], schema={
        "NO_RANGKA": pl.String, "NO_POLISI": pl.String, "NIK_PEMILIK": pl.String,
        "NIK_PEMILIK_RAW": pl.String, "NPWP_PEMILIK": pl.String, "NAMA_PEMILIK": pl.String,
        "ALAMAT_PEMILIK": pl.String, "KODE_WILAYAH": pl.String, "IN_SCOPE": pl.Boolean,
        "JENIS_KENDARAAN": pl.String, "MEREK": pl.String, "TAHUN_BUAT": pl.Int32,
        "NILAI_JUAL": pl.Int64, "TGL_AKHIR_PAJAK": pl.Date, "ROW_NUMBER": pl.Int64,
    })


def checks_failed(schema, frame) -> set[tuple[str, str]]:
    f = failure_cases(schema, frame)
    return {(c, k.split("(")[0]) for c, k in zip(f["column"], f["check"], strict=True)}


def test_every_typed_frame_has_a_model():
    assert set(MODELS) == {"wilayah", "penduduk", "tanah", "kendaraan", "rumah"}


def test_valid_penduduk_passes():
    assert failure_cases(penduduk_schema(VILLAGES, LOAD), penduduk()).height == 0


@pytest.mark.parametrize(("over", "expected"), [
    ({"NIK": "3510121010900000"}, ("NIK", "NIK_STRUCTURE")),
    ({"NIK": "3510121010900001"}, ("NIK", "field_uniqueness")),
    ({"NO_KK": "123"}, ("NO_KK", "str_matches")),
    ({"JENIS_KLMIN": "L"}, ("JENIS_KLMIN", "isin")),
    ({"JENIS_PKRJN": "ASTRONOT"}, ("JENIS_PKRJN", "isin")),
    ({"TGL_LHR": date(2027, 1, 1)}, ("TGL_LHR", "NOT_AFTER_LOAD_DATE")),
    ({"TGL_LHR": date(1850, 1, 1)}, ("TGL_LHR", "greater_than_or_equal_to")),
    ({"KODE_WILAYAH": "35.10.12.2009"}, ("KODE_WILAYAH", rules.UNKNOWN_REGION)),
    ({"NO_RT": "3"}, ("NO_RT", "str_matches")),
    ({"TGL_STATUS": date(2020, 1, 1)}, ("PendudukModel", "DATE_INCONSISTENT")),
])
def test_penduduk_checks(over, expected):
    assert expected in checks_failed(penduduk_schema(VILLAGES, LOAD), penduduk(**over))


def test_region_check_is_built_at_call_time():
    frame = penduduk(KODE_WILAYAH="35.10.12.2002")
    assert failure_cases(penduduk_schema(VILLAGES, LOAD), frame).height == 0
    assert ("KODE_WILAYAH", rules.UNKNOWN_REGION) in checks_failed(
        penduduk_schema(["35.10.12.2001"], LOAD), frame)
    # building a schema for one load does not change the model's own schema
    assert failure_cases(penduduk_schema(VILLAGES, LOAD), frame).height == 0


def test_asset_models():
    schema = kendaraan_schema(VILLAGES, LOAD)
    assert failure_cases(schema, kendaraan()).height == 0
    assert ("NILAI_JUAL", "greater_than") in checks_failed(schema, kendaraan(NILAI_JUAL=0))
    assert ("NILAI_JUAL", rules.NUMBER_TOO_LARGE) in checks_failed(schema, kendaraan(NILAI_JUAL=MAX_NILAI_JUAL + 1))
    assert failure_cases(schema, kendaraan(NILAI_JUAL=MAX_NILAI_JUAL)).height == 0
    assert ("NIK_PEMILIK", "NIK_STRUCTURE") in checks_failed(schema, kendaraan(NIK_PEMILIK="123"))
    assert ("NPWP_PEMILIK", "str_matches") in checks_failed(schema, kendaraan(NPWP_PEMILIK="1"))
    assert ("TAHUN_BUAT", "less_than_or_equal_to") in checks_failed(schema, kendaraan(TAHUN_BUAT=2030))
    # outside the scope, the region is not checked against the reference
    assert failure_cases(schema, kendaraan(KODE_WILAYAH="35.09.01.2001", IN_SCOPE=False)).height == 0
    assert ("KendaraanModel", rules.UNKNOWN_REGION) in checks_failed(
        schema, kendaraan(KODE_WILAYAH="35.10.12.2999"))
    # tax paid ahead is fine
    assert failure_cases(schema, kendaraan(TGL_AKHIR_PAJAK=date(2028, 1, 1))).height == 0
    two = pl.concat([kendaraan(), kendaraan(ROW_NUMBER=2)])
    assert ("NO_RANGKA", "field_uniqueness") in checks_failed(schema, two)


def test_tanah_unique_by_nib_and_holder():
    base = {
        "NIB": "12010203000001", "JENIS_HAK": "HM", "NIK_PEMEGANG": "3510121010900001",
        "NIK_PEMEGANG_RAW": None, "NAMA_PEMEGANG": "BUDI", "KODE_WILAYAH": "35.10.12.2001",
        "IN_SCOPE": True, "LUAS_M2": 10.0, "PENGGUNAAN": "SAWAH", "NJOP_PER_M2": 5,
        "TGL_TERBIT": None, "ROW_NUMBER": 1,
    }
    schema = {k: pl.String for k in base} | {"IN_SCOPE": pl.Boolean, "LUAS_M2": pl.Float64,
                                            "NJOP_PER_M2": pl.Int64, "TGL_TERBIT": pl.Date,
                                            "ROW_NUMBER": pl.Int64}
    second_holder = {**base, "NIK_PEMEGANG": "3510125010900002", "ROW_NUMBER": 2}
    ok = pl.DataFrame([base, second_holder], schema=schema)
    assert failure_cases(tanah_schema(VILLAGES, LOAD), ok).height == 0
    same = pl.DataFrame([base, {**base, "ROW_NUMBER": 2}], schema=schema)
    assert ("TanahModel", "DUPLICATE_CONFLICT") in checks_failed(tanah_schema(VILLAGES, LOAD), same)
    huge = pl.DataFrame([{**base, "LUAS_M2": MAX_AREA_M2 * 1.5, "NJOP_PER_M2": MAX_NJOP_PER_M2 + 1}], schema=schema)
    failed = checks_failed(tanah_schema(VILLAGES, LOAD), huge)
    assert {("LUAS_M2", rules.NUMBER_TOO_LARGE), ("NJOP_PER_M2", rules.NUMBER_TOO_LARGE)} <= set(failed)


def test_rumah_and_wilayah_models():
    assert schema_for("rumah", VILLAGES, LOAD).columns.keys() == rumah_schema(VILLAGES, LOAD).columns.keys()
    assert list(rumah_schema(VILLAGES, LOAD).columns["DAYA_VA"].checks[0].statistics["allowed_values"]) == list(codes.DAYA_VA)
    w = pl.DataFrame({"KODE": ["35", "35.10.12.2001", "35.10"], "NAMA": ["A", "B", "C"],
                      "LEVEL": ["PROVINSI", "DESA", "DESA"], "ROW_NUMBER": [1, 2, 3]})
    assert ("WilayahModel", "LEVEL_MATCHES_KODE") in checks_failed(wilayah_schema(), w)


def test_failure_cases_become_quarantine_rows():
    frame = penduduk(JENIS_KLMIN="L", TGL_LHR=date(2027, 1, 1))
    q = failure_quarantine("penduduk", frame, failure_cases(penduduk_schema(VILLAGES, LOAD), frame), "NIK")
    assert q.columns == list(QUARANTINE_COLUMNS)
    got = sorted(zip(q["row_number"], q["column"], q["rule"], q["action"], strict=True))
    assert got == [
        (2, "JENIS_KLMIN", rules.UNKNOWN_CODE, rules.ROW_REJECTED),
        (2, "TGL_LHR", rules.DATE_IN_FUTURE, rules.ROW_REJECTED),
    ]
    assert set(q["record_id"]) == {"3510125010900002"}


def test_schema_level_failure_raises():
    frame = penduduk().drop("STATUS")
    failures = failure_cases(penduduk_schema(VILLAGES, LOAD), frame)
    assert failures["index"].null_count() > 0
    with pytest.raises(RuntimeError, match="penduduk"):
        failure_quarantine("penduduk", frame, failures, "NIK")


def test_models_never_drop_rows():
    for name, model in MODELS.items():
        assert not getattr(model.Config, "drop_invalid_rows", False), name
