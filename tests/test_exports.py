"""District exports: every household of a load reaches an office, loads of two scopes share a date
folder, a NO_KK used as evidence stays whole, the files carry `load_id`, and the check
`exports_match_warehouse` compares what the files hold with the database."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import re

import dagster as dg
import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.publishing.assets import exports_match_warehouse
from assets.publishing.exports import (
    UNKNOWN_DISTRICT,
    export_frames,
    export_partition,
    exports_against_warehouse,
    mask_niks_in_text,
    verify_manifest,
    write_exports,
)
from assets.publishing.explain import mask_text
from assets.publishing.warehouse import publish_warehouse, table_columns
from published import sql

ROOT = Path(__file__).resolve().parents[1]
KK_KNOWN, KK_UNKNOWN, KK_OTHER = "3510151702200001", "3510120102190001", "3201010101200001"
NIK_HEAD, NIK_PNS = "3510150101800001", "3510154101850002"
VILLAGES = pl.DataFrame({"KODE": ["35.10.15.2004", "35.99.12.2001"], "NAMA": ["Kemiren", "Sintetis"]})


def _households(rows: list[tuple[str, str | None, str]]) -> pl.DataFrame:
    """(no_kk, kode_wilayah or None, status) -> the households frame the publishing step receives."""
    return pl.DataFrame(
        [{
            "no_kk": kk, "kode_wilayah": village,
            "kode_kecamatan": village[:8] if village else None, "kode_kabupaten": village[:5] if village else None,
            "head_nik": NIK_HEAD if village else None, "head_name": "SLAMET" if village else None,
            "members": 2 if village else 0, "score": 20 if village else None, "desil": 2 if village else None,
            "status": status, "programs": ["SEMBAKO"] if status == "ELIGIBLE" else [], "policy_version": "p",
            "alamat": "DUSUN KRAJAN" if village else None, "no_rt": "001" if village else None,
            "no_rw": "002" if village else None,
        } for kk, village, status in rows],
        schema_overrides={"members": pl.Int32, "score": pl.Int32, "desil": pl.Int32, "programs": pl.List(pl.String)},
    )


def _reasons(rows: list[tuple[str, str, str, str, str]]) -> pl.DataFrame:
    """(no_kk, kind, code, evidence_source, evidence_id) -> household_reasons rows."""
    return pl.DataFrame(
        [{"no_kk": kk, "kind": kind, "code": code, "description": "x", "evidence_source": source,
          "evidence_id": evidence_id, "evidence": f"fakta {evidence_id}", "link_method": None, "link_score": None}
         for kk, kind, code, source, evidence_id in rows],
        schema_overrides={"link_method": pl.String, "link_score": pl.Float64},
    )


def test_a_household_without_a_district_goes_to_the_unknown_district_of_its_regency():
    hh = _households([(KK_KNOWN, "35.10.15.2004", "ELIGIBLE"), (KK_UNKNOWN, None, "REVIEW"),
                      ("3599120101200001", None, "REVIEW"), (KK_OTHER, None, "REVIEW")])

    def routed(scope):
        out = export_partition(hh, scope)
        return dict(zip(out["no_kk"], zip(out["kode_kabupaten"], out["kode_kecamatan"])))

    # one regency: the scope's, whatever the card's issuing office
    assert routed(["35.10"]) == {
        KK_KNOWN: ("35.10", "35.10.15"), KK_UNKNOWN: ("35.10", UNKNOWN_DISTRICT),
        "3599120101200001": ("35.10", UNKNOWN_DISTRICT), KK_OTHER: ("35.10", UNKNOWN_DISTRICT)}
    # two regencies: the NO_KK's regency when it is in the scope, else the scope's first
    assert routed(["35.99", "35.10"]) == {
        KK_KNOWN: ("35.10", "35.10.15"), KK_UNKNOWN: ("35.10", UNKNOWN_DISTRICT),
        "3599120101200001": ("35.99", UNKNOWN_DISTRICT), KK_OTHER: ("35.10", UNKNOWN_DISTRICT)}


def test_every_household_and_reason_is_written_with_its_load_id(tmp_path):
    hh = _households([(KK_KNOWN, "35.10.15.2004", "EXCLUDED"), (KK_UNKNOWN, None, "REVIEW")])
    rs = _reasons([(KK_KNOWN, "EXCLUSION", "STATE_EMPLOYEE", "penduduk", NIK_PNS),
                   (KK_UNKNOWN, "REVIEW", "REJECTED_MEMBER_ROW", "penduduk", KK_UNKNOWN)])
    ehh, ers = export_frames(hh, rs, VILLAGES, load_id="2026-11-01_35.10", scope=["35.10"])
    write_exports(tmp_path, load_id="2026-11-01_35.10", load_date="2026-11-01", policy_version="p",
                  households=ehh, reasons=ers, scope=["35.10"])
    folder = tmp_path / "2026-11-01"
    unknown = folder / "kode_kabupaten=3510" / f"kode_kecamatan={UNKNOWN_DISTRICT}"
    assert pl.read_parquet(unknown / "households.parquet")["no_kk"].to_list() == [KK_UNKNOWN]
    assert pl.read_parquet(unknown / "reasons.parquet")["code"].to_list() == ["REJECTED_MEMBER_ROW"]
    assert verify_manifest(folder) == []
    for kind in ("households", "reasons"):
        # a file on its own: load_id first, the partition only in the folder names
        alone = pl.read_parquet(unknown / f"{kind}.parquet")
        assert alone.columns[0] == "load_id" and {"kode_kabupaten", "kode_kecamatan"}.isdisjoint(alone.columns)
        # with partition discovery, by DuckDB and polars
        duck = duckdb.sql(f"SELECT load_id, no_kk, kode_kabupaten::VARCHAR AS kab, kode_kecamatan FROM "
                          f"read_parquet('{folder}/*/*/{kind}.parquet', hive_partitioning = true) ORDER BY no_kk").pl()
        scanned = pl.scan_parquet(f"{folder}/**/{kind}.parquet", hive_partitioning=True).collect().sort("no_kk")
        for frame in (duck, scanned.with_columns(kab=pl.col("kode_kabupaten").cast(pl.String))):
            assert frame["load_id"].to_list() == ["2026-11-01_35.10"] * 2
            assert frame["no_kk"].to_list() == [KK_UNKNOWN, KK_KNOWN]
            assert frame["kab"].to_list() == ["3510", "3510"]
            assert frame["kode_kecamatan"].to_list() == [UNKNOWN_DISTRICT, "35.10.15"]


def test_a_no_kk_as_evidence_stays_whole_and_every_nik_is_masked():
    hh = _households([(KK_KNOWN, "35.10.15.2004", "REVIEW")])
    rs = _reasons([
        (KK_KNOWN, "REVIEW", "REJECTED_MEMBER_ROW", "penduduk", KK_KNOWN),
        (KK_KNOWN, "REVIEW", "CONFLICTING_RECORDS", "penduduk", KK_KNOWN),
        (KK_KNOWN, "EXCLUSION", "STATE_EMPLOYEE", "penduduk", NIK_PNS),
        (KK_KNOWN, "EXCLUSION", "HOUSEHOLD_DISSOLVED", "penduduk", NIK_HEAD),
        # another family's card number as a penduduk evidence_id is not this row's NO_KK: masked
        (KK_KNOWN, "REVIEW", "CONFLICTING_RECORDS", "penduduk", KK_UNKNOWN),
    ])
    _, ers = export_frames(hh, rs, VILLAGES, load_id="L", scope=["35.10"])
    assert ers.filter(pl.col("evidence_id") == KK_KNOWN)["code"].sort().to_list() == [
        "CONFLICTING_RECORDS", "REJECTED_MEMBER_ROW"]
    assert set(ers["evidence_id"]) - {KK_KNOWN} == {"351015******0002", "351015******0001", "351012******0001"}
    assert not ers["evidence"].str.contains(NIK_PNS).any()


def _masked_oracle(text: str) -> str:
    """Every run of exactly 16 digits: first 6 and last 4 shown."""
    return re.sub(r"(?<![0-9])([0-9]{6})[0-9]{6}([0-9]{4})(?![0-9])", r"\1******\2", text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789", min_size=1, max_size=20),
                          st.text(alphabet="ABC .,/-*'", min_size=0, max_size=3)), max_size=6).map("".join))
def test_every_run_of_sixteen_digits_in_free_text_is_masked_and_nothing_else(text):
    got = pl.select(mask_niks_in_text(pl.lit(text, dtype=pl.String))).item()
    assert got == _masked_oracle(text)
    assert mask_text(text) == got  # `perlinsos explain` masks as the exports do


def test_a_nik_typed_into_a_heads_name_or_address_leaves_masked():
    hh = _households([(KK_KNOWN, "35.10.15.2004", "REVIEW")]).with_columns(
        head_name=pl.lit(f"SLAMET {NIK_HEAD}"),
        alamat=pl.lit(f"DUSUN KRAJAN NIK{NIK_HEAD},{NIK_PNS} NO 12345678901234567"),
    )
    rs = _reasons([(KK_KNOWN, "REVIEW", "NO_HOUSING_DATA", "rumah", KK_KNOWN)])
    ehh, _ = export_frames(hh, rs, VILLAGES, load_id="L", scope=["35.10"])
    assert ehh["head_name"].to_list() == ["SLAMET 351015******0001"]
    # glued to a word, two with one character between, and a 17-digit number that is no NIK
    assert ehh["alamat"].to_list() == ["DUSUN KRAJAN NIK351015******0001,351015******0002 NO 12345678901234567"]
    assert ehh["no_kk"].to_list() == [KK_KNOWN]  # the card number stays whole


def _export(root: Path, load_id: str, scope: list[str], rows: list[tuple[str, str | None, str]]) -> dict:
    hh = _households(rows)
    rs = _reasons([(kk, "REVIEW", "NO_HOUSING_DATA", "rumah", kk) for kk, *_ in rows])
    ehh, ers = export_frames(hh, rs, VILLAGES, load_id=load_id, scope=scope)
    return write_exports(root, load_id=load_id, load_date="2026-11-01", policy_version="p",
                         households=ehh, reasons=ers, scope=scope)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.parquet"))}


def test_loads_of_two_scopes_on_one_date_keep_each_others_regencies(tmp_path):
    a, b = "2026-11-01_35.10", "2026-11-01_35.99"
    folder = tmp_path / "2026-11-01"
    _export(tmp_path, a, ["35.10"], [(KK_KNOWN, "35.10.15.2004", "ELIGIBLE"), (KK_UNKNOWN, None, "REVIEW")])
    a_files = _files(folder)
    _export(tmp_path, b, ["35.99"], [("3599120101200001", "35.99.12.2001", "ELIGIBLE")])
    assert verify_manifest(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["load_id"] == b and manifest["load_date"] == "2026-11-01"
    assert {f["path"]: f["load_id"] for f in manifest["files"]} == {
        "kode_kabupaten=3510/kode_kecamatan=35.10.15/households.parquet": a,
        "kode_kabupaten=3510/kode_kecamatan=35.10.15/reasons.parquet": a,
        f"kode_kabupaten=3510/kode_kecamatan={UNKNOWN_DISTRICT}/households.parquet": a,
        f"kode_kabupaten=3510/kode_kecamatan={UNKNOWN_DISTRICT}/reasons.parquet": a,
        "kode_kabupaten=3599/kode_kecamatan=35.99.12/households.parquet": b,
        "kode_kabupaten=3599/kode_kecamatan=35.99.12/reasons.parquet": b,
    }
    assert {p: v for p, v in _files(folder).items() if p.startswith("kode_kabupaten=3510/")} == a_files
    b_files = {p: v for p, v in _files(folder).items() if p.startswith("kode_kabupaten=3599/")}

    # scope A again, now without the household of unknown district: only A's folders are replaced
    _export(tmp_path, a, ["35.10"], [(KK_KNOWN, "35.10.15.2004", "REVIEW")])
    assert verify_manifest(folder) == []
    after = _files(folder)
    assert {p for p in after if p.startswith("kode_kabupaten=3510/")} == {
        "kode_kabupaten=3510/kode_kecamatan=35.10.15/households.parquet",
        "kode_kabupaten=3510/kode_kecamatan=35.10.15/reasons.parquet"}
    assert not (folder / "kode_kabupaten=3510" / f"kode_kecamatan={UNKNOWN_DISTRICT}").exists()
    assert {p: v for p, v in after.items() if p.startswith("kode_kabupaten=3599/")} == b_files
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["load_id"] == a
    assert {f["path"] for f in manifest["files"]} == set(after)
    assert not list(tmp_path.glob(".tmp-*"))


def test_an_export_killed_between_its_renames_leaves_the_previous_export_to_the_next(tmp_path):
    """Killed after moving the complete folder aside and before putting the new one in place: the
    next export puts the previous one back first, so other scopes' regencies are not lost."""
    a, b = "2026-11-01_35.10", "2026-11-01_35.99"
    folder = tmp_path / "2026-11-01"
    _export(tmp_path, a, ["35.10"], [(KK_KNOWN, "35.10.15.2004", "ELIGIBLE")])
    a_files = _files(folder)
    folder.rename(tmp_path / ".tmp-old-2026-11-01-999999")  # where the kill leaves it
    (tmp_path / ".tmp-2026-11-01-999999").mkdir()  # and the new, unfinished one
    _export(tmp_path, b, ["35.99"], [("3599120101200001", "35.99.12.2001", "ELIGIBLE")])
    assert verify_manifest(folder) == []
    assert {p: v for p, v in _files(folder).items() if p.startswith("kode_kabupaten=3510/")} == a_files
    assert {p.split("/")[0] for p in _files(folder)} == {"kode_kabupaten=3510", "kode_kabupaten=3599"}
    assert not list(tmp_path.glob(".tmp-*"))


def _load_row(load_id: str) -> dict:
    row = {"load_id": load_id, "load_date": date(2026, 11, 1), "scope": "35.10", "policy_version": "p",
           "schema_version": "1", "started_at": datetime(2026, 11, 1, tzinfo=timezone.utc),
           "finished_at": datetime.now(timezone.utc)}
    for name in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah"):
        row.update({f"{name}_file": f"{name}.csv", f"{name}_sha256": "0" * 64, f"{name}_rows": 1,
                    f"{name}_quarantined": 0, f"{name}_rejected": 0})
    return row


def _empty(table: str) -> pl.DataFrame:
    return pl.DataFrame({c: [] for c in table_columns(table) if c != "load_id"})


def test_the_check_compares_what_the_files_hold_with_the_database(tmp_path):
    load_id = "2026-11-01_35.10"
    hh = _households([(KK_KNOWN, "35.10.15.2004", "EXCLUDED"), (KK_UNKNOWN, None, "REVIEW")])
    rs = _reasons([(KK_KNOWN, "EXCLUSION", "STATE_EMPLOYEE", "penduduk", NIK_PNS),
                   (KK_UNKNOWN, "REVIEW", "REJECTED_MEMBER_ROW", "penduduk", KK_UNKNOWN)])
    db = tmp_path / "w.duckdb"
    counts = publish_warehouse(db, _load_row(load_id), {
        "households": hh.select([c for c in table_columns("households") if c != "load_id"]),
        "household_reasons": rs, "score_components": _empty("score_components"), "members": _empty("members"),
        "asset_links": _empty("asset_links"), "quarantine": _empty("quarantine")})
    ehh, ers = export_frames(hh, rs, VILLAGES, load_id=load_id, scope=["35.10"])
    write_exports(tmp_path / "exports", load_id=load_id, load_date="2026-11-01", policy_version="p",
                  households=ehh, reasons=ers, scope=["35.10"])
    folder = tmp_path / "exports" / "2026-11-01"
    # what the export step hands the check (the row counts of the frames it wrote)
    exported = {"path": str(folder), "load_id": load_id, "files": 4, "households": ehh.height, "reasons": ers.height}
    warehouse = {"load_id": load_id, "path": str(db), "counts": counts}

    found = exports_against_warehouse(folder, db, load_id)
    assert found == {"households_exported": 2, "households_published": 2, "households_missing": 0,
                     "households_extra": 0, "reasons_exported": 2, "reasons_published": 2, "reasons_missing": 0,
                     "reasons_extra": 0, "manifest_problems": 0}
    assert exports_match_warehouse(district_exports=exported, warehouse=warehouse).passed

    # an export without the household of unknown district and its reason, its manifest consistent
    shutil.rmtree(folder / "kode_kabupaten=3510" / f"kode_kecamatan={UNKNOWN_DISTRICT}")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"] = [f for f in manifest["files"] if UNKNOWN_DISTRICT not in f["path"]]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    found = exports_against_warehouse(folder, db, load_id)
    assert (found["households_missing"], found["reasons_missing"], found["manifest_problems"]) == (1, 1, 0)
    result = exports_match_warehouse(district_exports=exported, warehouse=warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert KK_UNKNOWN not in (result.description or "")  # counts, never a family card

    # a household written twice is caught too
    twice = folder / "kode_kabupaten=3510" / "kode_kecamatan=35.10.99"
    shutil.copytree(folder / "kode_kabupaten=3510" / "kode_kecamatan=35.10.15", twice)
    found = exports_against_warehouse(folder, db, load_id)
    assert (found["households_extra"], found["reasons_extra"]) == (1, 1)
    shutil.rmtree(twice)

    # the one household left, with another status: missing (with the removed one) and extra
    path = folder / "kode_kabupaten=3510" / "kode_kecamatan=35.10.15" / "households.parquet"
    pl.read_parquet(path).with_columns(status=pl.lit("ELIGIBLE")).write_parquet(path)
    found = exports_against_warehouse(folder, db, load_id)
    assert (found["households_exported"], found["households_missing"], found["households_extra"]) == (1, 2, 1)

    # no file of the load at all: everything missing
    empty = tmp_path / "exports" / "2026-12-01"
    empty.mkdir()
    (empty / "manifest.json").write_text(json.dumps({"files": []}))
    found = exports_against_warehouse(empty, db, load_id)
    assert (found["households_exported"], found["households_missing"], found["reasons_missing"]) == (0, 2, 2)


# ---------------------------------------------------------------- real loads of two scopes, one date

def _run_load(extracts: Path, db: Path, exports: Path):
    from pipelines.backfill import run_job
    from pipelines.definitions import load_job_in_process
    from pipelines.resources import load_run_config

    instance = dg.DagsterInstance.ephemeral()
    try:
        result = run_job(load_job_in_process, load_run_config(extracts, db, exports, log_level="ERROR"), instance)
    finally:
        instance.dispose()
    assert result.success
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
              and e.event_specific_data.check_name == "exports_match_warehouse"]
    assert len(checks) == 1
    return checks[0]


def _sample_with_a_household_of_unknown_district(out: Path) -> str:
    """The committed sample, with one single-member household whose registry row is rejected (a
    relation the registry does not know) and whose housing row is gone: its district is unknown."""
    from test_changes import read_rows, write_rows

    shutil.copytree(ROOT / "data" / "sample", out)
    penduduk = pl.read_csv(out / "penduduk.csv", infer_schema=False)
    rumah = pl.read_csv(out / "rumah.csv", infer_schema=False)
    surveyed = rumah.select(NO_KK=pl.col(rumah.columns[0]))  # the header starts with a byte-order mark
    kk = (penduduk.group_by("NO_KK").len().filter(pl.col("len") == 1)
          .join(surveyed, on="NO_KK", how="semi")["NO_KK"].sort()[0])
    header, rows, style = read_rows(out / "penduduk.csv")
    write_rows(out / "penduduk.csv", header,
               [{**r, "STAT_HBKEL": "KEPALA SUKU"} if r["NO_KK"] == kk else r for r in rows], style)
    header, rows, style = read_rows(out / "rumah.csv")
    write_rows(out / "rumah.csv", header, [r for r in rows if r["NO_KK"] != kk], style)
    return kk


def _regency_35_99(out: Path) -> None:
    """A generated extract folder of the synthetic regency 35.99 alone, delivered for the sample's date."""
    from synth.generate import generate

    both = out.parent / "both"
    generate(1500, 3, both, districts=["35.10.15", "35.10.12"], second_regency=["35.10.12"])
    out.mkdir()
    for name in ("penduduk", "rumah", "tanah", "kendaraan"):
        frame = pl.read_csv(both / f"{name}.csv", infer_schema=False)
        column = next(c for c in frame.columns if c.lstrip("\ufeff") == "KODE_WILAYAH")
        frame.filter(pl.col(column).str.starts_with("35.99.")).write_csv(out / f"{name}.csv")
    shutil.copy(both / "wilayah.csv", out / "wilayah.csv")
    (out / "load.json").write_text(json.dumps({"load_date": "2026-11-01", "scope": "35.99"}))


@pytest.fixture(scope="module")
def two_scopes(tmp_path_factory) -> dict:
    """Load A (the sample, 35.10), then B (35.99) on the same date, then A again."""
    root = tmp_path_factory.mktemp("two_scopes")
    a, b = root / "a", root / "b"
    kk = _sample_with_a_household_of_unknown_district(a)
    _regency_35_99(b)
    db, exports = root / "wh" / "p.duckdb", root / "exports"
    folder = exports / "2026-11-01"
    out = {"kk": kk, "a": a, "db": db, "folder": folder}
    out["check_a"] = _run_load(a, db, exports)
    out["files_a"] = _files(folder)
    out["check_b"] = _run_load(b, db, exports)
    out["files_ab"] = _files(folder)
    out["manifest_ab"] = json.loads((folder / "manifest.json").read_text())
    # a district folder no load wrote, in A's regency: a rerun of A replaces the whole regency
    stray = folder / "kode_kabupaten=3510" / "kode_kecamatan=35.10.99"
    shutil.copytree(folder / "kode_kabupaten=3510" / "kode_kecamatan=35.10.15", stray)
    out["check_a2"] = _run_load(a, db, exports)
    out["files_aba"] = _files(folder)
    return out


@pytest.mark.slow
def test_a_real_load_exports_every_household_and_reason(two_scopes):
    kk, folder, db = two_scopes["kk"], two_scopes["folder"], two_scopes["db"]
    load_id = "2026-11-01_35.10"
    published = sql(db, "SELECT no_kk, kode_kecamatan, status FROM mart.households WHERE load_id = ?", [load_id])
    assert published.filter(pl.col("no_kk") == kk)["kode_kecamatan"].to_list() == [None]
    hh = pl.scan_parquet(f"{folder}/**/households.parquet", hive_partitioning=True).filter(
        pl.col("load_id") == load_id).collect()
    assert sorted(hh["no_kk"]) == sorted(published["no_kk"])
    mine = hh.filter(pl.col("no_kk") == kk)
    assert mine.select(pl.col("kode_kabupaten").cast(pl.String), "kode_kecamatan", "status").rows() == [
        ("3510", UNKNOWN_DISTRICT, "REVIEW")]
    rs = duckdb.sql(f"SELECT * FROM read_parquet('{folder}/*/*/reasons.parquet', hive_partitioning = true) "
                    f"WHERE load_id = '{load_id}'").pl()
    n_reasons = sql(db, "SELECT count(*) AS n FROM mart.household_reasons WHERE load_id = ?", [load_id])["n"][0]
    assert rs.height == n_reasons
    assert rs.filter(pl.col("no_kk") == kk).select("code", "evidence_id").rows() == [("REJECTED_MEMBER_ROW", kk)]
    # the check read the files: every household and reason of the load is there
    for check in ("check_a", "check_a2"):
        result = two_scopes[check]
        assert result.passed, result.description
        meta = {k: v.value for k, v in result.metadata.items()}
        assert meta["households_exported"] == meta["households_published"] == published.height
        assert meta["reasons_exported"] == meta["reasons_published"] == n_reasons


@pytest.mark.slow
def test_a_real_load_keeps_no_kk_evidence_whole_and_masks_every_nik(two_scopes):
    folder = two_scopes["folder"] / "kode_kabupaten=3510"  # the sample's (B's generated numbers are others)
    registry = pl.read_csv(two_scopes["a"] / "penduduk.csv", infer_schema=False)
    digits = registry.select(pl.col("NIK", "NO_KK").str.replace_all(r"\D", ""))  # as delivered, with dirt
    niks = set(digits["NIK"].drop_nulls()) - set(digits["NO_KK"].drop_nulls())
    everything = pl.concat([
        pl.read_parquet(p).select(pl.col(pl.String)).unpivot().select("value") for p in folder.rglob("*.parquet")])
    found = set(everything["value"].drop_nulls().str.extract_all(r"\d{16}").explode().drop_nulls())
    assert found and not found & niks
    rs = pl.scan_parquet(f"{folder}/*/reasons.parquet").collect()
    card = rs.filter(pl.col("code").is_in(["REJECTED_MEMBER_ROW", "CONFLICTING_RECORDS"])
                     & (pl.col("evidence_source") == "penduduk"))
    assert card.height and (card["evidence_id"] == card["no_kk"]).all()
    person = rs.filter((pl.col("evidence_source") == "penduduk") & (pl.col("evidence_id") != pl.col("no_kk")))
    assert person.height and person["evidence_id"].str.contains(r"^\d{6}\*{6}\d{4}$").all()


@pytest.mark.slow
def test_real_loads_of_two_scopes_share_the_date_folder(two_scopes):
    folder = two_scopes["folder"]
    a, b = "2026-11-01_35.10", "2026-11-01_35.99"
    assert two_scopes["check_b"].passed, two_scopes["check_b"].description
    both = two_scopes["files_ab"]
    assert {p.split("/")[0] for p in both} == {"kode_kabupaten=3510", "kode_kabupaten=3599"}
    assert {p: v for p, v in both.items() if p.startswith("kode_kabupaten=3510/")} == two_scopes["files_a"]
    manifest = two_scopes["manifest_ab"]
    assert manifest["load_id"] == b
    assert {f["path"].split("/")[0]: f["load_id"] for f in manifest["files"]} == {
        "kode_kabupaten=3510": a, "kode_kabupaten=3599": b}
    # A again: its regency replaced whole (the stray district is gone), B's files untouched
    after = two_scopes["files_aba"]
    assert {p for p in after if p.startswith("kode_kabupaten=3510/")} == set(two_scopes["files_a"])
    assert {p: v for p, v in after.items() if p.startswith("kode_kabupaten=3599/")} == {
        p: v for p, v in both.items() if p.startswith("kode_kabupaten=3599/")}
    assert verify_manifest(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["load_id"] == a
    assert {f["path"] for f in manifest["files"]} == set(after)
