"""Partitions by regency: the split of rows between regency runs, putting them back together, and a
load run as a backfill (one run per regency, then the whole scope) equal to one load of the folder."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from published import published_tables

from assets.ingest.regions import (
    PartitionError,
    regency_of_rows,
    rows_of_regency,
    union_file_facts,
    union_quarantine,
    union_rows,
)
from pipelines.automation import build_landing_sensor
from pipelines.cli import main
from pipelines.partitions import REGENCY_PARTITIONS, regency_keys_of_folder
from schemas.extracts import COMPLETE_MARKER
from synth.generate import SYNTHETIC_REGENCY, generate

SCOPE = ["35.10", SYNTHETIC_REGENCY]
TABLES = ("households", "household_reasons", "score_components", "members", "asset_links", "quarantine")


# --- the split -----------------------------------------------------------------------------------


def _raw(rows: list[tuple[str | None, str | None]], key: str = "NIK") -> pl.DataFrame:
    return pl.DataFrame(
        {key: [r[0] for r in rows], "KODE_WILAYAH": [r[1] for r in rows], "ROW_NUMBER": range(1, len(rows) + 1)},
        schema={key: pl.String, "KODE_WILAYAH": pl.String, "ROW_NUMBER": pl.Int64},
    )


def test_a_row_goes_to_the_regency_of_its_region_code_and_unplaceable_rows_to_the_first():
    raw = _raw([
        ("3510010101900001", "35.10.15.2001"),
        ("3510010101900002", " 3599122003 "),  # ten bare digits, cleaned as validation cleans them
        ("3510010101900003", "35.09.01.2001"),  # outside the scope
        ("3510010101900004", None),
        ("3510010101900005", "rubbish"),
    ])
    assert regency_of_rows(raw, "penduduk", SCOPE).to_list() == ["35.10", "35.99", "35.10", "35.10", "35.10"]


def test_copies_of_a_key_stay_together_in_the_regency_of_the_first_copy():
    raw = _raw([
        ("3510010101900001", "35.99.12.2001"),
        ("3510010101900002", "35.10.15.2001"),
        ("3510 0101 0190 0001", "35.10.15.2002"),  # the first row's NIK, typed with blanks: one person twice
        (None, "35.99.12.2001"),  # no key: its own regency
        (None, "35.10.15.2001"),
    ])
    assert regency_of_rows(raw, "penduduk", SCOPE).to_list() == ["35.99", "35.10", "35.99", "35.99", "35.10"]
    vehicles = _raw([("mh1 abc", "35.10.15.2001"), ("MH1ABC", "35.99.12.2001")], key="NO_RANGKA")
    assert regency_of_rows(vehicles, "kendaraan", SCOPE).to_list() == ["35.10", "35.10"]
    # every row in exactly one regency
    parts = [rows_of_regency(raw, "penduduk", SCOPE, r) for r in SCOPE]
    assert sorted(pl.concat(parts)["ROW_NUMBER"].to_list()) == [1, 2, 3, 4, 5]
    with pytest.raises(PartitionError, match="35.11"):
        rows_of_regency(raw, "penduduk", SCOPE, "35.11")


def test_the_regencies_are_put_back_in_file_order_and_a_missing_one_stops_the_load():
    parts = {"35.99": pl.DataFrame({"ROW_NUMBER": [2, 5]}), "35.10": pl.DataFrame({"ROW_NUMBER": [1, 3, 4]})}
    assert union_rows(parts, SCOPE, "penduduk")["ROW_NUMBER"].to_list() == [1, 2, 3, 4, 5]
    with pytest.raises(PartitionError, match="35.99"):
        union_rows({"35.10": parts["35.10"]}, SCOPE, "penduduk")
    # a regency materialised for another load does not enter this one
    assert union_rows({**parts, "35.11": pl.DataFrame({"ROW_NUMBER": [9]})}, SCOPE, "x").height == 5


def test_file_findings_are_reported_once_and_row_findings_in_validation_order():
    def q(rows, columns):
        return pl.DataFrame({"row_number": rows, "column": columns, "rule": ["R"] * len(rows)},
                            schema={"row_number": pl.Int64, "column": pl.String, "rule": pl.String})

    extra = q([None], ["EXTRA_COL"])
    parts = {"35.10": pl.concat([extra, q([1, 4], ["NIK", "NIK"])]), "35.99": pl.concat([extra, q([2], ["NIK"])])}
    out = union_quarantine(parts, SCOPE, "penduduk_quarantine")
    assert out["row_number"].to_list() == [None, 1, 2, 4]


def test_the_regencies_must_have_read_the_same_file_and_hold_all_its_rows():
    facts = {"file": "penduduk.csv", "sha256": "a" * 64, "rows": 5, "extra_columns": []}
    good = {"35.10": {**facts, "regency_rows": 3}, "35.99": {**facts, "regency_rows": 2}}
    assert union_file_facts(good, SCOPE, "penduduk file") == facts
    with pytest.raises(PartitionError, match="different deliveries"):
        union_file_facts({**good, "35.99": {**facts, "sha256": "b" * 64, "regency_rows": 2}}, SCOPE, "penduduk file")
    with pytest.raises(PartitionError, match="4 of the file's 5 rows"):
        union_file_facts({**good, "35.99": {**facts, "regency_rows": 1}}, SCOPE, "penduduk file")
    stopped = {**good["35.99"], "blocked_by": ["valid_nik_share_within_policy"]}
    with pytest.raises(PartitionError, match="regency 35.99 was stopped by a blocking check"):
        union_file_facts({**good, "35.99": stopped}, SCOPE, "penduduk file")


# --- loads on a folder spanning two regencies ----------------------------------------------------


@pytest.fixture(scope="module")
def two_regencies(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("two_regencies")
    generate(3000, 11, out, districts=["35.10.15", "35.10.12"], second_regency=["35.10.12"])
    return out


def _tables(db: Path) -> dict[str, pl.DataFrame]:
    return published_tables(db, TABLES, loads=True)


def _exports(root: Path) -> dict[str, pl.DataFrame]:
    return {str(p.relative_to(root)): pl.read_parquet(p) for p in sorted(root.rglob("*.parquet"))}


def test_the_generated_folder_spans_two_regencies(two_regencies):
    assert json.loads((two_regencies / "load.json").read_text())["scope"] == "35.10+35.99"
    assert regency_keys_of_folder(two_regencies) == SCOPE
    wilayah = pl.read_csv(two_regencies / "wilayah.csv", infer_schema=False)
    assert {"35.10", "35.99", "35.99.12"} <= set(wilayah["KODE"].to_list())
    penduduk = pl.read_csv(two_regencies / "penduduk.csv", infer_schema=False)
    share = penduduk["KODE_WILAYAH"].str.starts_with("35.99.").mean()
    assert 0.2 < share < 0.8


def test_without_load_json_a_folders_regencies_are_load_infos(tmp_path):
    """The sensor and `--by-regency` split a folder by the regencies `load_info` finds: without
    load.json, every regency the reference lists, also one listed only by its districts or villages."""
    from assets.ingest.regions import scope_regencies
    from assets.validation.validate import validate_wilayah
    from assets.ingest.read import read_extract

    (tmp_path / "wilayah.csv").write_text(
        "KODE,NAMA\n35,JAWA TIMUR\n35.10,KAB. BANYUWANGI\n35.10.12,SINGOJURUH\n35.10.12.2001,GAMBOR\n"
        "35.99.01,SINTETIS\n35.99.01.2001,DESA SINTETIS\n"
    )
    keys = regency_keys_of_folder(tmp_path)
    assert keys == ["35.10", "35.99"]
    assert keys == scope_regencies(None, validate_wilayah(read_extract(tmp_path, "wilayah")).frame)


@pytest.mark.slow
def test_a_backfill_by_regency_then_the_whole_scope_publishes_what_one_load_publishes(two_regencies, tmp_path, capsys):
    one, by = tmp_path / "one", tmp_path / "by"
    assert main(["load", "--extracts", str(two_regencies), "--warehouse", str(one / "w.duckdb"),
                 "--exports", str(one / "exports")]) == 0
    assert main(["load", "--extracts", str(two_regencies), "--warehouse", str(by / "w.duckdb"),
                 "--exports", str(by / "exports"), "--by-regency"]) == 0
    assert "published" in capsys.readouterr().out
    single, backfilled = _tables(one / "w.duckdb"), _tables(by / "w.duckdb")
    for table, frame in single.items():
        assert frame.height > 0 and frame.equals(backfilled[table]), table
    assert _exports(one / "exports").keys() == _exports(by / "exports").keys()
    for name, frame in _exports(one / "exports").items():
        assert frame.equals(_exports(by / "exports")[name]), name
    # each regency run kept its own rows, and they add up to the file; the text as read is not
    # written between steps
    work = by / "work"
    for extract in ("penduduk", "tanah", "kendaraan", "rumah"):
        parts = {r: pickle.loads((work / f"raw_{extract}_file" / f"{r}.pickle").read_bytes()) for r in SCOPE}
        assert all(p["regency_rows"] for p in parts.values()), extract
        rows = pl.read_csv(two_regencies / f"{extract}.csv", infer_schema=False).height
        assert sum(p["regency_rows"] for p in parts.values()) == rows
        assert not (work / f"raw_{extract}").exists()


def _failures(result) -> list[str]:
    out = []
    for e in result.all_events:
        if e.event_type_value == "STEP_FAILURE":
            error = e.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            out.append(error.message)
    return out


@pytest.mark.slow
def test_the_whole_scope_run_refuses_a_scope_whose_regencies_did_not_all_run(two_regencies, tmp_path):
    from pipelines.definitions import build_defs
    from pipelines.resources import load_run_config

    defs = build_defs("in_process")
    config = load_run_config(two_regencies, tmp_path / "w.duckdb", tmp_path / "exports", log_level="ERROR")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(REGENCY_PARTITIONS, SCOPE)
        first = defs.resolve_job_def("load_regency").execute_in_process(
            run_config=config, instance=instance, partition_key="35.10"
        )
        assert first.success
        scope = defs.resolve_job_def("load_scope").execute_in_process(
            run_config=config, instance=instance, raise_on_error=False
        )
        assert not scope.success
        errors = " ".join(_failures(scope))
        assert "35.99" in errors and "not materialised" in errors
        assert not (tmp_path / "w.duckdb").exists()
        # a regency stopped by its blocking check: its frames exist, yet the scope run refuses them
        strict = json.loads(json.dumps(config))
        strict["resources"]["settings"]["config"]["min_valid_nik_share"] = 1.0
        second = defs.resolve_job_def("load_regency").execute_in_process(
            run_config=strict, instance=instance, partition_key="35.99", raise_on_error=False
        )
        assert not second.success
        assert (tmp_path / "work" / "penduduk" / "35.99.parquet").exists()
        scope = defs.resolve_job_def("load_scope").execute_in_process(
            run_config=config, instance=instance, raise_on_error=False
        )
        assert not scope.success and not (tmp_path / "w.duckdb").exists()
        assert "stopped by a blocking check" in " ".join(_failures(scope))
        # the NIK-share check is judged per regency, and its history keeps each regency's result
        # apart: 35.10 passed, 35.99 is blocked, whichever ran last
        evaluations = {(e.partition, e.passed) for run in (first, second)
                       for e in run.get_asset_check_evaluations() if e.check_name == "valid_nik_share_within_policy"}
        assert evaluations == {("35.10", True), ("35.99", False)}
        check = dg.AssetCheckKey(dg.AssetKey("penduduk_quarantine"), "valid_nik_share_within_policy")
        assert defs.resolve_asset_graph().get(check).partitions_def is not None


def test_the_landing_sensor_adds_the_regencies_of_a_landed_folder(two_regencies, tmp_path):
    landing = tmp_path / "landing"
    folder = landing / "2026-11-01_jatim"
    shutil.copytree(two_regencies, folder, ignore=shutil.ignore_patterns("truth"))
    (folder / COMPLETE_MARKER).write_text("")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(REGENCY_PARTITIONS, ["35.10"])
        result = build_landing_sensor(str(landing)).evaluate_tick(dg.build_sensor_context(instance=instance))
    assert [r.tags["perlinsos/landing_folder"] for r in result.run_requests] == [folder.name]
    added = [k for req in result.dynamic_partitions_requests for k in req.partition_keys]
    assert added == ["35.99"]  # 35.10 was known already
    assert all(req.partitions_def_name == REGENCY_PARTITIONS for req in result.dynamic_partitions_requests)


@pytest.mark.slow
def test_a_load_re_executed_from_its_failure_reads_the_regency_frames_of_the_first_run(two_regencies, tmp_path):
    """The `load` job materialises the partitioned assets without a partition; a re-execution from
    failure reads what the failed run wrote, not regency files."""
    from pipelines.definitions import load_job_from_env
    from pipelines.resources import load_run_config

    config = load_run_config(two_regencies, tmp_path / "w.duckdb", tmp_path / "exports", log_level="ERROR")
    strict = json.loads(json.dumps(config))
    strict["resources"]["settings"]["config"]["min_valid_nik_share"] = 1.0
    with dg.instance_for_test() as instance:
        with dg.execute_job(dg.reconstructable(load_job_from_env), instance=instance, run_config=strict,
                            raise_on_error=False) as failed:
            assert not failed.success
            run_id = failed.run_id
        with dg.execute_job(dg.reconstructable(load_job_from_env), instance=instance, run_config=config,
                            raise_on_error=False,
                            reexecution_options=dg.ReexecutionOptions.from_failure(run_id, instance)) as again:
            assert again.success
            ran = {e.step_key for e in again.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert "validate_penduduk" in ran and "validate_tanah" not in ran  # tanah came from the first run
    assert not (tmp_path / "work" / "tanah").exists()  # no regency files: the whole folder in one frame
    assert main(["load", "--extracts", str(two_regencies), "--warehouse", str(tmp_path / "one" / "w.duckdb"),
                 "--exports", str(tmp_path / "one" / "exports")]) == 0
    single, resumed = _tables(tmp_path / "one" / "w.duckdb"), _tables(tmp_path / "w.duckdb")
    for table, frame in single.items():
        assert frame.equals(resumed[table]), table
