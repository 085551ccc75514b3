"""The policy file: the shipped default equals policy.md, and every kind of bad file names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import codes
from schemas.policy import (
    DEFAULT_POLICY_PATH,
    ENV_POLICY,
    REASON_CODES,
    Band,
    PolicyError,
    UpperBand,
    load_policy,
)

SHIPPED = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def test_default_path_is_the_project_data_file():
    assert DEFAULT_POLICY_PATH == Path(__file__).resolve().parents[1] / "data" / "policy.toml"


def test_shipped_links_and_exclusions_equal_the_spec():
    p = load_policy()
    assert p.version == "2026.11-default"
    assert (p.links.accept, p.links.review, p.links.margin) == (0.92, 0.80, 0.05)
    assert p.links.holder_min_age == 18  # not in policy.md: BPN's age of majority (docs/linkage.md)
    assert p.links.review_max_candidates == 0  # no limit: every candidate it would exclude is reviewed
    assert p.quarantine_max_rate == 0.05
    ex = p.exclusions
    assert set(ex.state_employee_occupations) == {
        "PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)"}
    dpr = {label for label in codes.JENIS_PKRJN if any(label.startswith(x) for x in ex.state_employee_prefixes)}
    assert dpr == {"ANGGOTA DPR-RI", "ANGGOTA DPRD PROVINSI", "ANGGOTA DPRD KABUPATEN/KOTA"}
    assert set(ex.soe_occupations) == {"KARYAWAN BUMN", "KARYAWAN BUMD"}
    assert set(ex.car_types) == {"MOBIL PENUMPANG", "MOBIL BARANG", "BUS"}
    assert ex.car_tax_window_years == 2
    assert set(ex.agricultural_uses) == {"SAWAH", "TEGALAN", "KEBUN"}
    assert ex.agricultural_area_max_m2 == 5000
    assert ex.land_value_max == 1_000_000_000
    assert ex.electricity_min_va == 1300


def test_shipped_score_tables_equal_the_spec():
    s = load_policy().score
    assert s.floor_area_bands == (Band(0, 0), Band(8, 4), Band(15, 8), Band(30, 12))
    c = s.categorical
    assert dict(c["lantai"]) == {
        "TANAH": 0, "BAMBU": 1, "KAYU/PAPAN": 3, "SEMEN/BATA MERAH": 4, "UBIN/TEGEL/TERASO": 6,
        "PARKET/VINIL/KARPET": 7, "KERAMIK": 8, "MARMER/GRANIT": 10}
    assert dict(c["dinding"]) == {
        "BAMBU": 0, "ANYAMAN BAMBU": 1, "LAINNYA": 2, "KAYU/PAPAN": 3, "PLESTERAN ANYAMAN BAMBU/KAWAT": 4,
        "TEMBOK": 8}
    assert dict(c["atap"]) == {
        "JERAMI/IJUK/RUMBIA": 0, "BAMBU": 1, "KAYU/SIRAP": 2, "SENG": 3, "ASBES": 4, "GENTENG": 5, "BETON": 7}
    assert dict(c["sumber_air_minum"]) == {
        "AIR PERMUKAAN": 0, "AIR HUJAN": 1, "MATA AIR TAK TERLINDUNG": 1, "SUMUR TAK TERLINDUNG": 1,
        "MATA AIR TERLINDUNG": 3, "SUMUR TERLINDUNG": 3, "SUMUR BOR/POMPA": 5, "LEDING": 6, "AIR KEMASAN": 8}
    assert dict(c["fasilitas_bab"]) == {"TIDAK ADA": 0, "UMUM": 1, "BERSAMA": 2, "SENDIRI": 6}
    assert dict(s.electricity.penerangan) == {"BUKAN LISTRIK": 0, "NON-PLN": 1, "PLN TANPA METERAN": 2}
    assert s.electricity.pln_meteran == (Band(0, 3), Band(900, 6), Band(1300, 10), Band(2200, 14), Band(3500, 18))
    assert dict(c["bahan_bakar_masak"]) == {
        "KAYU BAKAR": 0, "ARANG": 1, "MINYAK TANAH": 2, "TIDAK MEMASAK": 2, "BIOGAS": 3, "GAS 3 KG": 4,
        "GAS 5.5 KG": 7, "GAS 12 KG": 8, "GAS KOTA": 8, "LISTRIK": 9}
    assert dict(c["status_bangunan"]) == {
        "BEBAS SEWA": 0, "LAINNYA": 1, "KONTRAK/SEWA": 2, "MILIK SENDIRI": 3, "DINAS": 3}
    assert dict(c["pendidikan_kepala"]) == {
        "TIDAK/BELUM SEKOLAH": 0, "BELUM TAMAT SD/SEDERAJAT": 1, "TAMAT SD/SEDERAJAT": 2, "SLTP/SEDERAJAT": 4,
        "SLTA/SEDERAJAT": 6, "DIPLOMA I/II": 8, "AKADEMI/DIPLOMA III/S. MUDA": 9, "DIPLOMA IV/STRATA I": 11,
        "STRATA II": 13, "STRATA III": 14}
    occ = s.occupation
    assert occ.missing == 0 and occ.default == 2
    assert dict(occ.prefixes) == {"BURUH": 1, "TUKANG": 1, "ANGGOTA DPR": 8}
    assert {k for k, v in occ.labels.items() if v == 8} == {
        "PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)",
        "KARYAWAN BUMN", "KARYAWAN BUMD", "KARYAWAN SWASTA", "GURU"}
    assert occ.labels["PENSIUNAN"] == 4 and occ.labels["PEDAGANG"] == 5 and occ.labels["WIRASWASTA"] == 5
    assert occ.labels["SOPIR"] == 1 and occ.labels["MENGURUS RUMAH TANGGA"] == 0 and occ.labels["LAINNYA"] == 2
    assert {occ.labels[x] for x in ("PETANI/PEKEBUN", "PETERNAK", "NELAYAN/PERIKANAN")} == {2}
    d = s.dependency
    assert (d.young_below, d.old_from, d.otherwise) == (15, 65, 0)
    assert d.bands == (UpperBand(0, 6), UpperBand(0.5, 4), UpperBand(1, 2))
    assert (s.motorcycles.types, s.motorcycles.points_each, s.motorcycles.max_points) == (("SEPEDA MOTOR",), 3, 6)
    assert (s.cars.points_each, s.cars.max_points) == (15, 30)
    assert set(s.cars.types) == {"MOBIL PENUMPANG", "MOBIL BARANG", "BUS"}
    assert s.motorcycles.tax_window_years == s.cars.tax_window_years == 2
    assert s.land_value_bands == (Band(0, 0), Band(50e6, 4), Band(200e6, 8), Band(500e6, 12))


def test_shipped_deciles_programs_and_reasons():
    p = load_policy()
    assert p.decile_groups == 10
    progs = {x.name: x for x in p.programs}
    assert set(progs) == {"PKH", "SEMBAKO", "PBI_JK"}
    assert (progs["PKH"].max_decile, progs["PKH"].member_age_below, progs["PKH"].member_age_from) == (4, 18, 60)
    assert (progs["SEMBAKO"].max_decile, progs["SEMBAKO"].member_age_below, progs["SEMBAKO"].member_age_from) == (
        4, None, None)
    assert progs["PBI_JK"].max_decile == 5
    assert set(p.descriptions) == set(REASON_CODES)
    assert all(text.strip() for text in p.descriptions.values())
    assert p.reason_kind("CAR_OWNER") == "EXCLUSION" and p.reason_kind("NO_HOUSING_DATA") == "REVIEW"


def test_env_var_and_explicit_path(tmp_path, monkeypatch):
    other = tmp_path / "p.toml"
    other.write_text(SHIPPED.replace('version = "2026.11-default"', 'version = "2027.01-test"'), encoding="utf-8")
    monkeypatch.setenv(ENV_POLICY, str(other))
    assert load_policy().version == "2027.01-test"
    assert load_policy(DEFAULT_POLICY_PATH).version == "2026.11-default"


def _write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "policy.toml"
    f.write_text(text, encoding="utf-8")
    return f


def _swap(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, old
    return SHIPPED.replace(old, new)


BAD = [
    # missing keys
    (_swap("accept = 0.92", ""), "links.accept"),
    (_swap("holder_min_age = 18", ""), "links.holder_min_age"),
    (_swap('"KERAMIK" = 8\n', ""), "score.lantai.KERAMIK"),
    (_swap('version = "2026.11-default"', ""), "version"),
    (_swap("[decile]\ngroups = 10", "[decile]"), "decile.groups"),
    (_swap("SOE_EMPLOYEE = ", "# SOE_EMPLOYEE = "), "reasons.SOE_EMPLOYEE"),
    (_swap("SOE_EMPLOYEE = ", "X_SOE = "), "reasons.X_SOE"),
    # wrong types
    (_swap('"KERAMIK" = 8', '"KERAMIK" = "8"'), "score.lantai.KERAMIK"),
    (_swap("accept = 0.92", 'accept = "0.92"'), "links.accept"),
    (_swap("holder_min_age = 18", "holder_min_age = 17.5"), "links.holder_min_age"),
    (_swap("car_tax_window_years = 2", "car_tax_window_years = 2.5"), "exclusion.car_tax_window_years"),
    (_swap("electricity_min_va = 1300", "electricity_min_va = true"), "exclusion.electricity_min_va"),
    (_swap('soe_occupations = ["KARYAWAN BUMN", "KARYAWAN BUMD"]', 'soe_occupations = "KARYAWAN BUMN"'),
     "exclusion.soe_occupations"),
    # unknown keys and labels
    (_swap("margin = 0.05", "margin = 0.05\nmargn = 0.05"), "links.margn"),
    (_swap('"KERAMIK" = 8', '"KERAMIK" = 8\n"KERAMIK HALUS" = 9'), "score.lantai.KERAMIK HALUS"),
    (_swap("[programs.SEMBAKO]", "[programs.BLT]\nmax_decile = 3\n\n[programs.SEMBAKO]"), "programs.BLT"),
    (_swap('car_types = ["MOBIL PENUMPANG"', 'car_types = ["MOBIL SEDAN"'), "exclusion.car_types[0]"),
    (_swap('"SOPIR" = 1', '"SUPIR" = 1'), "score.pekerjaan_kepala.labels.SUPIR"),
    (SHIPPED + "\n[extra]\nx = 1\n", "extra"),
    # out of range
    (_swap("accept = 0.92", "accept = 1.5"), "links.accept"),
    (_swap("review = 0.80", "review = 0.95"), "links.review"),
    (_swap("margin = 0.05", "margin = -0.1"), "links.margin"),
    (_swap("holder_min_age = 18", "holder_min_age = -1"), "links.holder_min_age"),
    (_swap("review_max_candidates = 0", "review_max_candidates = -1"), "links.review_max_candidates"),
    (_swap("review_max_candidates = 0", "review_max_candidates = 2.5"), "links.review_max_candidates"),
    (_swap("max_rate = 0.05", "max_rate = 2"), "quarantine.max_rate"),
    (_swap('"KERAMIK" = 8', '"KERAMIK" = -1'), "score.lantai.KERAMIK"),
    (_swap("{ from = 15, points = 8 },\n    { from = 30", "{ from = 31, points = 8 },\n    { from = 30"),
     "score.luas_lantai_per_anggota.bands[3].from"),
    (_swap("[programs.PBI_JK]\nmax_decile = 5", "[programs.PBI_JK]\nmax_decile = 11"), "programs.PBI_JK.max_decile"),
    (_swap("old_from = 65", "old_from = 10"), "score.rasio_ketergantungan.old_from"),
    (_swap("agricultural_area_max_m2 = 5000", "agricultural_area_max_m2 = 0"), "exclusion.agricultural_area_max_m2"),
]


@pytest.mark.parametrize("text,key", BAD, ids=[k for _, k in BAD])
def test_bad_file_names_the_key(tmp_path, text, key):
    with pytest.raises(PolicyError) as err:
        load_policy(_write(tmp_path, text))
    assert f": {key}: " in str(err.value)


def test_a_file_without_the_optional_candidate_cap_has_none(tmp_path):
    p = load_policy(_write(tmp_path, _swap("review_max_candidates = 0", "")))
    assert p.links.review_max_candidates == 0
    assert load_policy(_write(tmp_path, _swap("review_max_candidates = 0", "review_max_candidates = 3"))
                       ).links.review_max_candidates == 3


def test_malformed_toml(tmp_path):
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(_write(tmp_path, SHIPPED + "\n[links\n"))


def test_unreadable_file(tmp_path):
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy(tmp_path / "missing.toml")
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy(tmp_path)  # a folder
    f = tmp_path / "latin1.toml"
    f.write_bytes(b'version = "\xe9"\n')
    with pytest.raises(PolicyError, match="UTF-8"):
        load_policy(f)


def test_policy_is_immutable():
    p = load_policy()
    with pytest.raises(AttributeError):
        p.version = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.score.categorical["lantai"]["KERAMIK"] = 0  # type: ignore[index]


def test_policy_pickles_and_hashes():
    # The policy is a Dagster asset: run storage pickles it.
    import pickle

    p = load_policy()
    q = pickle.loads(pickle.dumps(p))
    assert q == p and hash(q) == hash(p)
    with pytest.raises(TypeError):
        q.descriptions["CAR_OWNER"] = "x"  # type: ignore[index]
