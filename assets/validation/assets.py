"""Validation: typed frames for the later stages, and quarantine for every broken rule."""


import time

import dagster as dg
import polars as pl

from assets.validation.checks import rejected_rates, valid_nik_share
from assets.validation.validate import (
    validate_kendaraan,
    validate_penduduk,
    validate_rumah,
    validate_tanah,
    validate_wilayah,
)
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


def _validation_asset(name: str, fn, with_flags: bool = False) -> dg.AssetsDefinition:
    outs = {
        name: dg.AssetOut(description=f"The {name} extract, typed and cleaned; rejected rows removed."),
        f"{name}_quarantine": dg.AssetOut(description=f"Every rule broken by a {name} row, with its action."),
    }
    if with_flags:
        outs[f"{name}_flags"] = dg.AssetOut(
            description="Households whose registry rows were rejected or conflict (review reasons)."
        )

    @dg.multi_asset(
        name=f"validate_{name}",
        group_name=GROUP,
        outs=outs,
        ins={"raw": dg.AssetIn(f"raw_{name}"), "raw_file": dg.AssetIn(f"raw_{name}_file")},
    )
    def _validate(raw: pl.DataFrame, raw_file: dict, wilayah: pl.DataFrame, load_info: dict):
        started = time.perf_counter()
        v = fn(raw, wilayah, load_info["load_date"], load_info["regencies"], extra_columns=raw_file["extra_columns"])
        took = {"duration_seconds": round(time.perf_counter() - started, 3)}
        yield dg.Output(
            v.frame, output_name=name, metadata={"dagster/row_count": v.frame.height, "rows_in": raw.height, **took}
        )
        yield dg.Output(
            v.quarantine,
            output_name=f"{name}_quarantine",
            metadata={**_quarantine_metadata(v.quarantine, raw.height), **took},
        )
        if with_flags:
            yield dg.Output(
                v.flags, output_name=f"{name}_flags", metadata={"dagster/row_count": v.flags.height, **took}
            )

    return _validate


validation_assets = [
    validate_wilayah_asset,
    _validation_asset("penduduk", validate_penduduk, with_flags=True),
    _validation_asset("tanah", validate_tanah),
    _validation_asset("kendaraan", validate_kendaraan),
    _validation_asset("rumah", validate_rumah),
]


@dg.asset(group_name=GROUP, description="All quarantine findings of the load, every extract together.")
def quarantine(
    wilayah_quarantine: pl.DataFrame,
    penduduk_quarantine: pl.DataFrame,
    tanah_quarantine: pl.DataFrame,
    kendaraan_quarantine: pl.DataFrame,
    rumah_quarantine: pl.DataFrame,
):
    frames = [wilayah_quarantine, penduduk_quarantine, tanah_quarantine, kendaraan_quarantine, rumah_quarantine]
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


@dg.asset_check(
    asset="penduduk_quarantine",
    blocking=True,
    additional_ins={"raw_penduduk_file": dg.AssetIn("raw_penduduk_file")},
    description="Blocks publication when fewer penduduk rows than the settings' min_valid_nik_share "
    "carry a valid NIK: a registry extract that broken (a spreadsheet round trip, a shifted column) "
    "must be redelivered, not published.",
)
def valid_nik_share_within_policy(
    penduduk_quarantine: pl.DataFrame, raw_penduduk_file: dict, settings: PerlinsosSettings
) -> dg.AssetCheckResult:
    rows = raw_penduduk_file["rows"]
    share = valid_nik_share(penduduk_quarantine, rows)
    passed = share >= settings.min_valid_nik_share
    return dg.AssetCheckResult(
        passed=passed,
        description=None
        if passed
        else f"valid NIK share {share:.2%} below {settings.min_valid_nik_share:.2%} of {rows:,} penduduk rows",
        metadata={"valid_nik_share": round(share, 6), "min_share": settings.min_valid_nik_share, "rows": rows},
    )


validation_checks = [quarantine_rate_within_policy, valid_nik_share_within_policy]
