"""Validation: typed frames for the later stages, and quarantine for every broken rule.

The region reference is validated once per load. Each other extract is read and validated by one
step per regency (partitioned by regency); `quarantine` and the later stages put the regencies
back together for the whole scope."""


import time
import warnings

import dagster as dg
import polars as pl

from assets.ingest.assets import GROUP as INGEST_GROUP
from assets.ingest.assets import raw_file_info, read_with_metadata
from assets.ingest.regions import PARTITIONED_EXTRACTS, rows_of_regency, union_quarantine

from assets.validation.checks import rejected_rates, valid_nik_share
from assets.validation.validate import (
    validate_kendaraan,
    validate_penduduk,
    validate_rumah,
    validate_tanah,
    validate_wilayah,
)
from pipelines.partitions import ALL_REGENCIES, REGENCY_BACKFILL, regencies, whole_scope
from pipelines.resources import PerlinsosSettings
from schemas.rules import QUARANTINE_COLUMNS

GROUP = "validation"


def _quarantine_metadata(q: pl.DataFrame, rows: int) -> dict:
    """Counts only: no value of the quarantined rows leaves the frame."""
    by_rule = q.group_by("rule", "action").len().sort("rule", "action")
    rejected = q.filter(pl.col("action") == "ROW_REJECTED")["row_number"].n_unique()
    meta = {
        "dagster/row_count": q.height,
        "rows_with_findings": q["row_number"].drop_nulls().n_unique(),
        "rows_rejected": rejected,
        "rejected_rate": round(rejected / rows, 6) if rows else 0.0,
    }
    for rule, action, n in by_rule.iter_rows():
        meta[f"{rule}/{action}"] = n
    return meta


@dg.multi_asset(
    group_name=GROUP,
    outs={
        "wilayah": dg.AssetOut(description="The region reference, typed: KODE, NAMA, LEVEL."),
        "wilayah_quarantine": dg.AssetOut(description="Quarantine findings of the region reference."),
    },
)
def validate_wilayah_asset(raw_wilayah: pl.DataFrame, raw_wilayah_file: dict):
    started = time.perf_counter()
    v = validate_wilayah(raw_wilayah, extra_columns=raw_wilayah_file["extra_columns"])
    took = {"duration_seconds": round(time.perf_counter() - started, 3)}
    yield dg.Output(v.frame, output_name="wilayah", metadata={"dagster/row_count": v.frame.height, **took})
    yield dg.Output(
        v.quarantine,
        output_name="wilayah_quarantine",
        metadata={**_quarantine_metadata(v.quarantine, raw_wilayah.height), **took},
    )


# Partitioned as its asset: each regency's result is kept apart, so the Checks tab shows a blocked
# regency as failed even after another regency's run passed (a check spec does not take its asset's
# partitions by itself). Dagster 1.13 calls a check spec's partitions "preview" and warns on every
# import; the warning is silenced here alone (dagster is pinned to 1.13, and
# tests/test_partitions.py checks the results per regency).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)
    NIK_SHARE_CHECK = dg.AssetCheckSpec(
        name="valid_nik_share_within_policy",
        asset="penduduk_quarantine",
        blocking=True,
        description="Blocks publication when fewer penduduk rows than the settings' min_valid_nik_share "
        "carry a valid NIK: a registry extract that broken (a spreadsheet round trip, a shifted column) "
        "must be redelivered, not published. Judged per regency in runs by regency.",
        partitions_def=regencies,
    )


def _nik_share_result(quarantine: pl.DataFrame, rows: int, settings: PerlinsosSettings) -> dg.AssetCheckResult:
    share = valid_nik_share(quarantine, rows)
    passed = share >= settings.nik_share_floor
    return dg.AssetCheckResult(
        check_name=NIK_SHARE_CHECK.name,
        asset_key=NIK_SHARE_CHECK.asset_key,
        passed=passed,
        description=None
        if passed
        else f"valid NIK share {share:.2%} below {settings.nik_share_floor:.2%} of {rows:,} penduduk rows",
        metadata={"valid_nik_share": round(share, 6), "min_share": settings.nik_share_floor, "rows": rows},
    )


def _validation_asset(name: str, fn, with_flags: bool = False) -> dg.AssetsDefinition:
    """Read one extract, keep the rows of the run's regency, validate them: one step per regency.

    Partitioned by regency (pipelines/partitions.py). The `load` job runs it without a partition:
    every row of the file in one step, as a single load always did."""
    # The extract as read (text) lives only within the step: the file itself, named with its
    # SHA-256 in `raw_<name>_file` and `mart.loads`, is the record of what arrived, and no later
    # step reads the text (writing it cost 1.3 s at 1,700,000 persons, and one more copy of
    # personal data on disk).
    outs = {
        f"raw_{name}_file": dg.AssetOut(
            group_name=INGEST_GROUP,
            description=f"The {name} extract file as read: name, SHA-256, data rows, extra columns; and the "
            "rows kept for the regency (assets/ingest/regions.py). Its metadata: the read's row count, blank "
            "lines skipped and seconds.",
        ),
        name: dg.AssetOut(group_name=GROUP, description=f"The {name} extract, typed and cleaned; rejected rows removed."),
        f"{name}_quarantine": dg.AssetOut(
            group_name=GROUP, description=f"Every rule broken by a {name} row, with its action."
        ),
    }
    if with_flags:
        outs[f"{name}_flags"] = dg.AssetOut(
            group_name=GROUP,
            description="Households whose registry rows were rejected or conflict (review reasons)."
        )
        outs[f"{name}_unlisted"] = dg.AssetOut(
            group_name=GROUP,
            description="The persons of rejected registry rows: NIK, name, village, birth date, RT and RW as "
            "far as they could be read. Linkage counts them among a record's namesakes, leaves a record "
            "carrying their NIK to them, and never links to them.",
        )

    @dg.multi_asset(
        name=f"validate_{name}",
        outs=outs,
        partitions_def=regencies,
        backfill_policy=REGENCY_BACKFILL,
        check_specs=[NIK_SHARE_CHECK] if name == "penduduk" else None,
    )
    def _validate(
        context: dg.AssetExecutionContext, settings: PerlinsosSettings, wilayah: pl.DataFrame, load_info: dict
    ):
        raw, read_meta = read_with_metadata(context, settings, name)
        frame = raw.frame
        regency = context.partition_key if context.has_partition_key else None
        if regency is not None:
            frame = rows_of_regency(frame, name, load_info["regencies"], regency)
        read_meta.update({"dagster/row_count": frame.height, "file_rows": raw.rows})
        started = time.perf_counter()
        v = fn(frame, wilayah, load_info["load_date"], load_info["regencies"], extra_columns=raw.extra_columns)
        took = {"duration_seconds": round(time.perf_counter() - started, 3)}
        checks = [_nik_share_result(v.quarantine, frame.height, settings)] if name == "penduduk" else []
        # The regency's file facts record a failed blocking check, so that a whole-scope run never
        # publishes a regency whose own run was stopped (assets/ingest/regions.py).
        info = {
            **raw_file_info(raw),
            "regency": regency,
            "regency_rows": frame.height,
            "blocked_by": [c.check_name for c in checks if not c.passed],
        }
        yield dg.Output(info, output_name=f"raw_{name}_file",
                        metadata={**read_meta, "extra_columns": len(raw.extra_columns)})
        yield dg.Output(
            v.frame, output_name=name, metadata={"dagster/row_count": v.frame.height, "rows_in": frame.height, **took}
        )
        yield dg.Output(
            v.quarantine,
            output_name=f"{name}_quarantine",
            metadata={**_quarantine_metadata(v.quarantine, frame.height), **took},
        )
        if with_flags:
            yield dg.Output(
                v.flags, output_name=f"{name}_flags", metadata={"dagster/row_count": v.flags.height, **took}
            )
            yield dg.Output(
                v.unlisted, output_name=f"{name}_unlisted",
                metadata={"dagster/row_count": v.unlisted.height, **took},
            )
        yield from checks

    return _validate


validation_assets = [
    validate_wilayah_asset,
    _validation_asset("penduduk", validate_penduduk, with_flags=True),
    _validation_asset("tanah", validate_tanah),
    _validation_asset("kendaraan", validate_kendaraan),
    _validation_asset("rumah", validate_rumah),
]


@dg.asset(
    group_name=GROUP,
    description="All quarantine findings of the load, every extract together (every regency of the scope).",
    ins={f"{name}_quarantine": dg.AssetIn(partition_mapping=ALL_REGENCIES) for name in PARTITIONED_EXTRACTS},
)
def quarantine(
    wilayah_quarantine: pl.DataFrame,
    penduduk_quarantine,
    tanah_quarantine,
    kendaraan_quarantine,
    rumah_quarantine,
    load_info: dict,
):
    frames = [wilayah_quarantine] + [
        whole_scope(q, load_info, union_quarantine, f"{name}_quarantine")
        for name, q in zip(
            PARTITIONED_EXTRACTS, [penduduk_quarantine, tanah_quarantine, kendaraan_quarantine, rumah_quarantine]
        )
    ]
    q = pl.concat([f.select(QUARANTINE_COLUMNS) for f in frames], how="vertical_relaxed")
    counts = dict(q.group_by("source").len().iter_rows())
    return dg.Output(q, metadata={"dagster/row_count": q.height, **{f"findings/{k}": v for k, v in counts.items()}})


validation_assets.append(quarantine)


@dg.asset_check(
    asset=quarantine,
    blocking=True,
    additional_ins={"policy": dg.AssetIn("policy"), "extract_files": dg.AssetIn("extract_files")},
    description="Blocks publication when an extract has more rejected rows than the policy's "
    "quarantine.max_rate allows: a delivery that bad must be looked at before anything is published.",
)
def quarantine_rate_within_policy(
    quarantine: pl.DataFrame, policy, extract_files: dict[str, dict]
) -> dg.AssetCheckResult:
    rates = rejected_rates(quarantine, {name: info["rows"] for name, info in extract_files.items()})
    over = sorted(name for name, rate in rates.items() if rate > policy.quarantine_max_rate)
    return dg.AssetCheckResult(
        passed=not over,
        description=(
            f"rejected share above {policy.quarantine_max_rate:.2%} in: {', '.join(over)}" if over else None
        ),
        metadata={"max_rate": policy.quarantine_max_rate, **{f"rejected_rate/{k}": round(v, 6) for k, v in rates.items()}},
    )


validation_checks = [quarantine_rate_within_policy]
