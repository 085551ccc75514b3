"""Operations: the landing sensor, the schedule, the executor choice and the blocking checks of a load."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.linkage.checks import link_rate_drops, link_rates
from assets.validation.checks import valid_nik_share
from pipelines.automation import (
    ENV_LANDING,
    ENV_SCHEDULE_CRON,
    LANDING_TAG,
    build_landing_sensor,
    build_load_schedule,
    is_complete,
    missing_files,
)
from pipelines.executors import ENV_EXECUTOR, ExecutorConfigError, executor_def, executor_name_from_env
from schemas.extracts import COMPLETE_MARKER, EXTRACTS
from synth.generate import generate



def _folder(root: Path, name: str, marker: bool = True, skip: str | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for extract in EXTRACTS:
        if extract != skip:
            (folder / f"{extract}.csv").write_text("header\n")
    if marker:
        (folder / COMPLETE_MARKER).write_text("")
    return folder


def _requests(sensor, cursor=None):
    ctx = dg.build_sensor_context(cursor=cursor)
    result = sensor.evaluate_tick(ctx)
    return result.run_requests or [], result.cursor, result.skip_message


# --- landing sensor ------------------------------------------------------------------------------


def test_a_complete_folder_starts_one_load_of_that_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PERLINSOS_WORK", str(tmp_path / "work"))
    landing = tmp_path / "landing"
    folder = _folder(landing, "2026-11-01_35.10")
    runs, cursor, _ = _requests(build_landing_sensor(str(landing)))
    assert len(runs) == 1
    run = runs[0]
    assert run.run_key.startswith("2026-11-01_35.10@")
    settings = run.run_config["resources"]["settings"]["config"]
    assert settings["extracts_dir"] == str(folder.resolve())
    # each landed folder gets intermediate files of its own
    assert run.run_config["resources"]["io_manager"]["config"]["base_dir"] == str(tmp_path / "work" / folder.name)
    assert run.tags["perlinsos/landing_folder"] == folder.name
    assert run.run_key in json.loads(cursor)


def _job(name: str) -> dg.JobDefinition:
    from pipelines.definitions import build_defs

    return build_defs("in_process").resolve_job_def(name)


def test_the_sensors_run_config_is_accepted_and_sets_only_the_folder(tmp_path, monkeypatch):
    """A run config names only what differs; every other setting comes from the environment."""
    monkeypatch.setenv("PERLINSOS_WORK", str(tmp_path / "work"))
    landing = tmp_path / "landing"
    _folder(landing, "2026-11-01_35.10")
    runs, _, _ = _requests(build_landing_sensor(str(landing)))
    for job in ("load", "load_regency", "load_scope"):
        dg.validate_run_config(_job(job), runs[0].run_config)  # raises when a required entry is missing


def test_settings_left_out_of_a_run_config_come_from_the_environment(tmp_path, monkeypatch):
    from pipelines.resources import PerlinsosSettings

    monkeypatch.setenv("PERLINSOS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("PERLINSOS_EXPORTS", str(tmp_path / "exports"))
    monkeypatch.setenv("PERLINSOS_MIN_VALID_NIK_SHARE", "0.5")
    monkeypatch.setenv("PERLINSOS_MAX_LINK_RATE_DROP", "0.25")
    monkeypatch.setenv("PERLINSOS_LOAD_DATE", "2026-10-01")
    partial = PerlinsosSettings(extracts_dir=str(tmp_path / "folder"))
    assert partial.extracts == tmp_path / "folder"
    assert (partial.warehouse, partial.exports) == (tmp_path / "w.duckdb", tmp_path / "exports")
    assert (partial.nik_share_floor, partial.link_drop_limit) == (0.5, 0.25)
    assert str(partial.load_date_override()) == "2026-10-01"
    # a value in the run's config wins over the environment
    strict = PerlinsosSettings(min_valid_nik_share=1.0, max_link_rate_drop=0.0, load_date="2026-11-01")
    assert (strict.nik_share_floor, strict.link_drop_limit) == (1.0, 0.0)
    assert str(strict.load_date_override()) == "2026-11-01"
    # what the Launchpad shows: every field filled from the environment
    shown = PerlinsosSettings.from_env()
    assert (shown.warehouse_path, shown.min_valid_nik_share) == (str(tmp_path / "w.duckdb"), 0.5)


def test_the_run_configs_of_the_operations_guide_are_accepted():
    """Every YAML run config in docs/operations.md validates against the jobs it is meant for."""
    import yaml

    text = (Path(__file__).resolve().parents[1] / "docs" / "operations.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.lstrip().startswith("resources:")]
    assert blocks
    for block in blocks:
        config = yaml.safe_load(block)
        for job in ("load", "load_regency", "load_scope"):
            dg.validate_run_config(_job(job), config)
    # the partial configs the guide describes in words
    for config in ({"resources": {"settings": {"config": {"max_link_rate_drop": 1.0}}}},
                   {"resources": {"settings": {"config": {"extracts_dir": "/x"}},
                                  "io_manager": {"config": {"base_dir": "/w/x"}}}}):
        for job in ("load", "load_regency", "load_scope"):
            dg.validate_run_config(_job(job), config)


@pytest.mark.parametrize("source", ["docs", "make"])
def test_the_recommended_dagster_yaml_runs_one_load_per_landing_folder_at_a_time(tmp_path, source):
    """The guide's dagster.yaml and the one `make ui` writes: one writer step at a time, and a
    redelivery into a folder being loaded waits in the queue instead of failing on the work
    directory the two share."""
    import subprocess

    import yaml

    root = Path(__file__).resolve().parents[1]
    home = tmp_path / "home"
    home.mkdir()
    if source == "docs":
        text = (root / "docs" / "operations.md").read_text()
        block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.lstrip().startswith("telemetry:"))
        (home / "dagster.yaml").write_text(block)
    else:
        subprocess.run(["make", "-s", "-C", str(root), str(home / "dagster.yaml"), f"DAGSTER_HOME={home}"],
                       check=True, capture_output=True)
    assert yaml.safe_load((home / "dagster.yaml").read_text())["run_retries"]["enabled"] is True
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        config = instance.get_concurrency_config()
    finally:
        instance.dispose()
    assert config.pool_config.default_pool_limit == 1
    assert {"key": LANDING_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in (
        config.run_queue_config.tag_concurrency_limits)


@pytest.mark.parametrize("through", ["run config", "PERLINSOS_CELERY_CONFIG"])
def test_the_celery_configs_of_the_operations_guide_are_accepted(tmp_path, monkeypatch, through):
    """Each `execution:` block of docs/operations.md and the README configures the Celery executor,
    given in a run's config or named by PERLINSOS_CELERY_CONFIG."""
    pytest.importorskip("dagster_celery")
    import yaml

    from pipelines.definitions import build_defs

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "operations.md").read_text() + (root / "README.md").read_text()
    uncommented = ["\n".join(line for line in b.splitlines() if not line.startswith("#"))
                   for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    blocks = [b for b in uncommented if b.lstrip().startswith("execution:")]
    assert len(blocks) == 3  # two in the guide, one in the README
    monkeypatch.setenv("PERLINSOS_CELERY_BROKER", "redis://redis:6379/0")
    monkeypatch.setenv("PERLINSOS_CELERY_BACKEND", "redis://redis:6379/1")
    for block in blocks:
        if through == "run config":
            job = build_defs("celery").resolve_job_def("load")
            dg.validate_run_config(job, yaml.safe_load(block))
        else:
            (tmp_path / "celery.yaml").write_text(block)
            monkeypatch.setenv("PERLINSOS_CELERY_CONFIG", str(tmp_path / "celery.yaml"))
            job = build_defs("celery").resolve_job_def("load")
            assert job.executor_def.name.startswith("celery")
            dg.validate_run_config(job, {})


def test_a_half_copied_folder_starts_nothing(tmp_path):
    landing = tmp_path / "landing"
    _folder(landing, "no_marker", marker=False)
    _folder(landing, "marker_but_no_rumah", skip="rumah")
    runs, _, skip = _requests(build_landing_sensor(str(landing)))
    assert runs == [] and skip
    # a folder marked complete that is not is named with what it lacks; a half-copied one is not
    assert "marker_but_no_rumah lacks rumah" in skip and "no_marker" not in skip.replace("marker_but_no_rumah", "")
    assert missing_files(landing / "no_marker") == [COMPLETE_MARKER]
    assert missing_files(landing / "marker_but_no_rumah") == ["rumah"]


def test_a_folder_with_an_extract_both_as_csv_and_parquet_is_not_loaded_and_says_why(tmp_path):
    landing = tmp_path / "landing"
    folder = _folder(landing, "twice")
    (folder / "rumah.parquet").write_bytes(b"")
    assert missing_files(folder) == ["a single rumah file (both .csv and .parquet)"]
    requests, _, skip = _requests(build_landing_sensor(str(landing)))
    assert requests == [] and "twice lacks a single rumah file (both .csv and .parquet)" in skip
    assert not is_complete(landing / "no_marker")


def test_a_folder_completed_later_is_loaded_then(tmp_path):
    landing = tmp_path / "landing"
    folder = _folder(landing, "a", marker=False)
    sensor = build_landing_sensor(str(landing))
    runs, cursor, _ = _requests(sensor)
    assert runs == []
    (folder / COMPLETE_MARKER).write_text("")
    runs, cursor, _ = _requests(sensor, cursor)
    assert [r.tags["perlinsos/landing_folder"] for r in runs] == ["a"]


def test_each_landed_folder_is_loaded_once(tmp_path):
    landing = tmp_path / "landing"
    _folder(landing, "a")
    sensor = build_landing_sensor(str(landing))
    first, cursor, _ = _requests(sensor)
    again, cursor2, skip = _requests(sensor, cursor)
    assert len(first) == 1 and again == [] and skip
    # a second folder later: only the new one
    _folder(landing, "b")
    runs, cursor3, _ = _requests(sensor, cursor2)
    assert [r.tags["perlinsos/landing_folder"] for r in runs] == ["b"]
    # the same folder delivered again (a new marker) is a new delivery, loaded again
    marker = landing / "a" / COMPLETE_MARKER
    stat = marker.stat()
    os.utime(marker, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    runs, _, _ = _requests(sensor, cursor3)
    assert [r.tags["perlinsos/landing_folder"] for r in runs] == ["a"]
    assert runs[0].run_key != first[0].run_key


def test_the_sensor_without_a_landing_directory_skips(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_LANDING, raising=False)
    sensor = build_landing_sensor()
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    runs, _, skip = _requests(sensor)
    assert runs == [] and ENV_LANDING in skip
    runs, _, skip = _requests(build_landing_sensor(str(tmp_path / "absent")))
    assert runs == [] and "does not exist" in skip


def test_the_sensor_reads_the_landing_directory_from_the_environment(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    _folder(landing, "x")
    monkeypatch.setenv(ENV_LANDING, str(landing))
    sensor = build_landing_sensor()
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    runs, _, _ = _requests(sensor)
    assert len(runs) == 1


# --- schedule -----------------------------------------------------------------------------------


def test_the_schedule_takes_its_cron_from_configuration_and_is_off_by_default(monkeypatch):
    monkeypatch.setenv(ENV_SCHEDULE_CRON, "30 1 * * 1")
    schedule = build_load_schedule()
    assert schedule.cron_schedule == "30 1 * * 1"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.job_name == "load"
    monkeypatch.delenv(ENV_SCHEDULE_CRON)
    assert build_load_schedule().cron_schedule == "0 2 * * *"


def test_the_schedule_loads_a_complete_folder_and_skips_an_incomplete_one(tmp_path, monkeypatch):
    folder = _folder(tmp_path, "extracts", marker=False)
    monkeypatch.setenv("PERLINSOS_EXTRACTS", str(folder))
    schedule = build_load_schedule("0 2 * * *")
    tick = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick))
    assert not result.run_requests and COMPLETE_MARKER in result.skip_message
    (folder / COMPLETE_MARKER).write_text("")
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick))
    assert len(result.run_requests) == 1
    assert result.run_requests[0].tags["perlinsos/trigger"] == "schedule"


# --- executor -----------------------------------------------------------------------------------


def test_the_executor_is_chosen_by_configuration(monkeypatch):
    monkeypatch.delenv(ENV_EXECUTOR, raising=False)
    assert executor_name_from_env() == "in_process"
    assert executor_def().name == "in_process"
    monkeypatch.setenv(ENV_EXECUTOR, "multiprocess")
    assert executor_def().name == "multiprocess"
    from pipelines.definitions import build_defs

    assert build_defs().resolve_job_def("load").executor_def.name == "multiprocess"
    assert build_defs("in_process").resolve_job_def("load").executor_def.name == "in_process"
    monkeypatch.setenv(ENV_EXECUTOR, "threads")
    with pytest.raises(ExecutorConfigError, match="PERLINSOS_EXECUTOR"):
        executor_name_from_env()


def test_load_runs_are_retried_only_for_failures_outside_a_step():
    from pipelines.definitions import defs

    tags = defs.resolve_job_def("load").tags
    assert int(tags["dagster/max_retries"]) >= 1
    assert tags["dagster/retry_on_asset_or_op_failure"] == "false"


# --- check logic --------------------------------------------------------------------------------


def test_valid_nik_share_counts_rows_with_an_invalid_nik_once():
    q = pl.DataFrame(
        {
            "row_number": [1, 1, 2, 3, 4],
            "column": ["NIK", "NO_KK", "NIK", "NIK", "TGL_LHR"],
            "rule": ["NIK_LENGTH", "NO_KK_INVALID", "NIK_DATE_MISMATCH", "NIK_MISSING", "DATE_IMPOSSIBLE"],
        }
    )
    # rows 1 and 3 lack a valid NIK; row 2 only has a warning; row 4 a bad date
    assert valid_nik_share(q, 10) == pytest.approx(0.8)
    assert valid_nik_share(q.head(0), 0) == 1.0


def test_link_rates_and_their_fall():
    links = pl.DataFrame(
        {
            "source": ["tanah"] * 4 + ["rumah"] * 2,
            "method": ["NIK_EXACT", "NAME_MATCH", "NAME_MATCH", "UNLINKED", "NIK_REPAIRED", "AMBIGUOUS"],
            "score": [1.0, 0.95, 0.85, None, 1.0, 0.9],
        }
    )
    assert link_rates(links, accept=0.92) == {"rumah": 0.5, "tanah": 0.5}
    assert link_rate_drops({"tanah": 0.5, "rumah": 0.9}, {"tanah": 0.8, "rumah": 0.95}, 0.10) == {"tanah": 0.3}
    assert link_rate_drops({"tanah": 0.75}, {"tanah": 0.8, "kendaraan": 0.9}, 0.10) == {}


# --- a load through the checks ------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ops_extracts")
    generate(1500, 5, out, districts=["35.10.15"])
    return out


def _run(extracts: Path, root: Path, instance, load_date: str, **settings):
    from pipelines.definitions import build_defs

    from pipelines.resources import load_run_config

    config = load_run_config(
        extracts, root / "wh.duckdb", root / "exports", work_dir=root / "work", load_date=load_date, log_level="ERROR"
    )
    config["resources"]["settings"]["config"].update(settings)
    job = build_defs("in_process").resolve_job_def("load")
    return job.execute_in_process(run_config=config, instance=instance, raise_on_error=False)


def _checks(result) -> dict[str, object]:
    return {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"}


@pytest.mark.slow
def test_a_load_passes_every_check_and_its_metadata_holds_no_personal_data(extracts, tmp_path):
    with dg.instance_for_test() as instance:
        result = _run(extracts, tmp_path, instance, "2026-11-01")
        assert result.success
        checks = _checks(result)
        assert set(checks) == {
            "extracts_not_empty", "quarantine_rate_within_policy", "valid_nik_share_within_policy",
            "link_rate_stable", "decisions_are_explained", "exports_match_warehouse",
        }
        assert all(c.passed for c in checks.values()), {k: c.description for k, c in checks.items() if not c.passed}
        # metadata: row counts, rates, statuses, durations; never a NIK or a name
        penduduk = pl.read_csv(extracts / "penduduk.csv", infer_schema=False)
        niks = set(penduduk["NIK"].drop_nulls().to_list())
        names = {n for n in penduduk["NAMA_LGKP"].drop_nulls().to_list() if " " in n.strip()}  # full names
        metas = {
            e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
            for e in result.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION"
        }
        assert "duration_seconds" in metas["asset_links"] and "link_rate/tanah" in metas["asset_links"]
        # the links' notes counted per source, as in the published table
        import duckdb

        published = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True).execute(
            "SELECT source, note, count(*) FROM mart.asset_links WHERE note IS NOT NULL GROUP BY ALL").fetchall()
        assert published and all(metas["asset_links"][f"{s}/note/{n}"].value == c for s, n, c in published)
        assert any(k.startswith("status/") for k in metas["households"])
        assert "rejected_rate" in metas["penduduk_quarantine"]
        assert metas["raw_tanah_file"]["blank_lines"].value == 0
        assert metas["raw_tanah_file"]["dagster/row_count"].value == pl.read_csv(extracts / "tanah.csv", infer_schema=False).height
        text = " ".join(f"{k}={v.value}" for m in metas.values() for k, v in m.items())
        text += " ".join(f"{k}={v.value}" for c in checks.values() for k, v in c.metadata.items())
        text += " ".join(c.description or "" for c in checks.values())
        assert not set(re.findall(r"\d{16}", text)) & niks
        assert names and not [n for n in names if n in text]


def test_who_holds_a_work_directory():
    import socket
    import subprocess
    import sys

    from pipelines.resources import _holder_running

    host = socket.gethostname()
    with dg.instance_for_test() as instance:
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            assert _holder_running({"run_id": "x", "pid": other.pid, "host": host}, instance)
        finally:
            other.kill()
            other.wait()
        assert not _holder_running({"run_id": "x", "pid": other.pid, "host": host}, instance)  # ended
        assert not _holder_running({"run_id": "x", "pid": os.getpid(), "host": host}, instance)  # this process
        assert _holder_running({"run_id": "x", "pid": 1, "host": host + "-elsewhere"}, instance)  # cannot look
        assert not _holder_running({"run_id": "x", "pid": "garbage", "host": host}, instance)


@pytest.mark.slow
def test_a_load_on_a_work_directory_another_running_load_holds_stops_before_reading(extracts, tmp_path):
    """Two loads sharing a work directory would read each other's frames and publish a mixture."""
    import socket
    import subprocess
    import sys

    from pipelines.resources import CLAIM_FILE

    work = tmp_path / "work"
    work.mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (work / CLAIM_FILE).write_text(json.dumps(
            {"run_id": "another-load", "pid": other.pid, "host": socket.gethostname()}))
        with dg.instance_for_test() as instance:
            stopped = _run(extracts, tmp_path, instance, "2026-11-01")
            assert not stopped.success
            failures = [e.step_failure_data.error for e in stopped.all_events if e.event_type_value == "STEP_FAILURE"]
            assert failures and all("WorkDirectoryInUse" in (f.cls_name or "") or "in use by run another-load"
                                    in str(f) for f in failures)
            assert not (tmp_path / "wh.duckdb").exists()
            assert not list(work.glob("*.parquet"))  # nothing read or written
            other.kill()
            other.wait()
            # the other load has ended (killed): its work directory is taken over
            again = _run(extracts, tmp_path, instance, "2026-11-01")
            assert again.success
            assert json.loads((work / CLAIM_FILE).read_text())["run_id"] == again.run_id
    finally:
        other.kill()


@pytest.mark.slow
def test_a_broken_registry_is_stopped_by_the_nik_check_before_publication(extracts, tmp_path):
    with dg.instance_for_test() as instance:
        result = _run(extracts, tmp_path, instance, "2026-11-01", min_valid_nik_share=1.0)
        assert not result.success
        check = _checks(result)["valid_nik_share_within_policy"]
        assert not check.passed and "valid NIK share" in check.description
        assert "warehouse" not in _materialized(result)
        assert not (tmp_path / "wh.duckdb").exists()


@pytest.mark.slow
def test_a_sharp_fall_of_the_link_rate_against_the_previous_load_blocks_publication(extracts, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(extracts, broken)
    tanah = pl.read_csv(broken / "tanah.csv", infer_schema=False)
    # a delivery whose holder columns were lost (a shifted export): nothing left to link by
    tanah.with_columns(
        pl.lit(None, pl.String).alias("NIK_PEMEGANG"), pl.lit(None, pl.String).alias("NAMA_PEMEGANG")
    ).write_csv(broken / "tanah.csv")
    with dg.instance_for_test() as instance:
        first = _run(extracts, tmp_path / "1", instance, "2026-11-01")
        assert first.success
        assert _checks(first)["link_rate_stable"].passed
        second = _run(broken, tmp_path / "2", instance, "2026-12-01")
        check = _checks(second)["link_rate_stable"]
        assert not check.passed and "tanah" in check.description and "2026-11-01" in check.description
        assert not second.success and "warehouse" not in _materialized(second)
        # the blocked load is no baseline: the same fault delivered again is compared with the
        # last published load, and blocked again
        again = _run(broken, tmp_path / "2b", instance, "2027-01-01")
        check = _checks(again)["link_rate_stable"]
        assert not check.passed and "2026-11-01" in check.description
        assert not again.success and "warehouse" not in _materialized(again)
        # the same delivery, once checked by a person, goes through with a looser threshold
        third = _run(broken, tmp_path / "3", instance, "2026-12-01", max_link_rate_drop=1.0)
        assert third.success, _checks(third)


def test_the_committed_sample_and_a_generated_folder_are_complete_deliveries(tmp_path, monkeypatch):
    """`perlinsos synth` writes the marker last, as a delivering side does, and the committed
    sample carries it: the schedule's default folder is loadable as it ships."""
    out = tmp_path / "x"
    generate(300, 3, out)
    assert is_complete(out)
    marker = (out / COMPLETE_MARKER).stat().st_mtime_ns
    assert all((out / f"{e}.csv").stat().st_mtime_ns <= marker for e in EXTRACTS)
    schedule = build_load_schedule("0 2 * * *")
    tick = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick))
    assert len(result.run_requests) == 1  # PERLINSOS_EXTRACTS unset: data/sample
