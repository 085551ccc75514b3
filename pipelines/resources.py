"""Resources of the code location: where a load reads and writes, and how frames pass between steps."""

from __future__ import annotations

import gc
import json
import os
import pickle
import socket
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl

from assets.concurrency import file_lock

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Environment variables that set the paths of runs started from the UI, a schedule or a sensor.
ENV_EXTRACTS = "PERLINSOS_EXTRACTS"
ENV_WAREHOUSE = "PERLINSOS_WAREHOUSE"
ENV_EXPORTS = "PERLINSOS_EXPORTS"
ENV_WORK = "PERLINSOS_WORK"
ENV_POLICY = "PERLINSOS_POLICY"
ENV_LOAD_DATE = "PERLINSOS_LOAD_DATE"
ENV_MIN_VALID_NIK_SHARE = "PERLINSOS_MIN_VALID_NIK_SHARE"
ENV_MAX_LINK_RATE_DROP = "PERLINSOS_MAX_LINK_RATE_DROP"
DEFAULT_MIN_VALID_NIK_SHARE = 0.95
DEFAULT_MAX_LINK_RATE_DROP = 0.10


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def default_work_dir() -> str:
    """Where intermediate frames go unless PERLINSOS_WORK says otherwise."""
    return _env(ENV_WORK, str(PROJECT_ROOT / "warehouse" / "work"))


def load_run_config(
    extracts_dir: str | Path,
    warehouse_path: str | Path,
    exports_dir: str | Path,
    *,
    work_dir: str | Path | None = None,
    policy_path: str | Path | None = None,
    load_date: str | None = None,
    log_level: str = "WARNING",
    stack_traces: bool = False,
) -> dict:
    """Run config of the `load` job for one extract folder (intermediate files beside the warehouse
    unless `work_dir` is given), logging to the terminal through `pipelines.logs.plain_logger`
    (a failed step's stack trace only with `stack_traces`)."""
    warehouse = Path(warehouse_path).resolve()
    return {
        "resources": {
            "settings": {
                "config": {
                    "extracts_dir": str(Path(extracts_dir).resolve()),
                    "warehouse_path": str(warehouse),
                    "exports_dir": str(Path(exports_dir).resolve()),
                    "policy_path": str(Path(policy_path).resolve()) if policy_path else "",
                    "load_date": load_date or "",
                }
            },
            "io_manager": {"config": {"base_dir": str(work_dir or warehouse.parent / "work")}},
        },
        "loggers": {"plain": {"config": {"log_level": log_level, "stack_traces": stack_traces}}},
    }


class PerlinsosSettings(dg.ConfigurableResource):
    """Where a load reads its extracts and writes its outputs.

    A field left empty (or unset, for the two thresholds) takes its value from the environment when
    the run reads it: PERLINSOS_EXTRACTS, PERLINSOS_WAREHOUSE, PERLINSOS_EXPORTS, PERLINSOS_POLICY,
    PERLINSOS_LOAD_DATE, PERLINSOS_MIN_VALID_NIK_SHARE, PERLINSOS_MAX_LINK_RATE_DROP, else the
    project's default. So a run's config sets only what differs (a landed folder's `extracts_dir`),
    and runs started from the UI use the same paths as `perlinsos load`. Read the values through
    the properties (`extracts`, `warehouse`, `exports`, `policy_file`, `nik_share_floor`,
    `link_drop_limit`, `load_date_override()`), never the raw fields.

    Two thresholds of the blocking checks live here, so that a data engineer who has verified a
    delivery can rerun it with a looser value in the run's config: `min_valid_nik_share` (share of
    penduduk rows with a valid NIK) and `max_link_rate_drop` (largest fall of a source's link rate
    against the previous load of the same scope, as a share, e.g. 0.10 = ten points).
    """

    extracts_dir: str = ""
    warehouse_path: str = ""
    exports_dir: str = ""
    policy_path: str = ""
    load_date: str = ""  # YYYY-MM-DD; empty = load.json's date, else the run's date
    min_valid_nik_share: float | None = None
    max_link_rate_drop: float | None = None

    @classmethod
    def from_env(cls) -> "PerlinsosSettings":
        """Every field filled from the environment, as the UI's Launchpad shows it."""
        s = cls()
        return cls(
            extracts_dir=str(s.extracts),
            warehouse_path=str(s.warehouse),
            exports_dir=str(s.exports),
            policy_path=str(s.policy_file or ""),
            load_date=_env(ENV_LOAD_DATE, ""),
            min_valid_nik_share=s.nik_share_floor,
            max_link_rate_drop=s.link_drop_limit,
        )

    @property
    def extracts(self) -> Path:
        return Path(self.extracts_dir or _env(ENV_EXTRACTS, str(PROJECT_ROOT / "data" / "sample")))

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path or _env(ENV_WAREHOUSE, str(PROJECT_ROOT / "warehouse" / "perlinsos.duckdb")))

    @property
    def exports(self) -> Path:
        return Path(self.exports_dir or _env(ENV_EXPORTS, str(PROJECT_ROOT / "exports")))

    @property
    def policy_file(self) -> Path | None:
        path = self.policy_path or _env(ENV_POLICY, "")
        return Path(path) if path else None

    @property
    def nik_share_floor(self) -> float:
        if self.min_valid_nik_share is not None:
            return self.min_valid_nik_share
        return float(_env(ENV_MIN_VALID_NIK_SHARE, str(DEFAULT_MIN_VALID_NIK_SHARE)))

    @property
    def link_drop_limit(self) -> float:
        if self.max_link_rate_drop is not None:
            return self.max_link_rate_drop
        return float(_env(ENV_MAX_LINK_RATE_DROP, str(DEFAULT_MAX_LINK_RATE_DROP)))

    def load_date_override(self) -> date | None:
        """The run's `load_date`, else PERLINSOS_LOAD_DATE, as a date; None when neither is set."""
        text = self.load_date or _env(ENV_LOAD_DATE, "")
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            where = "the run's load_date" if self.load_date else ENV_LOAD_DATE
            raise ValueError(f"{where} must be a calendar date YYYY-MM-DD, not {text!r}") from None


def release_finished_steps() -> None:
    """Free the frames that steps run before in this process left in reference cycles.

    The in-process executor runs every step in one process, and a finished step's frames can
    stay reachable from cycles among its execution objects until Python's cyclic collector next
    runs in full, which it does on its own schedule. A whole-scope step calls this first: at
    1,700,000 persons `perlinsos load` peaked at 4.4-4.6 GB without it, 3.8 GB with it."""
    gc.collect()


class RegencyParts(dict):
    """The materialised regencies of a partitioned asset, as a whole-scope step reads them:
    regency code → that regency's value."""


class Deferred:
    """An input read when the step asks for it (`load()`), not when the step starts.

    Dagster keeps every value it passes to a step until the step ends, so a frame passed directly
    holds its memory for the whole step. A step that needs a frame for a part of its work only
    takes it deferred (`dg.AssetIn(metadata={"deferred": True})`) and lets it go when that part
    is done: eligibility reads the asset extracts and the links this way, and the frames are
    released before the score is built."""

    def __init__(self, read: Callable[[], object]) -> None:
        self._read = read

    def load(self):
        """The value the IO manager would have passed (a frame, or the regencies' frames)."""
        return self._read()


class WorkDirectoryInUse(RuntimeError):
    """Another load is running on the same work directory: its frames would replace this one's."""


CLAIM_FILE = ".run.json"  # which run holds a work directory (beside the frames)


def _claim_of(base: Path) -> dict | None:
    """The claim written in work directory `base`, if any."""
    try:
        holder = json.loads((base / CLAIM_FILE).read_text())
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _holder_running(holder: dict, instance: dg.DagsterInstance) -> bool:
    """Whether the run that claimed a work directory may still be writing to it."""
    run = instance.get_run_by_id(str(holder.get("run_id")))
    if run is not None and run.is_finished:
        return False
    if holder.get("host") != socket.gethostname():
        return True  # another machine's process: cannot be looked at, so taken as running
    try:
        pid = int(holder.get("pid") or 0)
    except (TypeError, ValueError):
        return False  # not a claim this code wrote
    if pid <= 0 or pid == os.getpid():
        # no process; or this one, which ran that run before this one (runs of a process follow each other)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False  # its process is gone: killed, or a step process that has ended
    except (PermissionError, OverflowError):
        return True  # a process of another account, or a number no process has: taken as running
    return True


def release_work_dir(base_dir: str | Path, run_id: str) -> None:
    """Give up `run_id`'s claim on a work directory once its run has ended, for a process that
    goes on living after its run (`perlinsos load`, which runs the job in its own process)."""
    holder = _claim_of(Path(base_dir))
    if holder is not None and holder.get("run_id") == run_id:
        (Path(base_dir) / CLAIM_FILE).unlink(missing_ok=True)


class FrameIOManager(dg.ConfigurableIOManager):
    """Stores each asset's output under `base_dir`: polars frames as Parquet, anything else pickled.

    A regency partition goes to `<asset>/<regency>.<suffix>`; the same asset materialised without a
    partition (the `load` job, the whole folder in one run) to `<asset>.<suffix>`. A whole-scope
    step reading a partitioned asset gets, in a run that materialised that asset itself, the frame
    it wrote; otherwise (the `load_scope` job after a backfill) a dict of every materialised
    regency's frame, which the step narrows to its load's scope (assets/ingest/regions.py).

    Writes go through a temporary file of the writing process and an atomic rename, so runs of
    several regencies rewriting a folder-level asset never leave a half-written file. The
    intermediate files hold personal data: `base_dir` lives beside the warehouse, outside git,
    readable only by the pipeline's account.
    """

    base_dir: str

    def _claim(self, context: dg.OutputContext | dg.InputContext) -> None:
        """Hold the work directory for this run, or stop: two loads sharing one would read each
        other's frames and each publish a mixture (both `load`s of a folder write `<asset>.parquet`).

        A run without a partition writes `.run.json` (run id, process, host) at its first read or
        write and checks it at every other: another run still running (by the instance's record,
        or its process alive on this host) holding it stops this one with `WorkDirectoryInUse`
        before anything is read or written; a finished, failed or killed holder is taken over.
        A run that was taken over stops at its next read or write the same way. Regency runs
        write files of their own regency and may share a directory (a backfill's runs do).
        """
        try:
            step = context.step_context
        except dg.DagsterInvariantViolationError:  # a context built outside a run (tests)
            return
        if step.has_partition_key or step.has_partition_key_range:
            return
        base = Path(self.base_dir)
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        me = {"run_id": step.run_id, "pid": os.getpid(), "host": socket.gethostname()}
        with file_lock(base / ".run.lock"):
            holder = _claim_of(base)
            if holder is not None and holder.get("run_id") != step.run_id and _holder_running(holder, step.instance):
                raise WorkDirectoryInUse(
                    f"the work directory {base} is in use by run {holder.get('run_id')}: give this "
                    "load a work directory of its own (`perlinsos load --work DIR`, or "
                    "resources.io_manager.config.base_dir in the run's config)"
                )
            if holder != me:
                tmp = base / f".{CLAIM_FILE}.{os.getpid()}.tmp"
                tmp.write_text(json.dumps(me))
                os.replace(tmp, base / CLAIM_FILE)

    def _file(self, key: Sequence[str], partition: str | None, suffix: str) -> Path:
        parts = list(key)
        if partition is not None:
            parts.append(partition)
        *folders, name = parts
        return Path(self.base_dir).joinpath(*folders, f"{name}{suffix}")

    def _path(self, context: dg.OutputContext | dg.InputContext, suffix: str) -> Path:
        key = context.asset_key.path if context.has_asset_key else [context.name]
        partition = context.asset_partition_key if context.has_asset_partitions else None
        return self._file(key, partition, suffix)

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        if obj is None:
            return
        self._claim(context)
        path = self._path(context, ".parquet" if isinstance(obj, pl.DataFrame) else ".pickle")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        try:
            if isinstance(obj, pl.DataFrame):
                obj.write_parquet(tmp, compression="lz4", statistics=False)
                stale = path.with_suffix(".pickle")
            else:
                with open(tmp, "wb") as fh:
                    pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
                stale = path.with_suffix(".parquet")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        stale.unlink(missing_ok=True)

    @staticmethod
    def _read(stem: Path, columns: Sequence[str] | None = None):
        parquet = stem.with_name(stem.name + ".parquet")
        if parquet.exists():
            if columns:  # those of the file's columns asked for, in the file's order
                wanted = set(columns)
                columns = [c for c in pl.read_parquet_schema(parquet) if c in wanted]
            return pl.read_parquet(parquet, columns=columns or None)
        with open(stem.with_name(stem.name + ".pickle"), "rb") as fh:
            return pickle.load(fh)

    @staticmethod
    def _written_in_this_run(context: dg.InputContext) -> bool:
        """Whether the upstream asset is one this run's job materialises without a partition."""
        step = context.step_context
        if step.has_partition_key or step.has_partition_key_range:
            return False
        return context.asset_key in step.job_def.asset_layer.executable_asset_keys

    def load_input(self, context: dg.InputContext):
        """The upstream frame, or only its `columns` when the input's metadata names them
        (`dg.AssetIn(metadata={"columns": [...]})`): a step reads what it uses, not the whole file.
        With `"deferred": True` in the metadata, a `Deferred` that reads it on `load()`."""
        self._claim(context)
        key = context.asset_key.path if context.has_asset_key else [context.name]
        metadata = context.definition_metadata or {}
        columns = metadata.get("columns")
        if not context.has_asset_partitions or self._written_in_this_run(context):
            stems = None
        else:
            stems = {partition: self._file(key, partition, "") for partition in context.asset_partition_keys}

        def read():
            if stems is None:
                return self._read(self._file(key, None, ""), columns)
            found = RegencyParts()
            for partition, stem in stems.items():
                if stem.with_name(stem.name + ".parquet").exists() or stem.with_name(stem.name + ".pickle").exists():
                    found[partition] = self._read(stem, columns)
            return found

        return Deferred(read) if metadata.get("deferred") else read()
