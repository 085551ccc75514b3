"""Planted dirt stays one finding per row even when dirt is dense: validation's quarantine of a
generated set equals the generator's truth/dirt.csv, rule by rule, at rates far above the default."""

import polars as pl
import pytest

import synth.generate as gen
from assets.ingest.read import read_extract, read_load_info
from assets.validation.validate import (
    validate_kendaraan,
    validate_penduduk,
    validate_rumah,
    validate_tanah,
    validate_wilayah,
)

VALIDATORS = {"penduduk": validate_penduduk, "tanah": validate_tanah, "kendaraan": validate_kendaraan,
              "rumah": validate_rumah}


@pytest.mark.parametrize("seed", [1, 2])
def test_dense_dirt_gives_exactly_the_planted_findings(tmp_path, monkeypatch, seed):
    dense = {k: min(0.03, v * 20) for k, v in gen.RATE.items()}
    monkeypatch.setattr(gen, "RATE", dense)
    gen.generate(6000, seed, tmp_path, districts=["35.10.15"])
    info = read_load_info(tmp_path)
    regions = validate_wilayah(read_extract(tmp_path, "wilayah").frame).frame
    found = []
    for name, validate in VALIDATORS.items():
        q = validate(read_extract(tmp_path, name).frame, regions, info.load_date, ["35.10"]).quarantine
        found.append(q.filter(pl.col("row_number").is_not_null()).select("source", "row_number", "rule", "action"))
    got = pl.concat(found).unique()
    expected = (
        pl.read_csv(tmp_path / "truth" / "dirt.csv", infer_schema=False)
        .filter(pl.col("rule").is_not_null())
        .select("source", pl.col("row_number").cast(pl.Int64), "rule", "action")
        .unique()
    )
    assert expected.height > 300
    keys = ["source", "row_number", "rule", "action"]
    assert got.join(expected, on=keys, how="anti").height == 0
    assert expected.join(got, on=keys, how="anti").height == 0
