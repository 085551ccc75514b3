"""`perlinsos explain`: one household's decision as a district officer shows it to the family."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from assets.publishing.explain import COMPONENT_LABELS, HouseholdNotFound, explain_household, mask_nik
from pipelines.cli import main
from schemas.policy import COMPONENTS

KK = "3510151203150001"
HEAD = "3510150101800001"
WIFE = "3510154101850002"
CHILD = "3510151505100003"
OLD, NEW = "2026-10-01_35.10", "2026-11-01_35.10"


def _component_rows(load_id: str) -> list[tuple]:
    values = {"luas_lantai_per_anggota": ("12.5", 4), "lantai": ("TANAH", 0), "listrik": ("PLN METERAN 900 VA", 6),
              "pekerjaan_kepala": ("BURUH HARIAN LEPAS", 1), "rasio_ketergantungan": ("1/2", 4),
              "sepeda_motor": ("1", 3), "nilai_tanah": ("236592000", 8)}
    return [(load_id, KK, c, *values.get(c, ("-", 1))) for c in COMPONENTS]


@pytest.fixture()
def db(tmp_path) -> Path:
    path = tmp_path / "p.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA mart")
    con.execute("CREATE TABLE mart.loads (load_id VARCHAR, load_date DATE, finished_at TIMESTAMP, "
                "scope VARCHAR GENERATED ALWAYS AS (split_part(load_id, '_', 2)))")
    con.execute("CREATE TABLE mart.eligibility_changes (load_id VARCHAR, previous_load_id VARCHAR, no_kk VARCHAR, "
                "previous_no_kk VARCHAR, previous_status VARCHAR, status VARCHAR, change VARCHAR, reason_codes VARCHAR[])")
    con.execute(
        "CREATE TABLE mart.households (load_id VARCHAR, no_kk VARCHAR, kode_wilayah VARCHAR, head_nik VARCHAR, "
        "head_name VARCHAR, members INTEGER, score INTEGER, desil INTEGER, status VARCHAR, programs VARCHAR[], "
        "policy_version VARCHAR)"
    )
    con.execute(
        "CREATE TABLE mart.members (load_id VARCHAR, nik VARCHAR, no_kk VARCHAR, name VARCHAR, sex VARCHAR, "
        "age INTEGER, relation VARCHAR, occupation VARCHAR)"
    )
    con.execute(
        "CREATE TABLE mart.score_components (load_id VARCHAR, no_kk VARCHAR, component VARCHAR, value VARCHAR, "
        "points INTEGER)"
    )
    con.execute(
        "CREATE TABLE mart.household_reasons (load_id VARCHAR, no_kk VARCHAR, kind VARCHAR, code VARCHAR, "
        "description VARCHAR, evidence_source VARCHAR, evidence_id VARCHAR, evidence VARCHAR, link_method VARCHAR, "
        "link_score DOUBLE)"
    )
    con.execute("INSERT INTO mart.loads VALUES (?, DATE '2026-10-01', TIMESTAMP '2026-10-02 01:00:00'), "
                "(?, DATE '2026-11-01', TIMESTAMP '2026-11-02 01:00:00')", [OLD, NEW])
    comps = _component_rows(NEW)
    score = sum(r[4] for r in comps)
    con.execute("INSERT INTO mart.households VALUES (?, ?, '35.10.15.2001', ?, 'SLAMET', 3, ?, 3, 'REVIEW', [], "
                "'2026.11-default')", [NEW, KK, HEAD, score])
    con.execute("INSERT INTO mart.households VALUES (?, ?, '35.10.15.2001', ?, 'SLAMET', 3, 20, 2, 'ELIGIBLE', "
                "['PKH', 'SEMBAKO', 'PBI_JK'], '2026.10-default')", [OLD, KK, HEAD])
    for load in (OLD, NEW):
        con.executemany("INSERT INTO mart.members VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (load, CHILD, KK, "DWI SETIAWAN", "LAKI-LAKI", 16, "ANAK", "PELAJAR/MAHASISWA"),
            (load, WIFE, KK, "SITI AMINAH", "PEREMPUAN", 41, "ISTRI", "MENGURUS RUMAH TANGGA"),
            (load, HEAD, KK, "SLAMET", "LAKI-LAKI", 46, "KEPALA KELUARGA", "BURUH HARIAN LEPAS"),
        ])
    con.executemany("INSERT INTO mart.score_components VALUES (?, ?, ?, ?, ?)", comps)
    con.executemany("INSERT INTO mart.household_reasons VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (NEW, KK, "REVIEW", "UNCERTAIN_MATCH", "Ada aset yang mungkin milik keluarga ini", "kendaraan",
         "MHKA1BA1JFK000123", "MOBIL PENUMPANG TOYOTA (2018), nopol P 1234 AB, pajak s.d. 2026-05-01; "
         "kecocokan nama 0,9 di bawah ambang", "NAME_MATCH", 0.9),
        (NEW, KK, "REVIEW", "REJECTED_MEMBER_ROW", "Data salah satu anggota keluarga ditolak", "penduduk", KK,
         f"Baris penduduk 17 dengan NO_KK ini ditolak (NIK_LENGTH), NIK tertulis {HEAD}", None, None),
        (NEW, KK, "EXCLUSION", "STATE_EMPLOYEE", "Anggota keluarga bekerja sebagai PNS", "penduduk", WIFE,
         "Pekerjaan anggota keluarga: PEGAWAI NEGERI SIPIL (PNS)", None, None),
    ])
    con.close()
    return path


def test_shows_members_components_decile_programs_and_every_reason(db):
    out = explain_household(db, KK)
    assert f"Keluarga (No. KK) {KK}" in out and NEW in out and "2026.11-default" in out
    # members, head first, NIKs masked
    lines = out.splitlines()
    member_lines = [line for line in lines if line.startswith("  - ")]
    assert [line.split()[1] for line in member_lines] == ["SLAMET", "SITI", "DWI"]
    for n in (HEAD, WIFE, CHILD):
        assert mask_nik(n) in out
    # every component with its points, in the policy's order, and their sum
    labels = [COMPONENT_LABELS[c] for c in COMPONENTS]
    positions = [out.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "PLN METERAN 900 VA" in out and "6 poin" in out
    # numbers written as the family reads them; other values as stored
    line = next(x for x in lines if x.strip().startswith(COMPONENT_LABELS["nilai_tanah"]))
    assert "236.592.000" in line and line.endswith("8 poin")
    assert "12,5" in next(x for x in lines if x.strip().startswith(COMPONENT_LABELS["luas_lantai_per_anggota"]))
    assert "1/2" in out
    total = sum(r[4] for r in _component_rows(NEW))
    assert f"{total} poin" in out and f"Skor: {total}" in out
    assert "Desil: 3 dari 10" in out
    assert "STATUS: REVIEW" in out and "Program: -" in out
    # every reason, with its evidence and how it was linked
    assert "Alasan dan bukti (3)" in out
    for code in ("UNCERTAIN_MATCH", "REJECTED_MEMBER_ROW", "STATE_EMPLOYEE"):
        assert code in out
    assert "MHKA1BA1JFK000123" in out and "nopol P 1234 AB" in out
    # the score written as the evidence text beside it writes it
    assert "kecocokan nama 0,9 di bawah ambang" in out and "tautan: NAME_MATCH (kecocokan nama), skor nama 0,9\n" in out + "\n"
    # a member named as evidence is shown by name next to the masked NIK
    assert f"{mask_nik(WIFE)} (SITI AMINAH)" in out


def test_no_nik_is_ever_shown_whole(db):
    out = explain_household(db, KK)
    for n in (HEAD, WIFE, CHILD):
        assert n not in out
    assert "NIK tertulis 351015******0001" in out  # a NIK inside an evidence text is masked too
    assert KK in out  # the family card number stays whole: it is how the office finds the family


def test_a_family_card_as_evidence_stays_whole(db):
    """REJECTED_MEMBER_ROW and CONFLICTING_RECORDS name the family's own NO_KK: it is no NIK."""
    out = explain_household(db, KK)
    assert f"bukti: data kependudukan {KK}: Baris penduduk 17" in out
    assert f"bukti: data kependudukan {mask_nik(WIFE)} (SITI AMINAH)" in out  # a member's NIK still masked


def test_load_date_chooses_the_load(db):
    out = explain_household(db, KK, load_date="2026-10-01")
    assert OLD in out and "STATUS: ELIGIBLE" in out and "Program: PKH, SEMBAKO, PBI_JK" in out
    assert "tidak dihitung" in out  # no components stored for that load
    assert "Alasan dan bukti" not in out


def test_a_household_is_found_in_its_own_scopes_load_of_the_date(db):
    """Loads of two scopes on one date: the household is explained from the one that holds it,
    whichever finished last."""
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO mart.loads VALUES ('2026-11-01_35.09', DATE '2026-11-01', TIMESTAMP '2026-11-03 01:00:00')")
    con.close()
    out = explain_household(db, KK, load_date="2026-11-01")
    assert NEW in out and "STATUS: REVIEW" in out
    assert NEW in explain_household(db, KK)
    with pytest.raises(HouseholdNotFound, match="2026-11-01_35.09"):
        explain_household(db, "3510150000000000", load_date="2026-11-01")


def test_a_household_the_newest_load_of_its_scope_no_longer_holds_is_shown_with_a_notice(db):
    """The family got a new card in a newer load: its last decision is shown, and says so."""
    newer, kk_new = "2026-12-01_35.10", "3510151203150009"
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO mart.loads VALUES (?, DATE '2026-12-01', TIMESTAMP '2026-12-02 01:00:00')", [newer])
    con.execute("INSERT INTO mart.households VALUES (?, ?, '35.10.15.2001', ?, 'SLAMET', 3, 20, 2, 'ELIGIBLE', "
                "['SEMBAKO'], '2026.11-default')", [newer, kk_new, HEAD])
    con.execute("INSERT INTO mart.eligibility_changes VALUES (?, ?, ?, ?, 'REVIEW', 'ELIGIBLE', 'NEWLY_ELIGIBLE', "
                "['UNCERTAIN_MATCH', 'NO_KK_CHANGED'])", [newer, NEW, kk_new, KK])
    con.close()
    out = explain_household(db, KK)
    assert out.startswith(f"PERHATIAN: No. KK ini tidak ada di muat data terbaru wilayahnya ({newer})")
    assert f"kini No. KK {kk_new} (NEWLY_ELIGIBLE: UNCERTAIN_MATCH, NO_KK_CHANGED)" in out and f"Muat data: {NEW}" in out
    # a load date asked for is shown as it is; the new card is the newest load's own
    assert "PERHATIAN" not in explain_household(db, KK, load_date="2026-11-01")
    assert "PERHATIAN" not in explain_household(db, kk_new) and newer in explain_household(db, kk_new)


def test_command_line(db, capsys):
    assert main(["explain", KK, "--warehouse", str(db), "--load-date", "2026-11-01"]) == 0
    assert "STATUS: REVIEW" in capsys.readouterr().out
    assert main(["explain", "3510150000000000", "--warehouse", str(db)]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "3510150000000000" not in err
    assert main(["explain", KK, "--warehouse", str(db), "--load-date", "2025-01-01"]) == 2
    assert main(["explain", KK, "--warehouse", str(db.parent / "missing.duckdb")]) == 2
    not_a_database = db.parent / "notes.txt"
    not_a_database.write_text("not a database\n")
    assert main(["explain", KK, "--warehouse", str(not_a_database)]) == 2
    assert "cannot be read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad_date:
        main(["explain", KK, "--warehouse", str(db), "--load-date", "2026-13-45"])
    assert bad_date.value.code == 2 and "not a date" in capsys.readouterr().err


def test_mask_nik():
    assert mask_nik("3510150101800001") == "351015******0001"
    assert mask_nik(None) == "-"
    assert mask_nik("12345") == "12345"



def test_a_nik_typed_into_a_name_is_masked_where_the_name_is_shown():
    from assets.publishing.explain import render

    head, kk = "3510150101800001", "3510151702200001"
    typed = f"SLAMET {head}"
    hh = (kk, "35.10.15.2004", head, typed, 1, 20, 2, "REVIEW", [], "p")
    members = [(head, typed, "LAKI-LAKI", 46, "KEPALA KELUARGA", "PETANI/PEKEBUN")]
    reasons = [("EXCLUSION", "STATE_EMPLOYEE", "x", "penduduk", head, "fakta", None, None)]
    out = render("L", hh, members, [], reasons)
    assert head not in out
    assert out.count("SLAMET 351015******0001") == 3  # the head, the member, the evidence's person
