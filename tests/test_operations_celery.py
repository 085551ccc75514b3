"""Distributed execution: a load partitioned by regency, run through two local dagster-celery
workers (one run per regency, then the whole-scope run), equals an in-process load of the folder.

Broker and result backend are plain files on the local filesystem: kombu's filesystem transport
and Celery's `file://` result backend, through `pipelines.celery_fs`, which writes every message
and result under a temporary name and renames it (the stock ones write in place, and a worker can
read a half-written message: docs/operations.md section 6). So the test needs no server;
production points the same executor at RabbitMQ or Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from published import published_tables
import yaml

pytest.importorskip("dagster_celery", reason='needs the celery extra: pip install -e ".[celery]"')

from pipelines.resources import load_run_config  # noqa: E402
from synth.generate import generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORKERS = ("perlinsos-w1", "perlinsos-w2")
TABLES = ("households", "household_reasons", "score_components", "members", "asset_links", "quarantine")


def _celery_settings(root: Path) -> dict:
    """A broker and result backend in folders under `root`: `pipelines.celery_fs`'s transport
    (kombu's filesystem transport, messages written then renamed) and result backend. Consumed
    messages are kept in `broker/processed`, on the queue folder's filesystem (a consumer claims
    a message by renaming it there)."""
    from pipelines.celery_fs import BACKEND, TRANSPORT

    broker = root / "broker"
    for sub in ("queue", "processed", "control"):
        (broker / sub).mkdir(parents=True)
    (root / "results").mkdir()
    return {
        "broker": "filesystem://",
        "backend": f"{BACKEND}+file://{root / 'results'}",
        "config_source": {
            "broker_transport": TRANSPORT,
            "broker_transport_options": {
                "data_folder_in": str(broker / "queue"),
                "data_folder_out": str(broker / "queue"),
                "store_processed": True,
                "processed_folder": str(broker / "processed"),
                "control_folder": str(broker / "control"),
                "polling_interval": 0.1,
            },
            "worker_prefetch_multiplier": 1,
        },
    }


def _start_workers(root: Path, celery: dict, env: dict) -> list[subprocess.Popen]:
    """Two workers on the filesystem broker, configured like `dagster-celery worker start -y`."""
    config_dir = root / "worker_config"
    config_dir.mkdir()
    lines = [f"broker_url = {celery['broker']!r}", f"result_backend = {celery['backend']!r}"]
    lines += [f"{k} = {v!r}" for k, v in celery["config_source"].items()]
    (config_dir / "dagster_celery_config.py").write_text("\n".join(lines) + "\n")
    env = {**env, "PYTHONPATH": os.pathsep.join([str(config_dir), str(ROOT), env.get("PYTHONPATH", "")])}
    celery_bin = Path(sys.executable).with_name("celery")
    workers = []
    for name in WORKERS:
        log = open(root / f"{name}.log", "w")
        workers.append(
            subprocess.Popen(
                [str(celery_bin), "-A", "dagster_celery.app", "worker", "-n", f"{name}@%h", "--pool=solo",
                 "--prefetch-multiplier=1", "--loglevel=INFO", "-Q", "dagster"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        )
    return workers


def _stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(timeout=20)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def _config(extracts: Path, out: Path) -> dict:
    return load_run_config(extracts, out / "wh.duckdb", out / "exports", work_dir=out / "work", log_level="ERROR")


def _tables(db: Path) -> dict[str, pl.DataFrame]:
    return published_tables(db, TABLES)


def _run(job_fn, instance, run_config: dict, tags: dict | None = None) -> list:
    """One run through the workers; its events."""
    with dg.execute_job(
        dg.reconstructable(job_fn), instance=instance, run_config=run_config, tags=tags or {}, raise_on_error=False
    ) as result:
        assert result.success, [
            e.message for e in result.all_events if e.event_type_value in ("STEP_FAILURE", "ENGINE_EVENT")
        ][-5:]
        return list(result.all_events)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Task name 'execute_plan' is already registered")
def test_a_partitioned_load_through_two_celery_workers_equals_an_in_process_load(tmp_path, monkeypatch):
    from pipelines.backfill import add_regency_partitions
    from pipelines.definitions import build_defs, load_regency_job_from_env, load_scope_job_from_env
    from pipelines.partitions import regency_keys_of_folder

    extracts = tmp_path / "extracts"
    generate(2000, 5, extracts, districts=["35.10.15", "35.10.12"], second_regency=["35.10.12"])
    regencies = regency_keys_of_folder(extracts)
    assert len(regencies) == 2
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    celery = _celery_settings(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("PERLINSOS_EXECUTOR", "celery")
    # the executor's settings come from the same YAML file an operator gives the workers
    (tmp_path / "celery.yaml").write_text(yaml.safe_dump({"execution": {"config": celery}}))
    monkeypatch.setenv("PERLINSOS_CELERY_CONFIG", str(tmp_path / "celery.yaml"))
    assert load_regency_job_from_env().executor_def.name == "celery"
    workers = _start_workers(tmp_path, celery, dict(os.environ))
    try:
        instance = dg.DagsterInstance.get()
        add_regency_partitions(instance, regencies)
        run_config = _config(extracts, tmp_path / "celery")
        started = time.monotonic()
        # a backfill: one run per regency, then the whole-scope run
        runs = {
            key: _run(load_regency_job_from_env, instance, run_config, {"dagster/partition": key})
            for key in regencies
        }
        runs["scope"] = _run(load_scope_job_from_env, instance, run_config)
        assert time.monotonic() - started < 300
    finally:
        _stop(workers)

    # every step of every run ran in one of the two workers, never in this process. Which worker takes
    # which step is the broker's affair: with a polling broker and steps of a fraction of a second,
    # one worker can drain the queue between the other's polls, so a split over both is not asserted.
    for name, events in runs.items():
        steps = {e.step_key for e in events if e.event_type_value == "STEP_SUCCESS"}
        in_worker: dict[str, str] = {}
        for e in events:
            if e.event_type_value == "ENGINE_EVENT" and e.step_key and "in celery worker" in (e.message or ""):
                in_worker[e.step_key] = str(e.event_specific_data.metadata["Celery worker"].value)
        assert steps and steps <= set(in_worker), name
        assert {w.split("@")[0] for w in in_worker.values()} <= set(WORKERS)
        assert all(e.pid != os.getpid() for e in events if e.event_type_value == "STEP_SUCCESS")
    # the steps went through the filesystem broker and result backend: one consumed message and one
    # result file per step, none left in the queue, no temporary file left behind
    submitted = sum(
        len({e.step_key for e in events if e.event_type_value == "ENGINE_EVENT" and e.step_key
             and "in celery worker" in (e.message or "")})
        for events in runs.values()
    )
    assert len(list((tmp_path / "broker" / "processed").glob("*.dagster.msg"))) == submitted
    assert not list((tmp_path / "broker" / "queue").iterdir())
    assert len(list((tmp_path / "results").glob("celery-task-meta-*"))) == submitted
    assert not list(tmp_path.glob("broker/**/*.part")) and not list((tmp_path / "results").glob("*.part"))
    # the regency runs materialised their own partition, the whole-scope run the unpartitioned rest
    for key in regencies:
        partitions = {e.partition for e in runs[key] if e.event_type_value == "ASSET_MATERIALIZATION"
                      and e.asset_key.to_user_string() == "penduduk"}
        assert partitions == {key}
    assert "warehouse" in {e.asset_key.to_user_string() for e in runs["scope"] if e.event_type_value == "ASSET_MATERIALIZATION"}

    # the same load in one in-process run gives the same published tables
    local = build_defs("in_process").resolve_job_def("load")
    with dg.instance_for_test() as other:
        assert local.execute_in_process(run_config=_config(extracts, tmp_path / "local"), instance=other).success
    distributed, in_process = _tables(tmp_path / "celery" / "wh.duckdb"), _tables(tmp_path / "local" / "wh.duckdb")
    for table in TABLES:
        assert in_process[table].height and distributed[table].equals(in_process[table]), table
