"""End to end: a generated extract folder through the Dagster `load` job, checked against the truth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from assets.publishing.exports import verify_manifest
from assets.publishing.warehouse import TABLES
from pipelines.cli import main
from published import sql
from synth.generate import generate

PERSONS = 4000
SEED = 11


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("extracts")
    generate(PERSONS, SEED, out, districts=["35.10.15", "35.10.12"])
    return out


@pytest.fixture(scope="module")
def loaded(generated, tmp_path_factory):
    root = tmp_path_factory.mktemp("load")
    wh, ex = root / "wh" / "perlinsos.duckdb", root / "exports"
    code = main(["load", "--extracts", str(generated), "--warehouse", str(wh), "--exports", str(ex)])
    assert code == 0
    load = json.loads((generated / "load.json").read_text())
    return {"warehouse": wh, "exports": ex, "load_date": load["load_date"], "root": root}


def test_every_output_table_and_export_exists(loaded):
    db = loaded["warehouse"]
    for table in TABLES:
        if table == "eligibility_changes":
            continue  # empty on a first load
        assert sql(db, f"SELECT count(*) AS n FROM mart.{table}_latest")["n"][0] > 0, table
    folder = loaded["exports"] / loaded["load_date"]
    assert verify_manifest(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    districts = {Path(f["path"]).parent.name for f in manifest["files"]}
    # every household of the load is in a district folder; those the registry and the survey can
    # no longer place are under `unknown` of their regency
    unplaced = sql(db, "SELECT count(*) AS n FROM mart.households_latest WHERE kode_kecamatan IS NULL")["n"][0]
    expected = {"kode_kecamatan=35.10.15", "kode_kecamatan=35.10.12"} | ({"kode_kecamatan=unknown"} if unplaced else set())
    assert districts == expected
    exported = sum(f["rows"] for f in manifest["files"] if f["path"].endswith("households.parquet"))
    assert exported == sql(db, "SELECT count(*) AS n FROM mart.households_latest")["n"][0]

    # every row of every table and of both export files records the policy version of its load
    version = sql(db, "SELECT policy_version FROM mart.loads_latest")["policy_version"][0]
    assert version == manifest["policy_version"] and version
    for table in TABLES:
        versions = sql(db, f"SELECT DISTINCT policy_version FROM mart.{table}_latest")["policy_version"].to_list()
        assert versions in ([version], []), table
    for kind in ("households", "reasons"):
        files = sorted(str(p) for p in folder.glob(f"*/*/{kind}.parquet"))
        assert pl.read_parquet(files)["policy_version"].unique().to_list() == [version], kind


def test_quarantine_matches_the_dirt_the_generator_wrote(generated, loaded):
    dirt = pl.read_csv(generated / "truth" / "dirt.csv", infer_schema=False).filter(
        pl.col("rule").is_not_null() & (pl.col("rule") != "")
    )
    expected = dirt.select(
        "source", pl.col("row_number").cast(pl.Int64), "rule", "action"
    ).unique()
    got = sql(
        loaded["warehouse"],
        "SELECT source, row_number, rule, action FROM mart.quarantine_latest WHERE row_number IS NOT NULL",
    ).unique()
    missing = expected.join(got, on=expected.columns, how="anti")
    unexpected = got.join(expected, on=expected.columns, how="anti")
    assert missing.height == 0, missing.group_by("source", "rule").len()
    assert unexpected.height == 0, unexpected.group_by("source", "rule").len()


def test_the_loads_row_records_each_files_hash_rows_and_findings(generated, loaded):
    """outputs.md: `loads` holds the input files with their SHA-256 and row counts, and the rows
    quarantined per extract; checked against the files and the quarantine table, not the code."""
    import hashlib

    row = sql(loaded["warehouse"], "SELECT * FROM mart.loads_latest").row(0, named=True)
    quarantine = sql(loaded["warehouse"], "SELECT source, row_number, action FROM mart.quarantine_latest")
    for name in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah"):
        path = generated / f"{name}.csv"
        assert row[f"{name}_file"] == path.name
        assert row[f"{name}_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row[f"{name}_rows"] == pl.read_csv(path, infer_schema=False).height
        mine = quarantine.filter((pl.col("source") == name) & pl.col("row_number").is_not_null())
        assert row[f"{name}_quarantined"] == mine["row_number"].n_unique()
        assert row[f"{name}_rejected"] == mine.filter(pl.col("action") == "ROW_REJECTED")["row_number"].n_unique()
    assert row["penduduk_quarantined"] > 0 and row["penduduk_rejected"] > 0  # the generator's dirt


def test_every_registry_household_once_and_links_agree_with_truth(generated, loaded):
    db = loaded["warehouse"]
    households = sql(db, "SELECT no_kk FROM mart.households_latest")
    assert households["no_kk"].is_unique().all()
    registry_kk = pl.read_csv(generated / "penduduk.csv", infer_schema=False)["NO_KK"].str.strip_chars()
    valid_kk = registry_kk.filter(registry_kk.str.contains(r"^\d{16}$")).unique()
    assert set(households["no_kk"]) <= set(valid_kk)

    links = sql(
        db,
        "SELECT source, row_number, nik, method, score FROM mart.asset_links_latest "
        "WHERE method IN ('NIK_EXACT', 'NIK_REPAIRED') AND source <> 'rumah'",
    )
    truth = pl.concat(
        [
            pl.read_csv(generated / "truth" / f"{s}.csv", infer_schema=False)
            .select(pl.lit(s).alias("source"), pl.col("row_number").cast(pl.Int64), "owner_nik")
            for s in ("tanah", "kendaraan")
        ]
    )
    joined = links.join(truth, on=["source", "row_number"], how="left")
    wrong = joined.filter(pl.col("nik") != pl.col("owner_nik"))
    assert joined.height > 0
    assert wrong.height == 0, wrong.group_by("source", "method").len()


def test_decisions_are_explained(loaded):
    db = loaded["warehouse"]
    excluded_without_reason = sql(
        db,
        "SELECT h.no_kk FROM mart.households_latest h WHERE h.status = 'EXCLUDED' AND NOT EXISTS "
        "(SELECT 1 FROM mart.household_reasons_latest r WHERE r.no_kk = h.no_kk AND r.kind = 'EXCLUSION')",
    )
    assert excluded_without_reason.height == 0
    eligible_with_reason = sql(
        db,
        "SELECT h.no_kk FROM mart.households_latest h JOIN mart.household_reasons_latest r USING (no_kk) "
        "WHERE h.status = 'ELIGIBLE'",
    )
    assert eligible_with_reason.height == 0
    statuses = set(sql(db, "SELECT DISTINCT status FROM mart.households_latest")["status"])
    assert statuses == {"ELIGIBLE", "EXCLUDED", "REVIEW"}
    points = sql(
        db,
        "SELECT h.no_kk, h.score, sum(c.points) AS total FROM mart.households_latest h "
        "JOIN mart.score_components_latest c USING (no_kk) GROUP BY ALL HAVING h.score <> total",
    )
    assert points.height == 0


def test_explain_prints_a_household_with_masked_niks(loaded, capsys):
    db = loaded["warehouse"]
    row = sql(db, "SELECT no_kk, head_nik FROM mart.households_latest WHERE status = 'EXCLUDED' LIMIT 1").row(0)
    assert main(["explain", row[0], "--warehouse", str(db)]) == 0
    out = capsys.readouterr().out
    assert "STATUS: EXCLUDED" in out
    assert row[1][:6] + "******" + row[1][12:] in out
    assert row[1] not in out


def test_eligibility_lets_the_extracts_and_links_go_before_the_score(generated, tmp_path, monkeypatch):
    """The frames eligibility reads deferred (rumah, tanah, kendaraan, asset_links) are no longer
    held by anyone when the score is built: Dagster keeps a step's inputs to its end, so a frame
    passed directly would hold its memory through the whole step (about 500 MB at 1,700,000 persons)."""
    import gc
    import weakref

    import assets.eligibility.evaluate as evaluate
    from pipelines.resources import Deferred

    loaded_frames: list[weakref.ref] = []
    alive_at_score: list[int] = []
    load, score = Deferred.load, evaluate.score_households

    def recording_load(self):
        value = load(self)
        frames = value.values() if isinstance(value, dict) else [value]
        loaded_frames.extend(weakref.ref(f) for f in frames)
        return value

    def checking_score(*args, **kwargs):
        gc.collect()
        alive_at_score.append(sum(ref() is not None for ref in loaded_frames))
        return score(*args, **kwargs)

    monkeypatch.setattr(Deferred, "load", recording_load)
    monkeypatch.setattr(evaluate, "score_households", checking_score)
    code = main(["load", "--extracts", str(generated), "--warehouse", str(tmp_path / "w.duckdb"),
                 "--exports", str(tmp_path / "ex")])
    assert code == 0
    assert len(loaded_frames) == 4
    assert alive_at_score == [0]


def test_rerun_is_idempotent(generated, loaded):
    db = loaded["warehouse"]
    before = sql(db, "SELECT count(*) AS n FROM mart.households")["n"][0]
    code = main(["load", "--extracts", str(generated), "--warehouse", str(db), "--exports", str(loaded["exports"])])
    assert code == 0
    assert sql(db, "SELECT count(*) AS n FROM mart.households")["n"][0] == before
    assert sql(db, "SELECT count(*) AS n FROM mart.loads")["n"][0] == 1


def test_missing_column_stops_the_load_and_publishes_nothing(generated, tmp_path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(generated, broken)
    frame = pl.read_csv(broken / "kendaraan.csv", infer_schema=False).drop("NO_POLISI")
    frame.write_csv(broken / "kendaraan.csv")
    wh, ex = tmp_path / "wh.duckdb", tmp_path / "exports"
    code = main(["load", "--extracts", str(broken), "--warehouse", str(wh), "--exports", str(ex)])
    assert code == 1
    err = capsys.readouterr().err
    assert "kendaraan.csv" in err and "NO_POLISI" in err
    # the error's own words, once, without Dagster's stack trace (`-v` shows it)
    assert "Stack Trace" not in err and 'File "' not in err
    assert "step validate_kendaraan: ExtractError: kendaraan.csv: required column(s) missing: NO_POLISI" in err
    assert not wh.exists()
    assert not ex.exists() or not any(ex.iterdir())


def test_unreadable_file_stops_the_load(generated, tmp_path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(generated, broken)
    (broken / "tanah.csv").unlink()
    (broken / "tanah.parquet").write_bytes(b"not a parquet file")
    wh = tmp_path / "wh.duckdb"
    code = main(["load", "--extracts", str(broken), "--warehouse", str(wh), "--exports", str(tmp_path / "ex")])
    assert code == 1
    assert "tanah.parquet" in capsys.readouterr().err
    assert not wh.exists()


def test_extra_column_is_ignored_and_reported(generated, tmp_path):
    extra = tmp_path / "extra"
    shutil.copytree(generated, extra)
    frame = pl.read_csv(extra / "rumah.csv", infer_schema=False).with_columns(pl.lit("x").alias("CATATAN"))
    frame.write_csv(extra / "rumah.csv")
    wh = tmp_path / "wh.duckdb"
    assert main(["load", "--extracts", str(extra), "--warehouse", str(wh), "--exports", str(tmp_path / "ex")]) == 0
    found = sql(wh, "SELECT source, row_number, \"column\", rule, action FROM mart.quarantine WHERE rule = 'EXTRA_COLUMN'")
    assert found.rows() == [("rumah", None, "CATATAN", "EXTRA_COLUMN", "FLAGGED")]


def test_a_blocking_check_stops_publication_and_says_why(generated, tmp_path, capsys):
    default = Path(__file__).resolve().parents[1] / "data" / "policy.toml"
    strict = tmp_path / "strict.toml"
    text = default.read_text()
    assert "max_rate = 0.05" in text
    strict.write_text(text.replace("max_rate = 0.05", "max_rate = 0.0001"))
    wh = tmp_path / "wh.duckdb"
    code = main(["load", "--extracts", str(generated), "--warehouse", str(wh), "--exports", str(tmp_path / "ex"),
                 "--policy", str(strict)])
    assert code == 1
    err = capsys.readouterr().err
    assert "quarantine_rate_within_policy" in err and "penduduk" in err
    assert not wh.exists()


def test_a_malformed_policy_stops_the_load_naming_the_key(generated, tmp_path, capsys):
    default = Path(__file__).resolve().parents[1] / "data" / "policy.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text(default.read_text().replace("max_rate = 0.05", 'max_rate = "lima persen"'))
    wh = tmp_path / "wh.duckdb"
    code = main(["load", "--extracts", str(generated), "--warehouse", str(wh), "--exports", str(tmp_path / "ex"),
                 "--policy", str(bad)])
    assert code == 1
    assert "quarantine.max_rate" in capsys.readouterr().err
    assert not wh.exists()
