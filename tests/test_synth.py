"""The synthetic extract generator: determinism, the column contract, NIK structure, and a truth
that agrees with the written files (checked by an independent strict reader of the contract)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from schemas import codes, rules
from schemas.extracts import REQUIRED_COLUMNS
from synth.assets import HOLDER_MIN_AGE_DAYS
from synth.__main__ import main
from synth.generate import generate

LOAD = date(2026, 11, 1)
DISTRICTS = ["35.10.15", "35.10.12"]
ALL_DIRT = {
    "NIK_FORMATTING", "NIK_SCIENTIFIC", "NIK_LENGTH", "NIK_LETTERS", "NIK_BAD_DATE", "NIK_SERIAL_ZERO",
    "NIK_UNKNOWN_PROVINCE", "NIK_DATE_MISMATCH", "NIK_TYPO", "DUPLICATE_IDENTICAL", "DUPLICATE_CONFLICT",
    "DATE_FORMAT", "DATE_IMPOSSIBLE", "DATE_FUTURE", "NUMBER_SEPARATORS", "NOT_POSITIVE", "LABEL_CASE_SPACES",
    "LABEL_UNKNOWN", "NAME_VARIANT", "REGION_UNKNOWN", "OUT_OF_SCOPE", "PREVIOUS_OWNER", "DECEASED_OWNER",
    "TAX_LAPSED", "COMPANY_NPWP",
}
NO_RULE = {"NIK_FORMATTING", "NIK_TYPO", "DATE_FORMAT", "NUMBER_SEPARATORS", "LABEL_CASE_SPACES",
           "NAME_VARIANT", "PREVIOUS_OWNER", "DECEASED_OWNER", "TAX_LAPSED", "COMPANY_NPWP"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(6000, 20261101, out, districts=DISTRICTS, load_date=LOAD)
    return out


def read(folder: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(folder / f"{name}.csv", infer_schema=False)


def with_rn(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_row_index("row_number", offset=1).with_columns(pl.col("row_number").cast(pl.Int64))


def dirt(folder: Path) -> pl.DataFrame:
    return pl.read_csv(folder / "truth" / "dirt.csv", schema_overrides={"row_number": pl.Int64,
                                                                         "rule": pl.String, "action": pl.String})


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- a strict, independent reader of extracts.md ----------------------------------------------
PROVINCES = [int(p) for p in codes.PROVINCE_CODES]


def clean_nik(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().str.strip_chars_start("'").str.replace_all(r"[ .]", "")


def nik_rule(col: str, npwp_ok: bool = False) -> pl.Expr:
    raw = pl.col(col).str.strip_chars()
    c = clean_nik(col)
    day = c.str.slice(6, 2).cast(pl.Int64, strict=False)
    day = pl.when(day > 40).then(day - 40).otherwise(day)
    mon = c.str.slice(8, 2).cast(pl.Int64, strict=False)
    prov = c.str.slice(0, 2).cast(pl.Int64, strict=False)
    return (
        pl.when(pl.col(col).is_null()).then(None)
        .when(raw.str.contains("E+", literal=True)).then(pl.lit(rules.NIK_SCIENTIFIC))
        .when(~c.str.contains(r"^[0-9]+$")).then(pl.lit(rules.NIK_NOT_DIGITS))
        .when(pl.lit(npwp_ok) & (c.str.len_chars() == 15)).then(None)
        .when(c.str.len_chars() != 16).then(pl.lit(rules.NIK_LENGTH))
        .when(~prov.is_in(PROVINCES)).then(pl.lit(rules.NIK_UNKNOWN_PROVINCE))
        .when((day < 1) | (day > 31) | (mon < 1) | (mon > 12)).then(pl.lit(rules.NIK_BAD_DATE))
        .when(c.str.slice(12) == "0000").then(pl.lit(rules.NIK_SERIAL_ZERO))
    )


def parse_date(col: str) -> tuple[pl.Expr, pl.Expr]:
    """(parsed date, rule) for YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY."""
    s = pl.col(col).str.strip_chars()
    iso = s.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    dmy = s.str.contains(r"^\d{2}[-/]\d{2}[-/]\d{4}$")
    norm = pl.when(iso).then(s).when(dmy).then(s.str.slice(6, 4) + "-" + s.str.slice(3, 2) + "-" + s.str.slice(0, 2))
    d = norm.str.to_date("%Y-%m-%d", strict=False)
    rule = (pl.when(pl.col(col).is_null()).then(None)
            .when(~iso & ~dmy).then(pl.lit(rules.DATE_UNPARSEABLE))
            .when(d.is_null()).then(pl.lit(rules.DATE_IMPOSSIBLE)))
    return d, rule


def parse_number(col: str) -> tuple[pl.Expr, pl.Expr]:
    s = pl.col(col).str.strip_chars()
    v = pl.when(s.str.contains(",")).then(s.str.replace_all(".", "", literal=True).str.replace(",", "."))\
        .when(s.str.contains(r"^-?\d{1,3}(\.\d{3})+$")).then(s.str.replace_all(".", "", literal=True))\
        .otherwise(s).cast(pl.Float64, strict=False)
    rule = pl.when(v.is_null()).then(pl.lit(rules.NUMBER_UNPARSEABLE)).when(v <= 0).then(pl.lit(rules.NOT_POSITIVE))
    return v, rule


def label_rule(src: str, col: str) -> pl.Expr:
    norm = pl.col(col).str.strip_chars().str.replace_all(r"\s+", " ").str.to_uppercase()
    return pl.when(~norm.is_in(list(codes.CATEGORICAL[src][col]))).then(pl.lit(rules.UNKNOWN_CODE))


def region_rule(villages: list[str], asset: bool) -> pl.Expr:
    k = pl.col("KODE_WILAYAH")
    out = pl.lit(rules.OUT_OF_SCOPE_REGION) if asset else pl.lit(rules.UNKNOWN_REGION)
    return (pl.when(k.is_in(villages)).then(None)
            .when(k.str.contains(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$") & ~k.str.starts_with("35.10.")).then(out)
            .otherwise(pl.lit(rules.UNKNOWN_REGION)))


def strict_quarantine(folder: Path) -> pl.DataFrame:
    """Every (source, row_number, rule) a strict reading of the contract finds in the folder."""
    load = date.fromisoformat(json.loads((folder / "load.json").read_text())["load_date"])
    vill = read(folder, "wilayah").filter(pl.col("KODE").str.count_matches(r"\.") == 3)["KODE"].to_list()
    found = []

    def add(src: str, df: pl.DataFrame, exprs: list[pl.Expr]) -> None:
        for e in exprs:
            found.append(df.select(pl.lit(src).alias("source"), "row_number", e.alias("rule")).drop_nulls("rule"))

    # penduduk
    p = with_rn(read(folder, "penduduk"))
    d_lhr, r_lhr = parse_date("TGL_LHR")
    d_st, r_st = parse_date("TGL_STATUS")
    fut = lambda d: pl.when(d > pl.lit(load)).then(pl.lit(rules.DATE_IN_FUTURE))  # noqa: E731
    c = clean_nik("NIK")
    female = pl.col("JENIS_KLMIN").str.strip_chars().str.to_uppercase() == "PEREMPUAN"
    expect = (pl.when(female).then(d_lhr.dt.day() + 40).otherwise(d_lhr.dt.day()).cast(pl.String).str.zfill(2)
              + d_lhr.dt.strftime("%m%y"))
    p = p.with_columns(_nik_rule=nik_rule("NIK"), _c=c)
    add("penduduk", p, [
        pl.col("_nik_rule"), r_lhr, r_st, fut(d_lhr), fut(d_st),
        *[label_rule("penduduk", col) for col in codes.CATEGORICAL["penduduk"]],
        region_rule(vill, asset=False),
        pl.when(pl.col("_nik_rule").is_null() & d_lhr.is_not_null() & label_rule("penduduk", "JENIS_KLMIN").is_null()
                & (pl.col("_c").str.slice(6, 6) != expect))
        .then(pl.lit(rules.NIK_DATE_MISMATCH)),
        pl.when(label_rule("penduduk", "STATUS").is_null()
                & ((pl.col("STATUS").str.strip_chars().str.to_uppercase() == "HIDUP") != pl.col("TGL_STATUS").is_null()))
        .then(pl.lit(rules.DATE_INCONSISTENT)),
    ])
    data_cols = list(REQUIRED_COLUMNS["penduduk"])
    g = p.filter(pl.col("_nik_rule").is_null()).with_columns(
        n=pl.len().over("_c"), distinct=pl.struct(data_cols).n_unique().over("_c"),
        first=pl.col("row_number").min().over(["_c", *data_cols]))
    found.append(g.filter((pl.col("n") > 1) & (pl.col("distinct") > 1)).select(
        pl.lit("penduduk").alias("source"), "row_number", pl.lit(rules.DUPLICATE_CONFLICT).alias("rule")))
    found.append(g.filter((pl.col("n") > 1) & (pl.col("distinct") == 1) & (pl.col("row_number") != pl.col("first")))
                 .select(pl.lit("penduduk").alias("source"), "row_number", pl.lit(rules.DUPLICATE_IDENTICAL).alias("rule")))
    # tanah
    t = with_rn(read(folder, "tanah"))
    d, r = parse_date("TGL_TERBIT")
    add("tanah", t, [nik_rule("NIK_PEMEGANG"), r, fut(d), parse_number("LUAS_M2")[1], parse_number("NJOP_PER_M2")[1],
                     *[label_rule("tanah", col) for col in codes.CATEGORICAL["tanah"]], region_rule(vill, True)])
    # kendaraan (TGL_AKHIR_PAJAK may lie in the future)
    k = with_rn(read(folder, "kendaraan"))
    d, r = parse_date("TGL_AKHIR_PAJAK")
    add("kendaraan", k, [nik_rule("NIK_PEMILIK", npwp_ok=True), r, parse_number("NILAI_JUAL")[1],
                         label_rule("kendaraan", "JENIS_KENDARAAN"), region_rule(vill, True)])
    # rumah
    h = with_rn(read(folder, "rumah"))
    d, r = parse_date("TGL_PENDATAAN")
    add("rumah", h, [nik_rule("NIK_KEPALA"), r, fut(d), parse_number("LUAS_LANTAI_M2")[1],
                     *[label_rule("rumah", col) for col in codes.CATEGORICAL["rumah"]], region_rule(vill, False),
                     pl.when(~pl.col("DAYA_VA").is_in([str(v) for v in codes.DAYA_VA])).then(pl.lit(rules.UNKNOWN_CODE))])
    # required fields present (asset NIK columns and TGL_STATUS may be empty)
    optional = {"TGL_STATUS", "NIK_PEMEGANG", "NIK_PEMILIK"}
    for src, df in (("penduduk", p), ("tanah", t), ("kendaraan", k), ("rumah", h)):
        for col in REQUIRED_COLUMNS[src]:
            if col not in optional:
                add(src, df, [pl.when(pl.col(col).is_null()).then(pl.lit(rules.REQUIRED_MISSING))])
    return pl.concat(found).unique().sort(["source", "row_number", "rule"])


# --- tests --------------------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(2500, 7, a, load_date=LOAD)
    generate(2500, 7, b, load_date=LOAD)
    generate(2500, 8, c, load_date=LOAD)
    assert digest(a) == digest(b)
    assert digest(a)["penduduk.csv"] != digest(c)["penduduk.csv"]


def test_column_contract_and_folder(folder):
    for name in ("penduduk", "tanah", "kendaraan", "rumah"):
        assert tuple(read(folder, name).columns) == REQUIRED_COLUMNS[name]
    w = read(folder, "wilayah")
    assert w.columns == ["KODE", "NAMA"]
    assert w.height == 38 + 1 + 25 + 217
    assert set(codes.PROVINCE_CODES) <= set(w["KODE"].to_list())
    assert json.loads((folder / "load.json").read_text()) == {"load_date": "2026-11-01", "scope": "35.10"}
    assert (folder / "rumah.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, as the contract allows
    assert set((folder / "truth").iterdir()) == {folder / "truth" / f for f in
                                                 ("dirt.csv", "tanah.csv", "kendaraan.csv", "rumah.csv", "households.csv")}


def test_every_kind_of_dirt_is_planted_with_its_rule(folder):
    d = dirt(folder)
    assert set(d["dirt"].unique().to_list()) == ALL_DIRT
    no_rule = d.filter(pl.col("dirt").is_in(list(NO_RULE)))
    assert no_rule["rule"].is_null().all() and no_rule["action"].is_null().all()
    ruled = d.filter(~pl.col("dirt").is_in(list(NO_RULE)))
    assert ruled["rule"].is_not_null().all()
    assert set(ruled["rule"].unique().to_list()) <= set(rules.RULES)
    assert set(ruled["action"].unique().to_list()) <= set(rules.ACTIONS)
    # NIK dirt drops the value in asset extracts and rejects the row in the registry
    nik = d.filter(pl.col("rule").str.starts_with("NIK_") & (pl.col("rule") != rules.NIK_DATE_MISMATCH))
    assert (nik.filter(pl.col("source") == "penduduk")["action"] == rules.ROW_REJECTED).all()
    assert (nik.filter(pl.col("source") != "penduduk")["action"] == rules.VALUE_DROPPED).all()
    # at most one quarantine-producing dirt per row
    assert ruled.group_by(["source", "row_number"]).len()["len"].max() == 1
    # rates stay small
    n = read(folder, "penduduk").height
    per_kind = ruled.filter(pl.col("source") == "penduduk").group_by("dirt").len()
    assert per_kind["len"].max() <= 0.01 * n


def test_strict_reading_of_the_files_equals_the_truth(folder):
    """No accidental quarantine anywhere, and every planted rule really is in the file."""
    expected = dirt(folder).filter(pl.col("rule").is_not_null()).select("source", "row_number", "rule").unique()
    found = strict_quarantine(folder)
    exp = set(expected.iter_rows())
    got = set(found.iter_rows())
    assert got - exp == set(), sorted(got - exp)[:10]
    assert exp - got == set(), sorted(exp - got)[:10]


def test_dirty_cells_look_like_their_kind(folder):
    d = dirt(folder)

    def cells(kind: str) -> list[str]:
        out = []
        for (src, col), g in d.filter(pl.col("dirt") == kind).group_by(["source", "column"], maintain_order=True):
            df = with_rn(read(folder, src))
            out += df.join(g.select("row_number"), on="row_number")[col].to_list()
        return out

    assert all("E+" in v for v in cells("NIK_SCIENTIFIC"))
    assert all(re.fullmatch(r"\d{15}|\d{17}", v) for v in cells("NIK_LENGTH"))
    assert all(re.search(r"[A-Za-z]", v) for v in cells("NIK_LETTERS"))
    assert all(v != re.sub(r"[ .']", "", v).strip() or v != v.strip() for v in cells("NIK_FORMATTING"))
    assert all(re.fullmatch(r"\d{2}[-/]\d{2}[-/]\d{4}", v) for v in cells("DATE_FORMAT"))
    assert all(re.search(r"[.,]", v) for v in cells("NUMBER_SEPARATORS"))
    for v in cells("LABEL_CASE_SPACES"):
        norm = re.sub(r"\s+", " ", v.strip()).upper()
        assert v != norm and any(norm in labels for labels in
                                 [lab for src in codes.CATEGORICAL.values() for lab in src.values()])
    assert all(re.fullmatch(r"\d{15}", v) for v in cells("COMPANY_NPWP"))


def test_clean_registry_niks_agree_with_birth_date_and_sex(folder):
    p = with_rn(read(folder, "penduduk"))
    dirty = dirt(folder).filter((pl.col("source") == "penduduk") &
                                pl.col("column").is_in(["NIK", "TGL_LHR", "JENIS_KLMIN"]))["row_number"]
    clean = p.filter(~pl.col("row_number").is_in(dirty.implode()))
    assert clean.height > 0.95 * p.height
    assert clean["NIK"].str.contains(r"^\d{16}$").all()
    d = clean["TGL_LHR"].str.to_date("%Y-%m-%d")
    day = d.dt.day() + pl.Series((clean["JENIS_KLMIN"] == "PEREMPUAN").cast(pl.Int8) * 40)
    expect = day.cast(pl.String).str.zfill(2) + d.dt.strftime("%m%y")
    assert (clean["NIK"].str.slice(6, 6) == expect).all()
    assert (clean["NIK"].str.slice(12) != "0000").all()
    assert clean["NIK"].is_unique().all()
    # NIK region: mostly the residence district, some elsewhere
    home = clean["NIK"].str.slice(0, 6) == clean["KODE_WILAYAH"].str.replace_all(".", "", literal=True).str.slice(0, 6)
    assert 0.6 < home.mean() < 0.97
    assert clean["NO_KK"].str.contains(r"^\d{16}$").all()
    # one NO_KK per household: the same card does not appear in two villages
    assert clean.group_by("NO_KK").agg(pl.col("KODE_WILAYAH").n_unique())["KODE_WILAYAH"].max() <= 2


def test_households_are_realistic(folder):
    p = read(folder, "penduduk")
    hh = pl.read_csv(folder / "truth" / "households.csv", infer_schema=False)
    size = p.unique("NIK").group_by("NO_KK").len()
    assert 3.0 < size["len"].mean() < 4.0
    assert size["len"].max() >= 8
    assert set(hh["no_kk"].to_list()) >= set(size["NO_KK"].to_list()) - set()
    status = p.filter(pl.col("STATUS").is_in(["HIDUP", "MATI", "PINDAH"])).group_by("NO_KK").agg(
        alive=(pl.col("STATUS") == "HIDUP").any())
    j = hh.join(status, left_on="no_kk", right_on="NO_KK")
    assert (j["dissolved"] == "true").sum() > 0
    assert ((j["dissolved"] == "true") == ~j["alive"]).mean() > 0.99  # rejected-label rows aside
    heads_dead = p.filter((pl.col("STAT_HBKEL") == "KEPALA KELUARGA") & (pl.col("STATUS") == "MATI"))
    assert heads_dead.height > 0
    assert set(p["STAT_HBKEL"].unique().to_list()) >= {"KEPALA KELUARGA", "ISTRI", "ANAK", "CUCU", "ORANG TUA",
                                                         "MERTUA", "FAMILI LAIN"}
    assert hh["wealth"].n_unique() == 5


def test_truth_owners_exist_and_namesakes_are_real(folder):
    p = read(folder, "penduduk")
    niks = set(p.select(clean_nik("NIK"))["NIK"].to_list())
    for src in ("tanah", "kendaraan"):
        t = pl.read_csv(folder / "truth" / f"{src}.csv", infer_schema=False)
        data = read(folder, src)
        assert t.height == data.height
        assert t["record_id"].to_list() == data["NIB" if src == "tanah" else "NO_RANGKA"].to_list()
        owners = t.filter(pl.col("owner_nik").is_not_null())
        # owners whose registry row was made unreadable (a planted NIK dirt) cannot be identified
        missing = owners.filter(~pl.col("owner_nik").is_in(list(niks)))
        assert missing.height < 0.02 * owners.height
        assert (missing["identifiable"] == "false").all()
        assert set(t["owner_kind"].unique().to_list()) <= {"PERSON", "DECEASED", "PREVIOUS_OWNER", "COMPANY", "OUTSIDE"}
        assert t.filter(pl.col("owner_kind").is_in(["COMPANY", "OUTSIDE"]))["owner_nik"].is_null().all()
        dead = owners.filter(pl.col("owner_kind") == "DECEASED").join(p.unique("NIK"), left_on="owner_nik", right_on="NIK")
        assert dead.height > 0 and (dead["STATUS"] == "MATI").mean() > 0.95
        assert {"true", "false"} == set(t["identifiable"].unique().to_list())
        # an unidentifiable registry owner has no usable NIK on the record and a namesake in the village
        assert t.filter(pl.col("name_variant").is_not_null()).height > 0
    # namesakes: the same full name several times in one village
    same = p.group_by(["KODE_WILAYAH", "NAMA_LGKP"]).len()
    assert same["len"].max() >= 3
    t = pl.read_csv(folder / "truth" / "tanah.csv", infer_schema=False)
    data = with_rn(read(folder, "tanah"))
    ni = t.filter((pl.col("identifiable") == "false") & pl.col("owner_nik").is_not_null())
    j = ni.join(p.unique("NIK").select("NIK", "NAMA_LGKP", "KODE_WILAYAH"), left_on="owner_nik", right_on="NIK")
    # mostly for a namesake in the village or elsewhere in the district
    in_d = p.group_by(d=pl.col("KODE_WILAYAH").str.slice(0, 8), name="NAMA_LGKP").len()
    namesakes = j.join(in_d.filter(pl.col("len") > 1), left_on=[pl.col("KODE_WILAYAH").str.slice(0, 8), "NAMA_LGKP"],
                       right_on=["d", "name"])
    assert namesakes.height > 0.5 * j.height
    assert data.filter(pl.col("row_number").is_in(ni["row_number"].cast(pl.Int64).implode()))["NIK_PEMEGANG"].is_null().mean() > 0.5


def test_typos_are_one_edit_from_the_true_owner(folder):
    d = dirt(folder).filter(pl.col("dirt") == "NIK_TYPO")
    assert d.height > 0
    for src, col in (("tanah", "NIK_PEMEGANG"), ("kendaraan", "NIK_PEMILIK"), ("rumah", "NIK_KEPALA")):
        rows = d.filter(pl.col("source") == src)["row_number"]
        data = with_rn(read(folder, src)).filter(pl.col("row_number").is_in(rows.implode()))
        truth = pl.read_csv(folder / "truth" / f"{src}.csv", infer_schema=False).with_columns(pl.col("row_number").cast(pl.Int64))
        true_col = "head_nik" if src == "rumah" else "owner_nik"
        j = data.join(truth, on="row_number")
        j = j.filter(pl.col(true_col).is_not_null())
        for typed, true in zip(j[col].to_list(), j[true_col].to_list()):
            assert len(typed) == 16 and typed != true
            diff = [i for i in range(16) if typed[i] != true[i]]
            assert len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                      and typed[diff[0]] == true[diff[1]] and typed[diff[1]] == true[diff[0]])


def test_housing_truth_names_a_member(folder):
    p = read(folder, "penduduk")
    r = pl.read_csv(folder / "truth" / "rumah.csv", infer_schema=False)
    j = r.join(p.unique("NIK").select("NIK", "NO_KK", "STATUS"), left_on="head_nik", right_on="NIK", how="left")
    assert (j["NO_KK"] == j["no_kk"]).mean() > 0.99
    hh = pl.read_csv(folder / "truth" / "households.csv", infer_schema=False)
    assert r.height < hh.height  # some households were not surveyed


def test_districts_and_cli(tmp_path):
    out = tmp_path / "cli"
    assert main(["--persons", "1500", "--seed", "3", "--out", str(out), "--districts", "35.10.24",
                 "--load-date", "2026-05-01"]) == 0
    p = read(out, "penduduk")
    assert p["KODE_WILAYAH"].str.starts_with("35.10.24.").all()
    assert json.loads((out / "load.json").read_text())["load_date"] == "2026-05-01"
    assert 1500 <= p.height <= 1520
    with pytest.raises(ValueError):
        generate(100, 1, tmp_path / "bad", districts=["35.10.99"])


def test_committed_sample_is_the_generators_output(tmp_path):
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    generate(5000, 20261101, tmp_path, districts=DISTRICTS, load_date=LOAD)
    assert digest(tmp_path) == digest(sample)
    assert sum(p.stat().st_size for p in sample.rglob("*") if p.is_file()) < 5_000_000


def test_wealth_drives_assets_but_not_trivially(folder):
    hh = pl.read_csv(folder / "truth" / "households.csv", infer_schema=False).select("no_kk", "wealth")
    r = read(folder, "rumah").join(hh, left_on="NO_KK", right_on="no_kk")
    va = r.group_by("wealth").agg(hi=pl.col("DAYA_VA").cast(pl.Int64, strict=False).ge(1300).mean()).sort("wealth")
    assert va["hi"][0] < va["hi"][4]
    assert va["hi"][0] > 0 or va["hi"][1] > 0  # some poor households have 1300 VA
    p = read(folder, "penduduk").unique("NIK")
    heads = p.filter(pl.col("STAT_HBKEL") == "KEPALA KELUARGA").select("NIK", "NO_KK")
    k = pl.read_csv(folder / "truth" / "kendaraan.csv", infer_schema=False).join(
        read(folder, "kendaraan").select("NO_RANGKA", "JENIS_KENDARAAN"), left_on="record_id", right_on="NO_RANGKA")
    owned = k.join(p.select("NIK", "NO_KK"), left_on="owner_nik", right_on="NIK").join(hh, left_on="NO_KK", right_on="no_kk")
    motor = owned.filter(pl.col("JENIS_KENDARAAN") == "SEPEDA MOTOR")
    cars = owned.filter(pl.col("JENIS_KENDARAAN").is_in(["MOBIL PENUMPANG", "MOBIL BARANG"]))
    assert motor.filter(pl.col("wealth") == "1").height > 0  # poor families with a motorcycle
    assert cars.filter(pl.col("wealth") == "5")["NO_KK"].n_unique() > cars.filter(pl.col("wealth") == "1")["NO_KK"].n_unique()
    t = pl.read_csv(folder / "truth" / "tanah.csv", infer_schema=False).join(
        read(folder, "tanah").with_row_index("rn", 1).select(pl.col("rn").cast(pl.String), "LUAS_M2", "PENGGUNAAN"),
        left_on="row_number", right_on="rn")
    farm = t.filter(pl.col("PENGGUNAAN").is_in(["SAWAH", "TEGALAN", "KEBUN"])).join(
        p.select("NIK", "NO_KK"), left_on="owner_nik", right_on="NIK").group_by("NO_KK").agg(
        area=pl.col("LUAS_M2").cast(pl.Int64, strict=False).sum())
    assert farm.filter(pl.col("area") > 5000).height > 0
    assert heads.height > 0


# --- the linkage truth: repairable invalid NIKs, land outside the holder's village ----------
INVALID_NIK = ("NIK_BAD_DATE", "NIK_SERIAL_ZERO", "NIK_UNKNOWN_PROVINCE", "NIK_LETTERS")


@pytest.fixture(scope="module")
def regency(tmp_path_factory) -> Path:
    """All 25 districts, so that parcels can lie in another district than their holder's."""
    out = tmp_path_factory.mktemp("regency")
    generate(30000, 11, out, load_date=LOAD)
    return out


def survivors(folder: Path) -> pl.DataFrame:
    """Registry rows that pass validation: NIK (cleaned), name, village."""
    rej = dirt(folder).filter((pl.col("source") == "penduduk") & (pl.col("action") == rules.ROW_REJECTED))
    p = with_rn(read(folder, "penduduk")).filter(~pl.col("row_number").is_in(rej["row_number"].implode()))
    return p.select(clean_nik("NIK"), "NAMA_LGKP", "KODE_WILAYAH").unique("NIK")


def rejected_rows(folder: Path, src: str) -> pl.Series:
    d = dirt(folder)
    return d.filter((pl.col("source") == src) & (pl.col("action") == rules.ROW_REJECTED))["row_number"]


def repair_variants(text: str) -> set[str]:
    """What linkage tries: one substituted digit or one neighbour swap of 16 digits; a single
    non-digit among 16 characters stands for any digit at its place."""
    other = [i for i, c in enumerate(text) if not c.isdigit()]
    if len(text) != 16 or len(other) > 1:
        return set()
    if other:
        i = other[0]
        return {text[:i] + d + text[i + 1:] for d in "0123456789"}
    out = {text[:i] + d + text[i + 1:] for i in range(16) for d in "0123456789" if d != text[i]}
    out |= {text[:i] + text[i + 1] + text[i] + text[i + 2:] for i in range(15)}
    return out - {text}


def test_invalid_nik_one_edit_from_its_owner_is_repairable(regency):
    """A NIK dropped as invalid (bad date, serial 0000, unknown province, a letter) is repaired by
    linkage from its cleaned text: when exactly one surviving registry person one edit away bears
    the owner's name, the owner can be told apart, whatever the namesakes in the village."""
    reg = survivors(regency)
    name_of = dict(zip(reg["NIK"].to_list(), reg["NAMA_LGKP"].to_list()))
    d = dirt(regency).filter(pl.col("dirt").is_in(INVALID_NIK))
    checked = unique_in_village = 0
    for src, col in (("tanah", "NIK_PEMEGANG"), ("kendaraan", "NIK_PEMILIK")):
        t = pl.read_csv(regency / "truth" / f"{src}.csv", infer_schema=False).with_columns(
            pl.col("row_number").cast(pl.Int64))
        rows = with_rn(read(regency, src)).select("row_number", text=clean_nik(col), v="KODE_WILAYAH").join(
            d.filter(pl.col("source") == src).select("row_number"), on="row_number").join(t, on="row_number")
        for text, owner, ident, v in rows.select("text", "owner_nik", "identifiable", "v").iter_rows():
            if owner not in name_of:
                continue  # no registry owner, or the owner's own row is rejected
            hits = [n for n in repair_variants(text) if name_of.get(n) == name_of[owner]]
            if hits == [owner]:
                checked += 1
                assert ident == "true"
                unique_in_village += reg.filter((pl.col("KODE_WILAYAH") == v)
                                                & (pl.col("NAMA_LGKP") == name_of[owner])).height == 1
    assert checked >= 10
    assert checked > unique_in_village  # the rule matters: some of them have namesakes in the village


def test_land_is_judged_on_the_name_and_the_village_where_linkage_searches(regency):
    """A land record without a NIK can be told apart when its name and village single out its
    holder among everyone who could hold a parcel of that type there (synth/README.md), of age on
    the certificate's issue date: the
    village's namesakes, the district's (farm land lies next door far more often than a house
    plot), and holders from outside the registry. Linkage searches the parcel's village, then its
    district: a holder living in another district is never found by name."""
    reg = survivors(regency)
    # birth dates as written; a rejected row's (perhaps planted dirt) taken as unknown
    everyone = (with_rn(read(regency, "penduduk"))
                .with_columns(born=pl.when(~pl.col("row_number").is_in(rejected_rows(regency, "penduduk").implode()))
                              .then(parse_date("TGL_LHR")[0]))
                .select(clean_nik("NIK"), "NAMA_LGKP", "KODE_WILAYAH", "born").unique("NIK"))
    t = pl.read_csv(regency / "truth" / "tanah.csv", infer_schema=False).with_columns(pl.col("row_number").cast(pl.Int64))
    data = with_rn(read(regency, "tanah")).select("row_number", "NIK_PEMEGANG", "PENGGUNAAN", "TGL_TERBIT",
                                                  rv="KODE_WILAYAH")
    j = t.join(data, on="row_number").join(reg.select(owner_nik="NIK", name="NAMA_LGKP", ov="KODE_WILAYAH"),
                                           on="owner_nik")
    # Every certificate went to a holder of age on its issue date (co-holding spouses too).
    of_age = pl.col("TGL_TERBIT") - pl.duration(days=HOLDER_MIN_AGE_DAYS)
    j = j.with_columns(TGL_TERBIT=parse_date("TGL_TERBIT")[0]).join(
        everyone.select(owner_nik="NIK", owner_born="born"), on="owner_nik", how="left")
    dated = j.drop_nulls(["TGL_TERBIT", "owner_born"])
    assert dated.height > 0.9 * j.height and (dated["owner_born"] <= dated.select(of_age).to_series()).all()
    # placement: most parcels at home, most of the others in the same district
    home = (j["rv"] == j["ov"]).mean()
    same_d = ((j["rv"] != j["ov"]) & (j["rv"].str.slice(0, 8) == j["ov"].str.slice(0, 8))).mean()
    other_d = (j["rv"].str.slice(0, 8) != j["ov"].str.slice(0, 8)).mean()
    assert 0.85 < home < 0.95 and same_d > 3 * other_d > 0
    # the flag, for records carrying no NIK at all, with a name as the registry writes it
    j = j.filter(pl.col("NIK_PEMEGANG").is_null() & pl.col("name_variant").is_null()
                 & ~pl.col("row_number").is_in(rejected_rows(regency, "tanah").implode())
                 & pl.col("TGL_TERBIT").is_not_null())
    far = j.filter(pl.col("rv").str.slice(0, 8) != pl.col("ov").str.slice(0, 8))
    assert far.height > 0 and (far["identifiable"] == "false").all()
    # Namesakes in the parcel's village and district: of any age, and of age on the issue date
    # (only they can hold it). Records with a namesake of unknown birth date are left out.
    j = j.with_columns(d=pl.col("rv").str.slice(0, 8), cut=of_age)
    pairs = j.select("row_number", "rv", "d", "name", "cut").join(
        everyone.select(name="NAMA_LGKP", pv="KODE_WILAYAH", born="born", d=pl.col("KODE_WILAYAH").str.slice(0, 8)),
        on=["name", "d"])
    aged = pl.col("born") <= pl.col("cut")
    counts = pairs.group_by("row_number").agg(
        n_v=(aged & (pl.col("pv") == pl.col("rv"))).sum(), n_d=aged.sum(),
        n_v_any=(pl.col("pv") == pl.col("rv")).sum(), unknown=pl.col("born").is_null().any())
    j = (j.join(counts, on="row_number", how="left")
         .filter(~pl.col("unknown").fill_null(False))
         .with_columns(pl.col("n_v", "n_d", "n_v_any").fill_null(0)))
    at_home = j.filter(pl.col("rv") == pl.col("ov"))
    # a namesake in the village: the two cannot be told apart
    twins = at_home.filter(pl.col("n_v") > 1)
    assert twins.height > 0 and (twins["identifiable"] == "false").all()
    # the holder of another village of the district, under a name also borne in the parcel's village
    next_door = j.filter((pl.col("rv") != pl.col("ov")) & (pl.col("d") == pl.col("ov").str.slice(0, 8))
                         & (pl.col("n_v") > 0))
    assert next_door.height > 0 and (next_door["identifiable"] == "false").all()
    # nobody else bears the name in the district: told apart
    alone = at_home.filter(pl.col("n_d") == 1)
    assert alone.height > 0 and (alone["identifiable"] == "true").mean() > 0.9
    # ... even when village namesakes bear it who were children on the issue date
    young = alone.filter(pl.col("n_v_any") > 1)
    assert young.height > 0 and (young["identifiable"] == "true").mean() > 0.9
    # one namesake elsewhere in the district: a house plot is still its villager's, a sawah may be
    # the neighbour's
    one_more = at_home.filter((pl.col("n_v") == 1) & (pl.col("n_d") == 2))
    house = one_more.filter(pl.col("PENGGUNAAN").is_in(["PEKARANGAN", "PERUMAHAN"]))
    sawah = one_more.filter(pl.col("PENGGUNAAN") == "SAWAH")
    assert house.height > 0 and sawah.height > 0
    assert (house["identifiable"] == "true").mean() > 0.9 > 0.1 > (sawah["identifiable"] == "true").mean()
