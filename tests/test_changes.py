"""Between loads: two successive real loads, where deaths, a move, a new car, more electricity and a
new poor family happen in between, and `mart.eligibility_changes` says what changed and why.

Households for each event are chosen from the first load's own output (clean ELIGIBLE households);
the second load's extracts are a copy of the first with those events written into them, as
Dukcapil, Samsat and the housing survey would deliver them.
"""

from __future__ import annotations

import csv
import json
import multiprocessing as mp
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.cli import main
from published import sql
from synth.generate import generate

PERSONS = 3000
SEED = 23
DISTRICTS = ["35.10.15", "35.10.12"]
SECOND_DATE = "2026-12-01"
EVENT_DATE = "2026-11-15"

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- CSV editing, as delivered

def read_rows(path: Path) -> tuple[list[str], list[dict], dict]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    style = {"bom": raw.startswith(b"\xef\xbb\xbf"), "newline": "\r\n" if "\r\n" in text else "\n"}
    reader = csv.DictReader(text.splitlines(keepends=True))
    return list(reader.fieldnames), list(reader), style


def write_rows(path: Path, header: list[str], rows: list[dict], style: dict) -> None:
    with open(path, "w", encoding="utf-8-sig" if style["bom"] else "utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator=style["newline"])
        writer.writeheader()
        writer.writerows(rows)


def load(extracts: Path, db: Path, exports: Path, *extra: str) -> None:
    code = main(["load", "--extracts", str(extracts), "--warehouse", str(db), "--exports", str(exports), *extra])
    assert code == 0


def _next_serial(taken: set[str], stem: str) -> str:
    """A 16-digit number `stem` + 4-digit serial that is not yet taken."""
    for serial in range(9999, 0, -1):
        candidate = f"{stem}{serial:04d}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise AssertionError("no free serial")


# ---------------------------------------------------------------- the scenario

def clean_eligible(db: Path, penduduk: list[dict], rumah: list[dict], kendaraan: list[dict]) -> list[dict]:
    """ELIGIBLE households of the first load whose every source row is clean and unambiguous."""
    hh = sql(db, "SELECT no_kk, head_nik, members, desil FROM mart.households_latest "
                 "WHERE status = 'ELIGIBLE' AND members >= 2 ORDER BY no_kk")
    members = sql(db, "SELECT nik, no_kk, age FROM mart.members_latest")
    flagged = set(sql(db, "SELECT record_id FROM mart.quarantine_latest WHERE record_id IS NOT NULL")["record_id"])
    flagged |= {n for c in sql(db, "SELECT candidates FROM mart.asset_links_latest WHERE candidates IS NOT NULL")[
        "candidates"].to_list() for n in c}
    by_kk: dict[str, list[dict]] = {}
    for row in penduduk:
        by_kk.setdefault(row["NO_KK"], []).append(row)
    rumah_by_kk: dict[str, list[dict]] = {}
    for row in rumah:
        rumah_by_kk.setdefault(row["NO_KK"], []).append(row)
    owners = {row["NIK_PEMILIK"] for row in kendaraan}
    out = []
    for h in hh.iter_rows(named=True):
        rows = by_kk.get(h["no_kk"], [])
        niks = {r["NIK"] for r in rows}
        mart_niks = set(members.filter(pl.col("no_kk") == h["no_kk"])["nik"])
        survey = rumah_by_kk.get(h["no_kk"], [])
        if (
            len(rows) == h["members"]
            and niks == mart_niks
            and all(r["STATUS"] == "HIDUP" and not r["TGL_STATUS"] for r in rows)
            and not (niks | {h["no_kk"]}) & flagged
            and not niks & owners
            and len(survey) == 1
            and survey[0]["NIK_KEPALA"] == h["head_nik"]
        ):
            out.append({**h, "rows": rows, "survey": survey[0]})
    return out


def build_two_loads(root: Path, reader_probe: bool = False) -> dict:
    """Generate, load, write the events into a copy, load again. Returns paths and the chosen households."""
    first = root / "extracts-1"
    generate(PERSONS, SEED, first, districts=DISTRICTS)
    db, exports = root / "wh" / "perlinsos.duckdb", root / "exports"
    load(first, db, exports)
    first_date = json.loads((first / "load.json").read_text())["load_date"]

    second = root / "extracts-2"
    shutil.copytree(first, second, ignore=shutil.ignore_patterns("truth"))
    (second / "load.json").write_text(json.dumps({"load_date": SECOND_DATE, "scope": "35.10"}))
    p_head, penduduk, p_style = read_rows(second / "penduduk.csv")
    r_head, rumah, r_style = read_rows(second / "rumah.csv")
    k_head, kendaraan, k_style = read_rows(second / "kendaraan.csv")
    candidates = clean_eligible(db, penduduk, rumah, kendaraan)
    lit = [c for c in candidates if c["survey"]["PENERANGAN"] == "PLN METERAN" and c["survey"]["DAYA_VA"] in ("450", "900")]
    roles = {}
    roles["electricity"] = lit[0]
    rest = [c for c in candidates if c["no_kk"] != lit[0]["no_kk"]]
    assert len(rest) >= 6, "too few clean eligible households to play the scenario"
    for name, c in zip(("head_dies", "head_dies_new_kk", "new_kk_same_head", "moves_away", "car", "template"), rest):
        roles[name] = c
    taken_nik = {r["NIK"] for r in penduduk}
    taken_kk = {r["NO_KK"] for r in penduduk} | {r["NO_KK"] for r in rumah}
    ev: dict[str, object] = {k: v["no_kk"] for k, v in roles.items()}

    def head_row(c):
        return next(r for r in c["rows"] if r["NIK"] == c["head_nik"])

    # a head dies; the family keeps its NO_KK
    head_row(roles["head_dies"]).update(STATUS="MATI", TGL_STATUS=EVENT_DATE)
    ev["dead_head"] = roles["head_dies"]["head_nik"]

    # a head dies; Dukcapil issues the survivors a new KK, the deceased stays on the old one,
    # the oldest survivor becomes head; the housing survey still carries the old NO_KK
    c = roles["head_dies_new_kk"]
    head_row(c).update(STATUS="MATI", TGL_STATUS=EVENT_DATE)
    new_kk = _next_serial(taken_kk, c["no_kk"][:12])
    survivors = [r for r in c["rows"] if r["NIK"] != c["head_nik"]]
    for r in survivors:
        r["NO_KK"] = new_kk
    min(survivors, key=lambda r: (r["TGL_LHR"], r["NIK"]))["STAT_HBKEL"] = "KEPALA KELUARGA"
    ev["survivors_kk"] = new_kk

    # a family gets a new KK with the same head (re-issued card); the survey is redone on it
    c = roles["new_kk_same_head"]
    reissued = _next_serial(taken_kk, c["no_kk"][:12])
    for r in c["rows"]:
        r["NO_KK"] = reissued
    c["survey"]["NO_KK"] = reissued
    ev["reissued_kk"] = reissued

    # a whole family moves away
    for r in roles["moves_away"]["rows"]:
        r.update(STATUS="PINDAH", TGL_STATUS=EVENT_DATE)

    # a member (not the head) of an eligible household registers a car, tax paid
    c = roles["car"]
    owner = next(r for r in c["rows"] if r["NIK"] != c["head_nik"])
    kendaraan.append({
        "NO_RANGKA": "MHKA1BC2DEF345678", "NO_POLISI": "P 1234 XY", "NIK_PEMILIK": owner["NIK"],
        "NAMA_PEMILIK": owner["NAMA_LGKP"], "ALAMAT_PEMILIK": owner["ALAMAT"], "KODE_WILAYAH": owner["KODE_WILAYAH"],
        "JENIS_KENDARAAN": "MOBIL PENUMPANG", "MEREK": "TOYOTA", "TAHUN_BUAT": "2025", "NILAI_JUAL": "215000000",
        "TGL_AKHIR_PAJAK": "2027-11-10",
    })
    ev["car_rangka"] = "MHKA1BC2DEF345678"

    # a household's electricity goes up to 1300 VA
    roles["electricity"]["survey"]["DAYA_VA"] = "1300"

    # a new poor family: the same make-up as a poor household, new people, new KK, surveyed
    t = roles["template"]
    family_kk = _next_serial(taken_kk, t["no_kk"][:12])
    names = iter(["SUKARDI WIRYOATMOJO", "PAINAH WIRYOATMOJO", "JUMADI WIRYOATMOJO", "SRIATUN WIRYOATMOJO",
                  "KARDIMAN WIRYOATMOJO", "TUMINAH WIRYOATMOJO", "SUPARDI WIRYOATMOJO", "WAGINAH WIRYOATMOJO",
                  "PONIMAN WIRYOATMOJO", "SUMIATI WIRYOATMOJO", "KASIMAN WIRYOATMOJO", "SARMINI WIRYOATMOJO"])
    family = []
    for r in t["rows"]:
        new = {**r, "NIK": _next_serial(taken_nik, r["NIK"][:12]), "NO_KK": family_kk, "NAMA_LGKP": next(names)}
        family.append(new)
        if r["NIK"] == t["head_nik"]:
            head = new
    penduduk.extend(family)
    rumah.append({**t["survey"], "NO_KK": family_kk, "NIK_KEPALA": head["NIK"], "NAMA_KEPALA": head["NAMA_LGKP"],
                  "TGL_PENDATAAN": EVENT_DATE})
    ev["new_family"] = family_kk
    ev["new_family_niks"] = [r["NIK"] for r in family]

    write_rows(second / "penduduk.csv", p_head, penduduk, p_style)
    write_rows(second / "rumah.csv", r_head, rumah, r_style)
    write_rows(second / "kendaraan.csv", k_head, kendaraan, k_style)

    probe = None
    if reader_probe:
        probe = ReaderProbe(db)
        probe.start()
    try:
        load(second, db, exports)
    finally:
        if probe is not None:
            probe.finish()
    return {"db": db, "exports": exports, "first": first, "second": second, "first_date": first_date,
            "events": ev, "probe": probe}


# ---------------------------------------------------------------- a reader in another process

def _hold_reader(db: str, ready, release, out):
    con = duckdb.connect(db, read_only=True)
    query = ("SELECT (SELECT count(*) FROM mart.loads), (SELECT count(*) FROM mart.households), "
             "(SELECT count(*) FROM mart.members), (SELECT max(load_id) FROM mart.households_latest)")
    before = con.execute(query).fetchone()
    ready.set()
    release.wait(300)
    during = con.execute(query).fetchone()
    con.close()
    out.put((before, during))


class ReaderProbe:
    """Holds the database open read-only in a second process across a load."""

    def __init__(self, db: Path):
        ctx = mp.get_context("spawn")
        self.ready, self.release, self.out = ctx.Event(), ctx.Event(), ctx.Queue()
        self.process = ctx.Process(target=_hold_reader, args=(str(db), self.ready, self.release, self.out))
        self.result = None

    def start(self):
        self.process.start()
        assert self.ready.wait(120), "the reader did not open the database"

    def finish(self):
        self.release.set()
        self.result = self.out.get(timeout=120)
        self.process.join(60)


# ---------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def loads(tmp_path_factory) -> dict:
    return build_two_loads(tmp_path_factory.mktemp("changes"), reader_probe=True)


@pytest.fixture(scope="module")
def changes(loads) -> dict[str, dict]:
    frame = sql(loads["db"], "SELECT * FROM mart.eligibility_changes_latest")
    assert frame["no_kk"].is_unique().all()
    return {r["no_kk"]: r for r in frame.iter_rows(named=True)}


def _status(db: Path, no_kk: str) -> dict:
    return sql(db, "SELECT * FROM mart.households_latest WHERE no_kk = ?", [no_kk]).row(0, named=True)


def test_changes_compare_with_the_previous_load(loads, changes):
    first_id = f"{loads['first_date']}_35.10"
    assert {r["previous_load_id"] for r in changes.values()} == {first_id}
    assert {r["load_id"] for r in changes.values()} == {f"{SECOND_DATE}_35.10"}
    # the first load had nothing to compare with
    assert sql(loads["db"], "SELECT count(*) AS n FROM mart.eligibility_changes WHERE load_id = ?",
               [first_id])["n"][0] == 0


def test_head_dies_family_keeps_its_kk(loads, changes):
    ev = loads["events"]
    kk = ev["head_dies"]
    now = _status(loads["db"], kk)
    assert now["head_nik"] != ev["dead_head"] and now["head_nik"] is not None
    row = changes[kk]
    assert row["previous_no_kk"] == kk and row["previous_status"] == "ELIGIBLE"
    assert "HEAD_CHANGED" in row["reason_codes"]
    # the housing survey still names the dead head, who is no living member: the survey describes
    # another make-up than the registry's, so a field worker checks who leads the family now
    assert now["status"] == "REVIEW" and row["change"] == "TO_REVIEW"
    assert "CONFLICTING_RECORDS" in row["reason_codes"]
    evidence = sql(loads["db"], "SELECT evidence_source, evidence FROM mart.household_reasons_latest "
                                "WHERE no_kk = ? AND code = 'CONFLICTING_RECORDS'", [kk])
    assert evidence["evidence_source"].to_list() == ["rumah"]
    assert "tercatat MATI di KK ini" in evidence["evidence"][0]


def test_head_dies_survivors_get_a_new_kk(loads, changes):
    ev = loads["events"]
    old, new = ev["head_dies_new_kk"], ev["survivors_kk"]
    # the old card keeps only the deceased: dissolved, with the death as evidence
    assert changes[old]["change"] == "DISSOLVED"
    assert changes[old]["reason_codes"] == ["HOUSEHOLD_DISSOLVED"]
    # the survivors' new card is followed from the old one through its members, not reported as new
    row = changes[new]
    assert row["previous_no_kk"] == old and row["previous_status"] == "ELIGIBLE"
    assert {"NO_KK_CHANGED", "HEAD_CHANGED"} <= set(row["reason_codes"])
    # the housing survey still names the old card, so the new one waits for a field visit
    assert row["status"] == "REVIEW" and row["change"] == "TO_REVIEW"
    assert "NO_HOUSING_DATA" in row["reason_codes"]


def test_reissued_kk_is_matched_by_the_former_heads_nik(loads, changes):
    ev = loads["events"]
    old, new = ev["new_kk_same_head"], ev["reissued_kk"]
    row = changes[new]
    assert row["previous_no_kk"] == old
    assert "NO_KK_CHANGED" in row["reason_codes"] and "HEAD_CHANGED" not in row["reason_codes"]
    if row["status"] == row["previous_status"] and row["desil"] == row["previous_desil"]:
        assert row["change"] == "NO_KK_CHANGED"
    # the old NO_KK left the registry with its family: not reported as a dissolution
    assert old not in changes


def test_family_moves_away(loads, changes):
    kk = loads["events"]["moves_away"]
    row = changes[kk]
    assert (row["previous_status"], row["status"], row["change"]) == ("ELIGIBLE", "EXCLUDED", "DISSOLVED")
    assert row["reason_codes"] == ["HOUSEHOLD_DISSOLVED"]
    evidence = sql(loads["db"], "SELECT evidence FROM mart.household_reasons_latest WHERE no_kk = ? "
                                "AND code = 'HOUSEHOLD_DISSOLVED'", [kk])["evidence"].to_list()
    assert evidence and all(EVENT_DATE in e for e in evidence)


def test_member_registers_a_car(loads, changes):
    kk = loads["events"]["car"]
    row = changes[kk]
    assert (row["previous_status"], row["status"], row["change"]) == ("ELIGIBLE", "EXCLUDED", "NEWLY_EXCLUDED")
    assert "CAR_OWNER" in row["reason_codes"]
    evidence = sql(loads["db"], "SELECT evidence_id FROM mart.household_reasons_latest WHERE no_kk = ? "
                                "AND code = 'CAR_OWNER'", [kk])["evidence_id"].to_list()
    assert evidence == [loads["events"]["car_rangka"]]


def test_electricity_goes_up_to_1300_va(loads, changes):
    kk = loads["events"]["electricity"]
    row = changes[kk]
    assert (row["previous_status"], row["status"], row["change"]) == ("ELIGIBLE", "EXCLUDED", "NEWLY_EXCLUDED")
    assert "HIGH_ELECTRICITY" in row["reason_codes"]


def test_new_poor_family_appears(loads, changes):
    kk = loads["events"]["new_family"]
    row = changes[kk]
    assert row["previous_no_kk"] is None and row["previous_status"] is None
    assert (row["status"], row["change"], row["reason_codes"]) == ("ELIGIBLE", "NEW_HOUSEHOLD", [])
    members = sql(loads["db"], "SELECT nik FROM mart.members_latest WHERE no_kk = ?", [kk])["nik"].to_list()
    assert sorted(members) == sorted(loads["events"]["new_family_niks"])


def test_untouched_households_only_move_by_the_date(loads, changes):
    """Households nobody touched may change only through the load date (ages, tax windows, deciles)."""
    ev = loads["events"]
    touched = {v for k, v in ev.items() if isinstance(v, str) and len(v) == 16}
    for kk, row in changes.items():
        if kk in touched:
            continue
        assert row["previous_no_kk"] == kk, row
        assert row["change"] in ("NEWLY_ELIGIBLE", "NEWLY_EXCLUDED", "TO_REVIEW", "DECILE_MOVED"), row
        assert "NO_KK_CHANGED" not in row["reason_codes"] and "HEAD_CHANGED" not in row["reason_codes"]


def test_every_change_is_explained_by_the_published_decisions(loads, changes):
    db = loads["db"]
    now = sql(db, "SELECT no_kk, status, desil FROM mart.households_latest")
    before = sql(db, "SELECT no_kk, status, desil FROM mart.households WHERE load_id = ?",
                 [f"{loads['first_date']}_35.10"])
    for kk, row in changes.items():
        cur = now.filter(pl.col("no_kk") == kk).row(0, named=True)
        assert (cur["status"], cur["desil"]) == (row["status"], row["desil"])
        if row["previous_no_kk"] is not None:
            old = before.filter(pl.col("no_kk") == row["previous_no_kk"]).row(0, named=True)
            assert (old["status"], old["desil"]) == (row["previous_status"], row["previous_desil"])
        assert row["reason_codes"] or row["change"] == "NEW_HOUSEHOLD", row
        reasons = sql(db, "SELECT DISTINCT load_id, code FROM mart.household_reasons WHERE no_kk IN (?, ?)",
                      [kk, row["previous_no_kk"] or kk])
        had = set(reasons.filter(pl.col("load_id") != row["load_id"])["code"])
        has = set(reasons.filter(pl.col("load_id") == row["load_id"])["code"])
        policy_codes = set(row["reason_codes"]) - {"NO_KK_CHANGED", "HEAD_CHANGED", "DECILE_MOVED"}
        if row["change"] == "NEWLY_ELIGIBLE":
            assert policy_codes and policy_codes <= had - has, row  # the reasons that no longer apply
        elif row["change"] in ("NEWLY_EXCLUDED", "TO_REVIEW", "DISSOLVED"):
            assert policy_codes and policy_codes <= has, row


def test_a_reader_held_open_across_a_real_load(loads):
    """A second process kept the database open read-only while `perlinsos load` published."""
    before, during = loads["probe"].result
    assert before == during  # its snapshot stayed whole: the first load only
    assert before[0] == 1 and before[3] == f"{loads['first_date']}_35.10"
    after = sql(loads["db"], "SELECT (SELECT count(*) FROM mart.loads) AS loads, "
                             "(SELECT max(load_id) FROM mart.households_latest) AS latest").row(0)
    assert after == (2, f"{SECOND_DATE}_35.10")


def test_exports_of_a_real_load_read_by_every_reader(loads):
    """The district exports of the second load, read with partition discovery by pyarrow, DuckDB, pandas."""
    import pandas as pd
    import pyarrow.dataset as ds

    from assets.publishing.exports import verify_manifest

    folder = loads["exports"] / SECOND_DATE
    assert verify_manifest(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["load_id"] == f"{SECOND_DATE}_35.10" and manifest["load_date"] == SECOND_DATE
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*.parquet")}
    assert listed == on_disk
    rows = {kind: sum(f["rows"] for f in manifest["files"] if f["path"].endswith(f"/{kind}.parquet"))
            for kind in ("households", "reasons")}

    db = loads["db"]
    expected = sql(db, "SELECT kode_kabupaten, kode_kecamatan, count(*) AS n FROM mart.households_latest "
                       "WHERE kode_kecamatan IS NOT NULL GROUP BY ALL ORDER BY ALL")
    assert rows["households"] == expected["n"].sum()
    n_reasons = sql(db, "SELECT count(*) AS n FROM mart.household_reasons_latest r JOIN mart.households_latest h "
                        "USING (no_kk) WHERE h.kode_kecamatan IS NOT NULL")["n"][0]
    assert rows["reasons"] == n_reasons

    # pyarrow: hive partition discovery from the paths
    files = sorted(str(p) for p in folder.rglob("households.parquet"))
    table = ds.dataset(files, format="parquet", partitioning="hive", partition_base_dir=str(folder)).to_table()
    got = pl.from_arrow(table).group_by("kode_kecamatan").len().sort("kode_kecamatan")
    assert got["kode_kecamatan"].cast(pl.String).to_list() == expected["kode_kecamatan"].to_list()
    assert got["len"].to_list() == expected["n"].to_list()
    assert {"no_kk", "head_nik", "status", "programs", "alamat", "no_rt", "no_rw", "nama_desa"} <= set(table.column_names)

    # DuckDB: hive partitioning over a glob
    duck = duckdb.sql(
        f"SELECT kode_kabupaten::VARCHAR AS kab, kode_kecamatan, count(*) AS n FROM "
        f"read_parquet('{folder}/*/*/households.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL"
    ).pl()
    assert duck["kode_kecamatan"].to_list() == expected["kode_kecamatan"].to_list()
    assert duck["kab"].to_list() == [k.replace(".", "") for k in expected["kode_kabupaten"].to_list()]
    assert duck["n"].to_list() == expected["n"].to_list()

    # pandas: one district folder, partition columns from the path
    district = folder / "kode_kabupaten=3510" / "kode_kecamatan=35.10.15"
    frame = pd.read_parquet(district / "reasons.parquet")
    assert len(frame) == next(f["rows"] for f in manifest["files"]
                              if f["path"] == "kode_kabupaten=3510/kode_kecamatan=35.10.15/reasons.parquet")
    frame = pd.read_parquet(files, partitioning="hive")
    assert len(frame) == rows["households"]
    assert set(frame["kode_kecamatan"].astype(str)) == set(DISTRICTS)

    # NIKs leave masked; NO_KK stays whole; the head's address travels with the household
    registry = read_rows(loads["second"] / "penduduk.csv")[1]
    # a NO_KK has the NIK's shape and may equal somebody's NIK: such a value is a family card here
    niks = {r["NIK"] for r in registry} - {r["NO_KK"] for r in registry}
    everything = pl.concat([
        pl.read_parquet(p).select(pl.col(pl.String)).unpivot().select("value")
        for p in folder.rglob("*.parquet")
    ])
    found = set(everything["value"].drop_nulls().str.extract_all(r"\d{16}").explode().drop_nulls())
    assert not found & niks
    heads = pl.from_arrow(table).filter(pl.col("head_nik").is_not_null())["head_nik"]
    assert heads.str.contains(r"^\d{6}\*{6}\d{4}$").all()
    households = pl.from_arrow(table)
    assert set(households["no_kk"]) <= set(sql(db, "SELECT no_kk FROM mart.households_latest")["no_kk"])
    assert households.filter(pl.col("status") == "ELIGIBLE")["alamat"].is_not_null().all()


def test_running_the_same_load_again_replaces_it(loads):
    db = loads["db"]
    load_id = f"{SECOND_DATE}_35.10"
    keys = {"households": "no_kk", "members": "nik", "asset_links": "source, row_number",
            "score_components": "no_kk, component", "quarantine": "source, row_number, rule, \"column\""}
    count_sql = "SELECT " + ", ".join(
        f"(SELECT count(*) FROM mart.{t} WHERE load_id = $l) AS {t}" for t in keys) + ", " \
        "(SELECT count(*) FROM mart.loads) AS loads"
    before = sql(db, count_sql, {"l": load_id})
    first_before = sql(db, "SELECT * FROM mart.households WHERE load_id = ? ORDER BY no_kk",
                       [f"{loads['first_date']}_35.10"])
    load(loads["second"], db, loads["exports"])
    assert sql(db, count_sql, {"l": load_id}).equals(before)
    assert before["loads"][0] == 2
    for table, key in keys.items():
        dup = sql(db, f"SELECT {key}, count(*) AS n FROM mart.{table} WHERE load_id = ? GROUP BY ALL "
                      "HAVING count(*) > 1", [load_id])
        if table != "quarantine":  # one row may break several rules
            assert dup.height == 0, table
    # the other load is untouched
    assert sql(db, "SELECT * FROM mart.households WHERE load_id = ? ORDER BY no_kk",
               [f"{loads['first_date']}_35.10"]).equals(first_before)
    assert sql(db, "SELECT count(*) AS n FROM mart.eligibility_changes WHERE load_id = ?", [load_id])["n"][0] > 0
    assert (loads["exports"] / SECOND_DATE / "manifest.json").exists()
    assert not list(loads["exports"].glob(".tmp-*"))


def test_the_same_input_gives_the_same_decisions(loads, tmp_path):
    query = ("SELECT source, row_number, method, nik FROM mart.asset_links WHERE load_id = ? ORDER BY ALL")
    reference = sql(loads["db"], query, [f"{SECOND_DATE}_35.10"])
    for i in range(2):
        db = tmp_path / f"again-{i}" / "p.duckdb"
        load(loads["second"], db, tmp_path / f"again-{i}" / "exports")
        assert sql(db, query, [f"{SECOND_DATE}_35.10"]).equals(reference)
