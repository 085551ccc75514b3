"""Publishing: the DuckDB mart is idempotent and atomic; exports are masked, partitioned, verifiable."""

from __future__ import annotations

import json
import multiprocessing as mp
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from assets.publishing.exports import (
    export_frames,
    mask_nik,
    mask_niks_in_column,
    mask_niks_in_text,
    verify_manifest,
    write_exports,
)
from assets.publishing.warehouse import TABLES, publish_warehouse, table_columns

NIK_A = "3510154501900001"
NIK_B = "3510150101850002"


def _load(load_date: date, scope: str = "35.10") -> dict:
    row = {
        "load_id": f"{load_date.isoformat()}_{scope}",
        "load_date": load_date,
        "scope": scope,
        "policy_version": "test",
        "schema_version": "1",
        "started_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
        "finished_at": datetime.now(timezone.utc),
    }
    for name in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah"):
        row.update({f"{name}_file": f"{name}.csv", f"{name}_sha256": "0" * 64, f"{name}_rows": 1,
                    f"{name}_quarantined": 0, f"{name}_rejected": 0})
    return row


def _households(statuses: dict[str, tuple[str, int | None, str]]) -> pl.DataFrame:
    """no_kk -> (status, desil, head_nik)"""
    rows = []
    for no_kk, (status, desil, head) in statuses.items():
        rows.append({
            "no_kk": no_kk, "kode_wilayah": "35.10.15.2004", "kode_kecamatan": "35.10.15",
            "kode_kabupaten": "35.10", "head_nik": head, "head_name": "SURATMI", "members": 2,
            "score": 20, "desil": desil, "status": status,
            "programs": ["SEMBAKO"] if status == "ELIGIBLE" else [], "policy_version": "test",
        })
    return pl.DataFrame(rows, schema_overrides={"desil": pl.Int32, "members": pl.Int32, "score": pl.Int32})


def _empty(table: str) -> pl.DataFrame:
    return pl.DataFrame({c: [] for c in table_columns(table) if c != "load_id"})


def _tables(hh: pl.DataFrame, reasons: list[dict] | None = None, members: list[tuple[str, str]] | None = None):
    reason_frame = (
        pl.DataFrame(reasons) if reasons else _empty("household_reasons")
    )
    member_rows = [
        {"nik": nik, "no_kk": kk, "name": "X", "sex": "PEREMPUAN", "age": 40, "relation": "KEPALA KELUARGA",
         "occupation": "PETANI/PEKEBUN", "nik_warning": None}
        for nik, kk in (members or [])
    ]
    return {
        "households": hh,
        "household_reasons": reason_frame,
        "score_components": _empty("score_components"),
        "members": pl.DataFrame(member_rows) if member_rows else _empty("members"),
        "asset_links": _empty("asset_links"),
        "quarantine": _empty("quarantine"),
    }


def _reason(no_kk: str, code: str, kind: str = "EXCLUSION") -> dict:
    return {"no_kk": no_kk, "kind": kind, "code": code, "description": "x", "evidence_source": "rumah",
            "evidence_id": no_kk, "evidence": "fakta", "link_method": "NIK_EXACT", "link_score": 1.0}


def test_every_mart_table_and_latest_view_exist_with_comments(tmp_path):
    db = tmp_path / "w.duckdb"
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(_households({"1" * 16: ("ELIGIBLE", 2, NIK_A)})))
    con = duckdb.connect(str(db), read_only=True)
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name='mart'").fetchall()}
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name='mart'").fetchall()}
    assert names == set(TABLES)
    assert views == {f"{t}_latest" for t in TABLES}
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE schema_name='mart' AND table_name='households' AND column_name='desil'"
    ).fetchone()[0]
    assert "decile" in comment.lower()


def test_rerunning_a_load_replaces_its_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    hh = _households({"1" * 16: ("ELIGIBLE", 2, NIK_A), "2" * 16: ("EXCLUDED", 9, NIK_B)})
    for _ in range(2):
        publish_warehouse(db, _load(date(2026, 1, 1)), _tables(hh))
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM mart.households").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM mart.loads").fetchone()[0] == 1


def test_latest_view_shows_only_newest_load(tmp_path):
    db = tmp_path / "w.duckdb"
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(_households({"1" * 16: ("ELIGIBLE", 2, NIK_A)})))
    publish_warehouse(db, _load(date(2026, 2, 1)), _tables(_households({"1" * 16: ("REVIEW", 2, NIK_A)})))
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM mart.households").fetchone()[0] == 2
    assert con.execute("SELECT status FROM mart.households_latest").fetchall() == [("REVIEW",)]


def test_latest_is_the_load_published_last_among_loads_of_one_date(tmp_path):
    """`finished_at` is when the load was published (under the writer lock), not when the step
    prepared it: two loads of one date that wait on each other are ordered as they were published."""
    db = tmp_path / "w.duckdb"
    early = _load(date(2026, 1, 1), scope="35.10") | {"finished_at": datetime(2030, 1, 1, tzinfo=timezone.utc)}
    late = _load(date(2026, 1, 1), scope="35.09") | {"finished_at": datetime(2020, 1, 1, tzinfo=timezone.utc)}
    publish_warehouse(db, early, _tables(_households({"1" * 16: ("ELIGIBLE", 2, NIK_A)})))
    publish_warehouse(db, late, _tables(_households({"2" * 16: ("REVIEW", 2, NIK_B)})))
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT no_kk, status FROM mart.households_latest").fetchall() == [("2" * 16, "REVIEW")]
    first, second = con.execute("SELECT finished_at FROM mart.loads ORDER BY scope DESC").fetchall()
    assert datetime(2025, 1, 1, tzinfo=timezone.utc) < first[0] < second[0] < datetime(2029, 1, 1, tzinfo=timezone.utc)


def test_changes_between_loads(tmp_path):
    db = tmp_path / "w.duckdb"
    kk1, kk2, kk3, kk4, kk_new, kk_moved = "1" * 16, "2" * 16, "3" * 16, "4" * 16, "5" * 16, "6" * 16
    first = _households({
        kk1: ("ELIGIBLE", 2, NIK_A),   # gets a car
        kk2: ("ELIGIBLE", 3, NIK_B),   # dissolves
        kk3: ("EXCLUDED", 9, "3510150101850003"),  # unchanged
        kk4: ("ELIGIBLE", 1, "3510150101850004"),  # NO_KK changes, head stays
    })
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(first))
    second = _households({
        kk1: ("EXCLUDED", 2, NIK_A),
        kk2: ("EXCLUDED", None, NIK_B),
        kk3: ("EXCLUDED", 9, "3510150101850003"),
        kk_moved: ("ELIGIBLE", 3, "3510150101850004"),
        kk_new: ("ELIGIBLE", 1, "3510150101850005"),
    })
    reasons = [_reason(kk1, "CAR_OWNER"), _reason(kk2, "HOUSEHOLD_DISSOLVED"), _reason(kk3, "HIGH_ELECTRICITY")]
    publish_warehouse(db, _load(date(2026, 2, 1)), _tables(second, reasons, [("3510150101850004", kk_moved)]))
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT no_kk, previous_no_kk, change, reason_codes FROM mart.eligibility_changes ORDER BY no_kk"
    ).fetchall()
    got = {r[0]: (r[1], r[2], r[3]) for r in rows}
    assert got[kk1] == (kk1, "NEWLY_EXCLUDED", ["CAR_OWNER"])
    assert got[kk2] == (kk2, "DISSOLVED", ["HOUSEHOLD_DISSOLVED"])
    assert got[kk_new] == (None, "NEW_HOUSEHOLD", [])
    assert got[kk_moved] == (kk4, "DECILE_MOVED", ["DECILE_MOVED", "NO_KK_CHANGED"])
    assert kk3 not in got


def test_changes_follow_a_family_by_its_members_when_the_head_is_gone(tmp_path):
    """The head died and the survivors got a new NO_KK: matched by the majority of former members."""
    db = tmp_path / "w.duckdb"
    kk_old, kk_new, kk_gone, kk_keep = "1" * 16, "7" * 16, "8" * 16, "9" * 16
    wife, child, other = "3510154501900011", "3510150101100012", "3510150101800013"
    first = _households({kk_old: ("ELIGIBLE", 2, NIK_A), kk_gone: ("ELIGIBLE", 3, NIK_B),
                         kk_keep: ("EXCLUDED", 8, other)})
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(
        first, members=[(NIK_A, kk_old), (wife, kk_old), (child, kk_old), (NIK_B, kk_gone), (other, kk_keep)]))
    second = _households({kk_new: ("ELIGIBLE", 2, wife), kk_keep: ("EXCLUDED", 8, other)})
    publish_warehouse(db, _load(date(2026, 2, 1)), _tables(
        second, members=[(wife, kk_new), (child, kk_new), (other, kk_keep)]))
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT no_kk, previous_no_kk, status, change, reason_codes FROM mart.eligibility_changes"
    ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    # same status and decile, but the office must learn the new card and the new head
    assert got[kk_new] == (kk_old, "ELIGIBLE", "NO_KK_CHANGED", ["NO_KK_CHANGED", "HEAD_CHANGED"])
    # a NO_KK that vanished from the registry with no successor is reported, not silently dropped
    assert got[kk_gone] == (kk_gone, None, "DISSOLVED", ["NOT_IN_REGISTRY"])
    assert kk_keep not in got and kk_old not in got


@pytest.mark.parametrize("before,after,change", [
    (("REVIEW", 3), ("ELIGIBLE", 3), "NEWLY_ELIGIBLE"),
    (("EXCLUDED", 8), ("ELIGIBLE", 3), "NEWLY_ELIGIBLE"),
    (("REVIEW", 3), ("EXCLUDED", 3), "NEWLY_EXCLUDED"),
    (("ELIGIBLE", 3), ("REVIEW", 3), "TO_REVIEW"),
    (("EXCLUDED", 8), ("REVIEW", None), "TO_REVIEW"),
    (("ELIGIBLE", 3), ("ELIGIBLE", 4), "DECILE_MOVED"),
    (("ELIGIBLE", 3), ("ELIGIBLE", 3), None),
    (("REVIEW", None), ("REVIEW", 3), "DECILE_MOVED"),  # scored now, not before
    (("REVIEW", 3), ("REVIEW", None), "DECILE_MOVED"),
    (("REVIEW", None), ("REVIEW", None), None),
    (("REVIEW", 3), ("REVIEW", 3), None),  # still in review: no change
])
def test_each_change_of_status_is_named(tmp_path, before, after, change):
    db = tmp_path / "w.duckdb"
    kk = "1" * 16
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(_households({kk: (*before, NIK_A)})))
    publish_warehouse(db, _load(date(2026, 2, 1)), _tables(_households({kk: (*after, NIK_A)})))
    con = duckdb.connect(str(db), read_only=True)
    got = con.execute("SELECT change FROM mart.eligibility_changes WHERE no_kk = ?", [kk]).fetchall()
    assert got == ([(change,)] if change else [])


def test_a_family_split_evenly_after_its_head_is_gone_has_no_successor(tmp_path):
    """One survivor on each of two new cards: neither holds a strict majority, so neither is
    reported as the old household under a new card; both are new households."""
    db = tmp_path / "w.duckdb"
    kk_old, kk_a, kk_b = "1" * 16, "7" * 16, "8" * 16
    wife, child = "3510154501900011", "3510150101100012"
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(
        _households({kk_old: ("ELIGIBLE", 2, NIK_A)}), members=[(NIK_A, kk_old), (wife, kk_old), (child, kk_old)]))
    publish_warehouse(db, _load(date(2026, 2, 1)), _tables(
        _households({kk_a: ("ELIGIBLE", 2, wife), kk_b: ("ELIGIBLE", 2, child)}),
        members=[(wife, kk_a), (child, kk_b)]))
    con = duckdb.connect(str(db), read_only=True)
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT no_kk, previous_no_kk, change FROM mart.eligibility_changes").fetchall()}
    assert got[kk_a] == (None, "NEW_HOUSEHOLD") and got[kk_b] == (None, "NEW_HOUSEHOLD")
    assert got[kk_old][1] == "DISSOLVED"


def _hold_reader(db: str, ready, release, out):
    con = duckdb.connect(db, read_only=True)
    before = con.execute("SELECT count(*) FROM mart.households").fetchone()[0]
    ready.set()
    release.wait(60)
    after = con.execute("SELECT count(*) FROM mart.households").fetchone()[0]
    out.put((before, after))
    con.close()


def test_a_reader_in_another_process_never_blocks_a_load_nor_sees_half_of_it(tmp_path):
    db = tmp_path / "w.duckdb"
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(_households({"1" * 16: ("ELIGIBLE", 2, NIK_A)})))
    ctx = mp.get_context("spawn")
    ready, release, out = ctx.Event(), ctx.Event(), ctx.Queue()
    reader = ctx.Process(target=_hold_reader, args=(str(db), ready, release, out))
    reader.start()
    try:
        assert ready.wait(60)
        many = _households({str(i).zfill(16): ("ELIGIBLE", 2, NIK_A) for i in range(1, 501)})
        publish_warehouse(db, _load(date(2026, 2, 1)), _tables(many))  # must not block or fail
        release.set()
        before, after = out.get(timeout=60)
    finally:
        reader.join(60)
    assert (before, after) == (1, 1)  # the open reader keeps its consistent snapshot
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM mart.households_latest").fetchone()[0] == 500


def test_mask_nik():
    frame = pl.DataFrame({"nik": [NIK_A, None, "12345"]})
    assert frame.select(mask_nik(pl.col("nik")))["nik"].to_list() == ["351015******0001", None, "12345"]


def test_exports_partitioned_masked_and_verifiable(tmp_path):
    hh = _households({"1" * 16: ("ELIGIBLE", 2, NIK_A), "2" * 16: ("EXCLUDED", 9, NIK_B)}).with_columns(
        pl.lit("JL. MAWAR 1").alias("alamat"), pl.lit("001").alias("no_rt"), pl.lit("002").alias("no_rw")
    )
    hh = hh.with_columns(
        pl.when(pl.col("no_kk") == "2" * 16).then(pl.lit("35.10.12")).otherwise(pl.col("kode_kecamatan")).alias("kode_kecamatan")
    )
    reasons = pl.DataFrame([{**_reason("2" * 16, "STATE_EMPLOYEE"), "evidence_source": "penduduk", "evidence_id": NIK_B,
                             "evidence": f"anggota {NIK_B} PNS"}])
    villages = pl.DataFrame({"KODE": ["35.10.15.2004"], "NAMA": ["Kemiren"]})
    ehh, ers = export_frames(hh, reasons, villages, load_id="L", scope=["35.10"])
    manifest = write_exports(tmp_path / "exports", load_id="L", load_date="2026-01-01", policy_version="p",
                             households=ehh, reasons=ers)
    folder = tmp_path / "exports" / "2026-01-01"
    assert (folder / "kode_kabupaten=3510" / "kode_kecamatan=35.10.15" / "households.parquet").exists()
    assert verify_manifest(folder) == []
    assert {f["path"] for f in manifest["files"]} >= {
        "kode_kabupaten=3510/kode_kecamatan=35.10.12/reasons.parquet",
        "kode_kabupaten=3510/kode_kecamatan=35.10.15/households.parquet",
    }
    on_disk = json.loads((folder / "manifest.json").read_text())
    assert on_disk["schema_version"] and on_disk["policy_version"] == "p"
    # districts are written side by side; the manifest lists them in code order all the same
    assert [f["path"].split("/")[1] for f in manifest["files"]] == [
        "kode_kecamatan=35.10.12", "kode_kecamatan=35.10.12", "kode_kecamatan=35.10.15", "kode_kecamatan=35.10.15"]

    household_files = sorted(str(p) for p in folder.rglob("households.parquet"))
    table = ds.dataset(household_files, format="parquet", partitioning="hive", partition_base_dir=str(folder)).to_table()
    assert set(table.column_names) >= {"no_kk", "head_nik", "alamat", "nama_desa", "kode_kecamatan", "kode_kabupaten"}
    assert table.num_rows == 2
    via_duck = duckdb.sql(
        f"SELECT * FROM read_parquet('{folder}/**/households.parquet', hive_partitioning=true)"
    ).pl()
    assert via_duck.height == 2
    assert set(via_duck["head_nik"]) == {"351015******0001", "351015******0002"}
    rs = duckdb.sql(f"SELECT * FROM read_parquet('{folder}/**/reasons.parquet', hive_partitioning=true)").pl()
    assert rs["evidence_id"].to_list() == ["351015******0002"]
    assert NIK_B not in rs["evidence"][0]
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(household_files)
    assert len(frame) == 2
    assert sorted(frame["kode_kecamatan"].astype(str)) == ["35.10.12", "35.10.15"]

    # a tampered file is caught
    target = folder / "kode_kabupaten=3510" / "kode_kecamatan=35.10.15" / "households.parquet"
    target.write_bytes(target.read_bytes()[:-10])
    assert verify_manifest(folder)


def test_export_killed_half_way_leaves_no_finished_looking_folder(tmp_path, monkeypatch):
    import assets.publishing.exports as ex

    hh = _households({"1" * 16: ("ELIGIBLE", 2, NIK_A)})
    calls = {"n": 0}
    real = ex.file_sha256

    def boom(path):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(path)

    monkeypatch.setattr(ex, "file_sha256", boom)
    with pytest.raises(KeyboardInterrupt):
        write_exports(tmp_path, load_id="L", load_date="2026-01-01", policy_version="p", households=hh,
                      reasons=_empty("household_reasons").with_columns(
                          pl.lit(None, pl.String).alias("kode_kabupaten"), pl.lit(None, pl.String).alias("kode_kecamatan")))
    assert not (tmp_path / "2026-01-01").exists()
    assert not list(Path(tmp_path).glob(".tmp-*"))


# ---------------------------------------------------------------- a real load killed half way

KILL = """
import os, sys
import assets.publishing.{module} as target
real = target.{function}
calls = {{"n": 0}}
def dying(*args, **kwargs):
    calls["n"] += 1
    if calls["n"] == {after}:
        os._exit(137)  # as abrupt as a kill: no cleanup runs
    return real(*args, **kwargs)
target.{function} = dying
from pipelines.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from pipelines.cli import main
    from synth.generate import generate

    root = tmp_path_factory.mktemp("killed")
    extracts = root / "extracts"
    generate(1200, 5, extracts, districts=["35.10.15"])
    db, exports = root / "wh" / "p.duckdb", root / "exports"
    assert main(["load", "--extracts", str(extracts), "--warehouse", str(db), "--exports", str(exports)]) == 0
    return {"extracts": extracts, "db": db, "exports": exports}


def _killed_load(published, module: str, function: str, after: int, load_date: str) -> int:
    import subprocess
    import sys

    code = KILL.format(module=module, function=function, after=after)
    args = ["load", "--extracts", str(published["extracts"]), "--warehouse", str(published["db"]),
            "--exports", str(published["exports"]), "--load-date", load_date]
    root = Path(__file__).resolve().parents[1]
    return subprocess.run([sys.executable, "-c", code, *args], cwd=root, capture_output=True, timeout=300).returncode


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_load_killed_while_publishing_leaves_the_database_and_exports_as_they_were(published):
    from pipelines.cli import main

    db, exports = published["db"], published["exports"]
    before = _sha(db)
    folders = sorted(p.name for p in exports.iterdir())
    # killed after the loads row and two tables were written into the copy
    assert _killed_load(published, "warehouse", "_insert", 3, "2026-12-01") == 137
    assert _sha(db) == before  # not a byte of the published database changed
    assert list(db.parent.glob(f".{db.name}.*.tmp*"))  # the abandoned copy is hidden beside it
    assert sorted(p.name for p in exports.iterdir()) == folders  # no export of the killed load
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM mart.loads").fetchone()[0] == 1
    con.close()
    # the next load publishes normally and clears the abandoned copy
    assert main(["load", "--extracts", str(published["extracts"]), "--warehouse", str(db),
                 "--exports", str(exports), "--load-date", "2026-12-01"]) == 0
    assert not list(db.parent.glob(f".{db.name}.*.tmp*"))
    # the killed load's claim on the work directory was taken over, and released when the load ended
    assert not (db.parent / "work" / ".run.json").exists()
    assert verify_manifest(exports / "2026-12-01") == []


@pytest.mark.slow
def test_a_load_killed_while_exporting_leaves_no_finished_looking_export(published):
    from pipelines.cli import main

    db, exports = published["db"], published["exports"]
    assert _killed_load(published, "exports", "file_sha256", 2, "2027-01-01") == 137
    assert not (exports / "2027-01-01").exists()  # no folder that looks finished
    leftovers = list(exports.glob(".tmp-*"))
    assert leftovers and all(not (p / "manifest.json").exists() for p in leftovers)
    # the database was published whole before the exports were written
    con = duckdb.connect(str(db), read_only=True)
    load_id = con.execute("SELECT max(load_id) FROM mart.households_latest").fetchone()[0]
    assert load_id == "2027-01-01_35.10"
    con.close()
    # running the same load again completes the export and clears the leftovers
    assert main(["load", "--extracts", str(published["extracts"]), "--warehouse", str(db),
                 "--exports", str(exports), "--load-date", "2027-01-01"]) == 0
    assert verify_manifest(exports / "2027-01-01") == []
    assert not list(exports.glob(".tmp-*"))


def test_every_key_column_of_the_contract_is_published(tmp_path):
    spec = Path(__file__).resolve().parents[2] / "shared" / "spec" / "outputs.md"
    if not spec.exists():
        pytest.skip("the contract is not beside the project")
    import re

    wanted: dict[str, set[str]] = {}
    for line in spec.read_text().splitlines():
        m = re.match(r"\| `(\w+)` \| [^|]+ \| (.+) \|$", line)
        if m:
            cols = {c.split(" (")[0].strip() for c in m.group(2).split(", ")}
            wanted[m.group(1)] = {c for c in cols if re.fullmatch(r"[a-z_]+", c)}
    assert set(wanted) == set(TABLES)
    db = tmp_path / "w.duckdb"
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(_households({"1" * 16: ("ELIGIBLE", 2, NIK_A)})))
    con = duckdb.connect(str(db), read_only=True)
    for table, cols in wanted.items():
        for relation in (table, f"{table}_latest"):
            have = {r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'mart' AND table_name = ?",
                [relation]).fetchall()}
            assert cols <= have, (relation, cols - have)
    # the loads row: every input file with its SHA-256 and row count, rows quarantined per extract
    loads = set(table_columns("loads"))
    for name in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah"):
        assert {f"{name}_file", f"{name}_sha256", f"{name}_rows", f"{name}_quarantined"} <= loads


@settings(max_examples=200, deadline=None)
@given(st.lists(
    st.none()
    | st.lists(st.text(alphabet="0123456789", min_size=14, max_size=18) | st.text(alphabet=" ab-:/;", max_size=4),
               max_size=5).map("".join),
    min_size=1, max_size=20,
))
def test_masking_a_column_rewrites_only_rows_with_a_nik_and_equals_the_text_masking(texts):
    """The export's fast path (only rows holding 16 digits are rewritten) masks as the pattern does."""
    frame = pl.DataFrame({"evidence": texts}, schema={"evidence": pl.String})
    fast = mask_niks_in_column(frame, "evidence")
    slow = frame.select(mask_niks_in_text(pl.col("evidence")))
    assert fast["evidence"].to_list() == slow["evidence"].to_list()


def test_masking_a_column_masks_a_nik_inside_a_text():
    frame = pl.DataFrame({"evidence": ["kandidat 3510154501900001; lain", "tanpa NIK", None]})
    assert mask_niks_in_column(frame, "evidence")["evidence"].to_list() == [
        "kandidat 351015******0001; lain", "tanpa NIK", None]


def test_every_row_records_its_policy_version_and_an_older_database_gets_it_filled(tmp_path):
    db, kk = tmp_path / "w.duckdb", "1" * 16

    def publish(day: date, version: str, status: str) -> None:
        load = {**_load(day), "policy_version": version}
        hh = _households({kk: (status, 2, NIK_A)}).with_columns(policy_version=pl.lit(version))
        publish_warehouse(db, load, _tables(hh, [_reason(kk, "CAR_OWNER")], [(NIK_A, kk)]))

    publish(date(2026, 1, 1), "v1", "EXCLUDED")
    # a database written before these tables carried the column
    con = duckdb.connect(str(db))
    for table in ("members", "household_reasons"):
        con.execute(f"ALTER TABLE mart.{table} DROP COLUMN policy_version")
    con.close()
    publish(date(2026, 2, 1), "v2", "REVIEW")

    con = duckdb.connect(str(db), read_only=True)
    try:
        expected = {"2026-01-01_35.10": "v1", "2026-02-01_35.10": "v2"}
        filled = set()
        for table in TABLES:
            assert "policy_version" in table_columns(table), table
            rows = con.execute(f"SELECT load_id, policy_version FROM mart.{table}").fetchall()
            assert all(version == expected[load_id] for load_id, version in rows), table
            filled |= {table} if rows else set()
        # (the other tables hold no row in this load)
        assert {"loads", "households", "household_reasons", "members", "eligibility_changes"} <= filled
        assert {r[0] for r in con.execute("SELECT load_id FROM mart.household_reasons").fetchall()} == set(expected)
    finally:
        con.close()



# --- between loads: which previous load, and who continues whom --------------------------------------

P1, P2, P3, P4 = "3510150101800021", "3510150101800022", "3510150101800023", "3510150101800024"


def _publish(db: Path, day: date, households: dict, members: list, reasons: list | None = None) -> None:
    """One load of scope 35.10: households as `_households` takes them, members as (nik, no_kk)."""
    publish_warehouse(db, _load(day), _tables(_households(households), reasons, members))


def _changes(db: Path, load_id: str | None = None) -> dict[str, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        where = "load_id = ?" if load_id else "load_id = (SELECT max(load_id) FROM mart.eligibility_changes)"
        rows = con.execute(f"SELECT no_kk, previous_load_id, previous_no_kk, status, change, reason_codes "
                           f"FROM mart.eligibility_changes WHERE {where}", [load_id] if load_id else []).fetchall()
    finally:
        con.close()
    assert len({r[0] for r in rows}) == len(rows)
    return {r[0]: r[1:] for r in rows}


def test_two_families_merged_under_one_card_continue_the_one_whose_head_heads_it(tmp_path):
    db = tmp_path / "w.duckdb"
    a, b, new = "2" * 16, "3" * 16, "7" * 16
    _publish(db, date(2026, 1, 1), {a: ("ELIGIBLE", 2, P1), b: ("ELIGIBLE", 2, P2)},
             [(P1, a), (P2, b)])
    _publish(db, date(2026, 2, 1), {new: ("ELIGIBLE", 2, P2)},
             [(P1, new), (P2, new)])
    got = _changes(db)
    assert got[new][1:3] == (b, "ELIGIBLE")  # b's head heads the new card
    # a's family lives on under the new card: not gone from the registry
    assert got[a][1:] == (a, None, "DISSOLVED", ["JOINED_OTHER_KK"])
    assert b not in got


def test_among_former_heads_none_of_whom_heads_the_new_card_the_one_that_brought_most_continues(tmp_path):
    db = tmp_path / "w.duckdb"
    small, big, new = "2" * 16, "3" * 16, "7" * 16  # the smaller NO_KK brought fewer members
    _publish(db, date(2026, 1, 1), {small: ("ELIGIBLE", 2, P1), big: ("ELIGIBLE", 2, P2)},
             [(P1, small), (P2, big), (P3, big), (P4, big)])
    _publish(db, date(2026, 2, 1), {new: ("ELIGIBLE", 2, P3)},
             [(P1, new), (P2, new), (P3, new), (P4, new)])
    got = _changes(db)
    assert got[new][1] == big and got[small][3:] == ("DISSOLVED", ["JOINED_OTHER_KK"])


def test_a_head_who_joined_a_card_that_existed_leaves_the_old_card_joined_not_continued(tmp_path):
    """A head match continues only a card that is new in this load; a card that existed keeps its
    own history. With its head alive, the family's members do not vote either."""
    db = tmp_path / "w.duckdb"
    old, keep, rest = "2" * 16, "3" * 16, "7" * 16
    _publish(db, date(2026, 1, 1), {old: ("ELIGIBLE", 2, P1), keep: ("EXCLUDED", 9, P2)},
             [(P1, old), (P3, old), (P4, old), (P2, keep)])
    # the head moves in with another family; the rest of the family gets a new card
    _publish(db, date(2026, 2, 1), {keep: ("EXCLUDED", 9, P2), rest: ("ELIGIBLE", 2, P3)},
             [(P1, keep), (P2, keep), (P3, rest), (P4, rest)])
    got = _changes(db)
    assert keep not in got
    assert got[old][1:] == (old, None, "DISSOLVED", ["JOINED_OTHER_KK"])
    assert got[rest][1:3] == (None, "ELIGIBLE") and got[rest][3] == "NEW_HOUSEHOLD"


def test_changes_are_against_the_latest_earlier_load_of_the_same_scope(tmp_path):
    db, kk = tmp_path / "w.duckdb", "1" * 16
    for day, desil, scope in ((date(2026, 1, 1), 1, "35.10"), (date(2026, 2, 1), 2, "35.10"),
                              (date(2026, 2, 15), 9, "35.99"), (date(2026, 3, 1), 3, "35.10")):
        publish_warehouse(db, _load(day, scope), _tables(_households({kk: ("ELIGIBLE", desil, NIK_A)})))
    march = _changes(db, "2026-03-01_35.10")
    assert march[kk][0] == "2026-02-01_35.10" and march[kk][3] == "DECILE_MOVED"
    assert _changes(db, "2026-02-15_35.99") == {}  # the other scope's first load
    # February run again after March: still against January, never a later load
    publish_warehouse(db, _load(date(2026, 2, 1)), _tables(_households({kk: ("ELIGIBLE", 2, NIK_A)})))
    assert _changes(db, "2026-02-01_35.10")[kk][0] == "2026-01-01_35.10"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM mart.eligibility_changes WHERE load_id = '2026-02-01_35.10'"
                       ).fetchone()[0] == 1  # replaced, not added
    con.close()


def test_reason_codes_are_what_is_new_and_a_head_change_is_named(tmp_path):
    db = tmp_path / "w.duckdb"
    doubt, moved, head = "1" * 16, "2" * 16, "3" * 16
    moved_new = "7" * 16
    _publish(db, date(2026, 1, 1),
             {doubt: ("REVIEW", 3, P1), moved: ("EXCLUDED", 9, P2), head: ("ELIGIBLE", 3, P3)},
             [(P1, doubt), (P2, moved), (P3, head), (P4, head)],
             [_reason(doubt, "UNCERTAIN_MATCH", "REVIEW"), _reason(moved, "HIGH_ELECTRICITY")])
    _publish(db, date(2026, 2, 1),
             {doubt: ("EXCLUDED", 3, P1), moved_new: ("EXCLUDED", 9, P2), head: ("ELIGIBLE", 3, P4)},
             [(P1, doubt), (P2, moved_new), (P4, head)],
             [_reason(doubt, "UNCERTAIN_MATCH", "REVIEW"), _reason(doubt, "CAR_OWNER"),
              _reason(moved_new, "HIGH_ELECTRICITY")])
    got = _changes(db)
    assert got[doubt][3:] == ("NEWLY_EXCLUDED", ["CAR_OWNER"])  # the doubt it had before is no news
    assert got[moved_new][1:] == (moved, "EXCLUDED", "NO_KK_CHANGED", ["NO_KK_CHANGED"])
    assert got[head][3:] == ("HEAD_CHANGED", ["HEAD_CHANGED"])


def test_a_card_dissolved_before_is_not_reported_again_when_it_leaves_the_registry(tmp_path):
    db = tmp_path / "w.duckdb"
    gone, kk = "1" * 16, "2" * 16
    dissolved = _households({gone: ("EXCLUDED", None, None), kk: ("ELIGIBLE", 2, NIK_A)}).with_columns(
        members=pl.when(pl.col("no_kk") == gone).then(0).otherwise(pl.col("members")).cast(pl.Int32))
    publish_warehouse(db, _load(date(2026, 1, 1)), _tables(
        dissolved, [_reason(gone, "HOUSEHOLD_DISSOLVED")], [(NIK_A, kk)]))
    _publish(db, date(2026, 2, 1), {kk: ("ELIGIBLE", 3, NIK_A)}, [(NIK_A, kk)])
    assert set(_changes(db)) == {kk}


def test_a_former_head_continues_a_new_card_before_the_members_of_another_family_do(tmp_path):
    """One family's head died and its two survivors joined a new card, which another family's
    head (alive) moved to as well: the head match continues it; the family whose survivors are
    the majority there joined it."""
    db = tmp_path / "w.duckdb"
    a, b, new = "2" * 16, "3" * 16, "7" * 16
    _publish(db, date(2026, 1, 1), {a: ("ELIGIBLE", 2, P1), b: ("ELIGIBLE", 2, P2)},
             [(P1, a), (P3, a), (P4, a), (P2, b)])
    _publish(db, date(2026, 2, 1), {new: ("ELIGIBLE", 2, P3)},
             [(P2, new), (P3, new), (P4, new)])
    got = _changes(db)
    assert got[new][1] == b
    assert got[a][1:] == (a, None, "DISSOLVED", ["JOINED_OTHER_KK"])
