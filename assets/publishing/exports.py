"""District-office Parquet exports: one hive-style folder per district, masked NIKs, a manifest.

An export is written into a hidden temporary folder beside its final place, the manifest last, and
only then renamed to `<exports>/<load_date>/`: a load killed half way leaves a hidden `.tmp-`
folder (cleaned by the next export), never a partial folder that looks finished. A load replaces
only the regency folders of its own scope: the other regencies' folders of the same date (another
scope's load) are carried into the new folder and stay listed in its manifest.

Every household of the load is exported. One whose district is unknown (no registry row and no
housing row left to place it) is written under its regency in `kode_kecamatan=unknown`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from assets.concurrency import file_lock, in_threads
from assets.ingest.read import file_sha256
from assets.publishing.warehouse import SCHEMA_VERSION

# A NIK inside free text: a run of exactly 16 digits, whatever stands beside it (a NIK typed
# into an address or glued to a word, `NIK3510...`, is still a NIK). No lookaround in Rust's
# regex: the neighbours are matched, kept, and the pattern applied twice, for two NIKs with a
# single character between them.
NIK_RE = r"(^|\D)(\d{6})\d{6}(\d{4})(\D|$)"
NIK_MASKED = "${1}${2}******${3}${4}"


def mask_nik(expr: pl.Expr) -> pl.Expr:
    """`3510154501900001` -> `351015******0001`: the first 6 and last 4 digits shown."""
    return pl.when(expr.str.contains(r"^\d{16}$")).then(
        expr.str.slice(0, 6) + pl.lit("******") + expr.str.slice(12, 4)
    ).otherwise(expr)


def mask_niks_in_text(expr: pl.Expr) -> pl.Expr:
    """Mask every run of 16 digits inside a free text (evidence in words, an address)."""
    return expr.str.replace_all(NIK_RE, NIK_MASKED).str.replace_all(NIK_RE, NIK_MASKED)


def mask_niks_in_column(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """`mask_niks_in_text` on one column, rewriting only the rows that hold a run of 16 digits.

    The same result; but the masking pattern (with its neighbour groups, applied twice) is slow, and
    most evidence texts hold no NIK: a plain `\\d{16}` search finds the few that do."""
    values = frame.get_column(column)
    rows = values.str.contains(r"\d{16}").fill_null(False).arg_true()
    if rows.len() == 0:
        return frame
    masked = values.gather(rows).to_frame().select(mask_niks_in_text(pl.col(column))).to_series()
    return frame.with_columns(values.clone().scatter(rows, masked))


FREE_TEXT = ("head_name", "alamat")  # exported household columns typed by hand at the source
UNKNOWN_DISTRICT = "unknown"  # partition of households whose district is unknown
EXPORT_LOCK = ".exports.lock"  # beside the date folders: one export at a time writes a date folder


def district_partition(kode_kabupaten: str, kode_kecamatan: str) -> Path:
    """`35.10`, `35.10.15` -> `kode_kabupaten=3510/kode_kecamatan=35.10.15`."""
    return Path(f"kode_kabupaten={kode_kabupaten.replace('.', '')}") / f"kode_kecamatan={kode_kecamatan}"


def export_partition(households: pl.DataFrame, scope: Sequence[str]) -> pl.DataFrame:
    """`kode_kabupaten` and `kode_kecamatan` of the partition each household is written to.

    A household with a district keeps its own. One without (known only through rejected registry
    rows and without a housing row) goes to `kode_kecamatan=unknown` of a regency of the `scope`:
    the regency of its NO_KK (the first 4 digits: the issuing office) when that is in the scope,
    else the scope's first regency (the only one of a one-regency scope)."""
    scope = sorted(scope)
    if not scope:
        raise ValueError("the load's scope names no regency")
    by_card = pl.col("no_kk").str.slice(0, 2) + pl.lit(".") + pl.col("no_kk").str.slice(2, 2)
    known = pl.col("kode_kecamatan").is_not_null()
    return households.with_columns(
        kode_kabupaten=pl.when(known)
        .then(pl.col("kode_kabupaten"))
        .when(by_card.is_in(scope).fill_null(False))
        .then(by_card)
        .otherwise(pl.lit(scope[0])),
        kode_kecamatan=pl.when(known).then(pl.col("kode_kecamatan")).otherwise(pl.lit(UNKNOWN_DISTRICT)),
    )


def export_frames(
    households: pl.DataFrame,
    reasons: pl.DataFrame,
    villages: pl.DataFrame,
    *,
    load_id: str,
    scope: Sequence[str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The exported columns: households with the head's address and village name, masked NIKs.

    `households` carries the mart columns plus the head's `alamat`, `no_rt`, `no_rw`;
    `villages` maps `KODE` to `NAMA`; `scope` lists the load's regencies (`35.10`). Both frames
    start with `load_id` and carry the partition (`kode_kabupaten`, `kode_kecamatan`) of
    `export_partition`, which `write_exports` turns into folder names.
    """
    routed = export_partition(households, scope)
    hh = (
        routed.join(
            villages.select(pl.col("KODE").alias("kode_wilayah"), pl.col("NAMA").alias("nama_desa")),
            on="kode_wilayah",
            how="left",
        )
        .with_columns(mask_nik(pl.col("head_nik")).alias("head_nik"))
        .select(pl.lit(load_id).alias("load_id"), pl.exclude("load_id"))
    )
    # free text as the registry delivered it: a NIK typed into a name or an address is masked too
    for column in FREE_TEXT:
        if column in hh.columns:
            hh = mask_niks_in_column(hh, column)
    # A penduduk evidence_id is a member's NIK, masked; or the household's own NO_KK (a rejected
    # registry row of the card: REJECTED_MEMBER_ROW, CONFLICTING_RECORDS), kept whole like no_kk.
    rs = (
        # the household's policy version: every exported row records it, as in the database
        reasons.drop("policy_version", strict=False)
        .join(routed.select("no_kk", "kode_kabupaten", "kode_kecamatan", "policy_version"), on="no_kk", how="inner")
        .with_columns(
            pl.when((pl.col("evidence_source") == "penduduk") & (pl.col("evidence_id") != pl.col("no_kk")).fill_null(True))
            .then(mask_nik(pl.col("evidence_id")))
            .otherwise(pl.col("evidence_id"))
            .alias("evidence_id"),
        )
        .select(pl.lit(load_id).alias("load_id"), pl.exclude("load_id"))
    )
    return hh, mask_niks_in_column(rs, "evidence")


def _carry(src: Path, dst: Path) -> None:
    """`src` into the new folder: a hard link (no copy, the bytes are the same), a copy where the
    file system has none."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_exports(
    exports_root: Path,
    *,
    load_id: str,
    load_date: str,
    policy_version: str,
    households: pl.DataFrame,
    reasons: pl.DataFrame,
    scope: Sequence[str] | None = None,
) -> dict:
    """Write this load's regency folders of `<exports_root>/<load_date>/` atomically; returns the manifest.

    `households` and `reasons` are the export frames of `export_frames` (both carry
    `kode_kabupaten` and `kode_kecamatan`; partition columns are written as folder names, not inside
    the files). The load replaces the folders of the regencies of its `scope` (default: those it
    writes) and of those it writes; the date folder's other regency folders are kept, with their
    manifest entries. The manifest's top-level values are this load's; each file names its `load_id`.
    """
    exports_root = Path(exports_root)
    exports_root.mkdir(parents=True, exist_ok=True)
    districts = households.select("kode_kabupaten", "kode_kecamatan").unique().sort("kode_kabupaten", "kode_kecamatan")
    if districts.null_count().sum_horizontal().item():
        raise ValueError("households without an export partition: export_frames gives every household one")
    written = set(districts["kode_kabupaten"].to_list())
    own = {f"kode_kabupaten={r.replace('.', '')}" for r in written | set(scope or [])}
    # loads of two scopes may export the same date: each reads the folder the other may replace
    with file_lock(exports_root / EXPORT_LOCK):
        # Left by an export killed half way (we hold the lock: none is in use). A complete export
        # moved aside (`.tmp-old-<date>-<pid>`) whose date folder is missing was killed between its
        # two renames: it is put back, so the regencies of other scopes it holds are carried on.
        for stale in sorted(exports_root.glob(".tmp-old-*")):
            match = re.fullmatch(r"\.tmp-old-(\d{4}-\d{2}-\d{2})-\d+", stale.name)
            if match and not (exports_root / match.group(1)).exists():
                os.rename(stale, exports_root / match.group(1))
        for stale in exports_root.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        final = exports_root / load_date
        tmp = exports_root / f".tmp-{load_date}-{os.getpid()}"
        tmp.mkdir()
        try:
            def district_files(district: tuple[str, str]) -> list[dict]:
                folder = tmp / district_partition(*district)
                folder.mkdir(parents=True)
                out = []
                for name, frame in (("households", households), ("reasons", reasons)):
                    part = frame.filter(
                        (pl.col("kode_kabupaten") == district[0]) & (pl.col("kode_kecamatan") == district[1])
                    ).drop("kode_kecamatan", "kode_kabupaten")
                    path = folder / f"{name}.parquet"
                    part.write_parquet(path)
                    out.append({"path": path.relative_to(tmp).as_posix(), "rows": part.height,
                                "sha256": file_sha256(path), "load_id": load_id})
                return out

            # Districts two at a time (assets/concurrency.py).
            files = [f for done in in_threads(district_files, districts.rows()) for f in done]
            # Other scopes' regencies of this date, as the previous manifest lists them.
            previous = final / "manifest.json"
            if previous.exists():
                before = json.loads(previous.read_text())
                for entry in before.get("files", []):
                    src = final / entry["path"]
                    if entry["path"].split("/")[0] in own or not src.is_file():
                        continue
                    _carry(src, tmp / entry["path"])
                    files.append({**entry, "load_id": entry.get("load_id", before.get("load_id"))})
            manifest = {
                "load_id": load_id,
                "load_date": load_date,
                "policy_version": policy_version,
                "schema_version": SCHEMA_VERSION,
                "files": sorted(files, key=lambda f: f["path"]),  # in code order
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


# What the check compares: a household by its decision, a reason by what an office acts on (the
# evidence_id and the evidence text are masked in the files, so they are left out).
_HOUSEHOLD_KEY = "no_kk, status, desil"
_REASON_KEY = "no_kk, kind, code, evidence_source, link_method"


def exports_against_warehouse(folder: Path, db_path: Path, load_id: str) -> dict[str, int]:
    """What the files of the export `folder` hold for `load_id` against the database's rows of it.

    Reads every `households.parquet` and `reasons.parquet` under the folder (rows of other loads,
    another scope's, are told apart by their `load_id`) and the database read-only. Counts only,
    never a row: `*_exported`, `*_published`, `*_missing` (in the database, not in the files),
    `*_extra` (in the files, not in the database) for households and reasons, and
    `manifest_problems` (`verify_manifest`)."""
    folder = Path(folder)
    # under the export lock: a load of another scope may be replacing the date folder
    with file_lock(folder.parent / EXPORT_LOCK):
        con = duckdb.connect()
        try:
            con.execute("ATTACH ? AS wh (READ_ONLY)", [str(db_path)])
            out = {}
            for kind, table, key in (("households", "households", _HOUSEHOLD_KEY),
                                     ("reasons", "household_reasons", _REASON_KEY)):
                out.update(_compare(con, sorted(str(p) for p in folder.glob(f"*/*/{kind}.parquet")),
                                    f"wh.mart.{table}", key, load_id, kind))
        finally:
            con.close()
        out["manifest_problems"] = len(verify_manifest(folder))
    return out


def _compare(con: duckdb.DuckDBPyConnection, files: list[str], table: str, key: str, load_id: str,
             kind: str) -> dict[str, int]:
    source = "read_parquet($files, union_by_name = true)"
    columns = con.execute(f"DESCRIBE SELECT * FROM {source}", {"files": files}).fetchall() if files else []
    if "load_id" in {c[0] for c in columns}:
        exported, params = f"SELECT {key} FROM {source} WHERE load_id = $load_id", {"files": files}
    else:  # no file, or only files written before exports carried load_id: none of this load's rows
        exported, params = f"SELECT {key} FROM {table} WHERE false", {}
    published = f"SELECT {key} FROM {table} WHERE load_id = $load_id"
    # Both sides' row count and sum of row hashes first (a fingerprint of the multiset of rows, in
    # one scan each); only when they differ are the rows matched one by one to count what is
    # missing and what is extra (at 1,700,000 persons 0.3 s instead of 2 s for a passing check).
    fingerprint = f"SELECT count(*), coalesce(sum(hash({key})), 0) FROM ({{}})"
    both = {"load_id": load_id, **params}
    e_n, e_h = con.execute(fingerprint.format(exported), both if params else {}).fetchone()
    p_n, p_h = con.execute(fingerprint.format(published), {"load_id": load_id}).fetchone()
    if (e_n, e_h) == (p_n, p_h):
        missing = extra = 0
    else:
        missing, extra = con.execute(
            f"SELECT (SELECT count(*) FROM ({published} EXCEPT ALL {exported})), "
            f"(SELECT count(*) FROM ({exported} EXCEPT ALL {published}))",
            both,
        ).fetchone()
    return dict(zip((f"{kind}_exported", f"{kind}_published", f"{kind}_missing", f"{kind}_extra"),
                    (e_n, p_n, missing, extra)))
