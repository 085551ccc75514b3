"""Ingest: finding, reading and hashing extracts, and load.json (assets.ingest.read)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from assets.ingest.read import ExtractError, LoadInfo, file_sha256, read_extract, read_load_info
from schemas.extracts import REQUIRED_COLUMNS

TANAH_HEADER = ",".join(REQUIRED_COLUMNS["tanah"])
SECRET_NIK = "3510125505870003"


def _tanah_row(nik: str = SECRET_NIK, nib: str = "12010203000001") -> str:
    return f'{nib},HM,{nik},"SITI, AMINAH",35.10.12.2001,"1.234,5",SAWAH,12.500,2005-02-01'


def _write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_csv_all_text_with_row_numbers(tmp_path):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER}\n{_tanah_row()}\n{_tanah_row('', '12010203000002')}\n")
    raw = read_extract(tmp_path, "tanah")
    assert raw.name == "tanah"
    assert raw.rows == 2
    assert raw.frame.columns == [*REQUIRED_COLUMNS["tanah"], "ROW_NUMBER"]
    assert all(raw.frame.schema[c] == pl.String for c in REQUIRED_COLUMNS["tanah"])
    assert raw.frame.schema["ROW_NUMBER"] == pl.Int64
    assert raw.frame["ROW_NUMBER"].to_list() == [1, 2]
    # NIKs stay text, quoted commas stay in the field, numbers are not parsed here
    assert raw.frame["NIK_PEMEGANG"].to_list() == [SECRET_NIK, None]  # empty field → null
    assert raw.frame["NAMA_PEMEGANG"][0] == "SITI, AMINAH"
    assert raw.frame["LUAS_M2"][0] == "1.234,5"
    assert raw.frame["NJOP_PER_M2"][0] == "12.500"
    assert raw.extra_columns == []
    assert raw.sha256 == hashlib.sha256((tmp_path / "tanah.csv").read_bytes()).hexdigest()
    assert raw.sha256 == file_sha256(tmp_path / "tanah.csv")


def test_leading_zeros_and_long_digits_are_not_numbers(tmp_path):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER}\n{_tanah_row('0012345678901234', '00010203000001')}\n")
    raw = read_extract(tmp_path, "tanah")
    assert raw.frame["NIB"][0] == "00010203000001"
    assert raw.frame["NIK_PEMEGANG"][0] == "0012345678901234"


def test_bom_and_header_blanks_and_case(tmp_path):
    header = ",".join(f" {c.lower()} " if i % 2 else c for i, c in enumerate(REQUIRED_COLUMNS["tanah"]))
    _write(tmp_path / "tanah.csv", f"{header}\n{_tanah_row()}\n", bom=True)
    raw = read_extract(tmp_path, "tanah")
    assert raw.frame.columns == [*REQUIRED_COLUMNS["tanah"], "ROW_NUMBER"]
    assert raw.frame["NIB"][0] == "12010203000001"


def test_extra_columns_are_dropped_and_reported(tmp_path):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER},CATATAN,x2\n{_tanah_row()},hello,1\n")
    raw = read_extract(tmp_path, "tanah")
    assert raw.extra_columns == ["CATATAN", "x2"]
    assert "CATATAN" not in raw.frame.columns


def test_missing_column_names_file_and_column_and_no_value(tmp_path):
    header = TANAH_HEADER.replace("LUAS_M2,", "")
    row = _tanah_row().replace(',"1.234,5"', "")
    _write(tmp_path / "tanah.csv", f"{header}\n{row}\n")
    with pytest.raises(ExtractError) as err:
        read_extract(tmp_path, "tanah")
    msg = str(err.value)
    assert "tanah.csv" in msg and "LUAS_M2" in msg
    assert SECRET_NIK not in msg and "AMINAH" not in msg


def test_parquet_natural_types_become_text(tmp_path):
    frame = pl.DataFrame(
        {
            "NIB": ["12010203000001", "12010203000002"],
            "JENIS_HAK": ["HM", "HGB"],
            "NIK_PEMEGANG": [SECRET_NIK, None],
            "NAMA_PEMEGANG": ["SITI", "BUDI"],
            "KODE_WILAYAH": ["35.10.12.2001", "35.10.12.2002"],
            "LUAS_M2": [1234.5, 500.0],
            "PENGGUNAAN": ["SAWAH", "KEBUN"],
            "NJOP_PER_M2": [12500, 30000],
            "TGL_TERBIT": [date(2005, 2, 1), None],
        }
    )
    frame.write_parquet(tmp_path / "tanah.parquet")
    raw = read_extract(tmp_path, "tanah")
    assert raw.path.name == "tanah.parquet"
    assert all(raw.frame.schema[c] == pl.String for c in REQUIRED_COLUMNS["tanah"])
    assert raw.frame["NJOP_PER_M2"].to_list() == ["12500", "30000"]
    assert raw.frame["LUAS_M2"].to_list() == ["1234,5", "500"]  # decimal comma, whole w/o decimals
    assert raw.frame["TGL_TERBIT"].to_list() == ["2005-02-01", None]
    assert raw.frame["NIK_PEMEGANG"].to_list() == [SECRET_NIK, None]
    assert raw.frame["ROW_NUMBER"].to_list() == [1, 2]


def test_parquet_timestamps_and_decimals_become_the_contracts_text(tmp_path):
    """A warehouse export often writes dates as timestamps and money as decimals."""
    from datetime import datetime
    from decimal import Decimal

    frame = pl.DataFrame({c: ["x", "y"] for c in REQUIRED_COLUMNS["tanah"]}).with_columns(
        pl.Series("TGL_TERBIT", [datetime(2005, 2, 1, 0, 0), datetime(2019, 12, 31, 23, 59)]),
        pl.Series("LUAS_M2", [Decimal("1234.50"), Decimal("500.00")], dtype=pl.Decimal(12, 2)),
        pl.Series("NJOP_PER_M2", [Decimal("12500"), Decimal("30000")], dtype=pl.Decimal(12, 0)),
    )
    frame.write_parquet(tmp_path / "tanah.parquet")
    raw = read_extract(tmp_path, "tanah")
    assert raw.frame["TGL_TERBIT"].to_list() == ["2005-02-01", "2019-12-31"]
    assert raw.frame["LUAS_M2"].to_list() == ["1234,5", "500"]
    assert raw.frame["NJOP_PER_M2"].to_list() == ["12500", "30000"]


def test_identity_numbers_stored_as_floats_stop_the_load_where_digits_are_lost(tmp_path):
    frame = pl.DataFrame({c: ["x"] for c in REQUIRED_COLUMNS["penduduk"]})
    exact = frame.with_columns(pl.Series("NIK", [3510125505870003.0]))  # below 2^53: every digit kept
    exact.write_parquet(tmp_path / "penduduk.parquet")
    assert read_extract(tmp_path, "penduduk").frame["NIK"].to_list() == ["3510125505870003"]
    papua = frame.with_columns(pl.Series("NIK", [9171015505870003.0]))  # above 2^53: read back as ...004
    papua.write_parquet(tmp_path / "penduduk.parquet")
    with pytest.raises(ExtractError) as err:
        read_extract(tmp_path, "penduduk")
    assert "penduduk.parquet: column NIK holds identity numbers stored as floating point" in str(err.value)
    assert "9171015505870" not in str(err.value)


def test_a_parquet_column_named_twice_is_named(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = [*REQUIRED_COLUMNS["tanah"], "NIB"]
    pq.write_table(pa.table([pa.array([SECRET_NIK]) for _ in names], names=names), tmp_path / "tanah.parquet")
    with pytest.raises(ExtractError, match="tanah.parquet: column NIB appears more than once") as err:
        read_extract(tmp_path, "tanah")
    assert SECRET_NIK not in str(err.value)


def test_a_header_that_is_not_the_first_line_stops_the_load(tmp_path):
    row = _tanah_row()
    _write(tmp_path / "tanah.csv", f"\n{TANAH_HEADER}\n{row}\n")
    with pytest.raises(ExtractError, match="tanah.csv: the header row cannot be read as comma-separated names"):
        read_extract(tmp_path, "tanah")


def test_parquet_values_parse_back(tmp_path):
    # what Parquet ingest writes, validation's number parser reads back exactly
    from assets.validation.parse import parse_number

    pl.DataFrame({c: ["x"] for c in REQUIRED_COLUMNS["tanah"]}).with_columns(
        pl.Series("LUAS_M2", [123.456])
    ).write_parquet(tmp_path / "tanah.parquet")
    raw = read_extract(tmp_path, "tanah")
    assert raw.frame.select(parse_number(pl.col("LUAS_M2"))).item() == pytest.approx(123.456)


def test_both_csv_and_parquet_is_an_error(tmp_path):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER}\n{_tanah_row()}\n")
    pl.DataFrame({c: ["x"] for c in REQUIRED_COLUMNS["tanah"]}).write_parquet(tmp_path / "tanah.parquet")
    with pytest.raises(ExtractError, match="both tanah.csv and tanah.parquet"):
        read_extract(tmp_path, "tanah")


def test_absent_extract_is_an_error(tmp_path):
    with pytest.raises(ExtractError, match="tanah"):
        read_extract(tmp_path, "tanah")


def test_malformed_files_name_the_file_without_values(tmp_path):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER}\n")
    (tmp_path / "tanah.csv").write_bytes(
        (TANAH_HEADER + "\n").encode() + b"\xff\xfe" + SECRET_NIK.encode() + b",\xc3\x28\n"
    )
    with pytest.raises(ExtractError) as err:
        read_extract(tmp_path, "tanah")
    assert "tanah.csv" in str(err.value) and SECRET_NIK not in str(err.value)
    assert "line 2 is not UTF-8" in str(err.value)

    (tmp_path / "tanah.csv").unlink()
    (tmp_path / "tanah.parquet").write_bytes(b"PAR1 not really " + SECRET_NIK.encode())
    with pytest.raises(ExtractError) as err:
        read_extract(tmp_path, "tanah")
    assert "tanah.parquet" in str(err.value) and SECRET_NIK not in str(err.value)


@pytest.mark.parametrize("rows, where", [
    # a comma too many on the third record (line 4; a short record is read, its last fields missing)
    ([_tanah_row(), _tanah_row(nib="12010203000002").rsplit(",", 1)[0], _tanah_row(nib="12010203000003") + ",X"],
     "the record starting on line 4 has"),
    # a quote opened in the last record's last field and never closed
    ([_tanah_row(), _tanah_row(nib="12010203000002"),
      _tanah_row(nib="12010203000003").replace(",2005-02-01", ',"2005-02-01')],
     "a quote opened in the record starting on line 4 is never closed"),
    # a quote inside a field that is not quoted (a house number in inches), on the third record
    ([_tanah_row(), _tanah_row(nib="12010203000002"), _tanah_row(nib="12010203000003").replace(",HM,", ',H"M,'),
      _tanah_row(nib="12010203000004")],
     "the record on line 4 has a quote inside a field that is not quoted"),
    # text after a quoted field (a nickname in quotes before the name)
    ([_tanah_row(), _tanah_row(nib="12010203000002").replace(",HM,", ',"H" M,')],
     "the record on line 3 has a quote inside a field that is not quoted, or text after a quoted field"),
])
def test_a_structural_error_names_its_line_without_values(tmp_path, rows, where):
    _write(tmp_path / "tanah.csv", "\n".join([TANAH_HEADER, *rows]) + "\n")
    with pytest.raises(ExtractError) as err:
        read_extract(tmp_path, "tanah")
    assert "tanah.csv" in str(err.value) and where in str(err.value)
    assert SECRET_NIK not in str(err.value) and "1201020300000" not in str(err.value)


@pytest.mark.parametrize("text, bom", [("", False), ("", True), ("\n\n", False)])
def test_empty_file_is_an_error_that_says_so(tmp_path, text, bom):
    _write(tmp_path / "tanah.csv", text, bom=bom)
    with pytest.raises(ExtractError, match="tanah.csv: the file is empty"):
        read_extract(tmp_path, "tanah")


def test_a_file_separated_by_semicolons_is_named_as_such(tmp_path):
    _write(tmp_path / "tanah.csv", TANAH_HEADER.replace(",", ";") + "\n" + _tanah_row().replace(",", ";") + "\n")
    with pytest.raises(ExtractError) as err:
        read_extract(tmp_path, "tanah")
    assert "required column(s) missing" in str(err.value) and "comma-separated" in str(err.value)
    assert SECRET_NIK not in str(err.value)


def test_header_only_gives_empty_frame(tmp_path):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER}\n")
    raw = read_extract(tmp_path, "tanah")
    assert raw.rows == 0
    assert raw.frame.columns == [*REQUIRED_COLUMNS["tanah"], "ROW_NUMBER"]


@pytest.mark.parametrize("blank", ["", "   ", "\t", ",,,,,,,,", " , ,,, ,,,", '"",,,,,,,,'])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_blank_lines_are_not_data_rows(tmp_path, blank, newline):
    lines = [TANAH_HEADER, blank, _tanah_row(), blank, blank, _tanah_row("", "12010203000002"), blank]
    _write(tmp_path / "tanah.csv", newline.join(lines) + newline)
    raw = read_extract(tmp_path, "tanah")
    assert raw.rows == raw.frame.height == 2
    assert raw.blank_lines == 4
    # a row keeps the number of its line in the file (the header is row 0)
    assert raw.frame["ROW_NUMBER"].to_list() == [2, 5]
    assert raw.frame["NIB"].to_list() == ["12010203000001", "12010203000002"]


def test_a_row_with_only_an_extra_column_filled_is_a_data_row(tmp_path):
    empty = "," * (len(REQUIRED_COLUMNS["tanah"]) - 1)
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER},CATATAN\n{_tanah_row()},\n{empty},dicek\n")
    raw = read_extract(tmp_path, "tanah")
    assert raw.rows == 2 and raw.blank_lines == 0
    assert raw.frame["ROW_NUMBER"].to_list() == [1, 2]


@pytest.mark.parametrize("twice", ["NIB", "NIK_PEMEGANG"])
def test_a_column_named_twice_stops_the_load(tmp_path, twice):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER},{twice}\n{_tanah_row()},{SECRET_NIK}\n")
    with pytest.raises(ExtractError) as err:
        read_extract(tmp_path, "tanah")
    msg = str(err.value)
    assert "tanah.csv" in msg and f"column {twice} " in msg and "more than once" in msg
    assert SECRET_NIK not in msg and "AMINAH" not in msg and "duplicated" not in msg


def test_an_extra_column_named_twice_is_reported_by_its_name(tmp_path):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER},CATATAN,CATATAN\n{_tanah_row()},a,b\n")
    raw = read_extract(tmp_path, "tanah")
    assert raw.extra_columns == ["CATATAN", "CATATAN"]


# --- load.json --------------------------------------------------------------------------------


def test_load_info_absent(tmp_path):
    assert read_load_info(tmp_path) == LoadInfo(load_date=None, scope=None)


def test_load_info_read(tmp_path):
    (tmp_path / "load.json").write_text(json.dumps({"load_date": "2026-11-01", "scope": "35.10"}))
    info = read_load_info(tmp_path)
    assert info == LoadInfo(load_date=date(2026, 11, 1), scope="35.10")
    assert info.scope_codes == ["35.10"]


def test_load_info_partial(tmp_path):
    (tmp_path / "load.json").write_text(json.dumps({"scope": "35.10+35.09"}))
    info = read_load_info(tmp_path)
    assert info.load_date is None
    assert info.scope_codes == ["35.09", "35.10"]


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", '{"load_date": "01-11-2026"}', '{"load_date": "2026-02-30"}',
     '{"scope": "35"}', '{"scope": 3510}'],
)
def test_load_info_malformed(tmp_path, content):
    (tmp_path / "load.json").write_text(content)
    with pytest.raises(ExtractError, match="load.json"):
        read_load_info(tmp_path)


def test_without_load_json_the_load_is_dated_the_run_s_day_and_covers_every_regency(tmp_path, monkeypatch):
    """extracts.md: without load.json, the load date is the run's date and the scope everything present."""
    from datetime import date

    from assets.ingest.assets import load_info
    from pipelines.resources import PerlinsosSettings

    monkeypatch.delenv("PERLINSOS_LOAD_DATE", raising=False)
    wilayah = pl.DataFrame({"KODE": ["35", "35.10", "35.99", "35.10.15", "35.10.15.2004"],
                            "LEVEL": ["PROVINSI", "KABUPATEN", "KABUPATEN", "KECAMATAN", "DESA"]})
    before = date.today()
    info = load_info(settings=PerlinsosSettings(extracts_dir=str(tmp_path)), wilayah=wilayah).value
    assert before <= info["load_date"] <= date.today()
    assert (info["scope"], info["regencies"]) == ("35.10+35.99", ["35.10", "35.99"])
    assert info["load_id"] == f"{info['load_date'].isoformat()}_35.10+35.99"


def test_a_regency_listed_only_by_its_districts_or_villages_is_in_the_scope(tmp_path, monkeypatch):
    """Without load.json the scope is every regency the reference lists, by its own row or its
    districts' and villages', as validation reads it (a reference without the regency's own row
    used to give a load with no scope, stopped only when the exports were written)."""
    from assets.ingest.assets import load_info
    from pipelines.resources import PerlinsosSettings

    monkeypatch.delenv("PERLINSOS_LOAD_DATE", raising=False)
    wilayah = pl.DataFrame({"KODE": ["35", "35.10.15", "35.10.15.2004", "35.99.01.2001"],
                            "LEVEL": ["PROVINSI", "KECAMATAN", "DESA", "DESA"]})
    info = load_info(settings=PerlinsosSettings(extracts_dir=str(tmp_path)), wilayah=wilayah).value
    assert info["regencies"] == ["35.10", "35.99"]
    only_province = wilayah.filter(pl.col("LEVEL") == "PROVINSI")
    with pytest.raises(ExtractError, match="wilayah.csv lists no regency, district or village"):
        load_info(settings=PerlinsosSettings(extracts_dir=str(tmp_path)), wilayah=only_province)


def test_a_scope_the_region_reference_does_not_list_stops_the_load(tmp_path, monkeypatch):
    from assets.ingest.assets import load_info
    from pipelines.resources import PerlinsosSettings

    monkeypatch.delenv("PERLINSOS_LOAD_DATE", raising=False)
    wilayah = pl.DataFrame({"KODE": ["35", "35.10", "35.10.15", "35.10.15.2004"],
                            "LEVEL": ["PROVINSI", "KABUPATEN", "KECAMATAN", "DESA"]})
    (tmp_path / "load.json").write_text(json.dumps({"load_date": "2026-11-01", "scope": "35.09+35.10"}))
    with pytest.raises(ExtractError, match=r"load.json: the scope names 35.09, which wilayah.csv does not list"):
        load_info(settings=PerlinsosSettings(extracts_dir=str(tmp_path)), wilayah=wilayah)
    (tmp_path / "load.json").write_text(json.dumps({"load_date": "2026-11-01", "scope": "35.10"}))
    assert load_info(settings=PerlinsosSettings(extracts_dir=str(tmp_path)), wilayah=wilayah).value["scope"] == "35.10"
    # an empty reference is named as such, not as a scope it fails to list
    with pytest.raises(ExtractError, match="wilayah.csv holds no usable region row"):
        load_info(settings=PerlinsosSettings(extracts_dir=str(tmp_path)), wilayah=wilayah.head(0))


@pytest.mark.parametrize("joined", [
    # the first record on the header line: a lost line break after the header
    lambda row: f"{TANAH_HEADER},{row}\n{row}\n",
    # a header with a date among its names
    lambda row: f"{TANAH_HEADER},2026-11-01\n{row}\n",
])
def test_a_record_on_the_header_line_stops_the_load_without_its_values(tmp_path, joined):
    _write(tmp_path / "tanah.csv", joined(_tanah_row()))
    with pytest.raises(ExtractError, match="tanah.csv: the header row holds .* numbers or dates, not column names") as err:
        read_extract(tmp_path, "tanah")
    assert SECRET_NIK not in str(err.value) and "SITI" not in str(err.value)


def test_extra_parquet_columns_of_any_type_are_ignored(tmp_path):
    """Extra columns are ignored and reported (extracts.md), whatever their Arrow type: a list, a
    struct, bytes or a time of day cannot be read as text, and need not be."""
    from datetime import time

    frame = pl.DataFrame({
        "NIB": ["12010203000001"], "JENIS_HAK": ["HM"], "NIK_PEMEGANG": [SECRET_NIK], "NAMA_PEMEGANG": ["SITI"],
        "KODE_WILAYAH": ["35.10.12.2001"], "LUAS_M2": [1234.5], "PENGGUNAAN": ["SAWAH"], "NJOP_PER_M2": [12500],
        "TGL_TERBIT": [date(2005, 2, 1)],
        "RIWAYAT": [["a", "b"]], "META": [{"x": 1}], "BLOB": [b"\x00\x01"], "JAM": [time(8, 30)],
    })
    frame.write_parquet(tmp_path / "tanah.parquet")
    raw = read_extract(tmp_path, "tanah")
    assert raw.extra_columns == ["RIWAYAT", "META", "BLOB", "JAM"]
    assert raw.frame["NIB"].to_list() == ["12010203000001"] and "RIWAYAT" not in raw.frame.columns
    # a contract column of such a type still stops the load, naming it
    frame.with_columns(pl.col("RIWAYAT").alias("JENIS_HAK")).write_parquet(tmp_path / "tanah.parquet")
    with pytest.raises(ExtractError, match="tanah.parquet: column 'JENIS_HAK' has type List"):
        read_extract(tmp_path, "tanah")


def test_an_npwp_delivered_as_an_integer_gets_its_leading_zero_back(tmp_path):
    """A vehicle owner's column stored as integers: a company's NPWP (`060119204627000`) arrives as
    14 digits; read back with its zero it stays a company (validation's NPWP), never a broken NIK
    matched by name to a person."""
    frame = pl.DataFrame({
        "NO_RANGKA": ["MH1AAA", "MH1AAB"], "NO_POLISI": ["P 1 A", "P 2 A"],
        "NIK_PEMILIK": [60119204627000, int(SECRET_NIK)], "NAMA_PEMILIK": ["CV. RAHAYU MOTOR", "SITI"],
        "ALAMAT_PEMILIK": ["JL. A", "JL. B"], "KODE_WILAYAH": ["35.10.12.2001"] * 2,
        "JENIS_KENDARAAN": ["MOBIL BARANG", "SEPEDA MOTOR"], "MEREK": ["ISUZU", "HONDA"], "TAHUN_BUAT": [2020, 2019],
        "NILAI_JUAL": [250_000_000, 15_000_000], "TGL_AKHIR_PAJAK": [date(2026, 12, 1)] * 2,
    })
    frame.write_parquet(tmp_path / "kendaraan.parquet")
    raw = read_extract(tmp_path, "kendaraan")
    assert raw.frame["NIK_PEMILIK"].to_list() == ["060119204627000", SECRET_NIK]
    # the same numbers as text are taken as written
    frame.with_columns(pl.col("NIK_PEMILIK").cast(pl.String)).write_parquet(tmp_path / "kendaraan.parquet")
    assert read_extract(tmp_path, "kendaraan").frame["NIK_PEMILIK"].to_list() == ["60119204627000", SECRET_NIK]


def test_lines_ending_in_a_carriage_return_alone_are_named(tmp_path):
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER}\r{_tanah_row()}\r")
    with pytest.raises(ExtractError, match="tanah.csv: its lines end in a carriage return alone"):
        read_extract(tmp_path, "tanah")
    # CRLF is a line end like LF
    _write(tmp_path / "tanah.csv", f"{TANAH_HEADER}\r\n{_tanah_row()}\r\n")
    assert read_extract(tmp_path, "tanah").rows == 1


def test_an_extract_or_load_json_that_is_a_folder_is_named_as_such(tmp_path):
    (tmp_path / "tanah.csv").mkdir()
    with pytest.raises(ExtractError, match=r"tanah.csv in .* is not a file \(a folder\?\)"):
        read_extract(tmp_path, "tanah")
    (tmp_path / "load.json").mkdir()
    with pytest.raises(ExtractError, match=r"load.json: not a file"):
        read_load_info(tmp_path)
