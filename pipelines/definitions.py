"""The Perlinsos code location: every asset of a load, the job that runs them, and resources.

The flow, stage by stage (each stage is one folder of `assets/`):

    ingest       raw_<extract>, raw_<extract>_file, policy, load_info
    validation   wilayah, <extract> (typed), <extract>_quarantine, penduduk_flags, quarantine
    linkage      asset_links
    eligibility  members, households, household_reasons, score_components
    publishing   warehouse (DuckDB mart.*), district_exports (Parquet per district)

Blocking asset checks stop a load before publishing: `quarantine_rate_within_policy` (on
`quarantine`) and `decisions_are_explained` (on `households`).

`perlinsos load` and the UI both run the `load` job defined here.
"""

from __future__ import annotations

import os

import dagster as dg

from assets.eligibility.assets import eligibility, eligibility_checks
from assets.ingest.assets import ingest_assets, load_info, policy
from assets.linkage.assets import asset_links
from assets.publishing.assets import district_exports, warehouse
from assets.validation.assets import validation_assets, validation_checks
from pipelines.resources import ENV_WORK, PROJECT_ROOT, FrameIOManager, PerlinsosSettings

ALL_ASSETS = [
    *ingest_assets,
    policy,
    load_info,
    *validation_assets,
    asset_links,
    eligibility,
    warehouse,
    district_exports,
]

load_job = dg.define_asset_job(
    name="load",
    selection=dg.AssetSelection.all(),
    description="A full load: ingest, validate, link, decide and publish one extract folder.",
)


def default_work_dir() -> str:
    return os.environ.get(ENV_WORK) or str(PROJECT_ROOT / "warehouse" / "work")


ALL_CHECKS = [*validation_checks, *eligibility_checks]

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[load_job],
    resources={
        "settings": PerlinsosSettings.from_env(),
        "io_manager": FrameIOManager(base_dir=default_work_dir()),
    },
    executor=dg.in_process_executor,
)
