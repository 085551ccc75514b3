"""A load as independent runs: one `load_regency` run per regency of the folder's scope, then one
`load_scope` run. The UI does the same with a backfill (docs/operations.md section 7); this is the
headless form, used by `perlinsos load --by-regency` and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.partitions import REGENCY_PARTITIONS, regency_keys_of_folder
from pipelines.resources import release_work_dir


@dataclass
class RunSummary:
    """What a finished run leaves for its caller: its outcome, its events and what it published
    (`load_id` of the warehouse, `exports_path`), not its frames."""

    run_id: str
    success: bool
    all_events: list
    load_id: str | None = None
    exports_path: str | None = None


def run_job(job_fn, run_config: dict, instance: dg.DagsterInstance, partition_key: str | None = None) -> RunSummary:
    """Run the job `job_fn` builds (a module-level function, for `dg.reconstructable`) in-process
    with `dg.execute_job`: no step's output is held in memory beyond the step that reads it."""
    tags = {"dagster/partition": partition_key} if partition_key else None
    with dg.execute_job(dg.reconstructable(job_fn), instance=instance, run_config=run_config, tags=tags,
                        raise_on_error=False) as result:
        summary = RunSummary(run_id=result.run_id, success=result.success, all_events=list(result.all_events))
    # the run has ended, this process lives on: its work directory is free for the next load
    base_dir = run_config.get("resources", {}).get("io_manager", {}).get("config", {}).get("base_dir")
    if base_dir:
        release_work_dir(base_dir, summary.run_id)
    for event in summary.all_events:
        if event.event_type_value != "ASSET_MATERIALIZATION":
            continue
        mat = event.event_specific_data.materialization
        name = mat.asset_key.to_user_string()
        if name == "warehouse" and "load_id" in mat.metadata:
            summary.load_id = mat.metadata["load_id"].value
        if name == "district_exports" and "path" in mat.metadata:
            summary.exports_path = mat.metadata["path"].value
    return summary


@dataclass
class RegencyLoad:
    """The runs of a load by regency, in the order they ran (the whole-scope run last)."""

    regencies: list[str]
    results: list[RunSummary] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return bool(self.results) and len(self.results) == len(self.regencies) + 1 and all(
            r.success for r in self.results
        )


def add_regency_partitions(instance: dg.DagsterInstance, keys: list[str]) -> None:
    """Register regency keys that the instance does not know yet."""
    known = set(instance.get_dynamic_partitions(REGENCY_PARTITIONS))
    new = [k for k in keys if k not in known]
    if new:
        instance.add_dynamic_partitions(REGENCY_PARTITIONS, new)


def load_by_regency(run_config: dict, instance: dg.DagsterInstance, extracts_dir: str | Path | None = None
                    ) -> RegencyLoad:
    """Run the regency runs of the folder one after the other, in-process, then the whole-scope run;
    stop at the first failed run (nothing is published then)."""
    from pipelines.definitions import load_regency_job_in_process, load_scope_job_in_process

    folder = extracts_dir or run_config["resources"]["settings"]["config"]["extracts_dir"]
    keys = regency_keys_of_folder(folder)
    add_regency_partitions(instance, keys)
    load = RegencyLoad(regencies=keys)
    for key in keys:
        result = run_job(load_regency_job_in_process, run_config, instance, partition_key=key)
        load.results.append(result)
        if not result.success:
            return load
    load.results.append(run_job(load_scope_job_in_process, run_config, instance))
    return load
