"""The Perlinsos code location: every asset of a load, the job that runs them, and resources.

The flow, stage by stage (each stage is one asset group; its logic is one folder of `assets/`):

    ingest       raw_wilayah, raw_<extract>_file, extract_files, policy, load_info
    validation   wilayah, <extract> (typed), <extract>_quarantine, penduduk_flags, penduduk_unlisted,
                 quarantine
    linkage      asset_links
    eligibility  members, households, household_reasons, score_components
    publishing   warehouse (DuckDB mart.*), district_exports (Parquet per district)

Partitions by regency (pipelines/partitions.py, docs/operations.md section 7): the four extracts
other than wilayah are read and validated by one step per regency (`validate_<extract>`, assets
`raw_<extract>_file`, `<extract>`, `<extract>_quarantine`, `penduduk_flags`, `penduduk_unlisted`;
the text as read stays within the step).
Everything from `extract_files`, `quarantine` and `asset_links` on is whole-scope and reads every
regency (AllPartitionMapping). Jobs: `load` (the whole folder in one run, no partition),
`load_regency` (one regency: a province is a backfill of it) and `load_scope` (the whole-scope
half after the regency runs). Both ways publish the same rows.

Blocking asset checks stop a load before publishing: `extracts_not_empty` (on
`extract_files`), `quarantine_rate_within_policy` (on `quarantine`),
`valid_nik_share_within_policy` (on `penduduk_quarantine`, per regency), `link_rate_stable` (on
`asset_links`) and `decisions_are_explained` (on `households`); `exports_match_warehouse` (on
`district_exports`) reports after publishing.

`perlinsos load` and the UI both run the `load` job defined here. The executor of runs started
from the UI, a schedule or the landing sensor is PERLINSOS_EXECUTOR (`in_process` by default,
`multiprocess`, `celery`: pipelines/executors.py); `perlinsos load` always runs in-process.
Runs are retried by the instance when they fail outside a step (a lost worker, a killed process),
never for a step's own failure: a bad delivery fails the same way twice (docs/operations.md).
"""

from __future__ import annotations

import gc

import dagster as dg

from assets.eligibility.assets import eligibility, eligibility_checks
from assets.ingest.assets import extract_files, ingest_assets, ingest_checks, load_info, policy
from assets.linkage.assets import asset_links, linkage_checks
from assets.publishing.assets import district_exports, publishing_checks, warehouse
from assets.validation.assets import validation_assets, validation_checks
from pipelines.automation import build_landing_sensor, build_load_schedule
from assets.ingest.regions import PARTITIONED_EXTRACTS
from pipelines.executors import executor_def
from pipelines.logs import plain_logger
from pipelines.resources import FrameIOManager, PerlinsosSettings, default_work_dir

ALL_ASSETS = [
    *ingest_assets,
    extract_files,
    policy,
    load_info,
    *validation_assets,
    asset_links,
    eligibility,
    warehouse,
    district_exports,
]

# Run retries (the instance's `run_retries` must be enabled, docs/operations.md): up to two new
# runs after a failure outside the steps; a failed step or a blocking check is not retried.
RUN_RETRY_TAGS = {"dagster/max_retries": "2", "dagster/retry_on_asset_or_op_failure": "false"}

load_job = dg.define_asset_job(
    name="load",
    selection=dg.AssetSelection.all(),
    description="A full load: ingest, validate, link, decide and publish one extract folder, in one run. "
    "Launch it without a partition: the regency steps then take every row of the folder.",
    tags=RUN_RETRY_TAGS,
)

# The same load as independent runs: one `load_regency` run per regency of the scope (a backfill
# over the regency partitions), then one `load_scope` run. Both give the rows one `load` run gives.
FOLDER_ASSETS = dg.AssetSelection.assets(
    "raw_wilayah", "raw_wilayah_file", "wilayah", "wilayah_quarantine", "policy", "load_info"
)
REGENCY_ASSETS = dg.AssetSelection.assets(
    *(key for name in PARTITIONED_EXTRACTS for key in (f"raw_{name}_file", name, f"{name}_quarantine")),
    "penduduk_flags",
    "penduduk_unlisted",
)
SCOPE_ASSETS = dg.AssetSelection.all() - FOLDER_ASSETS - REGENCY_ASSETS

load_regency_job = dg.define_asset_job(
    name="load_regency",
    selection=FOLDER_ASSETS | REGENCY_ASSETS,
    description="Read and validate the rows of one regency (the partition) of an extract folder. A province "
    "is a backfill of this job over its regencies; then run load_scope.",
    tags=RUN_RETRY_TAGS,
)

load_scope_job = dg.define_asset_job(
    name="load_scope",
    selection=SCOPE_ASSETS,
    description="The whole-scope half of a load after its regency runs: NIK links over the whole registry, "
    "deciles over every household of the scope, publishing.",
    tags=RUN_RETRY_TAGS,
)


ALL_CHECKS = [*ingest_checks, *validation_checks, *linkage_checks, *eligibility_checks, *publishing_checks]


def build_defs(executor: str | None = None) -> dg.Definitions:
    """The code location; `executor` (in_process, multiprocess, celery) defaults to PERLINSOS_EXECUTOR."""
    return dg.Definitions(
        assets=ALL_ASSETS,
        asset_checks=ALL_CHECKS,
        jobs=[load_job, load_regency_job, load_scope_job],
        schedules=[build_load_schedule()],
        sensors=[build_landing_sensor()],
        resources={
            "settings": PerlinsosSettings.from_env(),
            "io_manager": FrameIOManager(base_dir=default_work_dir()),
        },
        executor=executor_def(executor),
        # Dagster's own console logger, and the terminal log of `perlinsos load` (pipelines/logs.py)
        loggers={"console": dg.colored_console_logger, "plain": plain_logger},
    )


defs = build_defs()


def load_job_from_env() -> dg.JobDefinition:
    """The `load` job with the executor of PERLINSOS_EXECUTOR, for `dg.reconstructable`: scripts and
    tests that launch a load on the multiprocess or Celery executor outside the UI."""
    return build_defs().resolve_job_def("load")


def load_job_in_process() -> dg.JobDefinition:
    """The `load` job on the in-process executor, for `dg.reconstructable` in `perlinsos load`:
    run with `dg.execute_job`, which, unlike `execute_in_process`, does not keep every step's
    output in memory until the run ends (1.5 GB at 1,000,000 persons)."""
    return build_defs("in_process").resolve_job_def("load")


def load_regency_job_in_process() -> dg.JobDefinition:
    """The `load_regency` job on the in-process executor (see `load_job_in_process`)."""
    return build_defs("in_process").resolve_job_def("load_regency")


def load_scope_job_in_process() -> dg.JobDefinition:
    """The `load_scope` job on the in-process executor (see `load_job_in_process`)."""
    return build_defs("in_process").resolve_job_def("load_scope")


def load_regency_job_from_env() -> dg.JobDefinition:
    """The `load_regency` job with the executor of PERLINSOS_EXECUTOR, for `dg.reconstructable`."""
    return build_defs().resolve_job_def("load_regency")


def load_scope_job_from_env() -> dg.JobDefinition:
    """The `load_scope` job with the executor of PERLINSOS_EXECUTOR, for `dg.reconstructable`."""
    return build_defs().resolve_job_def("load_scope")


# Everything imported and built up to here (Dagster, Polars, the asset graph) lives as long as the
# process. Taken out of the cyclic collector's reach, it is no longer scanned by each full
# collection (the automatic ones, and `release_finished_steps` before each whole-scope step):
# at 1,000,000 persons the collector's time in a load went from 1.0 s to 0.2 s. Objects made
# later, the steps' included, are collected as before.
gc.freeze()
