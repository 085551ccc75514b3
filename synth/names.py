"""Name pools of Banyuwangi (Javanese, Osing, Madurese and Muslim Indonesian names) and the ways
agencies write a name differently from the registry (vectorised, polars)."""

from __future__ import annotations

import numpy as np
import polars as pl

# Single names: by far the most common form among people born before 1980. Order = frequency.
MALE_SINGLE = """SLAMET SUGENG SUKARDI SUPRIYADI SUTRISNO SUPARMAN SUMARDI SUNARTO SUWITO SUYITNO
SUPARDI SUKIRMAN SAMSUL SAMSI SANERI MISNADI MISRAN PAIMAN PAINO PAIDI KASIM KASIMAN KARSO KARMIN
KASTURI TUKIMAN TUMIRAN TARMIJI NGATIMAN NGADIMAN JUMADI JUMARI JUPRI MARNO MARSUDI MARYONO PARDI
PARMAN RAKIMAN RASIDI SAIFUL SAHRONI SUHARTO SUHARDI HARIYANTO HERMANTO BAMBANG BUDI JOKO AGUS EKO
HADI WAGIMAN WAGIRAN WIYONO YATIMAN SUJARWO SUYANTO SUYATNO SUYONO SUMARNO SUROTO TRIMO TUMIN SAHLAN
SAHURI MAHFUD MUNAWAR KHOIRUL KHOLIL SYAIFUL SYAMSUDIN CAHYONO CIPTO JUNAEDI YUSUF YUNUS YAKUB
SUNARYO SUJONO SUKAMTO SUMITRO SUPENO SURATMAN SURIPTO SUTARJO SUTIKNO SUWARNO TARMUJI TASLIM ARIFIN
MASRUKHAN MUSLIKH NURHADI RUSDI SANUSI SATUMAN SIDIK SUBAKIR SUDARSO SUKARNO SUTOYO HASAN HUSEN
IMAM ISMAIL JAENURI KUSNADI MATSARI MISDI MUJIONO NURSALIM PONIMAN RIYANTO SALIMAN SUPAAT TOHARI
WALUYO WARSITO ABDULLAH MUHTAR BADRI BUSRI DULLAH HOLIK JAMALI JUHARI KUSAINI MATRAWI MUHAMMAD""".split()

FEMALE_SINGLE = """SUPARMI SUMIATI SULASTRI SUMINAH SUWARNI SUPIYAH SUNARSIH SAMIYEM SAMINAH TUMINAH
TUKINEM PAINEM PARTINAH PARMI KASIATI KASMINI KARSIH MISNATUN MISTINI MARYATI MARSINAH JUMIATI
JUMAROH NGATINI NGAISAH RUKAYAH ROHMAH ROMLAH SITI SRI WARSINI WATINI WAGINEM YATMI YULIATI SUTIYAH
SUKESI SUYATI JUWARIYAH KHOTIJAH MUNAWAROH MUSLIMAH ASMINAH AMINAH FATIMAH ZAENAB HALIMAH SUKARTI
SUMARNI SUPINAH SURATMI SUWARTI TUMIRAH UMIYATI WAGIYEM KHOLIFAH MUSRIPAH NURHAYATI RAHAYU SARMINI
SATIYAH SULIATI SUMIYATI TITIK WIJI YATIMAH HOLIPAH JUMAATI MARIYAM MISRIYAH SAYUTI SUNIYAH
PONIYEM SUKINAH SUPIATI TARMI WASIYAH WARTINI SALAMAH SUTINAH KUSMIATI JAMILAH SITIYAH""".split()

MALE_FIRST = """AGUS BUDI EKO DWI HADI JOKO BAMBANG TRI HERU ARIF ANDI DEDI HENDRA SUGENG SLAMET
ACHMAD MOH IMAM TEGUH YUDI WAHYU RUDI DIDIK ENDRO KUKUH""".split()
MALE_SECOND = """SANTOSO SETIAWAN PRASETYO HARIYANTO WIBOWO SUSANTO KURNIAWAN HIDAYAT PURNOMO
SUGIARTO SUPRIYANTO RAHMAN HARTONO WIJAYA SUSILO UTOMO NUGROHO PRAYITNO CAHYONO SUBAGYO
WAHYUDI SULISTYO WIDODO SAPUTRO IRAWAN""".split()
MUSLIM_MALE_FIRST = ["MUHAMMAD", "AHMAD", "ABDUL", "MOH", "NUR", "MUHAMMAD", "MUHAMMAD", "SYAIFUL"]
MUSLIM_MALE_SECOND = """ALI YUSUF ROFIQ KHOIRUL ANAM FAUZI ROHMAN GHOFUR KHOLIQ MANAN HASAN HUSEIN
SHOLEH ARIFIN SYAHRONI ZAINI RIDWAN MAHMUD JUNAIDI HAMDAN ROZIKIN MUSTOFA IHSAN""".split()
FEMALE_FIRST = """DEWI ENDANG YULI TITIK SRI SITI NUR TRI DWI ANIK ENY ERNA LILIK RINI SUSI
WIWIK NINIK YAYUK""".split()
FEMALE_SECOND = """LESTARI WAHYUNI SUSANTI RAHAYU HARTATIK HANDAYANI PURWANTI SETYOWATI KURNIAWATI
ARIANI MULYANI WIDAYATI SURYANI YULIANA NINGSIH ASTUTIK SULISTYOWATI INDRAWATI""".split()
MUSLIM_FEMALE_FIRST = ["SITI", "SITI", "SITI", "NUR", "NURUL", "UMMI", "SITI"]
MUSLIM_FEMALE_SECOND = """AMINAH FATIMAH KHOTIJAH MARYAM ROMLAH NURJANAH HALIMAH ZULAIKHA MUNAWAROH
MASRUROH CHOIRIYAH KHOLIFAH HAYATI AINI HIDAYAH JANNAH AISYAH ROHMAH SYAROFAH MUFIDAH""".split()
MODERN_MALE_FIRST = """DIMAS RIZKY ADITYA FAJAR ARIF ANDIKA BAYU RIZAL FERDI GALIH ILHAM RENDI YOGA
DANDI ALDI REZA FIRMAN HENDRI MUHAMMAD MUHAMMAD AHMAD""".split()
MODERN_MALE_SECOND = """PRATAMA SAPUTRA RAMADHAN FIRMANSYAH MAULANA HIDAYATULLAH NUGRAHA SETIAWAN
KURNIAWAN PRASETYO ARDIANSYAH WICAKSONO ALFARIZI SYAHPUTRA""".split()
MODERN_FEMALE_FIRST = """PUTRI AYU DEWI NOVITA INDAH FITRI NADIA ANISA DIAN LINDA RATNA SELVI
WULAN AULIA SITI NUR ELOK""".split()
MODERN_FEMALE_SECOND = """LESTARI RAHMAWATI NURHALIZA SAFITRI PERMATASARI ANGGRAINI WULANDARI
KUMALASARI OKTAVIANI RAMADHANI PUSPITASARI AGUSTIN MAHARANI SALSABILA""".split()

COMPANY_NAMES = """PT. SUMBER REJEKI ABADI|CV. BLAMBANGAN JAYA|PT. OSING MANDIRI SEJAHTERA|
CV. TIRTA AGUNG|PT. MUNCAR SAMUDRA PERKASA|KOPERASI TANI MAKMUR|CV. RAHAYU MOTOR|
PT. IJEN LESTARI TRANSPORT|CV. SRITANJUNG|PT. BANYUWANGI AGRO NIAGA|CV. KARYA TANI|
PT. GANDRUNG SARANA NIAGA""".replace("\n", "").split("|")
LAND_INSTITUTIONS = """YAYASAN NURUL HUDA|NADZIR MASJID AL IKHLAS|YAYASAN PONDOK PESANTREN DARUSSALAM|
NADZIR MUSHOLLA AN NUR|YAYASAN AL HIKMAH|NADZIR MASJID BAITURRAHMAN""".replace("\n", "").split("|")
PLANTATION_COMPANIES = ["PT. PERKEBUNAN NUSANTARA XII", "PT. PERKEBUNAN KALIBARU BARU",
                        "PT. TRITUNGGAL SUKSES PERKEBUNAN"]

DUSUN = ["KRAJAN", "KRASAK", "SUMBERSARI", "TEGALREJO", "SUKOREJO", "KRAJAN BARAT", "KRAJAN TIMUR",
         "KEDUNGREJO", "PANCORAN", "SUMBERAGUNG", "GUNUNGSARI", "WONOREJO", "KARANGANYAR", "SIDOMULYO",
         "PUTUK", "JALEN"]
STREETS = """JL. RAYA JEMBER|JL. AHMAD YANI|JL. BRAWIJAYA|JL. DIPONEGORO|JL. KH. HASYIM ASYARI|
JL. GAJAH MADA|JL. SUDIRMAN|JL. KARTINI|JL. PB. SUDIRMAN|JL. SRITANJUNG|JL. MELATI|JL. MAWAR|
JL. KENANGA|JL. ADI SUCIPTO""".replace("\n", "").split("|")


def zipf_p(n: int, s: float = 0.9, shift: float = 3.0) -> np.ndarray:
    w = 1.0 / (np.arange(n) + shift) ** s
    return w / w.sum()


def _pick(rng: np.random.Generator, pool: list[str], n: int, s: float = 0.9) -> pl.Series:
    return pl.Series(pool, dtype=pl.String).gather(rng.choice(len(pool), size=n, p=zipf_p(len(pool), s)))


def make_names(rng: np.random.Generator, female: np.ndarray, birth_year: np.ndarray) -> pl.Series:
    """One registry name per person, by sex and birth cohort (vectorised)."""
    n = len(female)
    u = rng.random(n)
    old, mid = birth_year < 1970, (birth_year >= 1970) & (birth_year < 1995)
    # style: 0 single, 1 two-part, 2 Muslim compound, 3 modern
    style = np.where(old, np.select([u < 0.65, u < 0.88], [0, 1], 2),
                     np.where(mid, np.select([u < 0.38, u < 0.72], [0, 1], 2),
                              np.select([u < 0.12, u < 0.35, u < 0.58], [0, 1, 2], 3)))
    m = {
        0: _pick(rng, MALE_SINGLE, n),
        1: _pick(rng, MALE_FIRST, n) + " " + _pick(rng, MALE_SECOND, n),
        2: _pick(rng, MUSLIM_MALE_FIRST, n) + " " + _pick(rng, MUSLIM_MALE_SECOND, n),
        3: _pick(rng, MODERN_MALE_FIRST, n) + " " + _pick(rng, MODERN_MALE_SECOND, n),
    }
    f = {
        0: _pick(rng, FEMALE_SINGLE, n),
        1: _pick(rng, FEMALE_FIRST, n) + " " + _pick(rng, FEMALE_SECOND, n),
        2: _pick(rng, MUSLIM_FEMALE_FIRST, n) + " " + _pick(rng, MUSLIM_FEMALE_SECOND, n),
        3: _pick(rng, MODERN_FEMALE_FIRST, n) + " " + _pick(rng, MODERN_FEMALE_SECOND, n),
    }
    # a third part for some modern names
    third = rng.random(n) < 0.25
    m[3] = pl.select(pl.when(pl.lit(pl.Series(third))).then(
        m[3] + " " + _pick(rng, MODERN_MALE_SECOND, n)).otherwise(m[3])).to_series()
    f[3] = pl.select(pl.when(pl.lit(pl.Series(third))).then(
        f[3] + " " + _pick(rng, MODERN_FEMALE_SECOND, n)).otherwise(f[3])).to_series()
    df = pl.DataFrame({"style": style, "female": female, **{f"m{k}": v for k, v in m.items()},
                       **{f"f{k}": v for k, v in f.items()}})
    expr = None
    for k in range(4):
        cond = (pl.col("style") == k)
        val = pl.when(pl.col("female")).then(pl.col(f"f{k}")).otherwise(pl.col(f"m{k}"))
        expr = pl.when(cond).then(val) if expr is None else expr.when(cond).then(val)
    return df.select(expr.otherwise(pl.lit(None)).alias("name")).to_series()


# --- variants ----------------------------------------------------------------------------------
VARIANT_KINDS = ("CASE", "SPACES", "TITLE", "BIN_BINTI", "ABBREVIATION", "SPELLING",
                 "OLD_SPELLING", "TYPO", "DROPPED_PART")


def old_spelling(s: pl.Expr) -> pl.Expr:
    """Ejaan lama: modern J was DJ, C was TJ, SY was SJ, Y was J, KH was CH, U was OE."""
    return (s.str.replace_all("J", "DJ", literal=True).str.replace_all("C", "TJ", literal=True)
            .str.replace_all("SY", "SJ", literal=True).str.replace_all("Y", "J", literal=True)
            .str.replace_all("KH", "CH", literal=True).str.replace_all("U", "OE", literal=True))


_TYPO_LETTERS = "AEIOUNRSTMKL"


def apply_variants(rng: np.random.Generator, names: pl.Series, kinds: np.ndarray, female: np.ndarray,
                   adult_old: np.ndarray) -> tuple[pl.Series, pl.Series]:
    """Rewrite `names` per requested kind (index into VARIANT_KINDS, -1 = none).

    Returns the written names and the kind actually applied (a kind that does not apply to a name,
    e.g. ABBREVIATION without MUHAMMAD/SITI, falls back to CASE). `adult_old` marks holders old
    enough for hajj titles and the old spelling."""
    n = len(names)
    r = rng.random((6, n))
    father = _pick(rng, MALE_SINGLE, n)
    pos_u = r[0]
    typo_char = pl.Series(list(_TYPO_LETTERS)).gather(rng.integers(0, len(_TYPO_LETTERS), n))
    df = pl.DataFrame({"s": names, "k": kinds, "f": female, "old": adult_old, "father": father,
                       "r1": r[1], "r2": r[2], "u": pos_u, "c": typo_char})
    s = pl.col("s")
    k = pl.col("k")
    KI = {name: i for i, name in enumerate(VARIANT_KINDS)}
    has_muh = s.str.contains(r"^MUHAMMAD ")
    has_siti = s.str.contains(r"^SITI ")
    multi = s.str.contains(" ", literal=True)
    has_old = s.str.contains(r"[JCYU]|KH|SY")
    applicable = (
        pl.when(k == KI["ABBREVIATION"]).then(has_muh | has_siti)
        .when(k == KI["SPELLING"]).then(has_muh)
        .when(k == KI["OLD_SPELLING"]).then(has_old)
        .when(k == KI["DROPPED_PART"]).then(multi)
        .when(k == KI["TYPO"]).then(s.str.len_chars() >= 5)
        .otherwise(True)
    )
    df = df.with_columns(k=pl.when((k >= 0) & ~applicable).then(KI["CASE"]).otherwise(k))
    k = pl.col("k")
    title_m = pl.when(pl.col("old") & (pl.col("r1") < 0.6)).then(pl.lit("H. ") + s).when(
        pl.col("r1") < 0.75).then(pl.lit("DRS. ") + s).when(pl.col("r1") < 0.85).then(
        pl.lit("IR. ") + s).otherwise(s + pl.lit(", S.E."))
    title_f = pl.when(pl.col("old") & (pl.col("r1") < 0.6)).then(pl.lit("HJ. ") + s).when(
        pl.col("r1") < 0.8).then(s + pl.lit(", S.PD.")).otherwise(s + pl.lit(", A.MD."))
    title = pl.when(pl.col("f")).then(title_f).otherwise(title_m)
    muh_abbr = pl.when(pl.col("r1") < 0.3).then(pl.lit("M. ")).when(pl.col("r1") < 0.55).then(
        pl.lit("MOH. ")).when(pl.col("r1") < 0.8).then(pl.lit("MUH. ")).otherwise(pl.lit("MOCH. "))
    abbr = pl.when(has_muh).then(muh_abbr + s.str.slice(9)).otherwise(pl.lit("ST. ") + s.str.slice(5))
    spell = pl.when(pl.col("r1") < 0.3).then(pl.lit("MUHAMAD ")).when(pl.col("r1") < 0.55).then(
        pl.lit("MOCHAMMAD ")).when(pl.col("r1") < 0.8).then(pl.lit("MOHAMAD ")).otherwise(
        pl.lit("MOCHAMAD ")) + s.str.slice(9)
    case = pl.when(pl.col("r1") < 0.6).then(s.str.to_titlecase()).otherwise(s.str.to_lowercase())
    spaces = pl.when(multi & (pl.col("r1") < 0.6)).then(s.str.replace(" ", "  ", literal=True)).when(
        pl.col("r1") < 0.8).then(s + pl.lit(" ")).otherwise(pl.lit(" ") + s)
    binb = s + pl.when(pl.col("f")).then(pl.lit(" BINTI ")).otherwise(pl.lit(" BIN ")) + pl.col("father")
    length = s.str.len_chars()
    pos = (pl.col("u") * (length - 2).cast(pl.Float64)).floor().cast(pl.Int64) + 1
    sub = s.str.slice(0, pos) + pl.col("c") + s.str.slice(pos + 1)
    dele = s.str.slice(0, pos) + s.str.slice(pos + 1)
    typo = pl.when(pl.col("r1") < 0.6).then(sub).otherwise(dele)
    parts = s.str.split(" ")
    nparts = parts.list.len()
    dropped = (
        pl.when(nparts >= 3).then(parts.list.first() + pl.lit(" ") + parts.list.last())
        .when(pl.col("r1") < 0.5).then(parts.list.first() + pl.lit(" ") + parts.list.last().str.slice(0, 1) + pl.lit("."))
        .otherwise(parts.list.last())
    )
    out = (
        pl.when(k == KI["CASE"]).then(case)
        .when(k == KI["SPACES"]).then(spaces)
        .when(k == KI["TITLE"]).then(title)
        .when(k == KI["BIN_BINTI"]).then(binb)
        .when(k == KI["ABBREVIATION"]).then(abbr)
        .when(k == KI["SPELLING"]).then(spell)
        .when(k == KI["OLD_SPELLING"]).then(old_spelling(s))
        .when(k == KI["TYPO"]).then(typo)
        .when(k == KI["DROPPED_PART"]).then(dropped)
        .otherwise(s)
    )
    kind_name = pl.Series(list(VARIANT_KINDS) + [""], dtype=pl.String)
    res = df.select(out.alias("name"), k.alias("k"))
    kk = res["k"].to_numpy().copy()
    kk[kk < 0] = len(VARIANT_KINDS)
    return res["name"], kind_name.gather(kk)
