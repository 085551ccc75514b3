"""Pandera models (polars backend) of the typed frames that validation hands on (architecture.md).

The models state what every typed frame guarantees: types, NIK structure, code lists, positive
numbers within the limits (`MAX_*`), dates not after the load date, uniqueness of each record's key. Checks that depend on the
load (the region reference, the scope, the load date) are added at call time by the `*_schema`
functions.

Validation builds its quarantine from its own rule expressions first; the models then run over the
typed frame as the contract's last word, lazily (every failure collected). Their failure cases are
turned into quarantine rows by `failure_quarantine` in `assets.validation.validate`. Rows are never
dropped by Pandera itself (`drop_invalid_rows` is not used: it drops silently).
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from datetime import date

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from schemas import codes, rules
from schemas.nik import nik_is_valid_as_stored

LEVELS = ("PROVINSI", "KABUPATEN", "KECAMATAN", "DESA")
# extracts.md: regencies are 01-69, cities 71-99; villages start with 1 (kelurahan) or 2 (desa).
_REGENCY = r"(?:0[1-9]|[1-6][0-9]|7[1-9]|[89][0-9])"
_VILLAGE = r"[12][0-9]{3}"
VILLAGE_PATTERN = rf"^[0-9]{{2}}\.{_REGENCY}\.[0-9]{{2}}\.{_VILLAGE}$"
KODE_PATTERN = rf"^[0-9]{{2}}(\.{_REGENCY}(\.[0-9]{{2}}(\.{_VILLAGE})?)?)?$"
NO_KK_PATTERN = r"^[0-9]{16}$"
NIB_PATTERN = r"^[0-9]{14}$"
NPWP_PATTERN = r"^[0-9]{15}$"
RT_RW_PATTERN = r"^[0-9]{3}$"
MIN_DATE = date(1900, 1, 1)
# Beyond these a number is no record's, and is rejected (`NUMBER_TOO_LARGE`): a parcel or a floor
# of more than 100,000 hectares (the largest plantation concessions), a tax value of more than
# Rp 1 billion per m² (ten times the dearest land in Jakarta), a vehicle worth more than Rp 10
# trillion. A parcel's value (area × NJOP) then stays at or below 10^18 Rupiah, inside a whole Int64.
MAX_AREA_M2 = 10**9
MAX_NJOP_PER_M2 = 10**9
MAX_NILAI_JUAL = 10**13


def _in(values: Collection[object], name: str) -> pa.Check:
    allowed = list(values)

    def check(data: PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        return data.lazyframe.select(col.is_in(allowed) | col.is_null())

    return pa.Check(check, name=name)


def _at_most(data: PolarsData, limit: object) -> pl.LazyFrame:
    """The check of a column whose values are at most `limit` (a missing value passes)."""
    col = pl.col(data.key)
    return data.lazyframe.select((col <= pl.lit(limit)) | col.is_null())


def _not_after(limit: date, name: str = "NOT_AFTER_LOAD_DATE") -> pa.Check:
    def check(data: PolarsData) -> pl.LazyFrame:
        return _at_most(data, limit)

    return pa.Check(check, name=name)


# --- models -----------------------------------------------------------------------------------


class WilayahModel(pa.DataFrameModel):
    KODE: pl.String = pa.Field(str_matches=KODE_PATTERN, unique=True)
    NAMA: pl.String
    LEVEL: pl.String = pa.Field(isin=list(LEVELS))
    ROW_NUMBER: pl.Int64

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check(name="LEVEL_MATCHES_KODE")
    def level_matches_kode(cls, data: PolarsData) -> pl.LazyFrame:
        parts = pl.col("KODE").str.count_matches(r"\.", literal=False) + 1
        expected = pl.col("LEVEL").replace_strict(
            {lvl: i + 1 for i, lvl in enumerate(LEVELS)}, default=None, return_dtype=pl.UInt32
        )
        return data.lazyframe.select(parts == expected)


class PendudukModel(pa.DataFrameModel):
    NIK: pl.String = pa.Field(unique=True)
    NO_KK: pl.String = pa.Field(str_matches=NO_KK_PATTERN)
    NAMA_LGKP: pl.String
    JENIS_KLMIN: pl.String = pa.Field(isin=list(codes.JENIS_KLMIN))
    TMPT_LHR: pl.String = pa.Field(nullable=True)
    TGL_LHR: pl.Date = pa.Field(ge=MIN_DATE)
    STAT_HBKEL: pl.String = pa.Field(isin=list(codes.STAT_HBKEL))
    STAT_KWN: pl.String = pa.Field(nullable=True, isin=list(codes.STAT_KWN))
    PDDK_AKH: pl.String = pa.Field(nullable=True, isin=list(codes.PDDK_AKH))
    JENIS_PKRJN: pl.String = pa.Field(nullable=True, isin=list(codes.JENIS_PKRJN))
    ALAMAT: pl.String = pa.Field(nullable=True)
    NO_RT: pl.String = pa.Field(nullable=True, str_matches=RT_RW_PATTERN)
    NO_RW: pl.String = pa.Field(nullable=True, str_matches=RT_RW_PATTERN)
    KODE_WILAYAH: pl.String = pa.Field(str_matches=VILLAGE_PATTERN)
    STATUS: pl.String = pa.Field(isin=list(codes.STATUS))
    TGL_STATUS: pl.Date = pa.Field(nullable=True, ge=MIN_DATE)
    NIK_WARNING: pl.String = pa.Field(nullable=True, isin=[rules.NIK_DATE_MISMATCH])
    ROW_NUMBER: pl.Int64 = pa.Field(unique=True)

    class Config:
        strict = True
        ordered = True

    @pa.check("NIK", name="NIK_STRUCTURE")
    def nik_structure(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(nik_is_valid_as_stored(pl.col(data.key)))

    @pa.dataframe_check(name="DATE_INCONSISTENT")
    def hidup_has_no_status_date(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("STATUS") != "HIDUP") | pl.col("TGL_STATUS").is_null()
        )


class TanahModel(pa.DataFrameModel):
    NIB: pl.String = pa.Field(str_matches=NIB_PATTERN)
    JENIS_HAK: pl.String = pa.Field(isin=list(codes.JENIS_HAK))
    NIK_PEMEGANG: pl.String = pa.Field(nullable=True)
    NIK_PEMEGANG_RAW: pl.String = pa.Field(nullable=True)
    NAMA_PEMEGANG: pl.String = pa.Field(nullable=True)
    KODE_WILAYAH: pl.String = pa.Field(str_matches=VILLAGE_PATTERN)
    IN_SCOPE: pl.Boolean
    LUAS_M2: pl.Float64 = pa.Field(gt=0)
    PENGGUNAAN: pl.String = pa.Field(isin=list(codes.PENGGUNAAN))
    NJOP_PER_M2: pl.Int64 = pa.Field(gt=0)
    TGL_TERBIT: pl.Date = pa.Field(nullable=True, ge=MIN_DATE)
    ROW_NUMBER: pl.Int64 = pa.Field(unique=True)

    class Config:
        strict = True
        ordered = True

    @pa.check("LUAS_M2", name=rules.NUMBER_TOO_LARGE)
    def area_at_most(cls, data: PolarsData) -> pl.LazyFrame:
        return _at_most(data, MAX_AREA_M2)

    @pa.check("NJOP_PER_M2", name=rules.NUMBER_TOO_LARGE)
    def value_at_most(cls, data: PolarsData) -> pl.LazyFrame:
        return _at_most(data, MAX_NJOP_PER_M2)

    @pa.check("NIK_PEMEGANG", name="NIK_STRUCTURE")
    def nik_structure(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(nik_is_valid_as_stored(pl.col(data.key)) | pl.col(data.key).is_null())

    @pa.dataframe_check(name="DUPLICATE_CONFLICT")
    def nib_holder_unique(cls, data: PolarsData) -> pl.LazyFrame:
        holder = pl.coalesce(pl.col("NIK_PEMEGANG"), pl.col("NAMA_PEMEGANG").str.to_uppercase())
        return data.lazyframe.select(pl.len().over(pl.col("NIB"), holder) == 1)


class KendaraanModel(pa.DataFrameModel):
    NO_RANGKA: pl.String = pa.Field(unique=True)
    NO_POLISI: pl.String = pa.Field(nullable=True)
    NIK_PEMILIK: pl.String = pa.Field(nullable=True)
    NIK_PEMILIK_RAW: pl.String = pa.Field(nullable=True)
    NPWP_PEMILIK: pl.String = pa.Field(nullable=True, str_matches=NPWP_PATTERN)
    NAMA_PEMILIK: pl.String = pa.Field(nullable=True)
    ALAMAT_PEMILIK: pl.String = pa.Field(nullable=True)
    KODE_WILAYAH: pl.String = pa.Field(str_matches=VILLAGE_PATTERN)
    IN_SCOPE: pl.Boolean
    JENIS_KENDARAAN: pl.String = pa.Field(isin=list(codes.JENIS_KENDARAAN))
    MEREK: pl.String = pa.Field(nullable=True)
    TAHUN_BUAT: pl.Int32 = pa.Field(nullable=True, ge=1900)
    NILAI_JUAL: pl.Int64 = pa.Field(gt=0)
    TGL_AKHIR_PAJAK: pl.Date = pa.Field(nullable=True, ge=MIN_DATE)
    ROW_NUMBER: pl.Int64 = pa.Field(unique=True)

    class Config:
        strict = True
        ordered = True

    @pa.check("NILAI_JUAL", name=rules.NUMBER_TOO_LARGE)
    def value_at_most(cls, data: PolarsData) -> pl.LazyFrame:
        return _at_most(data, MAX_NILAI_JUAL)

    @pa.check("NIK_PEMILIK", name="NIK_STRUCTURE")
    def nik_structure(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(nik_is_valid_as_stored(pl.col(data.key)) | pl.col(data.key).is_null())

    @pa.dataframe_check(name="NIK_OR_NPWP")
    def not_both_nik_and_npwp(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("NIK_PEMILIK").is_null() | pl.col("NPWP_PEMILIK").is_null()
        )


class RumahModel(pa.DataFrameModel):
    NO_KK: pl.String = pa.Field(str_matches=NO_KK_PATTERN, unique=True)
    NIK_KEPALA: pl.String = pa.Field(nullable=True)
    NIK_KEPALA_RAW: pl.String = pa.Field(nullable=True)
    NAMA_KEPALA: pl.String = pa.Field(nullable=True)
    KODE_WILAYAH: pl.String = pa.Field(str_matches=VILLAGE_PATTERN)
    STATUS_BANGUNAN: pl.String = pa.Field(isin=list(codes.STATUS_BANGUNAN))
    LUAS_LANTAI_M2: pl.Float64 = pa.Field(gt=0)
    LANTAI: pl.String = pa.Field(isin=list(codes.LANTAI))
    DINDING: pl.String = pa.Field(isin=list(codes.DINDING))
    ATAP: pl.String = pa.Field(isin=list(codes.ATAP))
    SUMBER_AIR_MINUM: pl.String = pa.Field(isin=list(codes.SUMBER_AIR_MINUM))
    FASILITAS_BAB: pl.String = pa.Field(isin=list(codes.FASILITAS_BAB))
    PENERANGAN: pl.String = pa.Field(isin=list(codes.PENERANGAN))
    DAYA_VA: pl.Int32 = pa.Field(isin=list(codes.DAYA_VA))
    BAHAN_BAKAR_MASAK: pl.String = pa.Field(isin=list(codes.BAHAN_BAKAR_MASAK))
    TGL_PENDATAAN: pl.Date = pa.Field(ge=MIN_DATE)
    ROW_NUMBER: pl.Int64 = pa.Field(unique=True)

    class Config:
        strict = True
        ordered = True

    @pa.check("LUAS_LANTAI_M2", name=rules.NUMBER_TOO_LARGE)
    def area_at_most(cls, data: PolarsData) -> pl.LazyFrame:
        return _at_most(data, MAX_AREA_M2)

    @pa.check("NIK_KEPALA", name="NIK_STRUCTURE")
    def nik_structure(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(nik_is_valid_as_stored(pl.col(data.key)) | pl.col(data.key).is_null())


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "wilayah": WilayahModel,
    "penduduk": PendudukModel,
    "tanah": TanahModel,
    "kendaraan": KendaraanModel,
    "rumah": RumahModel,
}


# --- schemas with the load's own checks -----------------------------------------------------


def _add_frame_check(schema: pa.DataFrameSchema, check: pa.Check) -> pa.DataFrameSchema:
    """A copy of `schema` with one more dataframe-level check (the model's schema is cached)."""
    new = copy.copy(schema)
    new.checks = [*schema.checks, check]
    return new


def _add_checks(schema: pa.DataFrameSchema, column: str, *checks: pa.Check) -> pa.DataFrameSchema:
    return schema.update_column(column, checks=[*schema.columns[column].checks, *checks])


def wilayah_schema() -> pa.DataFrameSchema:
    return WilayahModel.to_schema()


def penduduk_schema(regions: Collection[str], load_date: date) -> pa.DataFrameSchema:
    """Residents live in a village of the reference (which lists only the scope's villages)."""
    schema = PendudukModel.to_schema()
    schema = _add_checks(schema, "KODE_WILAYAH", _in(regions, rules.UNKNOWN_REGION))
    schema = _add_checks(schema, "TGL_LHR", _not_after(load_date))
    return _add_checks(schema, "TGL_STATUS", _not_after(load_date))


def _asset_region_check(regions: Collection[str]):
    allowed = list(regions)

    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~pl.col("IN_SCOPE") | pl.col("KODE_WILAYAH").is_in(allowed)
        )

    return check


def tanah_schema(regions: Collection[str], load_date: date) -> pa.DataFrameSchema:
    schema = TanahModel.to_schema()
    schema = _add_checks(schema, "TGL_TERBIT", _not_after(load_date))
    return _add_frame_check(schema, pa.Check(_asset_region_check(regions), name=rules.UNKNOWN_REGION))


def kendaraan_schema(regions: Collection[str], load_date: date) -> pa.DataFrameSchema:
    schema = KendaraanModel.to_schema()
    schema = _add_checks(schema, "TAHUN_BUAT", pa.Check.le(load_date.year + 1))
    return _add_frame_check(schema, pa.Check(_asset_region_check(regions), name=rules.UNKNOWN_REGION))


def rumah_schema(regions: Collection[str], load_date: date) -> pa.DataFrameSchema:
    schema = RumahModel.to_schema()
    schema = _add_checks(schema, "KODE_WILAYAH", _in(regions, rules.UNKNOWN_REGION))
    return _add_checks(schema, "TGL_PENDATAAN", _not_after(load_date))


def schema_for(
    name: str, regions: Collection[str] = (), load_date: date | None = None
) -> pa.DataFrameSchema:
    """The schema of typed frame `name` with the load's checks."""
    if name == "wilayah":
        return wilayah_schema()
    if load_date is None:
        raise ValueError("load_date is required for every extract but wilayah")
    factory = {
        "penduduk": penduduk_schema,
        "tanah": tanah_schema,
        "kendaraan": kendaraan_schema,
        "rumah": rumah_schema,
    }[name]
    return factory(regions, load_date)


def failure_cases(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pl.DataFrame:
    """Every failure of `frame` against `schema` (empty frame when it passes).

    Columns as Pandera gives them: `failure_case`, `schema_context`, `column`, `check`,
    `check_number`, `index` (row position in `frame`; null for a schema-level failure).
    """
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases
    return pl.DataFrame(
        schema={
            "failure_case": pl.String,
            "schema_context": pl.String,
            "column": pl.String,
            "check": pl.String,
            "check_number": pl.Int32,
            "index": pl.Int32,
        }
    )
