"""District-office Parquet exports: one hive-style folder per district, masked NIKs, a manifest.

An export is written into a hidden temporary folder beside its final place, the manifest last, and
only then renamed to `<exports>/<load_date>/`: a load killed half way leaves a hidden `.tmp-`
folder (cleaned by the next export), never a partial folder that looks finished.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl

from assets.concurrency import in_threads
from assets.ingest.read import file_sha256
from assets.publishing.warehouse import SCHEMA_VERSION

NIK_RE = r"\b(\d{6})\d{6}(\d{4})\b"


def mask_nik(expr: pl.Expr) -> pl.Expr:
    """`3510154501900001` -> `351015******0001`: the first 6 and last 4 digits shown."""
    return pl.when(expr.str.contains(r"^\d{16}$")).then(
        expr.str.slice(0, 6) + pl.lit("******") + expr.str.slice(12, 4)
    ).otherwise(expr)


def mask_niks_in_text(expr: pl.Expr) -> pl.Expr:
    """Mask every 16-digit number inside a free text (evidence in words)."""
    return expr.str.replace_all(NIK_RE, "${1}******${2}")


def mask_niks_in_column(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """`mask_niks_in_text` on one column, rewriting only the rows that hold a run of 16 digits.

    The same result; but the masking pattern (with its word boundaries and groups) is slow, and
    most evidence texts hold no NIK: a plain `\\d{16}` search finds the few that do."""
    values = frame.get_column(column)
    rows = values.str.contains(r"\d{16}").fill_null(False).arg_true()
    if rows.len() == 0:
        return frame
    masked = values.gather(rows).str.replace_all(NIK_RE, "${1}******${2}")
    return frame.with_columns(values.clone().scatter(rows, masked))


def district_partition(kode_kecamatan: str) -> Path:
    kabupaten = kode_kecamatan[:5].replace(".", "")
    return Path(f"kode_kabupaten={kabupaten}") / f"kode_kecamatan={kode_kecamatan}"


def export_frames(
    households: pl.DataFrame, reasons: pl.DataFrame, villages: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The exported columns: households with the head's address and village name, masked NIKs.

    `households` carries the mart columns plus the head's `alamat`, `no_rt`, `no_rw`;
    `villages` maps `KODE` to `NAMA`.
    """
    hh = (
        households.join(
            villages.select(pl.col("KODE").alias("kode_wilayah"), pl.col("NAMA").alias("nama_desa")),
            on="kode_wilayah",
            how="left",
        )
        .with_columns(mask_nik(pl.col("head_nik")).alias("head_nik"))
    )
    rs = reasons.join(households.select("no_kk", "kode_kecamatan"), on="no_kk", how="inner").with_columns(
        pl.when(pl.col("evidence_source") == "penduduk")
        .then(mask_nik(pl.col("evidence_id")))
        .otherwise(pl.col("evidence_id"))
        .alias("evidence_id"),
    )
    return hh, mask_niks_in_column(rs, "evidence")


def write_exports(
    exports_root: Path,
    *,
    load_id: str,
    load_date: str,
    policy_version: str,
    households: pl.DataFrame,
    reasons: pl.DataFrame,
) -> dict:
    """Write `<exports_root>/<load_date>/` atomically; returns the manifest.

    `households` and `reasons` are the export frames of `export_frames` (both carry
    `kode_kecamatan`; partition columns are written as folder names, not inside the files).
    """
    exports_root = Path(exports_root)
    exports_root.mkdir(parents=True, exist_ok=True)
    for stale in exports_root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    final = exports_root / load_date
    tmp = exports_root / f".tmp-{load_date}-{os.getpid()}"
    tmp.mkdir()
    try:
        def district_files(district: str) -> list[dict]:
            folder = tmp / district_partition(district)
            folder.mkdir(parents=True)
            written = []
            for name, frame in (("households", households), ("reasons", reasons)):
                part = frame.filter(pl.col("kode_kecamatan") == district).drop(
                    [c for c in ("kode_kecamatan", "kode_kabupaten") if c in frame.columns]
                )
                path = folder / f"{name}.parquet"
                part.write_parquet(path)
                written.append(
                    {"path": str(path.relative_to(tmp)), "rows": part.height, "sha256": file_sha256(path)}
                )
            return written

        # Districts two at a time (assets/concurrency.py); the manifest lists them in code order.
        districts = sorted(households["kode_kecamatan"].drop_nulls().unique().to_list())
        files = [f for written in in_threads(district_files, districts) for f in written]
        manifest = {
            "load_id": load_id,
            "load_date": load_date,
            "policy_version": policy_version,
            "schema_version": SCHEMA_VERSION,
            "files": files,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        old = None
        if final.exists():
            old = exports_root / f".tmp-old-{load_date}-{os.getpid()}"
            os.rename(final, old)
        os.rename(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return manifest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def verify_manifest(folder: Path) -> list[str]:
    """Problems found checking an export folder against its manifest (empty = complete)."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        return ["manifest.json is missing"]
    manifest = json.loads(manifest_path.read_text())
    problems = []
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if not path.exists():
            problems.append(f"{entry['path']}: missing")
            continue
        if file_sha256(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: SHA-256 differs")
            continue
        if pl.scan_parquet(path).select(pl.len()).collect().item() != entry["rows"]:
            problems.append(f"{entry['path']}: row count differs")
    return problems
