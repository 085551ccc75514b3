"""A load as independent runs: one `load_regency` run per regency of the folder's scope, then one
`load_scope` run. The UI does the same with a backfill (docs/operations.md section 7); this is the
headless form, used by `perlinsos load --by-regency` and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.partitions import REGENCY_PARTITIONS, regency_keys_of_folder


@dataclass
class RegencyLoad:
    """The runs of a load by regency, in the order they ran (the whole-scope run last)."""

    regencies: list[str]
    results: list = field(default_factory=list)

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


def load_by_regency(
    defs: dg.Definitions, run_config: dict, instance: dg.DagsterInstance, extracts_dir: str | Path | None = None
) -> RegencyLoad:
    """Run the regency runs of the folder one after the other, in-process, then the whole-scope run;
    stop at the first failed run (nothing is published then)."""
    folder = extracts_dir or run_config["resources"]["settings"]["config"]["extracts_dir"]
    keys = regency_keys_of_folder(folder)
    add_regency_partitions(instance, keys)
    load = RegencyLoad(regencies=keys)
    regency_job = defs.resolve_job_def("load_regency")
    for key in keys:
        result = regency_job.execute_in_process(
            run_config=run_config, instance=instance, partition_key=key, raise_on_error=False
        )
        load.results.append(result)
        if not result.success:
            return load
    scope_job = defs.resolve_job_def("load_scope")
    load.results.append(scope_job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False))
    return load
