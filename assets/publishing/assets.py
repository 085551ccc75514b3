"""Publishing: the analysts' DuckDB database and the district offices' Parquet exports."""


import time
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import polars as pl

from assets.publishing.exports import (
    UNKNOWN_DISTRICT,
    export_frames,
    exports_against_warehouse,
    write_exports,
)
from assets.publishing.warehouse import EXTRACT_NAMES, SCHEMA_VERSION, publish_warehouse, table_columns
from pipelines.resources import PerlinsosSettings, release_finished_steps

GROUP = "publishing"
# Concurrency pool of the steps that write the DuckDB file (limit it to 1: docs/operations.md). The
# writer lock of publish_warehouse is the hard guarantee; the pool keeps a second run queued in
# Dagster instead of waiting on the lock.
WAREHOUSE_POOL = "perlinsos_warehouse"


def load_row(load_info: dict, policy_version: str, files: dict[str, dict], quarantine: pl.DataFrame) -> dict:
    """The `mart.loads` row of this load."""
    row = {
        "load_id": load_info["load_id"],
        "load_date": load_info["load_date"],
        "scope": load_info["scope"],
        "policy_version": policy_version,
        "schema_version": SCHEMA_VERSION,
        "started_at": load_info["started_at"],
        "finished_at": datetime.now(timezone.utc),
    }
    for name in EXTRACT_NAMES:
        q = quarantine.filter(pl.col("source") == name)
        row[f"{name}_file"] = files[name]["file"]
        row[f"{name}_sha256"] = files[name]["sha256"]
        row[f"{name}_rows"] = files[name]["rows"]
        row[f"{name}_quarantined"] = q["row_number"].drop_nulls().n_unique()
        row[f"{name}_rejected"] = q.filter(pl.col("action") == "ROW_REJECTED")["row_number"].n_unique()
    return row


@dg.asset(
    group_name=GROUP,
    description="Publishes the load into the analysts' DuckDB database (mart schema), atomically: "
    "readers see the previous load or this one, never half of it.",
    pool=WAREHOUSE_POOL,
)
def warehouse(
    settings: PerlinsosSettings,
    load_info: dict,
    policy,
    quarantine: pl.DataFrame,
    asset_links: pl.DataFrame,
    members: pl.DataFrame,
    households: pl.DataFrame,
    household_reasons: pl.DataFrame,
    score_components: pl.DataFrame,
    extract_files: dict[str, dict],
):
    release_finished_steps()
    started = time.perf_counter()
    row = load_row(load_info, policy.version, extract_files, quarantine)
    counts = publish_warehouse(
        settings.warehouse,
        row,
        {
            "households": households.select([c for c in table_columns("households") if c != "load_id"]),
            "household_reasons": household_reasons,
            "score_components": score_components,
            "members": members,
            "asset_links": asset_links,
            "quarantine": quarantine,
        },
    )
    return dg.Output(
        {"load_id": load_info["load_id"], "path": str(settings.warehouse), "counts": counts},
        metadata={
            "load_id": load_info["load_id"],
            **{f"rows/{t}": n for t, n in counts.items()},
            "duration_seconds": round(time.perf_counter() - started, 3),
        },
    )


@dg.asset(
    group_name=GROUP,
    description="Parquet exports per district (hive partitions), masked NIKs, with a manifest of row "
    "counts and SHA-256; written after the database, complete or absent.",
)
def district_exports(
    settings: PerlinsosSettings,
    warehouse: dict,
    load_info: dict,
    policy,
    households: pl.DataFrame,
    household_reasons: pl.DataFrame,
    wilayah: pl.DataFrame,
):
    started = time.perf_counter()
    hh, rs = export_frames(
        households, household_reasons, wilayah.filter(pl.col("LEVEL") == "DESA"),
        load_id=load_info["load_id"], scope=load_info["regencies"],
    )
    folder = settings.exports / load_info["load_date"].isoformat()
    manifest = write_exports(
        settings.exports,
        load_id=load_info["load_id"],
        load_date=load_info["load_date"].isoformat(),
        policy_version=policy.version,
        households=hh,
        reasons=rs,
        scope=load_info["regencies"],
    )
    own = [f for f in manifest["files"] if f["load_id"] == load_info["load_id"]]
    return dg.Output(
        {
            "path": str(folder),
            "load_id": load_info["load_id"],
            "files": len(own),
            "households": hh.height,
            "reasons": rs.height,
        },
        metadata={
            "path": dg.MetadataValue.path(str(folder)),
            "files": len(own),
            "districts": len(own) // 2,
            "unknown_district_households": hh.filter(pl.col("kode_kecamatan") == UNKNOWN_DISTRICT).height,
            "files_of_other_loads": len(manifest["files"]) - len(own),
            "rows/households": hh.height,
            "rows/reasons": rs.height,
            "duration_seconds": round(time.perf_counter() - started, 3),
        },
    )


@dg.asset_check(
    asset=district_exports,
    additional_ins={"warehouse": dg.AssetIn("warehouse")},
    description="The district exports' files hold exactly the households and reasons the database holds "
    "for this load, and match their manifest (a mismatch means an office would read another truth "
    "than the analysts, or miss a family).",
)
def exports_match_warehouse(district_exports: dict, warehouse: dict) -> dg.AssetCheckResult:
    found = exports_against_warehouse(Path(district_exports["path"]), Path(warehouse["path"]), warehouse["load_id"])
    wrong = [k for k in ("households_missing", "households_extra", "reasons_missing", "reasons_extra",
                         "manifest_problems") if found[k]]
    return dg.AssetCheckResult(
        passed=not wrong,
        severity=dg.AssetCheckSeverity.ERROR,
        description=", ".join(f"{k.replace('_', ' ')}: {found[k]}" for k in wrong) if wrong else None,
        metadata=found,
    )


publishing_checks = [exports_match_warehouse]
