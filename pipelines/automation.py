"""What starts a load without a person: a schedule (cron from configuration) and a landing sensor.

- `load_schedule`: runs the `load` job on PERLINSOS_EXTRACTS at the cron of
  PERLINSOS_SCHEDULE_CRON (timezone PERLINSOS_SCHEDULE_TZ, default Asia/Jakarta). It is STOPPED
  until someone turns it on in the UI, and it skips a tick whose extract folder is not complete.
- `landing_sensor`: watches PERLINSOS_LANDING. Every sub-folder holding the five extracts (each
  `.csv` or `.parquet`) and the `_SUCCESS` marker (written last by the delivering side) starts
  one load of that folder. A folder without the marker is still being copied and is left alone.
  The run key is the folder name and the marker's modification time, so each landed folder is
  loaded once; delivering it again (a new marker) loads it again. The sensor is RUNNING by
  default when PERLINSOS_LANDING is set, STOPPED otherwise. It also adds the regencies of each
  landed folder's scope to the `regency` partitions, so that a backfill by regency can be launched
  on them from the UI (pipelines/partitions.py).

Runs started here write their intermediate files under `<work>/<folder name>`, so two landed
folders never share them; two deliveries into one folder name do, and wait for each other under
the run queue's limit per landing folder (docs/operations.md, section 4).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.partitions import REGENCY_PARTITIONS, regencies, regency_keys_of_folder
from pipelines.resources import default_work_dir
from schemas.extracts import COMPLETE_MARKER, EXTRACTS

ENV_SCHEDULE_CRON = "PERLINSOS_SCHEDULE_CRON"
ENV_SCHEDULE_TZ = "PERLINSOS_SCHEDULE_TZ"
ENV_LANDING = "PERLINSOS_LANDING"
DEFAULT_CRON = "0 2 * * *"  # 02:00 every day
DEFAULT_TZ = "Asia/Jakarta"
SENSOR_INTERVAL_SECONDS = 60
CURSOR_KEEP = 1000  # run keys remembered in the sensor's cursor (Dagster also refuses a used run key)
LANDING_TAG = "perlinsos/landing_folder"


@dataclass(frozen=True)
class LandedFolder:
    name: str
    path: Path
    run_key: str


def missing_files(folder: Path) -> list[str]:
    """What a landing folder still lacks to be complete: extract names and/or the marker. An
    extract delivered both as `.csv` and `.parquet` lacks a single file (the load would stop on it:
    which of the two is meant cannot be known)."""
    missing = []
    for name in EXTRACTS:
        csv, parquet = (folder / f"{name}.csv").is_file(), (folder / f"{name}.parquet").is_file()
        if not (csv or parquet):
            missing.append(name)
        elif csv and parquet:
            missing.append(f"a single {name} file (both .csv and .parquet)")
    if not (folder / COMPLETE_MARKER).is_file():
        missing.append(COMPLETE_MARKER)
    return missing


def is_complete(folder: Path) -> bool:
    return folder.is_dir() and not missing_files(folder)


def landed_folders(landing: Path) -> list[LandedFolder]:
    """Complete extract folders directly under `landing`, oldest marker first."""
    if not landing.is_dir():
        return []
    found = []
    for folder in landing.iterdir():
        if folder.name.startswith(".") or not is_complete(folder):
            continue
        mtime = (folder / COMPLETE_MARKER).stat().st_mtime_ns
        found.append((mtime, LandedFolder(folder.name, folder.resolve(), f"{folder.name}@{mtime}")))
    return [f for _, f in sorted(found, key=lambda t: (t[0], t[1].name))]


def marked_incomplete(landing: Path) -> list[tuple[str, list[str]]]:
    """Folders under `landing` that carry the marker but lack an extract: a delivery that claims to
    be complete and is not, which no tick will ever load; with what each lacks."""
    if not landing.is_dir():
        return []
    return sorted(
        (folder.name, missing)
        for folder in landing.iterdir()
        if folder.is_dir() and not folder.name.startswith(".") and (folder / COMPLETE_MARKER).is_file()
        and (missing := missing_files(folder))
    )


def folder_run_config(folder: Path, work_root: str) -> dict:
    """Run config of a load of `folder`: its extracts, and intermediate files of its own."""
    return {
        "resources": {
            "settings": {"config": {"extracts_dir": str(folder)}},
            "io_manager": {"config": {"base_dir": str(Path(work_root) / folder.name)}},
        }
    }


def _read_cursor(cursor: str | None) -> list[str]:
    if not cursor:
        return []
    try:
        seen = json.loads(cursor)
    except ValueError:
        return []
    return [str(k) for k in seen] if isinstance(seen, list) else []


def _regency_keys(folder: Path, context: dg.SensorEvaluationContext) -> list[str]:
    """The regencies of a landed folder's scope, as partition keys; none when the folder cannot
    tell (its load then stops in `load_info` with the reason, as any load would)."""
    try:
        return regency_keys_of_folder(folder)
    except Exception as exc:  # a delivery the sensor cannot read; the load itself reports it
        context.log.warning(f"{folder.name}: regencies not read ({type(exc).__name__})")
        return []


def build_landing_sensor(landing: str | None = None, job_name: str = "load") -> dg.SensorDefinition:
    """The landing sensor; `landing` defaults to PERLINSOS_LANDING, read at every tick."""

    configured = landing if landing is not None else os.environ.get(ENV_LANDING, "")

    @dg.sensor(
        name="landing_sensor",
        job_name=job_name,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING if configured else dg.DefaultSensorStatus.STOPPED,
        description=f"Starts a load for every complete extract folder (five extracts and {COMPLETE_MARKER}) "
        f"under ${ENV_LANDING}; each landed folder once.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext):
        root = landing if landing is not None else os.environ.get(ENV_LANDING, "")
        if not root:
            yield dg.SkipReason(f"{ENV_LANDING} is not set")
            return
        if not Path(root).is_dir():
            yield dg.SkipReason(f"landing directory {root} does not exist")
            return
        seen = _read_cursor(context.cursor)
        seen_set = set(seen)
        new = [f for f in landed_folders(Path(root)) if f.run_key not in seen_set]
        broken = marked_incomplete(Path(root))
        for name, missing in broken:
            context.log.warning(f"{name}: marked {COMPLETE_MARKER} but lacks {', '.join(missing)}; not loaded")
        if not new:
            lacking = "; ".join(f"{name} lacks {', '.join(missing)}" for name, missing in broken)
            yield dg.SkipReason("no new complete extract folder"
                                + (f" (marked {COMPLETE_MARKER} but incomplete: {lacking})" if lacking else ""))
            return
        work = default_work_dir()
        requests, keys = [], set()
        for folder in new:
            context.log.info(f"complete extract folder landed: {folder.name}")
            keys.update(_regency_keys(folder.path, context))
            requests.append(
                dg.RunRequest(
                    run_key=folder.run_key,
                    run_config=folder_run_config(folder.path, work),
                    tags={LANDING_TAG: folder.name},
                )
            )
            seen.append(folder.run_key)
        try:
            known = set(context.instance.get_dynamic_partitions(REGENCY_PARTITIONS))
        except dg.DagsterInvariantViolationError:  # a context built without an instance (tests)
            known = set()
        added = sorted(keys - known)
        yield dg.SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=[regencies.build_add_request(added)] if added else None,
            cursor=json.dumps(seen[-CURSOR_KEEP:]),
        )

    return landing_sensor


def build_load_schedule(cron: str | None = None, job_name: str = "load") -> dg.ScheduleDefinition:
    """The load schedule; `cron` defaults to PERLINSOS_SCHEDULE_CRON, else 02:00 daily. Off by default."""
    cron = cron or os.environ.get(ENV_SCHEDULE_CRON) or DEFAULT_CRON
    tz = os.environ.get(ENV_SCHEDULE_TZ) or DEFAULT_TZ

    @dg.schedule(
        name="load_schedule",
        cron_schedule=cron,
        execution_timezone=tz,
        job_name=job_name,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"A load of ${{PERLINSOS_EXTRACTS}} at '{cron}' ({tz}); skipped while that folder "
        f"lacks a file or its {COMPLETE_MARKER} marker.",
    )
    def load_schedule(context: dg.ScheduleEvaluationContext):
        from pipelines.resources import PerlinsosSettings

        folder = PerlinsosSettings().extracts
        missing = missing_files(folder) if folder.is_dir() else ["the folder itself"]
        if missing:
            return dg.SkipReason(f"extract folder {folder} is not complete: missing {', '.join(missing)}")
        tick = context.scheduled_execution_time
        return dg.RunRequest(
            run_key=f"schedule@{tick.isoformat()}" if tick else None,
            tags={"perlinsos/trigger": "schedule"},
        )

    return load_schedule
