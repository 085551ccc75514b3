"""Ingest: read each extract of the folder as text, with its file's SHA-256 and row count.

The region reference (`raw_wilayah`) is read here for the whole folder. The four other extracts are
read by their regency's step in the validation stage, which validates the text it read and keeps
only the file's facts (`raw_<extract>_file` is partitioned by regency: assets/validation/assets.py);
`extract_files` puts those back together for the scope.
"""


import time
from datetime import date, datetime, timezone

import dagster as dg
import polars as pl

from assets.ingest.read import read_extract, read_load_info
from assets.ingest.regions import PARTITIONED_EXTRACTS, file_facts, scope_regencies, union_file_facts
from pipelines.partitions import ALL_REGENCIES, whole_scope
from pipelines.resources import PerlinsosSettings
from schemas.extracts import EXTRACTS
from schemas.policy import load_policy

GROUP = "ingest"


def read_with_metadata(context: dg.AssetExecutionContext, settings: PerlinsosSettings, name: str):
    """Read one extract of the delivery; warn of extra columns and blank lines; the read's metadata
    (file name, SHA-256, data rows, blank lines skipped, seconds). No row's content is in it."""
    started = time.perf_counter()
    raw = read_extract(settings.extracts, name)
    if raw.extra_columns:
        context.log.warning(f"{raw.path.name}: extra columns ignored: {', '.join(raw.extra_columns)}")
    if raw.blank_lines:
        context.log.warning(f"{raw.path.name}: {raw.blank_lines} blank line(s) skipped")
    meta = {
        "file": raw.path.name,
        "sha256": raw.sha256,
        "dagster/row_count": raw.rows,
        "blank_lines": raw.blank_lines,
        "duration_seconds": round(time.perf_counter() - started, 3),
    }
    return raw, meta


def raw_file_info(raw) -> dict:
    """The facts of one read extract file: name, SHA-256, data rows, extra columns."""
    return {"file": raw.path.name, "sha256": raw.sha256, "rows": raw.rows, "extra_columns": list(raw.extra_columns)}


def _ingest_asset(name: str) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=f"ingest_{name}",
        group_name=GROUP,
        outs={
            f"raw_{name}": dg.AssetOut(
                description=f"The {name} extract as text: every contract column a string, plus ROW_NUMBER."
            ),
            f"raw_{name}_file": dg.AssetOut(
                description=f"The {name} extract file: name, SHA-256, data rows, extra columns."
            ),
        },
    )
    def _ingest(context: dg.AssetExecutionContext, settings: PerlinsosSettings):
        raw, meta = read_with_metadata(context, settings, name)
        info = raw_file_info(raw)
        yield dg.Output(raw.frame, output_name=f"raw_{name}", metadata=meta)
        yield dg.Output(info, output_name=f"raw_{name}_file", metadata={"extra_columns": len(raw.extra_columns)})

    return _ingest


ingest_assets = [_ingest_asset(name) for name in EXTRACTS if name not in PARTITIONED_EXTRACTS]


@dg.asset(group_name=GROUP, description="The eligibility policy of this load (data/policy.toml by default).")
def policy(settings: PerlinsosSettings):
    pol = load_policy(settings.policy_file)
    return dg.Output(pol, metadata={"policy_version": pol.version})


@dg.asset(
    group_name=GROUP,
    description="Identity of the load: load date and scope (load.json, else the run's date and the "
    "regencies of wilayah.csv, by their own rows or their districts' and villages'), its load_id "
    "and start time.",
)
def load_info(settings: PerlinsosSettings, wilayah: pl.DataFrame) -> dg.Output[dict]:
    info = read_load_info(settings.extracts)
    load_date = settings.load_date_override() or info.load_date or date.today()
    regencies = scope_regencies(info.scope_codes, wilayah)
    scope = "+".join(regencies)
    load = {
        "load_id": f"{load_date.isoformat()}_{scope}",
        "load_date": load_date,
        "scope": scope,
        "regencies": regencies,
        "started_at": datetime.now(timezone.utc),
    }
    return dg.Output(load, metadata={"load_id": load["load_id"], "load_date": load_date.isoformat(), "scope": scope})


@dg.asset(
    group_name=GROUP,
    description="The five extract files of the load: name, SHA-256, data rows and extra columns of each. "
    "After runs per regency: every regency of the scope read the same files, and their rows add up "
    "to each file's rows (else the load stops here, before publishing).",
    ins={f"raw_{name}_file": dg.AssetIn(partition_mapping=ALL_REGENCIES) for name in PARTITIONED_EXTRACTS},
)
def extract_files(
    raw_penduduk_file,
    raw_tanah_file,
    raw_kendaraan_file,
    raw_rumah_file,
    raw_wilayah_file: dict,
    load_info: dict,
) -> dict[str, dict]:
    given = {"penduduk": raw_penduduk_file, "tanah": raw_tanah_file, "kendaraan": raw_kendaraan_file, "rumah": raw_rumah_file}
    files = {
        name: file_facts(whole_scope(info, load_info, union_file_facts, f"{name} file")) for name, info in given.items()
    }
    return {**files, "wilayah": raw_wilayah_file}


@dg.asset_check(
    asset=extract_files,
    blocking=True,
    description="Blocks the load when an extract holds no data row: an empty land or vehicle file "
    "would make owners look asset-free and eligible, an empty registry would dissolve every household.",
)
def extracts_not_empty(extract_files: dict[str, dict]) -> dg.AssetCheckResult:
    rows = {name: info["rows"] for name, info in extract_files.items()}
    empty = [name for name, n in rows.items() if n == 0]
    return dg.AssetCheckResult(
        passed=not empty,
        description=f"no data row in: {', '.join(empty)}" if empty else None,
        metadata={f"rows/{k}": v for k, v in rows.items()},
    )


ingest_checks = [extracts_not_empty]
